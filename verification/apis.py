"""The verval queue through the API (issue 14): the queue with the page's filters, keyset-paged, with
the counts per filter value; the item review's data; the NIK/KK search (POST only: the number is
never in a URL). Thin views over verification/selectors.py and review.py; roles per operation in
verification/permissions.py. NIK/KK are masked in the list; the review shows them in full to the
roles entitled to them and audits that answer."""

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.audit.services import audit_full_view
from dtks.registry.forms import NumberSearchForm
from dtks.registry.masking import mask_id

from .review import build_review, half_label, review_item
from .selectors import (
    AGES,
    SORTS,
    VERVAL,
    QueueFilters,
    finding_values,
    queue_counts,
    queue_number_search,
    queue_page,
)


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    half = serializers.SerializerMethodField()
    channel = serializers.CharField()
    state = serializers.CharField()
    village_code = serializers.CharField()
    first_name = serializers.CharField(allow_null=True)
    person_count = serializers.IntegerField(allow_null=True)
    no_kk = serializers.SerializerMethodField(help_text=_("Disamarkan."))
    rules = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_half(self, obj) -> str:
        return str(half_label(obj))

    def get_no_kk(self, obj) -> str:
        return mask_id(obj.no_kk)

    def get_rules(self, obj) -> list[str]:
        return sorted({f.get("rule", "") for f in obj.findings or []})


QUEUE_PARAMETERS = [
    OpenApiParameter("tab", OpenApiTypes.STR, enum=list(VERVAL.tabs)),
    OpenApiParameter("desa", OpenApiTypes.STR, description=_("Kode kelurahan/desa (10 angka).")),
    OpenApiParameter("jenis", OpenApiTypes.STR),
    OpenApiParameter("saluran", OpenApiTypes.STR),
    OpenApiParameter("umur", OpenApiTypes.STR, enum=[a[0] for a in AGES]),
    OpenApiParameter("temuan", OpenApiTypes.STR, enum=finding_values()),
    OpenApiParameter("q", OpenApiTypes.STR, description=_("Nama atau nomor usulan (bukan NIK/KK).")),
    OpenApiParameter("urut", OpenApiTypes.STR, enum=list(SORTS)),
    OpenApiParameter("setelah", OpenApiTypes.STR, description=_("Kursor halaman berikutnya (`next`).")),
]

QUEUE_RESPONSE = inline_serializer(
    "VervalQueue",
    {
        "results": QueueItemSerializer(many=True),
        "next": serializers.CharField(allow_null=True),
        "counts": serializers.DictField(child=serializers.DictField(child=serializers.IntegerField())),
    },
)


@extend_schema(tags=["verval"], parameters=QUEUE_PARAMETERS, responses={200: QUEUE_RESPONSE, **ERRORS})
class VervalQueueApi(GenericAPIView):
    """Antrean verifikasi dan validasi kabupaten/kota Anda, terlama dulu, dengan jumlah per nilai saringan.
    KK disamarkan."""

    serializer_class = QueueItemSerializer
    pagination_class = None
    queue = VERVAL  # the assessment queue's API is this view with its own queue (determination)
    search_path = "/api/v1/verval/cari/"

    def get(self, request, *args, **kwargs):
        f = QueueFilters.parse(request.query_params, queue=self.queue)
        if "nomor" in f.errors:
            raise ValidationError(
                {"q": [_("NIK atau nomor KK dicari dengan POST ke %(path)s.") % {"path": self.search_path}]}
            )
        page = queue_page(user=request.user, filters=f)
        if page.bad_cursor:
            raise ValidationError({"setelah": [_("Kursor halaman tidak valid; ikuti tautan `next`.")]})
        next_url = None
        if page.next_cursor:
            q = QueryDict(mutable=True)
            q.update(f.query())
            q["setelah"] = page.next_cursor
            next_url = request.build_absolute_uri(request.path) + "?" + q.urlencode()
        return Response(
            {
                "results": QueueItemSerializer(page.rows, many=True).data,
                "next": next_url,
                "counts": queue_counts(user=request.user, filters=f),
            }
        )


@extend_schema(
    tags=["verval"],
    request=inline_serializer(
        "VervalSearch", {"nomor": serializers.CharField(help_text=_("NIK atau KK, 16 angka."))}
    ),
    responses={
        200: inline_serializer("VervalSearchResult", {"results": QueueItemSerializer(many=True)}),
        **ERRORS,
    },
)
class VervalSearchApi(GenericAPIView):
    """Cari usulan di antrean dengan NIK (orang dalam usulan) atau nomor KK. Nomor dikirim di badan
    permintaan, tidak pernah di URL."""

    serializer_class = QueueItemSerializer
    queue = VERVAL

    def post(self, request, *args, **kwargs):
        data = request.data if hasattr(request.data, "get") else {}
        form = NumberSearchForm({"nomor": data.get("nomor") if isinstance(data.get("nomor"), str) else ""})
        if not form.is_valid():
            raise ValidationError({"nomor": form.errors.get("nomor", [])})
        rows = queue_number_search(user=request.user, number=form.cleaned_data["nomor"], queue=self.queue)
        return Response({"results": QueueItemSerializer(rows, many=True).data})


REVIEW_ROW = inline_serializer(
    "VervalCompareRow",
    {
        "field": serializers.CharField(),
        "label": serializers.CharField(),
        "current": serializers.CharField(),
        "proposed": serializers.CharField(),
        "changed": serializers.BooleanField(),
    },
    many=True,
)


@extend_schema(
    tags=["verval"],
    parameters=[id_parameter("pk")],
    responses={
        200: inline_serializer(
            "VervalReview",
            {
                "id": serializers.IntegerField(),
                "kind": serializers.CharField(),
                "channel": serializers.CharField(),
                "state": serializers.CharField(),
                "village_code": serializers.CharField(),
                "has_record": serializers.BooleanField(),
                "family": REVIEW_ROW,
                "persons": serializers.ListField(child=serializers.DictField()),
                "findings": serializers.ListField(child=serializers.DictField()),
                "history": serializers.ListField(child=serializers.DictField()),
            },
        ),
        **ERRORS,
        **NOT_FOUND,
    },
)
class VervalReviewApi(GenericAPIView):
    """Tinjauan satu usulan: isi usulan di samping data registri saat ini (isian yang berubah
    ditandai), temuan beserta pesannya (termasuk perbandingan Dukcapil), dan riwayat lintas tahap."""

    serializer_class = QueueItemSerializer

    def get(self, request, pk: int, *args, **kwargs):
        item = review_item(user=request.user, pk=pk)
        if item is None:
            raise NotFound
        data = build_review(user=request.user, item=item)
        if data.full and (item.no_kk or data.persons):
            audit_full_view(
                request,
                action="verification.review_view_full",
                object_type="proposals.item",
                object_id=item.pk,
                region_code=item.village_code,
                persons=len(data.persons),
            )
        return Response(
            {
                "id": item.pk,
                "kind": item.kind,
                "channel": item.channel,
                "state": item.state,
                "village_code": item.village_code,
                "has_record": data.has_record,
                "family": data.family,
                "persons": data.persons,
                "findings": [
                    {k: v for k, v in f.items() if k != "civil"} | {"civil": f["civil"] is not None}
                    for f in data.findings
                ],
                "history": [h | {"at": h["at"].isoformat()} for h in data.history],
            }
        )
