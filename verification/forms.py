"""The decision forms of the verification pages (verification/views.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dtks.registry.models import Finding
from proposals.item import ProposalItem

from .models import BULK_DECISION_CHOICES, RETURNED_DECISIONS, DecisionKind, RejectReason
from .selectors import FILTER_PARAMS

FAMILY_EDIT = (("no_kk", _("Nomor KK")), ("rt", _("RT")), ("rw", _("RW")), ("alamat", _("Alamat")))
PERSON_EDIT = (
    ("nama", _("Nama")),
    ("nik", _("NIK")),
    ("tempat_lahir", _("Tempat lahir")),
    ("tanggal_lahir", _("Tanggal lahir")),
    ("jenis_kelamin", _("Jenis kelamin (L/P)")),
)


def correctable(item: ProposalItem) -> bool:
    """An item whose content the verifier may correct (a deletion of a registered record has none)."""
    targets = item.target_family_id is not None or item.target_person_id is not None
    return not targets or item.kind == ProposalItem.Kind.CORRECTION


def finding_rules(item: ProposalItem) -> list[str]:
    rules: list[str] = []
    for f in item.findings or []:
        if f.get("rule") and f["rule"] not in rules:
            rules.append(f["rule"])
    return rules


class OverrideFields:
    """A decision form's override reason per rule found on the item (`override_<rule>`), the item's
    reasons so far as initial values — the verifier's form here, the ministry's assessment form."""

    def add_override_fields(self, item: ProposalItem) -> None:
        self.rules = finding_rules(item)
        # A correction in the same decision may bring a finding the item did not have: the service then
        # asks for its reason (form_errors adds the field), which the next submit carries.
        for name in self.data if self.is_bound else ():
            rule = name.removeprefix("override_")
            if name.startswith("override_") and rule in Finding.Rule.values and rule not in self.rules:
                self.rules.append(rule)
        self.add_override_field(*self.rules, initial=item.overrides or {})

    def add_override_field(self, *rules: str, initial: dict | None = None) -> None:
        for rule in rules:
            if rule not in self.rules:
                self.rules.append(rule)
            self.fields[f"override_{rule}"] = forms.CharField(
                label=_("Alasan pengabaian temuan %(rule)s") % {"rule": Finding.rule_label(rule)},
                required=False,
                max_length=2000,
                initial=(initial or {}).get(rule, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def override_fields(self):
        return [self[f"override_{rule}"] for rule in self.rules]

    def overrides(self) -> dict[str, str]:
        return {rule: self.cleaned_data.get(f"override_{rule}", "") for rule in self.rules}


class DecisionForm(OverrideFields, forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"), choices=DecisionKind.choices, widget=forms.RadioSelect, required=True
    )
    reason = forms.CharField(
        label=_("Alasan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib untuk pengembalian; desa/kelurahan membacanya di riwayat usulan."),
    )
    reason_code = forms.ChoiceField(
        label=_("Alasan penolakan"),
        required=False,
        choices=[("", "—"), *RejectReason.choices],
        help_text=_("Wajib untuk penolakan."),
    )
    note = forms.CharField(
        label=_("Catatan verifikator"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Catatan internal dinas sosial (hasil kunjungan dan sebagainya)."),
    )

    def __init__(self, *args, item: ProposalItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.state == ProposalItem.State.RETURNED_TO_REGENCY:
            self.fields["decision"].choices = [(k.value, k.label) for k in RETURNED_DECISIONS]
        self.add_override_fields(item)
        self.correctable = correctable(item)
        self.persons = list(item.persons.order_by("position")) if self.correctable else []
        if self.correctable:
            for name, text in FAMILY_EDIT:
                self.fields[f"family_{name}"] = forms.CharField(
                    label=text, required=False, max_length=300, initial=getattr(item, name) or ""
                )
            for i, p in enumerate(self.persons):
                for name, text in PERSON_EDIT:
                    value = getattr(p, name)
                    self.fields[f"p{i}_{name}"] = forms.CharField(
                        label=text,
                        required=False,
                        max_length=300,
                        initial=""
                        if value is None
                        else (value.isoformat() if name == "tanggal_lahir" else value),
                        widget=forms.DateInput(attrs={"type": "date"}) if name == "tanggal_lahir" else None,
                    )

    def family_fields(self):
        return [self[f"family_{n}"] for n, _t in FAMILY_EDIT] if self.correctable else []

    def person_fields(self):
        return [
            {"person": p, "fields": [self[f"p{i}_{n}"] for n, _t in PERSON_EDIT]}
            for i, p in enumerate(self.persons)
        ]

    def corrections(self) -> dict | None:
        """The item's content with the edited fields, as `proposal_item_correct` takes it."""
        if self.cleaned_data.get("decision") != DecisionKind.VERIFY_CORRECTED or not self.correctable:
            return None
        from dtks.registry.fields import PERSON_FIELDS

        item = self.item
        family = {n: self.cleaned_data.get(f"family_{n}", "") for n, _t in FAMILY_EDIT}
        family["house"] = dict(item.house or {})
        family["is_family"] = bool(item.no_kk) or len(self.persons) > 1
        persons = []
        for i, p in enumerate(self.persons):
            row = {"target_person_id": p.target_person_id, **{k: getattr(p, k) for k in PERSON_FIELDS}}
            if row.get("tanggal_lahir") is not None:
                row["tanggal_lahir"] = row["tanggal_lahir"].isoformat()
            for n, _t in PERSON_EDIT:
                row[n] = self.cleaned_data.get(f"p{i}_{n}", "")
            persons.append(row)
        return {"family": family, "persons": persons}


class BulkDecisionForm(forms.Form):
    """A bulk decision on a selection (`item`) or on the whole filter result (`all_results`, with the
    queue's filter parameters by their own names, selectors.FILTER_PARAMS: the API's `filter` takes
    the same; the service parses them as the queue does)."""

    item = forms.TypedMultipleChoiceField(
        label=_("Usulan"), required=False, coerce=int, choices=(), widget=forms.MultipleHiddenInput
    )
    all_results = forms.BooleanField(label=_("Semua hasil saringan"), required=False)
    decision = forms.ChoiceField(
        label=_("Keputusan"), choices=BULK_DECISION_CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Alasan"), required=False, max_length=2000, widget=forms.Textarea)
    reason_code = forms.ChoiceField(
        label=_("Alasan penolakan"), required=False, choices=[("", "—"), *RejectReason.choices]
    )
    note = forms.CharField(label=_("Catatan"), required=False, max_length=4000, widget=forms.Textarea)

    def clean_item(self):
        return self.cleaned_data["item"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service reads them through the caller's scope.
        self.fields["item"].valid_value = lambda value: True
        for name in FILTER_PARAMS:
            self.fields[name] = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def filters(self) -> dict[str, str]:
        """The queue's filter parameters given (the whole filter result's)."""
        return {name: self.cleaned_data[name] for name in FILTER_PARAMS if self.cleaned_data.get(name)}
