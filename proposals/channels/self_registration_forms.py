"""Forms of the public self-registration page (/daftar/) and the person rows other proposal forms reuse.

Only format errors of what the citizen typed are shown (NIK/KK through dtks.registry.identity, the
one place they are validated); nothing here reads anyone else's records. Family members are a
formset whose rows are added and removed by buttons that work without JavaScript (the page is
re-rendered with one row more or less) and with htmx (only the members part is swapped).
"""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dtks.regions.forms import RegionField
from dtks.regions.models import Level
from dtks.registry.identity import check_kk, check_nik

MAX_MEMBERS = 20
MEMBER_PREFIX = "anggota"
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
RT_RW_RE = re.compile(r"^[0-9]{1,3}$")
PHONE_RE = re.compile(r"^(?:\+?62|0)8[0-9]{7,12}$")

SEX_CHOICES = [("", _("— pilih —")), ("L", _("Laki-laki")), ("P", _("Perempuan"))]
MARITAL_CHOICES = [
    ("", _("— pilih —")),
    ("BELUM KAWIN", _("Belum kawin")),
    ("KAWIN", _("Kawin")),
    ("CERAI HIDUP", _("Cerai hidup")),
    ("CERAI MATI", _("Cerai mati")),
]
RELATION_CHOICES = [
    ("", _("— pilih —")),
    ("KEPALA KELUARGA", _("Kepala keluarga")),
    ("SUAMI", _("Suami")),
    ("ISTRI", _("Istri")),
    ("ANAK", _("Anak")),
    ("MENANTU", _("Menantu")),
    ("CUCU", _("Cucu")),
    ("ORANG TUA", _("Orang tua")),
    ("MERTUA", _("Mertua")),
    ("FAMILI LAIN", _("Famili lain")),
    ("PEMBANTU", _("Pembantu")),
    ("LAINNYA", _("Lainnya")),
]


def new_form_key() -> str:
    """The idempotency key a rendered form carries: a double submit of it is one submission."""
    return uuid.uuid4().hex


def id_input(**attrs) -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24, "spellcheck": "false", **attrs}
    )


