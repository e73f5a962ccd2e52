"""The regency submission through the API (issue 14): list and gather, one submission with its summary,
sign-off (multipart, with the regent's/mayor's letter) and sending to the province, and the province's
forward to the ministry and dispute (issue 16, verification/province.py) — every step the pages offer.
A step already taken answers 409. Roles per operation are in verification/permissions.py."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.api.pagination import RegistryCursorPagination
from proposals.item import AlreadyDecided

from .models import RegencySubmission
from .province import ITEMS_MAX, REASON_MAX, submission_dispute, submission_forward
from .submissions import (
    SubmissionNotFound,
    submission_gather,
    submission_send,
    submission_sign,
    submission_summary,
    submissions_visible_to,
)

PK = id_parameter("pk")
CONFLICT = {409: OpenApiResponse(description=_("Langkah ini sudah diambil untuk pengajuan ini."))}


class StepTakenError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Langkah ini sudah diambil untuk pengajuan ini.")
    default_code = "already_decided"


class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegencySubmission
        fields = (
            "id",
            "regency_code",
            "number",
            "state",
            "item_count",
            "letter_number",
            "letter_date",
            "letter_sha256",
            "recap_sha256",
            "note",
            "created_at",
            "signed_at",
            "sent_at",
            "forwarded_at",
        )


class CountSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    persons = serializers.IntegerField()
    by_kind = CountSerializer(many=True)
    by_channel = CountSerializer(many=True)
    by_village = CountSerializer(many=True)
    overrides = CountSerializer(many=True)
    by_state = CountSerializer(many=True)


class SubmissionDetailSerializer(SubmissionSerializer):
    summary = serializers.SerializerMethodField()
    item_ids = serializers.SerializerMethodField()

    class Meta(SubmissionSerializer.Meta):
        fields = (*SubmissionSerializer.Meta.fields, "summary", "item_ids")

    def get_summary(self, sub) -> dict:
        s = submission_summary(sub)

        def rows(items):
            return [{"code": c, "label": str(label), "count": n} for c, label, n in items]

        return SummarySerializer(
            {
                "total": s.total,
                "persons": s.persons,
                "by_kind": rows(s.by_kind),
                "by_channel": rows(s.by_channel),
                "by_village": rows(s.by_village),
                "overrides": rows(s.overrides),
                "by_state": rows(s.by_state),
            }
        ).data

    def get_item_ids(self, sub) -> list[int]:
        return list(sub.entries.order_by("item_id").values_list("item_id", flat=True))


class SignSerializer(serializers.Serializer):
    letter = serializers.FileField(required=False, allow_empty_file=True)
    letter_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    letter_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


def _visible(request, pk: int) -> RegencySubmission:
    sub = submissions_visible_to(user=request.user).filter(pk=pk).first()
    if sub is None:
        raise exceptions.NotFound()
    return sub


class SubmissionPagination(RegistryCursorPagination):
    ordering = "-id"


class SubmissionListApi(ListAPIView):
    serializer_class = SubmissionSerializer
    pagination_class = SubmissionPagination

    def get_queryset(self):
        return submissions_visible_to(user=self.request.user)

    @extend_schema(tags=["verval"], responses={200: SubmissionSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        """Pengajuan dalam cakupan Anda, terbaru lebih dulu: kabupaten/kota melihat semua pengajuannya,
        provinsi yang sudah dikirim kepadanya."""
        return super().get(request, *args, **kwargs)


class SubmissionGatherApi(GenericAPIView):
    serializer_class = SubmissionSerializer

    @extend_schema(tags=["verval"], request=None, responses={201: SubmissionSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        """Kumpulkan usulan terverifikasi yang belum diajukan ke pengajuan yang sedang disusun (dibuat
        bila belum ada). Mengulang tanpa usulan baru tidak mengubah apa pun."""
        sub = submission_gather(actor=request.user, ip=client_ip(request))
        return Response(SubmissionSerializer(sub).data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(GenericAPIView):
    serializer_class = SubmissionDetailSerializer

    @extend_schema(
        tags=["verval"], parameters=[PK], responses={200: SubmissionDetailSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Satu pengajuan dengan ringkasannya (per jenis, jalur, desa/kelurahan, dan temuan yang
        diabaikan) dan nomor usulannya."""
        return Response(SubmissionDetailSerializer(_visible(request, pk)).data)


