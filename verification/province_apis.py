"""The province's summary through the API (issue 16): what /verval/provinsi/ shows, per regency. Forwarding
and disputing are operations of each submission (verification/submission_apis.py)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from dtks.api.apis import ERRORS

from .province import province_summary
from .submission_apis import CountSerializer


class ProvinceSubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)
    items = serializers.IntegerField()
    waiting = serializers.IntegerField()


class RegencyRowSerializer(serializers.Serializer):
    regency_code = serializers.CharField(source="code")
    regency_name = serializers.CharField(source="name")
    submissions = ProvinceSubmissionSerializer(many=True)
    waiting = serializers.IntegerField()
    by_kind = serializers.SerializerMethodField()
    by_finding = serializers.SerializerMethodField()
    overridden = serializers.IntegerField()
    oldest_waiting_since = serializers.DateTimeField(source="oldest_since", allow_null=True)
    oldest_waiting_days = serializers.IntegerField(source="oldest_days", allow_null=True)

    @staticmethod
    def _counts(rows) -> list[dict]:
        return [{"code": c, "label": str(label), "count": n} for c, label, n in rows]

    @extend_schema_field(CountSerializer(many=True))
    def get_by_kind(self, row) -> list[dict]:
        return self._counts(row.by_kind)

    @extend_schema_field(CountSerializer(many=True))
    def get_by_finding(self, row) -> list[dict]:
        return self._counts(row.by_finding)


class ProvinceSummarySerializer(serializers.Serializer):
    submissions = serializers.IntegerField()
    waiting = serializers.IntegerField()
    oldest_waiting_since = serializers.DateTimeField(source="oldest_since", allow_null=True)
    results = RegencyRowSerializer(source="regencies", many=True)


class ProvinceSummaryApi(GenericAPIView):
    serializer_class = ProvinceSummarySerializer

    @extend_schema(tags=["verval"], responses={200: ProvinceSummarySerializer, **ERRORS})
    def get(self, request, *args, **kwargs):
        """Ringkasan provinsi: per kabupaten/kota, pengajuan yang dikirim dan belum selesai ditangani,
        usulan yang menunggu diteruskan (menurut jenis dan temuan), temuan yang diabaikan kabupaten/kota,
        dan umur usulan terlama yang menunggu."""
        return Response(ProvinceSummarySerializer(province_summary(user=request.user)).data)
