"""The forms of an item page, and the guided steps of the kinds that carry content.

An addition, a replacement's incoming half, a correction's new values (and the edit of any of them)
are entered in three steps, each a POST of one form whose other steps travel in hidden fields, so
the page works without JavaScript:

1. `keluarga` — the family (or individual) and its house; a replacement also names the record it
   replaces here;
2. `anggota` — the members, added and removed with buttons that rewrite the posted rows;
3. `ringkasan` — what will be saved, to confirm, with the note and (creating) the form's key.

"Lanjut" checks the steps up to the one shown; "Simpan" checks them all and calls the service, whose
refusals go back on the fields they name and the page opens on the first step with an error. Kinds
without content (a deletion, a transfer, a correction's "find" step) stay one short page.
"""

import re

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import (
    DeletionForm,
    DeletionReasonForm,
    FamilyForm,
    FixedPersonFormSet,
    KeyForm,
    NoteForm,
    PersonFormSet,
    TargetForm,
    TransferForm,
    apply_service_errors,
    code_choices,
)
from .models import ProposalItem

K = ProposalItem.Kind

STEPS = ("keluarga", "anggota", "ringkasan")
STEP_LABELS = {
    "keluarga": gettext_lazy("Keluarga dan rumah"),
    "anggota": gettext_lazy("Anggota"),
    "ringkasan": gettext_lazy("Ringkasan"),
}
MAX_MEMBERS = 30
CODE_LISTS = (
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
    "status_perkawinan",
    "hubungan_keluarga",
    "kategori",
    "kriteria",
    "disabilitas",
    "alasan_penghapusan",
)
ADD_MEMBER = "tambah-anggota"
REMOVE_MEMBER = "hapus-anggota-"
_ROW = re.compile(r"^persons-(\d{1,2})-(\w+)$")


def _count(value) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 3 else 0


def members_changed(data, action: str):
    """The posted rows after "+ Tambah anggota" (one empty row more) or "Hapus anggota ini" (row N
    gone, the later rows moved up); `data` itself for any other action."""
    total = _count(data.get("persons-TOTAL_FORMS"))
    if action == ADD_MEMBER:
        out = data.copy()
        out["persons-TOTAL_FORMS"] = str(min(total + 1, MAX_MEMBERS))
        return out
    index = action[len(REMOVE_MEMBER) :] if action.startswith(REMOVE_MEMBER) else ""
    if not index.isdigit() or not 0 <= int(index) < total or total <= 1:
        return data
    n = int(index)
    out = data.copy()
    for key in data:
        match = _ROW.match(key)
        if match and int(match.group(1)) >= n:
            del out[key]
    for key in data:
        match = _ROW.match(key)
        if match and int(match.group(1)) > n:
            out.setlist(f"persons-{int(match.group(1)) - 1}-{match.group(2)}", data.getlist(key))
    out["persons-TOTAL_FORMS"] = str(total - 1)
    initial = _count(data.get("persons-INITIAL_FORMS"))
    if n < initial:
        out["persons-INITIAL_FORMS"] = str(initial - 1)
    return out


