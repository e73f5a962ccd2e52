"""The musyawarah API: list, detail, create, minutes upload and its two transitions (hold, submit),
thin views over the scoped selectors and proposals/musyawarah/services.py. Roles per operation are
in proposals/permissions.py."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, is_schema_generation
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from proposals.item.apis import PK, ProposalCursorPagination

from . import serializers as s
from .models import Musyawarah
from .selectors import musyawarah_visible_to
from .services import musyawarah_create, musyawarah_hold, musyawarah_minutes_attach, musyawarah_submit


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
        m = musyawarah_create(
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
        musyawarah_minutes_attach(
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
                musyawarah_hold(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
            else:
                musyawarah_submit(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
        return Response(s.MusyawarahSerializer(_musyawarah_or_404(request, pk)).data)
