"""Forms of the ministry proposal pages (/usulan/kementerian/): reason, region, note, verifier, persons."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dtks.regions.forms import RegionField
from dtks.regions.models import Level
from proposals.item.models import ProposalItem

from .ministry import MinistryReason
from .self_registration_forms import (
    KEY_RE,
    MAX_MEMBERS,
    RT_RW_RE,
    BaseMemberFormSet,
    PersonForm,
    clean_id_number,
    id_input,
    new_form_key,
)

PERSON_PREFIX = "orang"


class MinistryPersonForm(PersonForm):
    """A person found in an emergency may have no NIK yet (NIK_PENDING) or no known birth data."""

    nik_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nik"].help_text = _("Kosongkan bila belum ada NIK (dicatat NIK_PENDING).")
        for name in ("tempat_lahir", "tanggal_lahir", "hubungan_keluarga"):
            self.fields[name].required = False


class BasePersonFormSet(BaseMemberFormSet):
    def clean(self):
        super().clean()
        if not any(self.errors) and not self.people():
            raise ValidationError(_("Isi paling sedikit satu orang yang diusulkan."))


PersonFormSet = forms.formset_factory(
    MinistryPersonForm,
    formset=BasePersonFormSet,
    extra=0,
    max_num=MAX_MEMBERS,
    validate_max=True,
    absolute_max=MAX_MEMBERS,
)


class MinistryProposalForm(forms.Form):
    ministry_reason = forms.ChoiceField(
        label=_("Alasan usulan"),
        choices=MinistryReason.CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih salah satu dari tiga alasan usulan Kementerian Sosial."),
            "invalid_choice": _("Pilih salah satu dari tiga alasan usulan Kementerian Sosial."),
        },
    )
    verifier = forms.ChoiceField(
        label=_("Diverifikasi dan divalidasi oleh"),
        choices=[
            (ProposalItem.Verifier.MINISTRY, _("Kementerian Sosial sendiri")),
            (ProposalItem.Verifier.REGENCY, _("Dinas sosial kabupaten/kota")),
        ],
        widget=forms.RadioSelect,
    )
    wilayah = RegionField(level=Level.VILLAGE, label=_("Wilayah"))
    no_kk = forms.CharField(
        label=_("Nomor KK"),
        max_length=24,
        required=False,
        widget=id_input(),
        help_text=_("Kosongkan untuk perorangan di luar keluarga."),
    )
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    alamat = forms.CharField(label=_("Alamat"), max_length=255, required=False)
    note = forms.CharField(
        label=_("Keterangan"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Keadaan yang mendasari usulan: kejadian, tanggal, tempat, sumber informasi."),
        error_messages={"required": _("Tulis keterangan keadaan yang mendasari usulan ini.")},
    )
    kunci = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("kunci", new_form_key())

    def clean_no_kk(self) -> str:
        raw = self.cleaned_data.get("no_kk") or ""
        return clean_id_number(raw, is_nik=False) if raw.strip() else ""

    def _rt_rw(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if value and not RT_RW_RE.match(value):
            raise ValidationError(
                _("%(field)s ditulis dengan angka saja, misalnya 003."), params={"field": name.upper()}
            )
        return value.zfill(3) if value else ""

    def clean_rt(self) -> str:
        return self._rt_rw("rt")

    def clean_rw(self) -> str:
        return self._rt_rw("rw")

    def clean_kunci(self) -> str:
        value = self.cleaned_data["kunci"]
        if not KEY_RE.match(value):
            raise ValidationError(_("Formulir ini tidak lengkap; muat ulang halaman lalu kirim lagi."))
        return value
