"""The Dukcapil API (docs/api.md, "Dukcapil"): what the pages do, for integrations.

    GET  /api/v1/dukcapil/rekonsiliasi/      the reconciliation in the caller's scope: counts by reason
                                             and the differing persons, cursor-paged (NIK/KK masked)
    POST /api/v1/dukcapil/ekstrak/           upload an extract (multipart); 202, loaded by a task
    GET  /api/v1/dukcapil/ekstrak/{id}/      its status and progress

Thin views over the same services and selectors as the pages: the upload refuses exactly what the page
refuses, with the same message under the same field (`file`, `sumber`, `tanggal_ekstrak`), as a 400 in
the API's error format. Roles are in dtks/permissions.py.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter, is_schema_generation
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from dtks.api.pagination import RegistryCursorPagination
from dtks.api.serializers import clean_region_code
from dtks.registry.masking import mask_id

from .forms import DATE_INVALID
from .models import Extract, ReconciliationRow
from .reconciliation import REASONS
from .selectors import extracts_visible_to, reconciliation_rows, reconciliation_summary
from .services import civil_extract_create

# --- extracts ------------------------------------------------------------------------------------


class ExtractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extract
        fields = (
            "id",
            "source",
            "extract_date",
            "file_name",
            "status",
            "progress",
            "error_message",
            "current",
            "rows_read",
            "rows_refused",
            "persons",
            "reconciling",
            "created_at",
            "finished_at",
        )
        read_only_fields = fields


class ExtractUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,  # the service names the fix for an empty file
        help_text=_("Ekstrak Dukcapil, CSV atau XLSX (kolom: docs/civil_registry.md)."),
        error_messages={
            "invalid": _("Kirim berkas ekstrak sebagai multipart/form-data pada isian file."),
            "no_name": _("Berkas ekstrak tanpa nama berkas; kirim ulang dengan nama berkasnya."),
        },
    )
    sumber = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=_("Misalnya: Dukcapil Kab. Magelang.")
    )
    tanggal_ekstrak = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Tanggal Dukcapil membuat ekstrak ini (YYYY-MM-DD), tidak di masa depan."),
        error_messages={"invalid": DATE_INVALID},
    )


def _extract_or_404(request, pk: int) -> Extract:
    extract = extracts_visible_to(user=request.user).filter(pk=pk).first()
    if extract is None:
        raise exceptions.NotFound()
    return extract


class ExtractUploadApi(GenericAPIView):
    serializer_class = ExtractUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["dukcapil"],
        parameters=[IDEMPOTENCY],
        request={"multipart/form-data": ExtractUploadSerializer},
        responses={202: ExtractSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        """Unggah ekstrak Dukcapil; dimuat di latar belakang: ikuti `status` sampai `done` (atau
        `failed` dengan `error_message`). Rekonsiliasi dihitung ulang sesudahnya."""
        key = idempotency_key(request)
        data = ExtractUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extract = civil_extract_create(
            uploaded=data.validated_data.get("file"),
            source=data.validated_data.get("sumber"),
            extract_date=data.validated_data.get("tanggal_ekstrak"),
            actor=request.user,
            ip=client_ip(request),
            idempotency_key=key,
        )
        return Response(ExtractSerializer(extract).data, status=status.HTTP_202_ACCEPTED)


class ExtractDetailApi(GenericAPIView):
    serializer_class = ExtractSerializer

    @extend_schema(
        tags=["dukcapil"],
        parameters=[id_parameter("pk")],
        responses={200: ExtractSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Status, kemajuan dan hasil satu ekstrak (baris dibaca, ditolak, dimuat)."""
        return Response(ExtractSerializer(_extract_or_404(request, pk)).data)


# --- the reconciliation --------------------------------------------------------------------------


class ReconciliationQuerySerializer(serializers.Serializer):
    alasan = serializers.ChoiceField(
        choices=list(REASONS),
        required=False,
        allow_blank=True,
        help_text=_("Hanya orang dengan alasan ini."),
        error_messages={
            "invalid_choice": _(
                "Alasan tidak dikenal; pilih salah satu: not_found, other_person, nama, tanggal_lahir, "
                "jenis_kelamin, no_kk, kode_wilayah."
            )
        },
    )
    wilayah = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=13,
        help_text=_(
            "Kode wilayah (provinsi, kabupaten/kota, kecamatan atau desa/kelurahan) di dalam cakupan Anda."
        ),
    )

    def validate_wilayah(self, value: str) -> str:
        return clean_region_code(value) if value else ""


