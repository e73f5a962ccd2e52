"""Forms of the proposal item pages (the village operator's and the regency's).

Forms only parse what the browser sends; the services check it (format errors and NIK_INVALID block
saving) and their errors are put back on the field they name (`apply_service_errors`), so the page,
the API and the import say the same thing. Code lists come from `registry_code` (data the ministry
extends), read once per form.
"""

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dtks.regions.forms import RegionPickerWidget
from dtks.regions.models import Level
from dtks.registry.fields import HOUSE_FIELDS, label
from dtks.registry.models import Code

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
FORM_KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def new_form_key() -> str:
    """The idempotency key a rendered creating form carries (`kunci`): a fresh uuid4 hex."""
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    """A page form that creates something carries `kunci`, a fresh key per rendered form, which the
    view passes to the service as its `idempotency_key` (dtks/core/idempotency.py): a double submit of
    the same form creates one object and lands on it (docs/design.md §4)."""

    kunci = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("kunci", new_form_key())

    def clean(self):
        data = super().clean()
        if not FORM_KEY_RE.match(data.get("kunci") or ""):
            # A hidden field: said at the top of the form, with what to do.
            raise ValidationError(
                _(
                    "Formulir ini tidak lengkap (kunci pengiriman hilang); muat ulang halaman, lalu isi dan kirim lagi."
                )
            )
        return data


class KeyForm(KeyedForm):
    """Only the key: the last step of a guided form that creates an item."""


# What a field's required and format messages tell the user to do, by field name (docs/conventions.md
# rule 4: a message names the field and the fix; never Django's generic "Bidang ini harus diisi.").
FIXES = {
    "is_family": _("pilih keluarga atau individu di luar keluarga."),
    "nama": _("tulis sesuai KTP/KK."),
    "nik": _("tulis 16 angka sesuai KTP/KK."),
    "no_kk": _("tulis 16 angka sesuai kartu keluarga."),
    "tempat_lahir": _("tulis nama kota atau kabupaten sesuai KTP/KK."),
    "tanggal_lahir": _("pilih tanggal lahir sesuai KTP/KK."),
    "alamat": _("tulis nama jalan atau dusun dan nomor rumah."),
    "rt": _("tulis nomor RT dengan angka, misalnya 003."),
    "rw": _("tulis nomor RW dengan angka, misalnya 002."),
    "nomor": _("tulis 16 angka nomor KK atau NIK data terdaftar."),
    "deletion_reason": _("pilih alasan penghapusan dari daftar."),
    "destination_village": _("pilih provinsi, kabupaten/kota, kecamatan, lalu kelurahan/desa tujuan."),
    "held_on": _("pilih tanggal musyawarah dilaksanakan."),
    "place": _("tulis tempat musyawarah, misalnya Balai desa."),
    "led_by": _("tulis nama dan jabatan pemimpin musyawarah."),
    "attendee_count": _("tulis jumlah peserta dengan angka, misalnya 25."),
    "input_sources": _("centang paling sedikit satu sumber masukan."),
    "file": _("pilih berkas CSV atau XLSX yang diisi menurut templat."),
    "minutes": _("pilih berkas notulen (PDF, JPEG, atau PNG)."),
}
DEFAULT_FIX = _("isi sesuai dokumen.")


def explain_errors(form: forms.Form, *, whose=None) -> None:
    """Gives every visible field of `form` required and format messages that name the field — and
    whose it is, e.g. "anggota ke-2" — and say how to fix it, in place of Django's generic ones."""
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        what = format_lazy("{} {}", field.label, whose) if whose else field.label
        fix = FIXES.get(name, DEFAULT_FIX)
        messages = {"required": format_lazy(_("{what} wajib diisi; {fix}"), what=what, fix=fix)}
        if isinstance(field, forms.CharField):
            messages["max_length"] = format_lazy(
                _("{what} terlalu panjang: paling banyak %(limit_value)d karakter; singkat isinya."),
                what=what,
            )
        if isinstance(field, forms.DateField):
            messages["invalid"] = format_lazy(
                _("{what} bukan tanggal yang dikenali; tulis seperti 1985-03-01 (tahun-bulan-tanggal)."),
                what=what,
            )
        elif isinstance(field, forms.IntegerField):
            messages.update(
                invalid=format_lazy(_("{what} ditulis dengan angka saja; {fix}"), what=what, fix=fix),
                min_value=format_lazy(_("{what} paling sedikit %(limit_value)s."), what=what),
                max_value=format_lazy(
                    _("{what} paling banyak %(limit_value)s; periksa angkanya."), what=what
                ),
            )
        elif isinstance(field, forms.ChoiceField):
            messages["invalid_choice"] = format_lazy(
                _("{what} tidak ada dalam daftar; pilih salah satu pilihan yang tersedia."), what=what
            )
            messages["invalid_list"] = messages["invalid_choice"]
        elif isinstance(field, forms.FileField):
            messages.update(
                invalid=format_lazy(_("{what} tidak terbaca; {fix}"), what=what, fix=fix),
                missing=format_lazy(_("{what} tidak terkirim; {fix}"), what=what, fix=fix),
                empty=format_lazy(_("{what} kosong; {fix}"), what=what, fix=fix),
            )
        field.error_messages.update(messages)


