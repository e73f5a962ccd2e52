"""The cascading region picker: a form field + widget later forms reuse.

`RegionField(level=4)` cleans to the undotted code (`3371011001`) of an existing region of that
level; dotted input (`33.71.01.1001`) is accepted. Its widget renders one labelled `<select>` per
level. Choosing a value asks `regions:children` (htmx) for the next level's `<option>`s and empties
the deeper levels out of band, so no JavaScript of our own is needed. Without JavaScript the form
still works: submitting a partial choice re-renders the picker with the next level loaded.
"""

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import CODE_LENGTH, Level, dotted, undotted

# What a level is called in labels, placeholders and messages (lower case for use mid-sentence).
LEVEL_LABELS = {
    Level.PROVINCE: _("Provinsi"),
    Level.REGENCY: _("Kabupaten/Kota"),
    Level.DISTRICT: _("Kecamatan"),
    Level.VILLAGE: _("Kelurahan/Desa"),
}
LEVEL_NOUNS = {
    Level.PROVINCE: _("provinsi"),
    Level.REGENCY: _("kabupaten/kota"),
    Level.DISTRICT: _("kecamatan"),
    Level.VILLAGE: _("kelurahan/desa"),
}
# Element ids travel through the children endpoint's query string into its response: keep them plain.
PICKER_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,100}$")


def normalize_region_code(value: str) -> str | None:
    """Undotted code for `3371011001` or the canonical dotted `33.71.01.1001`; None for anything else."""
    value = value.strip()
    if not value.isascii():
        return None
    code = undotted(value)
    if selectors.region_code_level(code=code) is None:
        return None
    return code if value in (code, dotted(code)) else None


def placeholder_label(level: int, *, parent_chosen: bool) -> str:
    noun = LEVEL_NOUNS[Level(level)]
    if parent_chosen:
        return str(_("— pilih %(level)s —") % {"level": noun})
    return str(_("— pilih %(parent)s dahulu —") % {"parent": LEVEL_NOUNS[Level(level - 1)]})


def level_select_id(picker_id: str, level: int) -> str:
    return f"{picker_id}_{level}"


class RegionPickerWidget(forms.Widget):
    """One labelled `<select>` per level, from province down to `depth`.

    The deepest select carries the field's own name; the ones above are `<name>_<level>`, so a
    partial choice survives a re-render. Element ids are `<id>_<level>`.
    """

    template_name = "regions/widgets/region_picker.html"
    use_fieldset = True

    def __init__(self, *, depth: int = Level.VILLAGE, attrs: dict[str, Any] | None = None):
        if depth not in CODE_LENGTH:
            raise ValueError(f"depth must be 1-4, got {depth!r}")
        self.depth = Level(depth)
        super().__init__(attrs)

    def level_name(self, name: str, level: int) -> str:
        return name if level == self.depth else f"{name}_{level}"

    def value_from_datadict(self, data, files, name):
        """The deepest chosen code of a consistent chain (each level inside the one above).

        When the user changes an upper level without JavaScript, the stale deeper choices no longer
        sit inside it and are dropped. A form posting only `<name>` (an API, a test) is used as is.
        """
        values = [data.get(self.level_name(name, level)) or "" for level in range(1, self.depth + 1)]
        if not any(values[:-1]):
            return data.get(name)
        chosen = ""
        for value in values:
            if not value or not undotted(value).startswith(undotted(chosen)):
                break
            chosen = value
        return chosen

    def value_omitted_from_data(self, data, files, name):
        return all(self.level_name(name, level) not in data for level in range(1, self.depth + 1))

    def id_for_label(self, id_):
        return level_select_id(id_, 1) if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        picker_id = context["widget"]["attrs"].pop("id", None) or f"id_{name}"
        if not PICKER_ID_RE.match(picker_id):
            raise ValueError(f"region picker id must match {PICKER_ID_RE.pattern}: {picker_id!r}")
        code = normalize_region_code(str(value or "")) or ""
        options = selectors.region_picker_options(code=code, depth=self.depth)
        prefixes = selectors.region_code_prefixes(code=code) if code else []
        children_url = reverse("regions:children")
        levels = []
        for level in range(1, self.depth + 1):
            parent = None if level == 1 else (prefixes[level - 2] if len(prefixes) >= level - 1 else "")
            chosen = prefixes[level - 1] if len(prefixes) >= level else ""
            regions = options.get(parent, []) if parent != "" else []
            select_name = self.level_name(name, level)
            entry = {
                "level": level,
                "label": LEVEL_LABELS[Level(level)],
                "name": select_name,
                "id": level_select_id(picker_id, level),
                "placeholder": placeholder_label(level, parent_chosen=parent != ""),
                "options": [(r.code, r.name, r.code == chosen) for r in regions],
                "hx_get": None,
            }
            if level < self.depth:
                query = {"src": select_name, "level": level, "picker": picker_id, "depth": int(self.depth)}
                entry["hx_get"] = f"{children_url}?{urlencode(query)}"
                entry["hx_target"] = "#" + level_select_id(picker_id, level + 1)
            levels.append(entry)
        context["widget"].update({"picker_id": picker_id, "levels": levels, "depth": int(self.depth)})
        return context

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        # The project's template engine (not the form renderer's), so the widget template lives
        # with the other region templates and shares the option markup with the children endpoint.
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class RegionField(forms.CharField):
    """A region of one level, chosen with the cascading picker; cleans to the undotted code."""

    widget = RegionPickerWidget

    def __init__(self, *, level: int = Level.VILLAGE, **kwargs):
        if level not in CODE_LENGTH:
            raise ValueError(f"level must be 1-4, got {level!r}")
        self.level = Level(level)
        kwargs.setdefault("widget", RegionPickerWidget(depth=self.level))
        kwargs.setdefault("label", _("Wilayah"))
        super().__init__(**kwargs)
        # Lazy messages with params filled in when raised, so they follow the request's language.
        self.error_messages = {
            **self.error_messages,
            "required": _("Pilih %(level)s."),
            "format": _(
                "Kode %(level)s tidak sah: tulis %(digits)s angka, misalnya %(example)s atau %(dotted)s."
            ),
            "incomplete": _("Pilihan wilayah belum lengkap: pilih sampai %(level)s."),
            "unknown": _("Kode wilayah tidak dikenal: pilih %(level)s dari daftar."),
        }

    def _error(self, code: str) -> ValidationError:
        example = "3371011001"[: CODE_LENGTH[self.level]]
        params = {
            "level": LEVEL_NOUNS[self.level],
            "digits": CODE_LENGTH[self.level],
            "example": example,
            "dotted": dotted(example),
        }
        return ValidationError(self.error_messages[code], code=code, params=params)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        code = normalize_region_code(value)
        if code is None:
            raise self._error("format")
        if len(code) < CODE_LENGTH[self.level]:
            raise self._error("incomplete")
        if len(code) != CODE_LENGTH[self.level]:
            raise self._error("format")
        return code

    def validate(self, value):
        if value in self.empty_values:
            if self.required:
                raise self._error("required")
            return
        if selectors.region_get(code=value, level=self.level) is None:
            raise self._error("unknown")


