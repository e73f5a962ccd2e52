"""Forms of the Dukcapil pages: the extract upload and the reconciliation's filters.

The upload form only parses what the browser sends; `civil_extract_create` checks it, so the page and
the API refuse the same input with the same message under the same field (`file`, `sumber`,
`tanggal_ekstrak`). Every rendered upload form carries a fresh key (`kunci`), so a double submit is one
extract (docs/security.md #11).

The area filter offers, inside the user's scope, the regencies of a province, the districts of a regency
and their villages (a district filter is what a regency works by); a code outside the scope is refused.
"""

import re
import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dtks.regions.models import Level, Region
from dtks.registry.forms import scope_root

from .reconciliation import REASONS

FORM_KEY_RE = re.compile(r"^[0-9a-f]{32}$")
CODE_LENGTHS = (2, 4, 6, 10)

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


def _area_regions(root: str, current: str) -> Q:
    """The regions offered under scope `root` ('' national, a province or a regency code) once
    `current` (a code inside it, or '') is chosen: provinces (national only), the chosen province's
    regencies, the chosen regency's districts and villages."""
    province = root if len(root) == 2 else current[:2] if len(current) >= 2 else ""
    regency = root if len(root) == 4 else current[:4] if len(current) >= 4 else ""
    wanted = Q(pk__in=[])
    if root == "":
        wanted |= Q(level=Level.PROVINCE)
    if province and len(root) <= 2:
        wanted |= Q(parent_id=province)
    if regency:
        wanted |= Q(code__startswith=regency, level__in=[Level.DISTRICT, Level.VILLAGE])
    return wanted


def area_choices(*, user, current: str = "") -> list:
    """`<select>` choices: everything in scope, then provinces / regencies / per district the district
    itself and its villages. One query."""
    root = scope_root(user)
    if root is None or len(root) == 10:
        return []
    regions = (
        Region.objects.filter(_area_regions(root, current))
        .order_by("level", "name")
        .only("code", "name", "level", "parent_id")
    )
    provinces, regencies, districts, villages = [], [], {}, {}
    for r in regions:
        if r.level == Level.PROVINCE:
            provinces.append((r.code, r.name))
        elif r.level == Level.REGENCY:
            regencies.append((r.code, r.name))
        elif r.level == Level.DISTRICT:
            districts[r.code] = r.name
        else:
            villages.setdefault(r.parent_id, []).append((r.code, r.name))
    groups: list = [("", _("Semua wilayah dalam cakupan Anda"))]
    if provinces:
        groups.append((_("Provinsi"), provinces))
    if regencies:
        groups.append((_("Kabupaten/kota"), regencies))
    for code, name in sorted(districts.items(), key=lambda item: item[1]):
        whole = (code, _("Seluruh Kecamatan %(name)s") % {"name": name})
        groups.append((_("Kecamatan %(name)s") % {"name": name}, [whole, *villages.get(code, [])]))
    return groups


def code_in_scope(*, user, code: str) -> bool:
    root = scope_root(user)
    return (
        root is not None
        and code.isascii()
        and code.isdigit()
        and len(code) in CODE_LENGTHS
        and code.startswith(root)
        and len(code) > len(root)
    )


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
        current = raw if raw and code_in_scope(user=user, code=raw) else ""
        choices = area_choices(user=user, current=current)
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