def code_choices(*lists: str) -> dict[str, list[tuple[str, str]]]:
    """list -> [(code, label)] for the given code lists, in one query."""
    out: dict[str, list[tuple[str, str]]] = {name: [] for name in lists}
    for c in Code.objects.filter(list__in=lists, active=True).order_by("list", "sort", "code"):
        out[c.list].append((c.code, c.label))
    return out


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FamilyForm(forms.Form):
    """Family-level content of an addition, a replacement's incoming half, or a correction."""

    is_family = forms.TypedChoiceField(
        label=_("Bentuk usulan"),
        choices=[
            ("1", _("Keluarga (dengan nomor KK dan anggotanya)")),
            ("0", _("Individu di luar keluarga")),
        ],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    no_kk = forms.CharField(
        label=_("Nomor KK"), required=False, max_length=40, widget=forms.TextInput(attrs=NUMERIC)
    )
    rt = forms.CharField(label=_("RT"), required=False, max_length=3, widget=forms.TextInput(attrs=NUMERIC))
    rw = forms.CharField(label=_("RW"), required=False, max_length=3, widget=forms.TextInput(attrs=NUMERIC))
    alamat = forms.CharField(label=_("Alamat"), max_length=255)

    def __init__(self, *args, choices: dict, fixed_shape: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in HOUSE_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=label(name), required=False, choices=[("", "–"), *choices[name]]
            )
        if fixed_shape:  # a correction keeps the record's shape (family or individual)
            del self.fields["is_family"]
        explain_errors(self)

    def content(self, *, is_family: bool | None = None) -> dict:
        d = self.cleaned_data
        family = d.get("is_family", True) if is_family is None else is_family
        return {
            "is_family": family,
            "no_kk": d.get("no_kk", ""),
            "rt": d.get("rt", ""),
            "rw": d.get("rw", ""),
            "alamat": d.get("alamat", ""),
            "house": {k: d.get(k, "") for k in HOUSE_FIELDS},
        }


class PersonForm(forms.Form):
    target_person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs=NUMERIC),
        help_text=_("16 angka. Kosong hanya untuk individu tanpa NIK."),
    )
    nama = forms.CharField(label=_("Nama"), max_length=150)
    tempat_lahir = forms.CharField(label=_("Tempat lahir"), required=False, max_length=100)
    tanggal_lahir = forms.DateField(label=_("Tanggal lahir"), required=False, widget=DateInput())
    jenis_kelamin = forms.ChoiceField(
        label=_("Jenis kelamin"),
        required=False,
        choices=[("", "–"), ("L", _("Laki-laki")), ("P", _("Perempuan"))],
    )

    # Shown on a member's card; MORE is folded under "Kategori, kriteria, dan disabilitas" (optional).
    MAIN = (
        "target_person_id",
        "nik",
        "nama",
        "tempat_lahir",
        "tanggal_lahir",
        "jenis_kelamin",
        "status_perkawinan",
        "hubungan_keluarga",
    )
    MORE = ("kategori", "kriteria", "disabilitas")

    def __init__(self, *args, choices: dict, position: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_perkawinan"] = forms.ChoiceField(
            label=_("Status perkawinan"), required=False, choices=[("", "–"), *choices["status_perkawinan"]]
        )
        self.fields["hubungan_keluarga"] = forms.ChoiceField(
            label=_("Hubungan keluarga"),
            required=False,
            choices=[("", "–"), *choices["hubungan_keluarga"]],
            help_text=_("Kosongkan untuk individu di luar keluarga."),
        )
        self.fields["kategori"] = forms.ChoiceField(
            label=_("Kategori"), required=False, choices=[("", "–"), *choices["kategori"]]
        )
        self.fields["kriteria"] = forms.MultipleChoiceField(
            label=_("Kriteria"),
            required=False,
            choices=choices["kriteria"],
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["disabilitas"] = forms.MultipleChoiceField(
            label=_("Disabilitas"),
            required=False,
            choices=choices["disabilitas"],
            widget=forms.CheckboxSelectMultiple,
        )
        # "Nama anggota ke-2 wajib diisi; tulis sesuai KTP/KK."
        explain_errors(
            self, whose=_("anggota ke-%(n)d") % {"n": position + 1} if position is not None else None
        )

    def main_fields(self):
        return [self[name] for name in self.MAIN]

    def more_fields(self):
        return [self[name] for name in self.MORE]

    def content(self) -> dict:
        d = dict(self.cleaned_data)
        d.setdefault("program", [])
        return d


class BasePersonFormSet(forms.BaseFormSet):
    def __init__(self, *args, choices: dict, **kwargs):
        self.choices = choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "choices": self.choices, "position": index}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            choices=self.choices,
        )
        self.add_fields(form, None)
        return form

    def persons(self) -> list[dict]:
        return [f.content() for f in self.forms if f.cleaned_data]  # an empty added row is no one


