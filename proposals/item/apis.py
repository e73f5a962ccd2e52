"""The proposal items API (list, detail, create, transition): thin views over the scoped selectors
(proposals/item/selectors.py) and the item's services. POSTs accept an `Idempotency-Key` header
(dtks/api/idempotency.py). Roles per operation are in proposals/permissions.py.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter, is_schema_generation
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from dtks.api.pagination import RegistryCursorPagination
from dtks.audit.services import audit_full_view

from . import serializers as s
from .content import TargetNotFound
from .create import proposal_item_create
from .machine import AlreadyDecided
from .models import ProposalItem
from .selectors import listed_items, proposal_items_visible_to
from .transitions import proposal_item_transition

PK = id_parameter("pk")


class ProposalCursorPagination(RegistryCursorPagination):
    page_size = 50
    ordering = "-id"


# --- musyawarah ------------------------------------------------------------------------------------


# --- items -----------------------------------------------------------------------------------------


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
        audit_full_view(
            request,
            action="proposal_item.view_full",
            object_type="proposals.item",
            object_id=item.pk,
            region_code=item.village_code,
            persons=len(item.persons.all()),
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
        try:
            item = proposal_item_create(
                actor=request.user,
                kind=d["kind"],
                musyawarah_id=d.get("musyawarah"),
                target_family_id=d.get("target_family_id"),
                target_person_id=d.get("target_person_id"),
                family=dict(d["family"]) if d.get("family") else None,
                persons=d.get("persons") or [],
                deletion_reason=d.get("deletion_reason", ""),
                destination=d.get("destination"),
                note=d.get("note", ""),
                idempotency_key=idempotency_key(request),
                ip=client_ip(request),
            )
        except TargetNotFound as exc:
            # Not in the caller's scope: 404, as a detail would answer.
            raise exceptions.NotFound() from exc
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
            proposal_item_transition(
                item_id=pk,
                transition=data.validated_data["transition"],
                reason=data.validated_data["reason"],
                actor=request.user,
                ip=client_ip(request),
            )
        except AlreadyDecided as exc:
            raise AlreadyDecidedError(exc.messages[0]) from exc
        except DjangoValidationError:
            raise
        return Response(_item_detail(request, pk))


class AlreadyDecidedError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Usulan ini sudah diputuskan.")
    default_code = "already_decided"
