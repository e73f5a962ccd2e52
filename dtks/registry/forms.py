"""Forms of the registry pages: the GET filter (area, name) and the POST search by NIK or KK.

NIK and KK are personal data and never travel in a URL (docs/security.md #10): the number search is a
POST whose results are rendered in the response itself, and the name field refuses digits, so a
NIK typed into it is neither sent by the browser (HTML `pattern`) nor searched by the server.

The area filter offers the regions inside the user's scope. A national or provincial scope holds
tens of thousands of villages, too many for one `<select>`, so the list drills down: provinces, then
the regencies of the chosen province, then the villages (grouped by district) of the chosen regency.
Each step is one indexed query on the region table; choosing a wider option goes back up.
"""

from collections.abc import Iterable
from html import escape

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from dtks.accounts.scope import REGION_LENGTH, ROLE_SCOPE, ScopeKind
from dtks.regions.models import Level, Region

NAME_MAX = 100
ID_DIGITS = 16


def scope_root(user) -> str | None:
    """The code every visible row starts with ('' = national); None when the scope has no region."""
    kind = ROLE_SCOPE.get(user.role)
    code = user.region_code or ""
    if kind == ScopeKind.NATIONAL:
        return ""
    if kind in REGION_LENGTH and len(code) == REGION_LENGTH[kind]:
        return code
    return None


def area_choices(*, user, current: str = "", districts: bool = False) -> list:
    """`<select>` choices for the area filter: [("", all)] + (group label, [(code, name)]) groups.

    `current` must already be a code inside the user's scope (see `code_in_scope`). With `districts`,
    each district can be chosen whole too (a regency works by district: the Dukcapil reconciliation).
    One query; none for a village operator, whose scope is a single village (no filter shown).
    """
    everything = ("", _("Semua wilayah dalam cakupan Anda"))
    kind = ROLE_SCOPE.get(user.role)
    if kind == ScopeKind.ASSIGNED_VILLAGES:
        villages = Region.objects.filter(code__in=user.assigned_villages.values("village_code")).order_by(
            "name"
        )
        return [everything, (_("Desa tugas"), [(r.code, r.name) for r in villages])]
    root = scope_root(user)
    if root is None or len(root) == REGION_LENGTH[ScopeKind.VILLAGE]:
        return []
    # Tuples, not model instances: a regency holds ~900 regions, and the page is rendered for each view.
    regions = (
        Region.objects.filter(_drill_down(root, current))
        .order_by("level", "name")
        .values_list("code", "name", "level", "parent_id")
    )
    return [everything, *_area_groups(regions, districts=districts)]


def _drill_down(root: str, current: str) -> Q:
    """The regions offered under scope `root` ('' = national, else a province or regency code) once
    `current` (a code inside it, or '') is chosen: the provinces (national scope only), the chosen
    province's regencies, and the chosen regency's districts and villages."""
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


def _area_groups(regions: Iterable[tuple], *, districts: bool = False) -> list:
    """Regions (code, name, level, parent code; ordered by level, then name) as `<optgroup>`s:
    provinces, regencies, then one group per district (by district name) holding its villages — first
    the whole district when `districts`; otherwise districts without villages are left out."""
    provinces, regencies, by_district, villages = [], [], {}, {}
    for code, name, level, parent in regions:
        if level == Level.PROVINCE:
            provinces.append((code, name))
        elif level == Level.REGENCY:
            regencies.append((code, name))
        elif level == Level.DISTRICT:
            by_district[code] = name
        else:
            villages.setdefault(parent, []).append((code, name))
    groups: list = []
    if provinces:
        groups.append((_("Provinsi"), provinces))
    if regencies:
        groups.append((_("Kabupaten/kota"), regencies))
    for code, name in sorted(by_district.items(), key=lambda item: item[1]):
        whole = [(code, _("Seluruh Kecamatan %(name)s") % {"name": name})] if districts else []
        if whole or villages.get(code):
            groups.append((_("Kecamatan %(name)s") % {"name": name}, [*whole, *villages.get(code, [])]))
    return groups


def code_in_scope(*, user, code: str, districts: bool = False) -> bool:
    """Whether an area code may be used as a filter by this user (no query except for field officers);
    a district's code only `districts` (see `area_choices`)."""
    if (
        not code.isascii()
        or not code.isdigit()
        or len(code) not in ((2, 4, 6, 10) if districts else (2, 4, 10))
    ):
        return False
    if ROLE_SCOPE.get(user.role) == ScopeKind.ASSIGNED_VILLAGES:
        return user.assigned_villages.filter(village_code=code).exists()
    root = scope_root(user)
    return root is not None and code.startswith(root) and len(code) > len(root)


class AreaSelect(forms.Select):
    """Django's `<select>` markup, written here rather than through templates: a regency's area filter
    holds ~900 options (its villages by district), and rendering each through Django's option and
    attribute templates took 250 ms of a 280 ms person-list page (benchmarks/bench_person_list.py)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                html.append(f'\n  <optgroup label="{escape(str(group))}">')
            for o in options:
                selected = " selected" if o["attrs"].get("selected") else ""
                html.append(
                    f'\n  <option value="{escape(str(o["value"]))}"{selected}>{escape(str(o["label"]))}</option>'
                )
            if group:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


class AreaFilterForm(forms.Form):
    """GET filters of the family and person lists: an area inside the scope and a name."""

    wilayah = forms.ChoiceField(
        label=_("Wilayah"),
        required=False,
        widget=AreaSelect,
        error_messages={"invalid_choice": _("Wilayah ini tidak dikenal atau di luar cakupan Anda.")},
    )
    q = forms.CharField(
        label=_("Cari nama"),
        required=False,
        max_length=NAME_MAX,
        help_text=_("Untuk mencari NIK atau nomor KK, gunakan formulir pencarian NIK/KK."),
        # The browser itself refuses to put digits (a NIK) into the address (docs/security.md #10).
        widget=forms.TextInput(attrs={"pattern": r"[^0-9]*", "autocomplete": "off", "type": "search"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        raw = str(self.data.get("wilayah") or "").strip() if self.is_bound else ""
        current = raw if raw and code_in_scope(user=user, code=raw) else ""
        choices = area_choices(user=user, current=current)
        if choices:
            self.fields["wilayah"].choices = choices
        else:  # a single village: nothing to choose
            del self.fields["wilayah"]

    def clean_q(self) -> str:
        name = " ".join(self.cleaned_data["q"].split())
        if any(ch.isdigit() for ch in name):
            raise forms.ValidationError(
                _(
                    "Nama tidak berisi angka. Untuk mencari NIK atau nomor KK, gunakan formulir pencarian NIK/KK."
                )
            )
        return name


class NumberSearchForm(forms.Form):
    """POST only: a NIK or KK number (16 digits; spaces and dots are ignored)."""

    nomor = forms.CharField(
        label=_("NIK atau nomor KK"),
        max_length=40,
        help_text=_("16 angka. Dikirim tanpa dicantumkan di alamat halaman."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_nomor(self) -> str:
        value = "".join(ch for ch in self.cleaned_data["nomor"] if not ch.isspace() and ch not in ".-")
        if not (value.isascii() and value.isdigit() and len(value) == ID_DIGITS):
            raise forms.ValidationError(_("Masukkan 16 angka NIK atau nomor KK."))
        return value
