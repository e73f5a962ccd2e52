"""Input and output serializers of the API, with the field set of each role written out.

Minimum disclosure (docs/security.md #2): lists show the same short field set to every role, with NIK
and KK masked; a detail shows NIK/KK in full only to the roles in `FULL_NIK_ROLES` (the view logs
each such read), and the fields of a detail depend on the role (`PERSON_DETAIL_BY_ROLE`). No
serializer lists fields implicitly: every field any role can see is named here.
"""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dtks.accounts.models import Role
from dtks.regions.models import Region
from dtks.registry.fields import HOUSE_FIELDS
from dtks.registry.identity import normalise_id, validate_kk, validate_nik
from dtks.registry.masking import mask_id
from dtks.registry.models import FamilyVersion, PersonVersion


class IdField(serializers.CharField):
    """A NIK or KK: masked unless the serializer's context says `full_ids`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text",
            _("16 digit; disamarkan (3371**********01) kecuali pada detail untuk peran yang berhak."),
        )
        super().__init__(**kwargs)

    def to_representation(self, value):
        if self.context.get("full_ids"):
            return value or ""
        return mask_id(value)


# --- persons --------------------------------------------------------------------------------------


class PersonListSerializer(serializers.ModelSerializer):
    """One row of a person list: the same for every role, NIK always masked."""

    nik = IdField()
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)

    class Meta:
        model = PersonVersion
        fields = ("person_id", "nik", "nama", "jenis_kelamin", "kode_wilayah", "rt", "rw")
        read_only_fields = fields


class PersonFamilySerializer(serializers.Serializer):
    family_id = serializers.IntegerField(read_only=True)
    hubungan_keluarga = serializers.CharField(read_only=True)


class PersonDetailOversightSerializer(serializers.ModelSerializer):
    """A person's detail for oversight roles: identity, address, category and programmes, without
    the specific personal data (disability, UU 27/2022 Art. 4(2)) their work does not need."""

    nik = IdField()
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    keluarga = serializers.SerializerMethodField()

    class Meta:
        model = PersonVersion
        fields = (
            "person_id",
            "nik",
            "nama",
            "tempat_lahir",
            "tanggal_lahir",
            "jenis_kelamin",
            "status_perkawinan",
            "kode_wilayah",
            "rt",
            "rw",
            "alamat",
            "kategori",
            "kriteria",
            "program",
            "keluarga",
        )
        read_only_fields = fields

    @extend_schema_field(PersonFamilySerializer(allow_null=True))
    def get_keluarga(self, obj) -> dict | None:
        # Annotated by the detail view's queryset (one query); None for a person outside any family.
        family_id = getattr(obj, "membership_family_id", None)
        if family_id is None:
            return None
        return PersonFamilySerializer(
            {"family_id": family_id, "hubungan_keluarga": obj.membership_hubungan or ""}
        ).data


class PersonDetailSerializer(PersonDetailOversightSerializer):
    """A person's detail for the roles that record, visit, verify and assess: with disability."""

    class Meta(PersonDetailOversightSerializer.Meta):
        fields = (*PersonDetailOversightSerializer.Meta.fields, "disabilitas")
        read_only_fields = fields


# Who gets which person detail. A registry role missing here gets no detail (403): adding a role
# to REGISTRY_ROLES means deciding its field set here too (tests/api/test_field_sets.py checks).
PERSON_DETAIL_BY_ROLE: dict[str, type[serializers.Serializer]] = {
    Role.VILLAGE_OPERATOR: PersonDetailSerializer,
    Role.FIELD_OFFICER: PersonDetailSerializer,
    Role.REGENCY_VERIFIER: PersonDetailSerializer,
    Role.REGENCY_SUPERVISOR: PersonDetailSerializer,
    Role.PROVINCE_OFFICER: PersonDetailOversightSerializer,
    Role.MINISTRY_DATA_OFFICER: PersonDetailSerializer,  # assessment criterion (e): complete attributes
}


# --- families -------------------------------------------------------------------------------------