# Members are added and removed with the page's own buttons ("+ Tambah anggota", "Hapus anggota ini"),
# which rewrite the posted rows (proposals/item/editing.py), not with a "delete" checkbox.
PersonFormSet = forms.formset_factory(
    PersonForm, formset=BasePersonFormSet, extra=0, min_num=1, max_num=30, absolute_max=30
)
FixedPersonFormSet = forms.formset_factory(
    PersonForm, formset=BasePersonFormSet, extra=0, max_num=30, absolute_max=30
)


class TargetForm(forms.Form):
    """The determined record an item concerns, found by its KK (a family) or NIK (an individual or
    a family member → their family). POST only: the number never appears in a URL."""

    nomor = forms.CharField(
        label=_("Nomor KK atau NIK data terdaftar"),
        max_length=40,
        widget=forms.TextInput(attrs=NUMERIC),
        help_text=_("16 angka. Nomor KK untuk keluarga; NIK untuk individu di luar keluarga."),
    )
    note = forms.CharField(
        label=_("Catatan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        explain_errors(self)

    def clean_nomor(self) -> str:
        value = "".join(ch for ch in self.cleaned_data["nomor"] if not ch.isspace() and ch not in ".-")
        if not (value.isascii() and value.isdigit() and len(value) == 16):
            raise ValidationError(_("Masukkan 16 angka nomor KK atau NIK."))
        return value


class DeletionForm(TargetForm):
    def __init__(self, *args, choices: dict, exclude_move: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = [
            (c, label) for c, label in choices["alasan_penghapusan"] if not (exclude_move and c == "PINDAH")
        ]
        self.fields["deletion_reason"] = forms.ChoiceField(label=_("Alasan penghapusan"), choices=reasons)
        self.order_fields(["nomor", "deletion_reason", "note"])
        explain_errors(self)


class DeletionReasonForm(forms.Form):
    """Editing a deletion (or a replacement's outgoing half): its reason and note."""

    note = forms.CharField(
        label=_("Catatan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = [(c, label) for c, label in choices["alasan_penghapusan"] if c != "PINDAH"]
        self.fields["deletion_reason"] = forms.ChoiceField(label=_("Alasan penghapusan"), choices=reasons)
        self.order_fields(["deletion_reason", "note"])
        explain_errors(self)


class TransferForm(TargetForm):
    destination_village = forms.CharField(
        label=_("Kelurahan/desa tujuan"), widget=RegionPickerWidget(depth=Level.VILLAGE)
    )
    rt = forms.CharField(
        label=_("RT tujuan"), required=False, max_length=3, widget=forms.TextInput(attrs=NUMERIC)
    )
    rw = forms.CharField(
        label=_("RW tujuan"), required=False, max_length=3, widget=forms.TextInput(attrs=NUMERIC)
    )
    alamat = forms.CharField(label=_("Alamat di tempat tujuan"), max_length=255)

    def clean_destination_village(self) -> str:
        value = self.cleaned_data["destination_village"].replace(".", "").strip()
        if len(value) != 10 or not value.isdigit():
            raise ValidationError(_("Pilih sampai tingkat kelurahan/desa tujuan."))
        return value


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Tidak wajib. Dibaca dinas sosial kabupaten/kota saat memverifikasi usulan ini."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        explain_errors(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    transition = forms.CharField(widget=forms.HiddenInput)


# Service error keys that are not a field of these forms go to the form's top.
TARGET_KEYS = {"target": "nomor", "musyawarah": None, "__all__": None, "persons": None}


def apply_service_errors(
    exc: ValidationError, *forms_: forms.Form, formset: BasePersonFormSet | None = None
) -> None:
    """Puts a service's ValidationError on the fields it names ("persons.1.nik" → the second person's
    NIK; "house.atap" → atap; "target" → nomor); anything else on the first form as a whole."""
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = forms_[0]
    for key, errors in messages.items():
        placed = False
        if key.startswith("persons.") and formset is not None:
            parts = key.split(".")
            index = int(parts[1]) if parts[1].isdigit() else -1
            live = [f for f in formset.forms if f.cleaned_data]
            if 0 <= index < len(live):
                field = parts[2] if len(parts) > 2 and parts[2] in live[index].fields else None
                for e in errors:
                    live[index].add_error(field, e)
                placed = True
        else:
            name = key.split(".", 1)[1] if key.startswith("house.") else TARGET_KEYS.get(key, key)
            for form in forms_:
                if name and name in form.fields:
                    for e in errors:
                        form.add_error(name, e)
                    placed = True
                    break
        if not placed:
            for e in errors:
                first.add_error(None, e)
