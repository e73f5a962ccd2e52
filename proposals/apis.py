"""The proposals API: musyawarah and items (list, detail, create, transition), thin views over
proposals.selectors (every read scoped there) and proposals.services (every write).

POSTs accept an `Idempotency-Key` header: a retried request with the same key (per user) returns
the same result and creates nothing new. Item keys are stored on the item (`idempotency_key`),
musyawarah keys in the audit row of the creating request; transitions are idempotent by nature
(the same transition again leaves the item as it is). Roles are in dtks/permissions.py.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter, is_schema_generation
from dtks.api.pagination import RegistryCursorPagination
from dtks.audit.services import audit_record

from . import serializers as s
from . import services
from .models import Musyawarah, ProposalItem, ProposalPerson
from .selectors import musyawarah_visible_to, proposal_items_visible_to

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Kunci unik per permintaan; permintaan ulang dengan kunci yang sama tidak membuat apa pun lagi."
    ),
)
PK = id_parameter("pk")
KEY_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


def idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not (1 <= len(key) <= 64) or not set(key) <= KEY_CHARS:
        raise exceptions.ValidationError(
            {
                "Idempotency-Key": [
                    _("Kunci idempoten 1–64 karakter: huruf, angka, titik, titik dua, _ atau -.")
                ]
            }
        )
    return key


class ProposalCursorPagination(RegistryCursorPagination):
    page_size = 50
    ordering = "-id"


def service_call(fn, **kwargs):
    """A service call whose 'not in your scope' answers 404 (as a detail would), other errors 400."""
    try:
        return fn(**kwargs)
    except services.TargetNotFound as exc:
        raise exceptions.NotFound() from exc


# --- musyawarah ------------------------------------------------------------------------------------


@extend_schema(tags=["usulan"], responses={200: s.MusyawarahSerializer, **ERRORS})
class MusyawarahListApi(ListAPIView):
    """Musyawarah dalam cakupan wilayah Anda, terbaru dahulu."""

    serializer_class = s.MusyawarahSerializer
    pagination_class = ProposalCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return Musyawarah.objects.none()
        return musyawarah_visible_to(user=self.request.user).annotate(item_count=Count("items"))


class MusyawarahCreateApi(GenericAPIView):
    serializer_class = s.MusyawarahCreateSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[IDEMPOTENCY],
        request=s.MusyawarahCreateSerializer,
        responses={201: s.MusyawarahSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        """Operator desa/kelurahan mencatat musyawarah (draf sampai notulennya diunggah)."""
        data = s.MusyawarahCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        m = services.musyawarah_create(
            actor=request.user,
            idempotency_key=idempotency_key(request),
            ip=client_ip(request),
            **data.validated_data,
        )
        return Response(s.MusyawarahSerializer(m).data, status=status.HTTP_201_CREATED)


def _musyawarah_or_404(request, pk) -> Musyawarah:
    m = musyawarah_visible_to(user=request.user).filter(pk=pk).annotate(item_count=Count("items")).first()
    if m is None:
        raise exceptions.NotFound()
    return m


class MusyawarahDetailApi(GenericAPIView):
    serializer_class = s.MusyawarahSerializer

    @extend_schema(
        tags=["usulan"], parameters=[PK], responses={200: s.MusyawarahSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Rincian satu musyawarah."""
        return Response(s.MusyawarahSerializer(_musyawarah_or_404(request, pk)).data)