class PartSerializer(serializers.Serializer):
    part = serializers.ChoiceField(choices=list(REASONS), read_only=True)
    ours = serializers.CharField(read_only=True, required=False, help_text=_("Nilai di DTKS."))
    theirs = serializers.CharField(read_only=True, required=False, help_text=_("Nilai di Dukcapil."))
    score = serializers.IntegerField(read_only=True, required=False, help_text=_("Kemiripan nama, 0–100."))
    swapped = serializers.BooleanField(read_only=True, required=False)
    ours_alamat = serializers.CharField(read_only=True, required=False)
    theirs_alamat = serializers.CharField(read_only=True, required=False)


class ReconciliationRowSerializer(serializers.ModelSerializer):
    nik = serializers.SerializerMethodField(help_text=_("Disamarkan (3371**********01)."))
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    detail = serializers.SerializerMethodField(
        help_text=_(
            "Bagian yang berbeda dengan kedua nilainya; nomor KK disamarkan. `not_found` dan "
            "`other_person` tanpa nilai."
        )
    )

    class Meta:
        model = ReconciliationRow
        fields = ("person_id", "nik", "nama", "kode_wilayah", "parts", "detail")
        read_only_fields = fields

    def get_nik(self, row) -> str:
        return mask_id(row.nik)

    @extend_schema_field(PartSerializer(many=True))
    def get_detail(self, row) -> list[dict]:
        parts = []
        for p in row.detail.get("parts", []):
            p = dict(p)
            if p.get("part") == "no_kk":
                p["ours"], p["theirs"] = mask_id(p.get("ours")), mask_id(p.get("theirs"))
            parts.append(p)
        return parts


class ReconciliationPagination(RegistryCursorPagination):
    """The rows, keyset-paged in list order, with the summary of the same scope and filter."""

    ordering = "id"

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data = {**self.summary, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        base = super().get_paginated_response_schema(schema)
        count = {"type": "integer", "minimum": 0}
        extract = {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": count,
                "source": {"type": "string"},
                "extract_date": {"type": "string", "format": "date"},
            },
        }
        base["properties"] = {
            "reconciliation": {
                "type": "object",
                "nullable": True,
                "description": str(_("Rekonsiliasi terakhir; null bila belum ada.")),
                "properties": {
                    "id": count,
                    "computed_at": {"type": "string", "format": "date-time"},
                    "extract": extract,
                    "stale": {"type": "boolean"},
                },
            },
            "source_configured": {"type": "string", "enum": ["none", "extract", "http"]},
            "persons_checked": count,
            "persons_differing": count,
            "counts": {"type": "object", "properties": {r: count for r in REASONS}},
            "total": count,
            **base["properties"],
        }
        return base


def _summary_body(summary, reason: str) -> dict:
    rec = summary.reconciliation
    return {
        "reconciliation": None
        if rec is None
        else {
            "id": rec.pk,
            "computed_at": serializers.DateTimeField().to_representation(rec.computed_at),
            "extract": {
                "id": summary.extract.pk,
                "source": summary.extract.source,
                "extract_date": summary.extract.extract_date.isoformat(),
            },
            "stale": summary.stale,
        },
        "source_configured": summary.source,
        "persons_checked": summary.persons_checked,
        "persons_differing": summary.persons_differing,
        "counts": summary.counts,
        "total": summary.total(reason),
    }


@extend_schema(
    tags=["dukcapil"],
    parameters=[ReconciliationQuerySerializer],
    responses={200: ReconciliationRowSerializer, **ERRORS},
)
class ReconciliationApi(ListAPIView):
    """Orang dalam cakupan Anda yang datanya berbeda dengan ekstrak Dukcapil, dengan jumlah per alasan;
    NIK dan KK disamarkan. Saring dengan `alasan` dan `wilayah`."""

    serializer_class = ReconciliationRowSerializer
    pagination_class = ReconciliationPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return ReconciliationRow.objects.none()
        query = ReconciliationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        area = query.validated_data.get("wilayah") or ""
        reason = query.validated_data.get("alasan") or ""
        summary = reconciliation_summary(user=self.request.user, area=area)
        self.paginator.summary = _summary_body(summary, reason)
        if summary.reconciliation is None:
            return ReconciliationRow.objects.none()
        # `area` only narrows rows the selector already scoped: a code outside the scope lists nothing.
        return reconciliation_rows(user=self.request.user, area=area, reason=reason)