class ItemForms:
    """The forms one item kind needs on a page, bound or not, grouped into the guided steps."""

    def __init__(self, request, kind: str, *, initial=None, item=None, stage: str = "", action: str = ""):
        self.kind, self.item = kind, item
        data = request.POST if request.method == "POST" else None
        self.choices = code_choices(*CODE_LISTS)
        if data is not None:
            data = members_changed(data, action)
        initial = initial or {}
        self.target = self.reason = self.family = self.persons = self.note = self.key = None
        creating = item is None
        # "find": the correction's first step (which record?), then its content ("fill").
        if stage == "find":
            self.target = TargetForm(data, initial=initial.get("target"))
            return
        out_half = item is not None and (
            item.target_family_id is not None or item.target_person_id is not None
        )
        content = (
            stage == "fill"
            or (kind in (K.ADDITION, K.REPLACEMENT) and not out_half)
            or (item is not None and (kind == K.CORRECTION or (kind == K.TRANSFER and not out_half)))
        )
        fixed = kind in (K.CORRECTION, K.TRANSFER)
        if creating and kind in (K.DELETION, K.REPLACEMENT):
            self.target = DeletionForm(data, choices=self.choices)
        elif creating and kind == K.TRANSFER:
            self.target = TransferForm(data)
        elif out_half and kind in (K.DELETION, K.REPLACEMENT):
            self.reason = DeletionReasonForm(data, choices=self.choices, initial=initial.get("reason"))
        if content:
            self.family = FamilyForm(
                data, initial=initial.get("family"), choices=self.choices, fixed_shape=fixed
            )
            person_set = FixedPersonFormSet if fixed else PersonFormSet
            # Bound rows are never compared with initial values: an unchanged row is still a person.
            people = initial.get("persons") if data is None else None
            self.persons = person_set(data, initial=people, prefix="persons", choices=self.choices)
        if self.target is None and self.reason is None:
            self.note = NoteForm(data, initial=initial.get("note"))
        if creating:
            self.key = KeyForm(data)

    # -- the steps ----------------------------------------------------------------------------------

    @property
    def guided(self) -> bool:
        return self.family is not None

    @property
    def members_editable(self) -> bool:
        """Members are added and removed in an addition or a replacement, not in a correction."""
        return self.persons is not None and self.kind not in (K.CORRECTION, K.TRANSFER)

    def step_forms(self, step: str) -> list:
        if not self.guided:
            return [f for f in (self.target, self.reason, self.note, self.key) if f is not None]
        if step == "keluarga":
            return [f for f in (self.target, self.reason, self.family) if f is not None]
        if step == "ringkasan":
            return [f for f in (self.note, self.key) if f is not None]
        return []

    def step_valid(self, step: str) -> bool:
        ok = all(f.is_valid() for f in self.step_forms(step))
        if step == "anggota" and self.persons is not None:
            ok = self.persons.is_valid() and ok
        return ok

    def first_invalid(self, upto: str = "ringkasan") -> str | None:
        """The first step up to `upto` whose forms do not validate."""
        for step in STEPS[: STEPS.index(upto) + 1]:
            if not self.step_valid(step):
                return step
        return None

    def valid(self) -> bool:
        if not self.guided:
            return self.step_valid("")
        return self.first_invalid() is None

    def step_with_errors(self) -> str:
        for step in STEPS:
            forms_ = self.step_forms(step)
            if any(f.errors for f in forms_):
                return step
            if step == "anggota" and self.persons is not None and not self.persons.is_valid():
                return step
        return "ringkasan"

    def fresh_key(self, *, keep_valid: bool = False) -> list[str]:
        """A newly rendered last step carries a new key (a double submit of it is one item). With
        `keep_valid`, a valid posted key stays (the step shown again after a refusal is the same
        form). Returns the refusal of a posted key that was not valid, to show beside the new one."""
        if self.key is None:
            return []
        if keep_valid and self.key.is_bound:
            if self.key.is_valid():
                return []
            refused = list(self.key.non_field_errors())
            self.key = KeyForm()
            return refused
        self.key = KeyForm()
        return []

    def apply(self, exc) -> None:
        """A service's refusal, on the fields it names; what names none goes to the step the user
        saved from (the summary), or to the top of a one-page form."""
        order = (
            (self.note, self.key, self.target, self.reason, self.family)
            if self.guided
            else (self.target, self.reason, self.note, self.key)
        )
        apply_service_errors(exc, *[f for f in order if f is not None], formset=self.persons)

    def member_cards(self, *, show_errors: bool) -> dict:
        """Dresses each member's form for its card: it folds once it has a name, unless it has an
        error to show; its optional part opens when filled in. Says whether members can be added
        and removed here."""
        for f in self.persons.forms:
            f.shown_name = str(f["nama"].value() or "").strip()
            f.card_errors = show_errors and bool(f.errors)
            f.card_open = f.card_errors or not f.shown_name
            f.more_open = any(f[n].value() for n in f.MORE) or (
                f.card_errors and any(f[n].errors for n in f.MORE)
            )
        total = self.persons.total_form_count()
        return {
            "members_addable": self.members_editable and total < MAX_MEMBERS,
            "members_removable": self.members_editable and total > 1,
        }

    # -- what the forms say -------------------------------------------------------------------------

    def note_text(self) -> str:
        for f in (self.note, self.target, self.reason):
            if f is not None and "note" in f.cleaned_data:
                return f.cleaned_data["note"]
        return ""

    def summary(self) -> dict:
        """The confirmation step: every value entered so far, as the operator reads it."""
        people = []
        if self.persons is not None:
            for f in self.persons.forms:
                if f.cleaned_data:
                    people.append({"title": _("Anggota ke-%(n)d") % {"n": len(people) + 1}, "rows": shown(f)})
        return {
            "target": shown(self.target) if self.target is not None else [],
            "family": shown(self.family) if self.family is not None else [],
            "persons": people,
        }


def _text(field, value) -> str:
    if value in (None, "", []):
        return ""
    if hasattr(value, "isoformat"):
        return date_format(value, "j F Y")
    choices = {str(k): v for k, v in getattr(field, "choices", [])}
    if isinstance(value, bool):
        value = "1" if value else "0"
    if isinstance(value, list):
        return ", ".join(str(choices.get(str(v), v)) for v in value)
    return str(choices.get(str(value), value))


ID_FIELDS = frozenset({"nik", "no_kk", "nomor"})


def shown(form) -> list[dict]:
    """{label, value as read, id: an id number} of a valid form's visible fields that have a value."""
    rows = []
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        text = _text(field, form.cleaned_data.get(name))
        if text:
            rows.append({"label": str(field.label), "value": text, "id": name in ID_FIELDS})
    return rows