class FamilyListSerializer(serializers.ModelSerializer):
    no_kk = IdField()
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)

    class Meta:
        model = FamilyVersion
        fields = ("family_id", "no_kk", "kode_wilayah", "rt", "rw", "alamat")
        read_only_fields = fields


class FamilyMemberSerializer(serializers.ModelSerializer):
    nik = IdField()
    hubungan_keluarga = serializers.CharField(source="membership_hubungan", read_only=True, default="")

    class Meta:
        model = PersonVersion
        fields = (
            "person_id",
            "nik",
            "nama",
            "hubungan_keluarga",
            "jenis_kelamin",
            "tanggal_lahir",
            "status_perkawinan",
        )
        read_only_fields = fields


class FamilyDetailSerializer(serializers.ModelSerializer):
    no_kk = IdField()
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    # Set by the detail view from the family_members selector (one query for all members).
    anggota = FamilyMemberSerializer(many=True, read_only=True)

    class Meta:
        model = FamilyVersion
        fields = (
            "family_id",
            "no_kk",
            "kode_wilayah",
            "rt",
            "rw",
            "alamat",
            *HOUSE_FIELDS,
            "anggota",
        )
        read_only_fields = fields


# Every registry role sees the same family detail; only NIK/KK masking differs (FULL_NIK_ROLES).
FAMILY_DETAIL_BY_ROLE: dict[str, type[serializers.Serializer]] = dict.fromkeys(
    PERSON_DETAIL_BY_ROLE, FamilyDetailSerializer
)


# --- inputs ---------------------------------------------------------------------------------------

_REGION_CODE = re.compile(r"^(?:[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10})$")


def clean_region_code(value: str) -> str:
    code = value.replace(".", "").strip()
    if not _REGION_CODE.match(code):
        raise serializers.ValidationError(
            _("Kode wilayah harus 2, 4, 6 atau 10 digit (bertitik boleh, mis. 33.71.01.1003).")
        )
    return code


class RegionFilterSerializer(serializers.Serializer):
    wilayah = serializers.CharField(
        required=False,
        max_length=13,
        help_text=_(
            "Kode wilayah (provinsi, kabupaten/kota, kecamatan atau desa/kelurahan); hanya baris "
            "di wilayah itu, di dalam cakupan Anda."
        ),
    )

    def validate_wilayah(self, value: str) -> str:
        return clean_region_code(value)


class PersonSearchSerializer(serializers.Serializer):
    """Search by NIK or by KK, in the request body (never in a URL: docs/security.md #10)."""

    nik = serializers.CharField(required=False, max_length=40, help_text=_("NIK 16 digit."))
    no_kk = serializers.CharField(required=False, max_length=40, help_text=_("Nomor KK 16 digit."))

    def validate_nik(self, value: str) -> str:
        validate_nik(value)
        return normalise_id(value) or ""

    def validate_no_kk(self, value: str) -> str:
        validate_kk(value)
        return normalise_id(value) or ""

    def validate(self, attrs):
        if bool(attrs.get("nik")) == bool(attrs.get("no_kk")):
            raise serializers.ValidationError(_("Isi salah satu: NIK atau nomor KK."))
        return attrs


class PersonSearchResultSerializer(serializers.Serializer):
    results = PersonListSerializer(many=True, read_only=True)


class RegionChildrenQuerySerializer(serializers.Serializer):
    induk = serializers.CharField(
        required=False,
        max_length=13,
        help_text=_("Kode wilayah induk; tanpa induk: daftar provinsi."),
    )

    def validate_induk(self, value: str) -> str:
        code = clean_region_code(value)
        if len(code) == 10:
            raise serializers.ValidationError(_("Desa/kelurahan tidak mempunyai wilayah bawahan."))
        return code


class RegionSerializer(serializers.ModelSerializer):
    induk = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ("code", "name", "level", "kind", "induk")
        read_only_fields = fields


# --- errors (documentation of dtks/api/exceptions.py's one format) -------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text=_("Pesan per isian; kosong bila kesalahan tidak menyangkut isian tertentu."),
    )


# --- tokens ---------------------------------------------------------------------------------------


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Ditampilkan sekali ini saja; simpan baik-baik.")
    )
    expires_at = serializers.DateTimeField(read_only=True)
