"""Input and output serializers of the proposal items API.

Lists show NIK/KK masked for every role; an item's detail shows its persons' NIKs in full only to
`FULL_NIK_ROLES` (the view logs each such read). Inputs are parsed here and checked by the services
(format errors and NIK_INVALID block saving), whose errors come back as `errors` per field, e.g.
`persons.0.nik`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dtks.api.serializers import IdField
from dtks.registry.fields import HOUSE_FIELDS, PERSON_FIELDS

from .models import ProposalItem, ProposalItemHistory, ProposalPerson

ITEM_TRANSITIONS = ("submit", "resubmit", "withdraw", "return_to_village")


class ItemListSerializer(serializers.ModelSerializer):
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    no_kk = IdField()
    nama = serializers.CharField(source="first_name", read_only=True, default="")
    jumlah_orang = serializers.IntegerField(source="person_count", read_only=True, default=0)

    class Meta:
        model = ProposalItem
        fields = (
            "id",
            "kind",
            "state",
            "channel",
            "kode_wilayah",
            "musyawarah",
            "pair",
            "no_kk",
            "nama",
            "jumlah_orang",
            "last_reason",
            "updated_at",
        )
        read_only_fields = fields


class ItemPersonSerializer(serializers.ModelSerializer):
    nik = IdField()

    class Meta:
        model = ProposalPerson
        fields = ("position", "target_person_id", *PERSON_FIELDS)
        read_only_fields = fields


class ItemHistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProposalItemHistory
        fields = ("transition", "from_state", "to_state", "actor_label", "reason", "detail", "at")
        read_only_fields = fields


class ItemDetailSerializer(serializers.ModelSerializer):
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    no_kk = IdField()
    persons = ItemPersonSerializer(many=True, read_only=True)
    history = ItemHistorySerializer(many=True, read_only=True)

    class Meta:
        model = ProposalItem
        fields = (
            "id",
            "kind",
            "state",
            "channel",
            "verifier",
            "kode_wilayah",
            "musyawarah",
            "pair",
            "application",
            "target_family_id",
            "target_person_id",
            "deletion_reason",
            "note",
            "no_kk",
            "rt",
            "rw",
            "alamat",
            "house",
            "findings",
            "overrides",
            "diff",
            "last_reason",
            "persons",
            "history",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class FamilyInputSerializer(serializers.Serializer):
    is_family = serializers.BooleanField(default=True)
    no_kk = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    rt = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    rw = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    alamat = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    house = serializers.DictField(
        child=serializers.CharField(max_length=40, allow_blank=True), required=False, default=dict
    )

    def validate_house(self, value):
        unknown = sorted(set(value) - set(HOUSE_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                _("Isian rumah tidak dikenal: %(f)s.") % {"f": ", ".join(unknown)}
            )
        return value


class PersonInputSerializer(serializers.Serializer):
    target_person_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10**18
    )
    nik = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    nama = serializers.CharField(max_length=150)
    tempat_lahir = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tanggal_lahir = serializers.DateField(required=False, allow_null=True, default=None)
    jenis_kelamin = serializers.CharField(max_length=1, required=False, allow_blank=True, default="")
    status_perkawinan = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    hubungan_keluarga = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    kategori = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    kriteria = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )
    disabilitas = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )
    program = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=20
    )


class DestinationSerializer(serializers.Serializer):
    kode_wilayah = serializers.CharField(max_length=13)
    rt = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    rw = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    alamat = serializers.CharField(max_length=255)


class ItemCreateSerializer(serializers.Serializer):
    """One item (or, for a replacement or transfer, its pair). Which fields a kind needs:

    - addition: `family`, `persons`; replacement: those and `target_*`, `deletion_reason`;
    - deletion: `target_family_id` or `target_person_id`, `deletion_reason`;
    - correction: `target_*`, `family`, `persons` (each with its `target_person_id`);
    - transfer: `target_*`, `destination`. A village operator names its `musyawarah`.
    """

    kind = serializers.ChoiceField(choices=ProposalItem.Kind.choices)
    musyawarah = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    target_family_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10**18
    )
    target_person_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10**18
    )
    deletion_reason = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    family = FamilyInputSerializer(required=False, allow_null=True)
    persons = PersonInputSerializer(many=True, required=False, max_length=30)
    destination = DestinationSerializer(required=False, allow_null=True)

    def validate(self, attrs):
        kind = attrs["kind"]
        errors = {}
        needs_target = kind != ProposalItem.Kind.ADDITION
        if needs_target and not (attrs.get("target_family_id") or attrs.get("target_person_id")):
            errors["target_family_id"] = [
                _("Isi target_family_id (keluarga) atau target_person_id (individu).")
            ]
        with_persons = (
            ProposalItem.Kind.ADDITION,
            ProposalItem.Kind.REPLACEMENT,
            ProposalItem.Kind.CORRECTION,
        )
        if kind in with_persons and not attrs.get("persons"):
            errors["persons"] = [_("Sertakan paling sedikit satu orang.")]
        if kind in (ProposalItem.Kind.DELETION, ProposalItem.Kind.REPLACEMENT) and not attrs.get(
            "deletion_reason"
        ):
            errors["deletion_reason"] = [_("Pilih alasan penghapusan.")]
        if kind == ProposalItem.Kind.TRANSFER and not attrs.get("destination"):
            errors["destination"] = [_("Isi desa/kelurahan dan alamat tujuan.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ItemTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[(t, t) for t in ITEM_TRANSITIONS])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
