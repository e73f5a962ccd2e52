"""Field visits through the API (issue 15): the regency's prelists (list, draw one up, one with its
entries) and the field officer's visit upload — the one the offline page sends when the phone is back
online. A visit is idempotent by its `client_key` (made by the phone): a replay answers 200 with the
visit recorded first. Roles per operation are in verification/permissions.py."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.api.pagination import RegistryCursorPagination
from dtks.registry.fields import HOUSE_FIELDS

from .models import FieldVisit, PhotoKind, Prelist, PrelistEntry
from .visits import (
    PrelistInput,
    PrelistNotFound,
    VisitInput,
    prelist_create,
    prelist_entries,
    prelists_visible_to,
    visit_record,
)

PK = id_parameter("pk")


class EntrySerializer(serializers.ModelSerializer):
    visit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PrelistEntry
        fields = ("id", "item", "family_id", "reason", "nama", "no_kk_masked", "alamat", "visit_count")


class PrelistSerializer(serializers.ModelSerializer):
    officers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Prelist
        fields = ("id", "village_code", "title", "officers", "created_at")


class PrelistDetailSerializer(PrelistSerializer):
    entries = serializers.SerializerMethodField()

    class Meta(PrelistSerializer.Meta):
        fields = (*PrelistSerializer.Meta.fields, "entries")

    def get_entries(self, obj) -> list[dict]:
        return EntrySerializer(prelist_entries(obj), many=True).data


class PrelistCreateSerializer(serializers.Serializer):
    village_code = serializers.RegexField(r"^[0-9]{10}$")
    title = serializers.CharField(max_length=200)
    officer_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    include_queue = serializers.BooleanField(default=True)
    kk_numbers = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=500
    )


class PrelistPagination(RegistryCursorPagination):
    ordering = "-id"


class PrelistListApi(ListAPIView):
    serializer_class = PrelistSerializer
    pagination_class = PrelistPagination

    def get_queryset(self):
        return prelists_visible_to(user=self.request.user).prefetch_related("officers")

    @extend_schema(tags=["lapangan"], responses={200: PrelistSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        """Prelist kunjungan dalam cakupan Anda (pendamping: yang ditugaskan kepadanya), terbaru dulu."""
        return super().get(request, *args, **kwargs)


class PrelistCreateApi(GenericAPIView):
    serializer_class = PrelistCreateSerializer

    @extend_schema(tags=["lapangan"], responses={201: PrelistDetailSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        """Susun prelist satu desa/kelurahan: usulan antrean verval yang belum masuk prelist dan keluarga
        registri menurut nomor KK, dengan pendamping/enumerator yang ditugaskan."""
        data = PrelistCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        prelist = prelist_create(
            actor=request.user,
            data=PrelistInput(
                village_code=d["village_code"],
                title=d["title"],
                officer_ids=d["officer_ids"],
                include_queue=d["include_queue"],
                kk_numbers=tuple(d.get("kk_numbers") or ()),
            ),
            ip=client_ip(request),
        )
        return Response(PrelistDetailSerializer(prelist).data, status=status.HTTP_201_CREATED)


class PrelistDetailApi(GenericAPIView):
    serializer_class = PrelistDetailSerializer

    @extend_schema(
        tags=["lapangan"], parameters=[PK], responses={200: PrelistDetailSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, pk: int, *args, **kwargs):
        """Satu prelist dengan keluarganya dan jumlah kunjungan tiap keluarga."""
        prelist = prelists_visible_to(user=request.user).filter(pk=pk).first()
        if prelist is None:
            raise exceptions.NotFound()
        return Response(PrelistDetailSerializer(prelist).data)


class VisitFieldsSerializer(serializers.Serializer):
    entry = serializers.IntegerField(min_value=1, max_value=10**18 - 1)
    client_key = serializers.UUIDField()
    visited_on = serializers.DateField()
    latitude = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    longitude = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    accuracy_m = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


# The house survey (`house_<attribute>`) and the photo checklist (`foto_<kind>`), one field each.
VisitSerializer = type(
    "VisitSerializer",
    (VisitFieldsSerializer,),
    {
        **{
            f"house_{f}": serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
            for f in HOUSE_FIELDS
        },
        **{f"foto_{k}": serializers.FileField(required=False) for k in PhotoKind.values},
    },
)


class VisitResultSerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    class Meta:
        model = FieldVisit
        fields = (
            "id",
            "entry",
            "client_key",
            "visited_on",
            "latitude",
            "longitude",
            "accuracy_m",
            "house",
            "note",
            "photos",
            "created_at",
        )

    def get_photos(self, obj) -> list[str]:
        return sorted(p.kind for p in obj.photos.all())


class VisitApi(GenericAPIView):
    serializer_class = VisitSerializer

    @extend_schema(
        tags=["lapangan"],
        request={"multipart/form-data": VisitSerializer},
        responses={201: VisitResultSerializer, 200: VisitResultSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, *args, **kwargs):
        """Catat satu kunjungan (pendamping/enumerator): tanggal, GPS dan akurasinya, kondisi rumah,
        catatan, dan foto `foto_depan`, `foto_atap`, … (JPEG/PNG/WebP). `client_key` dibuat ponsel per
        kunjungan: unggahan ulang dengan kunci yang sama menjawab 200 dengan kunjungan yang sudah ada."""
        data = VisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            visit, created = visit_record(
                actor=request.user,
                data=VisitInput(
                    entry_id=d["entry"],
                    client_key=str(d["client_key"]),
                    visited_on=d["visited_on"],
                    latitude=d["latitude"] or None,
                    longitude=d["longitude"] or None,
                    accuracy_m=d["accuracy_m"] or None,
                    house={f: d.get(f"house_{f}", "") for f in HOUSE_FIELDS},
                    note=d["note"],
                    photos={k: d[f"foto_{k}"] for k in PhotoKind.values if d.get(f"foto_{k}")},
                ),
                ip=client_ip(request),
            )
        except PrelistNotFound as exc:
            raise exceptions.NotFound() from exc
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(VisitResultSerializer(visit).data, status=code)
