"""The verifier's decisions through the API (issue 14): every decision the pages offer, on one item
and in bulk, with the bulk decision's progress. POSTs accept an `Idempotency-Key` header
(dtks/api/idempotency.py); a decision on an item already decided answers 409. Roles per operation are
in verification/permissions.py."""

from collections.abc import Mapping
from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from proposals.item import AlreadyDecided

from .models import BulkDecision, DecisionKind, RejectReason, VervalDecision
from .selectors import FILTER_PARAMS, bulk_decisions_visible_to
from .services import FILTER_REFUSED, ItemNotFound, verval_decide, verval_decide_bulk

PK = id_parameter("pk")
TEXT = {"required": False, "allow_blank": True, "default": ""}


class CorrectionsSerializer(serializers.Serializer):
    family = serializers.DictField(required=False, allow_null=True)
    persons = serializers.ListField(child=serializers.DictField(), max_length=50)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    reason = serializers.CharField(max_length=2000, **TEXT)
    reason_code = serializers.ChoiceField(choices=RejectReason.choices, **TEXT)
    note = serializers.CharField(max_length=4000, **TEXT)
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=2000, allow_blank=True), required=False, default=dict
    )
    corrections = CorrectionsSerializer(required=False, allow_null=True)


class DecisionResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = VervalDecision
        fields = (
            "id",
            "item",
            "decision",
            "reason",
            "reason_code",
            "note",
            "overrides",
            "diff",
            "decided_at",
        )


# A filter parameter of the queue, as a string: the service parses it as the queue does and refuses a
# value the queue would drop, with the page's messages.
FILTER_TEXT = {"max_length": 200, "required": False, "allow_blank": True}


class BulkFilterSerializer(serializers.Serializer):
    """Saringan antrean dengan nama dan nilai yang sama seperti GET /api/v1/verval/ (tab hanya
    `antrean`); nilai yang tidak dikenal ditolak."""

    # The queue's filter parameters (selectors.FILTER_PARAMS).
    tab = serializers.CharField(**FILTER_TEXT)
    desa = serializers.CharField(**FILTER_TEXT)
    jenis = serializers.CharField(**FILTER_TEXT)
    saluran = serializers.CharField(**FILTER_TEXT)
    umur = serializers.CharField(**FILTER_TEXT)
    temuan = serializers.CharField(**FILTER_TEXT)
    q = serializers.CharField(**FILTER_TEXT)

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(FILTER_PARAMS)) if isinstance(data, Mapping) else []
        if unknown:
            # Ignored, an unknown filter would widen what the decision takes.
            raise serializers.ValidationError({name: [FILTER_REFUSED] for name in unknown})
        return super().to_internal_value(data)


class BulkSerializer(serializers.Serializer):
    # The full list (one enum in the schema); the service refuses "verify_corrected" in bulk (400).
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10**18 - 1), required=False, max_length=100_000
    )
    filter = BulkFilterSerializer(required=False)
    reason = serializers.CharField(max_length=2000, **TEXT)
    reason_code = serializers.ChoiceField(choices=RejectReason.choices, **TEXT)
    note = serializers.CharField(max_length=4000, **TEXT)

    def validate(self, attrs):
        if ("item_ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"item_ids": _("Kirim `item_ids` atau `filter`, salah satu.")})
        return attrs


class BulkResultSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = BulkDecision
        fields = (
            "id",
            "decision",
            "reason",
            "reason_code",
            "status",
            "total",
            "done",
            "percent",
            "changed",
            "skipped",
            "error_message",
            "created_at",
            "finished_at",
        )


CONFLICT = {409: OpenApiResponse(description=_("Usulan ini sudah diputuskan."))}


class AlreadyDecidedError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Usulan ini sudah diputuskan.")
    default_code = "already_decided"


@contextmanager
def decision_errors():
    """A decision service's refusals as API answers: out of scope 404, decided already 409 (its
    ValidationError and PermissionDenied are the API's 400 and 403 as everywhere)."""
    try:
        yield
    except ItemNotFound as exc:
        raise exceptions.NotFound() from exc
    except AlreadyDecided as exc:
        raise AlreadyDecidedError(exc.messages[0]) from exc


class DecisionApi(GenericAPIView):
    serializer_class = DecisionSerializer

    @extend_schema(
        tags=["verval"],
        parameters=[PK, IDEMPOTENCY],
        request=DecisionSerializer,
        responses={201: DecisionResultSerializer, **CONFLICT, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Putuskan satu usulan: verifikasi (sesuai usulan atau dengan perbaikan), kembalikan ke desa
        dengan alasan, atau tolak dengan kode alasan. Temuan integritas perlu alasan pengabaian per
        aturan (`overrides`). Usulan yang sudah diputuskan: 409."""
        key = idempotency_key(request)
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        with decision_errors():
            record = verval_decide(
                item_id=pk,
                decision=d["decision"],
                actor=request.user,
                reason=d["reason"],
                reason_code=d["reason_code"],
                note=d["note"],
                overrides=d.get("overrides") or None,
                corrections=d.get("corrections") or None,
                idempotency_key=key,
                ip=client_ip(request),
            )
        return Response(DecisionResultSerializer(record).data, status=status.HTTP_201_CREATED)


class BulkApi(GenericAPIView):
    serializer_class = BulkSerializer

    @extend_schema(
        tags=["verval"],
        parameters=[IDEMPOTENCY],
        request=BulkSerializer,
        responses={201: BulkResultSerializer, 202: BulkResultSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        """Satu keputusan atas banyak usulan: daftar nomor (`item_ids`) atau seluruh hasil saringan
        antrean (`filter`, dengan nama dan nilai saringan yang sama seperti GET /api/v1/verval/; nilai
        yang tidak dikenal ditolak). Hanya usulan tanpa temuan yang diputuskan; yang lain dilewati
        dengan alasannya. Lebih dari 500 usulan diproses di latar (202); pantau kemajuannya."""
        key = idempotency_key(request)
        data = BulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        kwargs = {}
        if "filter" in d:
            kwargs["filters"] = d["filter"]
        else:
            kwargs["item_ids"] = d["item_ids"]
        job = verval_decide_bulk(
            actor=request.user,
            decision=d["decision"],
            reason=d["reason"],
            reason_code=d["reason_code"],
            note=d["note"],
            idempotency_key=key,
            ip=client_ip(request),
            **kwargs,
        )
        code = status.HTTP_202_ACCEPTED if job.running else status.HTTP_201_CREATED
        return Response(BulkResultSerializer(job).data, status=code)


class BulkDetailApi(GenericAPIView):
    serializer_class = BulkResultSerializer

    @extend_schema(
        tags=["verval"], parameters=[PK], responses={200: BulkResultSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Kemajuan dan hasil satu keputusan massal (usulan yang diputuskan dan yang dilewati)."""
        job = bulk_decisions_visible_to(user=request.user).filter(pk=pk).first()
        if job is None:
            raise exceptions.NotFound()
        return Response(BulkResultSerializer(job).data)