class MusyawarahMinutesApi(GenericAPIView):
    serializer_class = s.MinutesUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["usulan"],
        parameters=[PK, IDEMPOTENCY],
        request={"multipart/form-data": s.MinutesUploadSerializer},
        responses={200: s.MusyawarahSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Unggah notulen (PDF/JPEG/PNG, dikenali dari isinya, paling besar 10 MB)."""
        m = _musyawarah_or_404(request, pk)
        data = s.MinutesUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.musyawarah_minutes_attach(
            musyawarah_id=m.pk,
            actor=request.user,
            upload=data.validated_data["minutes"],
            ip=client_ip(request),
        )
        return Response(s.MusyawarahSerializer(_musyawarah_or_404(request, pk)).data)


class MusyawarahTransitionApi(GenericAPIView):
    serializer_class = s.MusyawarahTransitionSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[PK, IDEMPOTENCY],
        request=s.MusyawarahTransitionSerializer,
        responses={200: s.MusyawarahSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """`hold`: terlaksana (notulen sudah diunggah); `submit`: ajukan beserta usulan drafnya.

        Mengulang langkah yang sudah terjadi tidak mengubah apa pun (jawaban sama)."""
        m = _musyawarah_or_404(request, pk)
        idempotency_key(request)
        data = s.MusyawarahTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transition = data.validated_data["transition"]
        target = Musyawarah.State.HELD if transition == "hold" else Musyawarah.State.SUBMITTED
        if m.state != target:
            if transition == "hold":
                services.musyawarah_hold(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
            else:
                services.musyawarah_submit_all(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
        return Response(s.MusyawarahSerializer(_musyawarah_or_404(request, pk)).data)


# --- items -----------------------------------------------------------------------------------------


def listed_items(qs):
    first = ProposalPerson.objects.filter(item=OuterRef("pk")).order_by("position").values("nama")[:1]
    count = (
        ProposalPerson.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("*"))
        .values("n")
    )
    return qs.annotate(first_name=Subquery(first), person_count=Subquery(count))


@extend_schema(tags=["usulan"], responses={200: s.ItemListSerializer, **ERRORS})
class ItemListApi(ListAPIView):
    """Usulan dalam cakupan wilayah Anda (termasuk kedatangan perpindahan yang Anda usulkan); KK disamarkan."""

    serializer_class = s.ItemListSerializer
    pagination_class = ProposalCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return ProposalItem.objects.none()
        return listed_items(proposal_items_visible_to(user=self.request.user))


def _item_detail(request, pk: int):
    item = (
        proposal_items_visible_to(user=request.user)
        .filter(pk=pk)
        .prefetch_related("persons", "history")
        .first()
    )
    if item is None:
        raise exceptions.NotFound()
    full = request.user.role in FULL_NIK_ROLES
    if full:
        audit_record(
            actor=request.user,
            action="proposal_item.view_full",
            object_type="proposals.item",
            object_id=item.pk,
            region_code=item.village_code,
            ip=client_ip(request),
            detail={"channel": "api"},
        )
    return s.ItemDetailSerializer(item, context={"full_ids": full}).data


class ItemDetailApi(GenericAPIView):
    serializer_class = s.ItemDetailSerializer

    @extend_schema(
        tags=["usulan"], parameters=[PK], responses={200: s.ItemDetailSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Rincian satu usulan dengan orang-orangnya, temuan, selisih perbaikan, dan riwayatnya."""
        return Response(_item_detail(request, pk))


class ItemCreateApi(GenericAPIView):
    serializer_class = s.ItemCreateSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[IDEMPOTENCY],
        request=s.ItemCreateSerializer,
        responses={201: s.ItemDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, *args, **kwargs):
        """Catat satu usulan (draf). Penggantian dan perpindahan membuat pasangan; jawabannya bagian pertama."""
        data = s.ItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        kind = d["kind"]
        common = {
            "actor": request.user,
            "musyawarah_id": d.get("musyawarah"),
            "note": d.get("note", ""),
            "idempotency_key": idempotency_key(request),
            "ip": client_ip(request),
        }
        target = {
            "target_family_id": d.get("target_family_id"),
            "target_person_id": d.get("target_person_id"),
        }
        persons = [dict(p) for p in d.get("persons") or []]
        family = dict(d["family"]) if d.get("family") else None
        K = ProposalItem.Kind
        if kind == K.ADDITION:
            item = service_call(
                services.proposal_item_create_addition, family=family, persons=persons, **common
            )
        elif kind == K.DELETION:
            item = service_call(
                services.proposal_item_create_deletion,
                deletion_reason=d["deletion_reason"],
                **target,
                **common,
            )
        elif kind == K.CORRECTION:
            item = service_call(
                services.proposal_item_create_correction,
                family=family or {},
                persons=persons,
                **target,
                **common,
            )
        elif kind == K.REPLACEMENT:
            item, _in = service_call(
                services.proposal_item_create_replacement,
                deletion_reason=d["deletion_reason"],
                family=family,
                persons=persons,
                **target,
                **common,
            )
        else:
            dest = d["destination"]
            item, _in = service_call(
                services.proposal_item_create_transfer,
                destination_village=dest["kode_wilayah"],
                rt=dest["rt"],
                rw=dest["rw"],
                alamat=dest["alamat"],
                **target,
                **common,
            )
        return Response(_item_detail(request, item.pk), status=status.HTTP_201_CREATED)


class ItemTransitionApi(GenericAPIView):
    serializer_class = s.ItemTransitionSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[PK, IDEMPOTENCY],
        request=s.ItemTransitionSerializer,
        responses={
            200: s.ItemDetailSerializer,
            409: OpenApiResponse(description=_("Sudah diputuskan lain.")),
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Ajukan, ajukan kembali, tarik, atau (kabupaten/kota) kembalikan ke desa dengan alasan.

        Keputusan yang sama diulang tidak mengubah apa pun; keputusan lain atas usulan yang sudah
        diputuskan ditolak (409)."""
        if not proposal_items_visible_to(user=request.user).filter(pk=pk).exists():
            raise exceptions.NotFound()
        idempotency_key(request)
        data = s.ItemTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.proposal_item_transition(
                item_id=pk,
                transition=data.validated_data["transition"],
                reason=data.validated_data["reason"],
                actor=request.user,
                ip=client_ip(request),
            )
        except services.AlreadyDecided as exc:
            raise AlreadyDecidedError(exc.messages[0]) from exc
        except DjangoValidationError:
            raise
        return Response(_item_detail(request, pk))


class AlreadyDecidedError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Usulan ini sudah diputuskan.")
    default_code = "already_decided"
