"""Forms of the musyawarah pages: the meeting itself and its minutes."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.item.forms import DateInput, KeyedForm, explain_errors

from .models import Musyawarah

SOURCE_LABELS = {
    Musyawarah.Source.RT_RW: _("RT/RW"),
    Musyawarah.Source.KEPALA_DUSUN: _("Kepala dusun"),
    Musyawarah.Source.LURAH: _("Lurah/kepala desa"),
    Musyawarah.Source.PSKS: _("PSKS"),
    Musyawarah.Source.KANTOR_DESA: _("Warga yang mendaftar di kantor desa/kelurahan"),
}


class MusyawarahForm(KeyedForm):
    held_on = forms.DateField(label=_("Tanggal musyawarah"), widget=DateInput())
    place = forms.CharField(label=_("Tempat"), max_length=200)
    led_by = forms.CharField(label=_("Dipimpin oleh"), max_length=150)
    attendee_count = forms.IntegerField(label=_("Jumlah peserta"), min_value=1, max_value=100_000)
    attendee_names = forms.CharField(
        label=_("Nama peserta"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Satu nama per baris."),
    )
    input_sources = forms.MultipleChoiceField(
        label=_("Sumber masukan"),
        choices=list(SOURCE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        explain_errors(self)

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise ValidationError(_("Tanggal musyawarah tidak boleh di masa depan."))
        return held_on


class MinutesForm(forms.Form):
    minutes = forms.FileField(
        label=_("Notulen (PDF, JPEG, atau PNG, paling besar 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        explain_errors(self)