class SubmissionSignApi(GenericAPIView):
    serializer_class = SignSerializer

    @extend_schema(
        tags=["verval"],
        parameters=[PK],
        request={"multipart/form-data": SignSerializer},
        responses={200: SubmissionSerializer, **CONFLICT, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Sahkan pengajuan (kepala dinas sosial) dengan surat persetujuan bupati/wali kota (`letter`:
        PDF, JPEG, atau PNG), nomor dan tanggalnya: usulannya menjadi Disahkan kabupaten/kota dan rekap
        PDF dibuat (SHA-256 pada `recap_sha256`)."""
        _visible(request, pk)
        data = SignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            sub = submission_sign(
                submission_id=pk,
                actor=request.user,
                letter=d.get("letter"),
                letter_number=d["letter_number"],
                letter_date=d["letter_date"],
                note=d["note"],
                ip=client_ip(request),
            )
        except SubmissionNotFound as exc:
            raise exceptions.NotFound() from exc
        except AlreadyDecided as exc:
            raise StepTakenError(exc.messages[0]) from exc
        return Response(SubmissionSerializer(sub).data)


class SubmissionSendApi(GenericAPIView):
    serializer_class = SubmissionSerializer

    @extend_schema(
        tags=["verval"],
        parameters=[PK],
        request=None,
        responses={200: SubmissionSerializer, **CONFLICT, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Kirim pengajuan yang sudah disahkan ke provinsi."""
        _visible(request, pk)
        try:
            sub = submission_send(submission_id=pk, actor=request.user, ip=client_ip(request))
        except SubmissionNotFound as exc:
            raise exceptions.NotFound() from exc
        except AlreadyDecided as exc:
            raise StepTakenError(exc.messages[0]) from exc
        return Response(SubmissionSerializer(sub).data)


# ---- the province (issue 16) ----------------------------------------------------------------------


def _item_ids(**kw) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=ITEMS_MAX,
        allow_empty=True,
        **kw,
    )


class ForwardSerializer(serializers.Serializer):
    items = _item_ids(
        required=False,
        help_text=_("Nomor usulan yang diteruskan; tanpa `items`, setiap usulan yang masih menunggu."),
    )


class DisputeSerializer(serializers.Serializer):
    items = _item_ids(required=False, help_text=_("Nomor usulan yang disanggah (wajib, minimal satu)."))
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class ProvinceStepSerializer(serializers.Serializer):
    submission = SubmissionSerializer()
    changed = serializers.ListField(child=serializers.IntegerField())
    unchanged = serializers.ListField(child=serializers.IntegerField())
    waiting = serializers.IntegerField()


PROVINCE_STEP = {200: ProvinceStepSerializer, **CONFLICT, **ERRORS, **NOT_FOUND}


def _province_step(request, pk: int, serializer, run) -> Response:
    _visible(request, pk)
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        step = run(data.validated_data)
    except SubmissionNotFound as exc:
        raise exceptions.NotFound() from exc
    except AlreadyDecided as exc:
        raise StepTakenError(exc.messages[0]) from exc
    return Response(
        ProvinceStepSerializer(
            {
                "submission": step.submission,
                "changed": step.changed,
                "unchanged": step.unchanged,
                "waiting": step.waiting,
            }
        ).data
    )


class SubmissionForwardApi(GenericAPIView):
    serializer_class = ForwardSerializer

    @extend_schema(tags=["verval"], parameters=[PK], request=ForwardSerializer, responses=PROVINCE_STEP)
    def post(self, request, pk: int, *args, **kwargs):
        """Teruskan usulan pengajuan ke Kementerian Sosial (dinas sosial provinsi): yang disebut di
        `items`, atau tanpa `items` setiap usulan yang masih menunggu. Usulan yang sudah diteruskan
        dibiarkan (`unchanged`); bila tidak ada lagi yang menunggu, pengajuan menjadi Diteruskan ke
        Kementerian Sosial."""
        return _province_step(
            request,
            pk,
            ForwardSerializer,
            lambda d: submission_forward(
                submission_id=pk, actor=request.user, item_ids=d.get("items"), ip=client_ip(request)
            ),
        )


class SubmissionDisputeApi(GenericAPIView):
    serializer_class = DisputeSerializer

    @extend_schema(tags=["verval"], parameters=[PK], request=DisputeSerializer, responses=PROVINCE_STEP)
    def post(self, request, pk: int, *args, **kwargs):
        """Sanggah usulan pengajuan (dinas sosial provinsi) dengan alasan (`reason`, wajib): usulan di
        `items` menjadi Disanggah dan tidak ikut diteruskan; sisanya tetap dapat diteruskan."""
        return _province_step(
            request,
            pk,
            DisputeSerializer,
            lambda d: submission_dispute(
                submission_id=pk,
                actor=request.user,
                item_ids=d.get("items"),
                reason=d["reason"],
                ip=client_ip(request),
            ),
        )