def clean_id_number(value: str, *, is_nik: bool) -> str:
    """The 16 digits of a NIK or KK, or the identity module's message (field named, fix said)."""
    check = check_nik(value) if is_nik else check_kk(value)
    if check.errors:
        raise ValidationError(check.message(check.errors[0]), code=check.errors[0])
    return check.value or ""


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.Form):
    """One person of a proposal: a family member (public form) or a person of a ministry proposal."""

    nik_required = True

    nik = forms.CharField(label=_("NIK"), max_length=24, widget=id_input())
    nama = forms.CharField(label=_("Nama lengkap"), max_length=150)
    tempat_lahir = forms.CharField(label=_("Tempat lahir"), max_length=100)
    tanggal_lahir = forms.DateField(label=_("Tanggal lahir"), widget=date_input())
    jenis_kelamin = forms.ChoiceField(label=_("Jenis kelamin"), choices=SEX_CHOICES)
    hubungan_keluarga = forms.ChoiceField(label=_("Hubungan dalam keluarga"), choices=RELATION_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nik"].required = self.nik_required
        self.fields["nama"].error_messages["required"] = _("Nama anggota wajib diisi.")

    def clean_nik(self) -> str | None:
        raw = self.cleaned_data.get("nik") or ""
        if not raw.strip():
            return None
        return clean_id_number(raw, is_nik=True)

    def clean_nama(self) -> str:
        return " ".join(self.cleaned_data["nama"].split())


class BaseMemberFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            nik = form.cleaned_data.get("nik")
            if nik and nik in seen:
                form.add_error("nik", _("NIK ini sudah ditulis untuk orang lain di formulir ini."))
            if nik:
                seen.add(nik)

    def people(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data]


MemberFormSet = forms.formset_factory(
    PersonForm,
    formset=BaseMemberFormSet,
    extra=0,
    max_num=MAX_MEMBERS,
    validate_max=True,
    absolute_max=MAX_MEMBERS,
)


def member_formset(data=None, *, prefix: str = MEMBER_PREFIX, formset=None, **kwargs) -> BaseMemberFormSet:
    """Bound to a submission, every row counts as an extra row, so a row left empty is ignored."""
    if data is not None:
        data = data.copy()
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    return (formset or MemberFormSet)(data, prefix=prefix, **kwargs)


def initial_from(form_class, data, *, prefix: str | None = None) -> dict:
    """What a form would show for `data`, as initial values: re-rendering after an add/remove button
    shows what was typed without validating it (no errors for rows not filled in yet)."""
    form = form_class(prefix=prefix)
    return {
        name: field.widget.value_from_datadict(data, None, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def rows_initial(data, *, prefix: str = MEMBER_PREFIX, form_class=None) -> list[dict]:
    total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    return [initial_from(form_class or PersonForm, data, prefix=f"{prefix}-{i}") for i in range(total)]


def changed_rows(data, *, prefix: str, add: bool = False, remove: int | None = None):
    """A copy of the POST data with one empty row added, or row `remove` taken out (rows below move up).

    Used for the add/remove buttons, which re-render the form without saving anything.
    """
    data = data.copy()
    total_key = f"{prefix}-TOTAL_FORMS"
    try:
        total = max(0, min(int(data.get(total_key, 0)), MAX_MEMBERS))
    except ValueError:
        total = 0
    if add and total < MAX_MEMBERS:
        total += 1
    if remove is not None and 0 <= remove < total:
        names = [f.name for f in PersonForm()]
        for i in range(remove, total - 1):
            for name in names:
                data[f"{prefix}-{i}-{name}"] = data.get(f"{prefix}-{i + 1}-{name}", "")
        for name in names:
            data.pop(f"{prefix}-{total - 1}-{name}", None)
        total -= 1
    data[total_key] = str(total)
    data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    return data


APPLICANT_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
)


class SelfRegistrationForm(forms.Form):
    """The citizen's own data, address, contact and consent; the members come in `member_formset`."""

    class Request:
        NEW = "baru"
        CORRECTION = "perbaikan"

    permohonan = forms.ChoiceField(
        label=_("Jenis permohonan"),
        choices=[
            (Request.NEW, _("Pendaftaran baru ke DTKS")),
            (Request.CORRECTION, _("Perbaikan data saya yang sudah terdaftar")),
        ],
        initial=Request.NEW,
        widget=forms.RadioSelect,
    )
    nik = forms.CharField(label=_("NIK"), max_length=24, widget=id_input())
    no_kk = forms.CharField(
        label=_("Nomor KK"),
        max_length=24,
        required=False,
        widget=id_input(),
        help_text=_("16 digit pada Kartu Keluarga. Kosongkan hanya bila Anda tidak memiliki KK."),
    )
    nama = forms.CharField(label=_("Nama lengkap"), max_length=150)
    tempat_lahir = forms.CharField(label=_("Tempat lahir"), max_length=100)
    tanggal_lahir = forms.DateField(label=_("Tanggal lahir"), widget=date_input())
    jenis_kelamin = forms.ChoiceField(label=_("Jenis kelamin"), choices=SEX_CHOICES)
    status_perkawinan = forms.ChoiceField(label=_("Status perkawinan"), choices=MARITAL_CHOICES)
    hubungan_keluarga = forms.ChoiceField(
        label=_("Hubungan Anda dalam keluarga"), choices=RELATION_CHOICES, initial="KEPALA KELUARGA"
    )
    wilayah = RegionField(level=Level.VILLAGE, label=_("Wilayah tempat tinggal"))
    rt = forms.CharField(label=_("RT"), max_length=3, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    rw = forms.CharField(label=_("RW"), max_length=3, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    alamat = forms.CharField(
        label=_("Alamat"), max_length=255, help_text=_("Nama jalan/dusun dan nomor rumah.")
    )
    telepon = forms.CharField(
        label=_("Nomor telepon/HP"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Untuk dihubungi petugas, misalnya 081234567890."),
    )
    catatan = forms.CharField(
        label=_("Data yang perlu diperbaiki"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Untuk permohonan perbaikan: tulis data mana yang salah dan apa yang benar."),
    )
    persetujuan = forms.BooleanField(
        label=_(
            "Saya menyatakan data ini benar dan menyetujui data pribadi saya dan anggota keluarga saya "
            "diproses oleh Kementerian Sosial dan dinas sosial untuk verifikasi dan validasi DTKS, "
            "sesuai Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi."
        ),
        error_messages={"required": _("Centang pernyataan persetujuan untuk mengirim pendaftaran.")},
    )
    # Shown once a birth date or sex contradicts its NIK (`show_nik_warnings`): the citizen corrects the
    # field, or confirms the data and sends again (docs/decisions.md).
    konfirmasi_nik = forms.BooleanField(
        label=_("Data sudah benar: NIK, tanggal lahir, dan jenis kelamin sudah saya periksa sesuai KTP/KK."),
        required=False,
    )
    # A honeypot instead of an outside captcha: hidden from people, filled in by bots.
    situs = forms.CharField(label=_("Jangan isi kolom ini"), required=False, max_length=200)
    kunci = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("kunci", new_form_key())
        self.fields["kunci"].error_messages["required"] = _(
            "Formulir ini tidak lengkap; muat ulang halaman lalu kirim lagi."
        )
        self.fields["situs"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get("situs") or "").strip()) if self.is_bound else False

    def clean_nik(self) -> str:
        return clean_id_number(self.cleaned_data["nik"], is_nik=True)

    def clean_no_kk(self) -> str:
        raw = self.cleaned_data.get("no_kk") or ""
        return clean_id_number(raw, is_nik=False) if raw.strip() else ""

    def clean_nama(self) -> str:
        return " ".join(self.cleaned_data["nama"].split())

    def _rt_rw(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if not RT_RW_RE.match(value):
            raise ValidationError(
                _("%(field)s ditulis dengan angka saja, misalnya 003."), params={"field": name.upper()}
            )
        return value.zfill(3)

    def clean_rt(self) -> str:
        return self._rt_rw("rt")

    def clean_rw(self) -> str:
        return self._rt_rw("rw")

    def clean_telepon(self) -> str:
        value = re.sub(r"[\s\-().]", "", self.cleaned_data["telepon"])
        if not PHONE_RE.match(value):
            raise ValidationError(
                _("Nomor telepon/HP tidak sah: tulis nomor seluler, misalnya 081234567890.")
            )
        return value

    def clean_kunci(self) -> str:
        value = self.cleaned_data["kunci"]
        if not KEY_RE.match(value):
            raise ValidationError(_("Formulir ini tidak lengkap; muat ulang halaman lalu kirim lagi."))
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("permohonan") == self.Request.CORRECTION
            and not (cleaned.get("catatan") or "").strip()
        ):
            self.add_error("catatan", _("Tulis data mana yang perlu diperbaiki dan apa yang benar."))
        return cleaned

    def submission(self, members: BaseMemberFormSet):
        """The cleaned form and its members as the service's Submission, the applicant first."""
        from proposals.item.models import ProposalItem

        from .self_registration import Submission

        d = self.cleaned_data
        applicant = {k: d[k] for k in APPLICANT_FIELDS}
        return Submission(
            kind=ProposalItem.Kind.CORRECTION
            if d["permohonan"] == self.Request.CORRECTION
            else ProposalItem.Kind.ADDITION,
            village_code=d["wilayah"],
            no_kk=d["no_kk"],
            rt=d["rt"],
            rw=d["rw"],
            alamat=d["alamat"].strip(),
            phone=d["telepon"],
            note=d["catatan"].strip(),
            persons=[applicant, *members.people()],
        )

    @property
    def asks_nik_confirmation(self) -> bool:
        """Whether the page shows the "Data sudah benar" box: after a NIK warning, or once ticked."""
        return bool(self.errors.get("konfirmasi_nik")) or bool(self["konfirmasi_nik"].value())

    def show_nik_warnings(self, members: BaseMemberFormSet, warnings) -> None:
        """The service's NIK warnings (proposals/channels/self_registration.py: `NikMismatch`) on the
        fields they name, and the confirmation they ask for. Positions are those of the submission:
        0 the applicant, then the member rows that were filled in, in order."""
        by_position = [self, *(form for form in members.forms if form.cleaned_data)]
        for position, fields in sorted(warnings.items()):
            for field, message in fields.items():
                by_position[position].add_error(field, ValidationError(message, code="nik_mismatch"))
        self.add_error(
            "konfirmasi_nik",
            ValidationError(
                _(
                    "Tanggal lahir atau jenis kelamin pada isian yang ditandai tidak cocok dengan NIK. "
                    "Perbaiki isian itu atau NIK-nya; bila semuanya sudah benar sesuai KTP/KK, centang "
                    "“Data sudah benar” lalu kirim lagi."
                ),
                code="nik_mismatch",
            ),
        )

    def submit(self, members: BaseMemberFormSet, *, ip: str | None):
        """What the page and the API both do with a bound form and its member rows: check them
        together, then submit through the service. Returns the item, or None when the form or a row
        now carries errors (the service's NIK warnings among them) for the caller to show."""
        from django.utils import timezone

        from .self_registration import NikMismatch, self_registration_submit

        valid = self.is_valid() & members.is_valid()
        self.check_members(members)
        if not (valid and self.is_valid() and members.is_valid()):
            return None
        try:
            item, _created = self_registration_submit(
                submission=self.submission(members),
                form_key=self.cleaned_data["kunci"],
                ip=ip,
                consent_at=timezone.now(),
                nik_confirmed=self.cleaned_data["konfirmasi_nik"],
            )
        except NikMismatch as exc:
            # The citizen's own data against their own NIK: shown on the fields, to correct or confirm.
            self.show_nik_warnings(members, exc.warnings)
            return None
        return item

    def check_members(self, members: BaseMemberFormSet) -> None:
        """Checks across the applicant and the members (the caller ran both forms' own checks)."""
        if not members.is_valid() or not self.is_valid():
            return
        people = members.people()
        if people and not self.cleaned_data.get("no_kk"):
            self.add_error("no_kk", _("Isi nomor KK bila mendaftarkan anggota keluarga."))
        own = self.cleaned_data.get("nik")
        for form in members.forms:
            if own and form.cleaned_data.get("nik") == own:
                form.add_error("nik", _("NIK ini sama dengan NIK Anda di atas; tulis NIK anggota ini."))
