"""The ministry's assessment through the API (issue 16): the queue, search and review are the verval
queue's operations with the assessment's rows (verification/apis.py); a decision on one item and the
bulk acceptance are this stage's. POSTs accept an `Idempotency-Key` header; a decision on an item
already decided answers 409. Roles per operation in determination/permissions.py."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from dtks.registry.models import Finding
from verification.apis import QUEUE_PARAMETERS, VervalQueueApi, VervalReviewApi, VervalSearchApi
from verification.decision_apis import CONFLICT, decision_errors
from verification.services import FILTER_REFUSED

from .assessment import ASSESSMENT, assessment_accept_bulk, assessment_decide
from .models import Assessment, AssessmentDecision

PK = id_parameter("pk")
TEXT = {"required": False, "allow_blank": True, "default": ""}
# The assessment queue's parameters: the verval queue's, with the regency (`wilayah`) for the village.
PARAMETERS = [p for p in QUEUE_PARAMETERS if p.name != "desa"] + [
    OpenApiParameter("wilayah", OpenApiTypes.STR, description=_("Kode kabupaten/kota (4 angka)."))
]


@extend_schema(tags=["penilaian"], parameters=PARAMETERS)
class AssessmentQueueApi(VervalQueueApi):
    """Antrean penilaian Kementerian Sosial (tab `penilaian`: data yang diteruskan provinsi; tab
    `verval`: verval Kementerian sendiri), terlama dulu, dengan jumlah per nilai saringan. KK disamarkan."""

    queue = ASSESSMENT
    search_path = "/api/v1/penilaian/cari/"


@extend_schema(tags=["penilaian"])
class AssessmentSearchApi(VervalSearchApi):
    """Cari usulan di antrean penilaian dengan NIK atau nomor KK (di badan permintaan, tidak di URL)."""

    queue = ASSESSMENT


@extend_schema(tags=["penilaian"])
class AssessmentReviewApi(VervalReviewApi):
    """Tinjauan satu usulan untuk penilaian: isi di samping registri, temuan (pemeriksaan terakhir),
    perbandingan Dukcapil, dan perjalanan lintas tahap."""


class AssessmentSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AssessmentDecision.choices)
    rule_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=Finding.Rule.choices),
        required=False,
        default=list,
        max_length=20,
    )
    note = serializers.CharField(max_length=4000, **TEXT)
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=2000, allow_blank=True), required=False, default=dict
    )


class AssessmentResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = ("id", "item", "decision", "rule_codes", "note", "overrides", "findings", "decided_at")


class AssessmentDecideApi(GenericAPIView):
    serializer_class = AssessmentSerializer

    @extend_schema(
        tags=["penilaian"],
        parameters=[PK, IDEMPOTENCY],
        request=AssessmentSerializer,
        responses={201: AssessmentResultSerializer, **CONFLICT, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Nilai satu usulan: terima (alasan pengabaian per temuan yang tersisa, `overrides`),
        kembalikan ke kabupaten/kota dengan kode kriteria (`rule_codes`) dan catatan, atau kirim ke
        penjaminan kualitas (usulan yang gagal lagi setelah diperbaiki); untuk verval Kementerian
        sendiri: terima langsung atau tolak. Usulan yang sudah diputuskan: 409."""
        key = idempotency_key(request)
        data = AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with decision_errors():
            record = assessment_decide(
                item_id=pk,
                decision=d["decision"],
                actor=request.user,
                note=d["note"],
                rule_codes=d["rule_codes"],
                overrides=d.get("overrides") or None,
                idempotency_key=key,
                ip=client_ip(request),
            )
        return Response(AssessmentResultSerializer(record).data, status=status.HTTP_201_CREATED)


FILTER_TEXT = {"max_length": 200, "required": False, "allow_blank": True}


class AssessmentFilterSerializer(serializers.Serializer):
    """Saringan antrean penilaian dengan nama dan nilai yang sama seperti GET /api/v1/penilaian/ (tab
    hanya `penilaian`); nilai yang tidak dikenal ditolak."""

    tab = serializers.CharField(**FILTER_TEXT)
    wilayah = serializers.CharField(**FILTER_TEXT)
    jenis = serializers.CharField(**FILTER_TEXT)
    saluran = serializers.CharField(**FILTER_TEXT)
    umur = serializers.CharField(**FILTER_TEXT)
    temuan = serializers.CharField(**FILTER_TEXT)
    q = serializers.CharField(**FILTER_TEXT)

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(ASSESSMENT.filter_params)) if isinstance(data, Mapping) else []
        if unknown:
            raise serializers.ValidationError({name: [FILTER_REFUSED] for name in unknown})
        return super().to_internal_value(data)


class BulkAcceptSerializer(serializers.Serializer):
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10**18 - 1), required=False, max_length=100_000
    )
    filter = AssessmentFilterSerializer(required=False)

    def validate(self, attrs):
        if ("item_ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"item_ids": _("Kirim `item_ids` atau `filter`, salah satu.")})
        return attrs


BULK_RESULT = inline_serializer(
    "AssessmentBulkAcceptance",
    {
        "total": serializers.IntegerField(),
        "changed": serializers.ListField(child=serializers.IntegerField()),
        "skipped": serializers.DictField(child=serializers.CharField()),
    },
)


class AssessmentBulkAcceptApi(GenericAPIView):
    serializer_class = BulkAcceptSerializer

    @extend_schema(tags=["penilaian"], request=BulkAcceptSerializer, responses={200: BULK_RESULT, **ERRORS})
    def post(self, request, *args, **kwargs):
        """Terima banyak usulan sekaligus: daftar nomor (`item_ids`) atau seluruh hasil saringan tab
        penilaian (`filter`). Hanya usulan tanpa temuan yang diterima; yang lain dilewati dengan
        alasannya (nilai satu per satu). Paling banyak 10.000 usulan per permintaan. Mengulang permintaan
        tidak menerima dua kali: usulan yang sudah diterima dilewati."""
        data = BulkAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        kwargs = {"filters": d["filter"]} if "filter" in d else {"item_ids": d["item_ids"]}
        result = assessment_accept_bulk(actor=request.user, ip=client_ip(request), **kwargs)
        return Response(
            {
                "total": result.total,
                "changed": result.changed,
                "skipped": {str(k): v for k, v in result.skipped.items()},
            }
        )