class RegionPickerForm(forms.Form):
    """The public picker page: choose a village, see its full path and code."""

    wilayah = RegionField(level=Level.VILLAGE, label=_("Wilayah"))


class ChildrenQueryForm(forms.Form):
    """Input of `regions:children`.

    Called directly: `?parent=<code>`. Called by the widget: the changed select sends its own value
    under its own name, which `src` names, with the select's `level` and, to empty the deeper
    levels out of band, the picker's element id and `depth`.
    """

    parent = forms.CharField(required=False, max_length=20)
    level = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[(lv, lv) for lv in (1, 2, 3)]
    )
    picker = forms.RegexField(required=False, regex=PICKER_ID_RE)
    depth = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[(lv, lv) for lv in (2, 3, 4)]
    )

    def __init__(self, query, *args, **kwargs):
        src = query.get("src") or "parent"
        data = {
            "parent": query.get(src, None),
            "level": query.get("level", ""),
            "picker": query.get("picker", ""),
            "depth": query.get("depth", ""),
        }
        self.parent_sent = data["parent"] is not None
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not self.parent_sent:
            raise ValidationError(_("Parameter parent wajib diisi."), code="required")
        raw = cleaned.get("parent") or ""
        level = cleaned.get("level")
        if raw:
            code = normalize_region_code(raw)
            parent_level = selectors.region_code_level(code=code) if code else None
            if code is None or parent_level is None or parent_level == Level.VILLAGE:
                raise ValidationError(_("Kode wilayah induk tidak sah."), code="parent")
            if level not in (None, parent_level):
                raise ValidationError(_("Kode wilayah induk tidak cocok dengan tingkatnya."), code="level")
            cleaned["parent"] = code
            cleaned["level"] = level = parent_level
        elif level is None:
            raise ValidationError(_("Parameter parent wajib diisi."), code="required")
        depth = cleaned.get("depth")
        if bool(cleaned.get("picker")) != bool(depth):
            raise ValidationError(_("Parameter picker dan depth harus diisi bersama."), code="picker")
        if depth is not None and depth <= level:
            raise ValidationError(_("Tingkat pemilih wilayah tidak cocok."), code="depth")
        return cleaned
