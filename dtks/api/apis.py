"""The registry API: thin views over dtks.registry.selectors (every read scoped there), the public
region list, and the token endpoints. Routes and roles are in dtks/permissions.py."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from dtks.accounts.auth import client_ip, otp_verified_by
from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.audit.services import audit_full_view
from dtks.regions.selectors import regions_children
from dtks.registry.models import FamilyVersion, MembershipVersion, PersonVersion
from dtks.registry.selectors import families_visible_to, family_members, persons_visible_to

from . import serializers as s
from .models import ApiToken
from .pagination import FamilyCursorPagination, PersonCursorPagination
from .services import api_token_issue, api_token_revoke

SEARCH_LIMIT = 100  # a NIK or KK matches one person or one family; the cap only bounds bad data

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, _("Isian tidak valid: `errors` memuat pesan per isian.")),
    401: OpenApiResponse(s.ErrorSerializer, _("Belum masuk, atau token tidak valid/kedaluwarsa/dicabut.")),
    403: OpenApiResponse(s.ErrorSerializer, _("Peran Anda tidak berhak.")),
}
NOT_FOUND = {404: OpenApiResponse(s.ErrorSerializer, _("Tidak ada, atau di luar cakupan wilayah Anda."))}


def id_parameter(name: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}, OpenApiParameter.PATH
    )


def is_schema_generation(view) -> bool:
    return getattr(view, "swagger_fake_view", False)


def detail_serializer_for(user, table: dict):
    serializer_class = table.get(getattr(user, "role", ""))
    if serializer_class is None:
        raise exceptions.PermissionDenied(_("Peran Anda tidak berhak melihat rincian ini."))
    return serializer_class


def region_filtered(qs: QuerySet, request) -> QuerySet:
    query = s.RegionFilterSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    code = query.validated_data.get("wilayah")
    if not code:
        return qs
    # Narrows the already scoped rows; both forms use the stored, indexed region column.
    return qs.filter(village_code=code) if len(code) == 10 else qs.filter(village_code__startswith=code)


def with_membership(qs: QuerySet[PersonVersion], *, family_id=None) -> QuerySet[PersonVersion]:
    """Annotate each (already scoped) person with their current family and relationship."""
    memberships = MembershipVersion.objects.current().filter(person_id=OuterRef("person_id"))
    if family_id is not None:
        memberships = memberships.filter(family_id=family_id)
    return qs.annotate(
        membership_family_id=Subquery(memberships.values("family_id")[:1]),
        membership_hubungan=Subquery(memberships.values("hubungan_keluarga")[:1]),
    )


def record_full_view(
    request,
    *,
    object_type: str,
    object_id: int,
    region_code: str,
    subject_person_id: int | None = None,
    person_ids: list[int] | None = None,
) -> None:
    """One audit row per detail answered with full NIK/KK (docs/security.md #2, #9)."""
    extra = {"person_ids": person_ids} if person_ids is not None else {}
    audit_full_view(
        request,
        action="registry.view_full",
        object_type=object_type,
        object_id=object_id,
        subject_person_id=subject_person_id,
        region_code=region_code,
        **extra,
    )


# --- families -------------------------------------------------------------------------------------


@extend_schema(
    tags=["registri"],
    parameters=[s.RegionFilterSerializer],
    responses={200: s.FamilyListSerializer, **ERRORS, **NOT_FOUND},
)
class FamilyListApi(ListAPIView):
    """Keluarga dalam cakupan wilayah Anda; nomor KK disamarkan."""

    serializer_class = s.FamilyListSerializer
    pagination_class = FamilyCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return FamilyVersion.objects.none()
        return region_filtered(families_visible_to(user=self.request.user), self.request)


@extend_schema(
    tags=["registri"],
    parameters=[id_parameter("family_id")],
    responses={200: s.FamilyDetailSerializer, **ERRORS, **NOT_FOUND},
)
class FamilyDetailApi(RetrieveAPIView):
    """Rincian satu keluarga dengan anggotanya. NIK/KK lengkap bagi peran yang berhak (dicatat)."""

    def get_serializer_class(self):
        if is_schema_generation(self):
            return s.FamilyDetailSerializer
        return detail_serializer_for(self.request.user, s.FAMILY_DETAIL_BY_ROLE)

    def retrieve(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()
        family_id = kwargs["family_id"]
        family = families_visible_to(user=request.user).filter(family_id=family_id).first()
        if family is None:
            raise exceptions.NotFound()
        family.anggota = list(
            with_membership(
                family_members(user=request.user, family_id=family_id), family_id=family_id
            ).order_by("person_id")
        )
        full = request.user.role in FULL_NIK_ROLES
        if full:
            record_full_view(
                request,
                object_type="registry.family",
                object_id=family_id,
                region_code=family.village_code,
                person_ids=[p.person_id for p in family.anggota],
            )
        return Response(serializer_class(family, context={"request": request, "full_ids": full}).data)


# --- persons --------------------------------------------------------------------------------------


@extend_schema(
    tags=["registri"],
    parameters=[s.RegionFilterSerializer],
    responses={200: s.PersonListSerializer, **ERRORS, **NOT_FOUND},
)
class PersonListApi(ListAPIView):
    """Orang dalam cakupan wilayah Anda; NIK disamarkan."""

    serializer_class = s.PersonListSerializer
    pagination_class = PersonCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return PersonVersion.objects.none()
        return region_filtered(persons_visible_to(user=self.request.user), self.request)


@extend_schema(
    tags=["registri"],
    parameters=[id_parameter("person_id")],
    responses={200: s.PersonDetailSerializer, **ERRORS, **NOT_FOUND},
)
class PersonDetailApi(RetrieveAPIView):
    """Rincian satu orang. Isian bergantung pada peran; NIK lengkap bagi peran yang berhak (dicatat)."""

    def get_serializer_class(self):
        if is_schema_generation(self):
            return s.PersonDetailSerializer
        return detail_serializer_for(self.request.user, s.PERSON_DETAIL_BY_ROLE)

    def retrieve(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()
        person_id = kwargs["person_id"]
        person = with_membership(persons_visible_to(user=request.user).filter(person_id=person_id)).first()
        if person is None:
            raise exceptions.NotFound()
        full = request.user.role in FULL_NIK_ROLES
        if full:
            record_full_view(
                request,
                object_type="registry.person",
                object_id=person_id,
                region_code=person.village_code,
                subject_person_id=person_id,
            )
        return Response(serializer_class(person, context={"request": request, "full_ids": full}).data)


@extend_schema(
    tags=["registri"],
    request=s.PersonSearchSerializer,
    responses={200: s.PersonSearchResultSerializer, **ERRORS},
)
class PersonSearchApi(GenericAPIView):
    """Cari orang dengan NIK, atau anggota keluarga dengan nomor KK, di dalam cakupan Anda.

    NIK/KK dikirim di badan permintaan, tidak pernah di URL. Hasil disamarkan seperti daftar.
    """

    serializer_class = s.PersonSearchSerializer

    def post(self, request, *args, **kwargs):
        query = s.PersonSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        persons = persons_visible_to(user=request.user)
        if nik := query.validated_data.get("nik"):
            persons = persons.filter(nik=nik)
        else:
            families = families_visible_to(user=request.user).filter(no_kk=query.validated_data["no_kk"])
            members = MembershipVersion.objects.current().filter(family_id__in=families.values("family_id"))
            persons = persons.filter(person_id__in=members.values("person_id"))
        rows = persons.order_by("person_id")[:SEARCH_LIMIT]
        return Response({"results": s.PersonListSerializer(rows, many=True).data})


# --- regions (public reference data) --------------------------------------------------------------


@extend_schema(
    tags=["wilayah"],
    auth=[{}],
    parameters=[s.RegionChildrenQuerySerializer],
    responses={200: s.RegionSerializer(many=True), 400: ERRORS[400]},
)
class RegionChildrenApi(GenericAPIView):
    """Wilayah bawahan langsung dari `induk` (Kemendagri 2025), atau daftar provinsi. Publik."""

    serializer_class = s.RegionSerializer
    pagination_class = None  # at most a few hundred children; the picker wants them all

    def get(self, request, *args, **kwargs):
        query = s.RegionChildrenQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        regions = regions_children(parent_code=query.validated_data.get("induk"))
        return Response(s.RegionSerializer(regions, many=True).data)


# --- tokens ---------------------------------------------------------------------------------------


class TokenApi(APIView):
    """Token API: diterbitkan hanya dari sesi masuk yang sudah diverifikasi TOTP, berlaku 8 jam."""

    @extend_schema(tags=["token"], request=None, responses={201: s.TokenIssuedSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        # A token must not mint tokens: only a signed-in session whose TOTP step is done (django-otp).
        verified_by = otp_verified_by(request)
        if not isinstance(request.successful_authenticator, SessionAuthentication) or verified_by is None:
            raise exceptions.PermissionDenied(
                _("Token hanya diterbitkan dari sesi masuk yang sudah diverifikasi dengan TOTP.")
            )
        token, key = api_token_issue(actor=request.user, ip=client_ip(request), verified_by=verified_by)
        return Response({"token": key, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED)

    @extend_schema(tags=["token"], request=None, responses={204: None, **ERRORS})
    def delete(self, request, *args, **kwargs):
        """Dengan token: mencabut token itu. Dengan sesi: mencabut semua token aktif Anda."""
        token = request.auth if isinstance(request.auth, ApiToken) else None
        api_token_revoke(actor=request.user, token=token, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
