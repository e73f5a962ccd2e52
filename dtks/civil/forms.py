"""Forms of the Dukcapil pages: the extract upload and the reconciliation's filters.

The upload form only parses what the browser sends; `civil_extract_create` checks it, so the page and
the API refuse the same input with the same message under the same field (`file`, `sumber`,
`tanggal_ekstrak`). Every rendered upload form carries a fresh key (`kunci`), so a double submit is one
extract (docs/security.md #11).

The area filter is the registry pages' (`dtks.registry.forms.area_choices`/`code_in_scope`) with whole
districts choosable too (a district filter is what a regency works by); a code outside the scope is refused.
"""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from dtks.registry.forms import area_choices, code_in_scope

from .reconciliation import REASONS

FORM_KEY_RE = re.compile(r"^[0-9a-f]{32}$")

# In the order of REASONS (dtks/civil/matching.py's PARTS).
REASON_LABELS = {
    "not_found": _("NIK tidak ada di Dukcapil"),
    "other_person": _("NIK milik orang lain"),
    "nama": _("Nama berbeda"),
    "tanggal_lahir": _("Tanggal lahir berbeda"),
    "jenis_kelamin": _("Jenis kelamin berbeda"),
    "no_kk": _("Nomor KK berbeda"),
    "kode_wilayah": _("Desa/kelurahan alamat berbeda"),
}
if tuple(REASON_LABELS) != REASONS:
    raise ImportError("REASON_LABELS must name every reason of dtks/civil/matching.py, in its order")
DATE_INVALID = _(
    "Tanggal ekstrak bukan tanggal yang dikenali; tulis seperti 2026-11-30 (tahun-bulan-tanggal)."
)


class ExtractUploadForm(forms.Form):
    kunci = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    file = forms.FileField(
        label=_("Berkas ekstrak (CSV atau XLSX)"),
        required=False,  # the service says what to do when it is missing or empty
        allow_empty_file=True,
        help_text=_(
            "Kolom: nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, no_kk, kode_wilayah, alamat. "
            "NIK dan KK sebagai teks."
        ),
    )
    sumber = forms.CharField(
        label=_("Sumber ekstrak"),
        required=False,
        max_length=400,  # the service's limit (200) comes with its own message
        help_text=_("Ditampilkan bersama setiap hasil pencocokan, misalnya “Dukcapil Kab. Magelang”."),
    )
    tanggal_ekstrak = forms.DateField(
        label=_("Tanggal ekstrak"),
        required=False,
        help_text=_("Tanggal Dukcapil membuat ekstrak ini."),
        error_messages={"invalid": DATE_INVALID},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("kunci", uuid.uuid4().hex)

    def clean(self):
        data = super().clean()
        if not FORM_KEY_RE.match(data.get("kunci") or ""):
            raise forms.ValidationError(
                _(
                    "Formulir ini tidak lengkap (kunci pengiriman hilang); muat ulang halaman, lalu kirim lagi."
                )
            )
        return data


class ReconciliationFilterForm(forms.Form):
    """GET filters of the reconciliation page and its download: a reason and an area in scope."""

    alasan = forms.ChoiceField(
        label=_("Alasan"),
        required=False,
        choices=[("", _("Semua alasan")), *REASON_LABELS.items()],
        error_messages={"invalid_choice": _("Alasan ini tidak dikenal; pilih salah satu dari daftar.")},
    )
    wilayah = forms.ChoiceField(
        label=_("Wilayah"),
        required=False,
        error_messages={"invalid_choice": _("Wilayah ini tidak dikenal atau di luar cakupan Anda.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        raw = str(self.data.get("wilayah") or "").strip() if self.is_bound else ""
        current = raw if raw and code_in_scope(user=user, code=raw, districts=True) else ""
        choices = area_choices(user=user, current=current, districts=True)
        if choices:
            self.fields["wilayah"].choices = choices
        else:
            del self.fields["wilayah"]
        self.user = user

    def filters(self) -> tuple[str, str]:
        """(area, reason) when valid, else ("", "") — a bad filter lists the whole scope."""
        if not self.is_bound or not self.is_valid():
            return "", ""
        return self.cleaned_data.get("wilayah") or "", self.cleaned_data.get("alasan") or ""
