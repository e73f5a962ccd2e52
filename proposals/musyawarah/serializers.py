"""Input and output serializers of the musyawarah API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Musyawarah


class MusyawarahSerializer(serializers.ModelSerializer):
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    ada_notulen = serializers.SerializerMethodField()
    jumlah_usulan = serializers.IntegerField(read_only=True, source="item_count", default=None)

    class Meta:
        model = Musyawarah
        fields = (
            "id",
            "kode_wilayah",
            "held_on",
            "place",
            "led_by",
            "attendee_count",
            "attendee_names",
            "input_sources",
            "state",
            "ada_notulen",
            "jumlah_usulan",
            "created_at",
        )
        read_only_fields = fields

    def get_ada_notulen(self, obj) -> bool:
        return bool(obj.minutes)


class MusyawarahCreateSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    led_by = serializers.CharField(max_length=150)
    attendee_count = serializers.IntegerField(min_value=1, max_value=100_000)
    attendee_names = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    input_sources = serializers.ListField(
        child=serializers.ChoiceField(choices=Musyawarah.Source.choices), min_length=1, max_length=5
    )


class MinutesUploadSerializer(serializers.Serializer):
    minutes = serializers.FileField(
        help_text=_("PDF, JPEG, atau PNG, paling besar 10 MB (dikenali dari isinya).")
    )


class MusyawarahTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[("hold", "hold"), ("submit", "submit")])
