"""The assessment's forms (determination/views.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dtks.registry.models import Finding
from proposals.item import ProposalItem
from verification.forms import OverrideFields

from .assessment import ASSESSMENT
from .models import FORWARDED_DECISIONS, OWN_DECISIONS, AssessmentDecision


class AssessmentForm(OverrideFields, forms.Form):
    """One item's assessment: the decisions its state allows, the note, the rules a return names and
    an override reason per finding (for accepting)."""

    decision = forms.ChoiceField(
        label=_("Keputusan"), choices=AssessmentDecision.choices, widget=forms.RadioSelect
    )
    rule_codes = forms.MultipleChoiceField(
        label=_("Kriteria yang tidak terpenuhi"),
        required=False,
        choices=Finding.Rule.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Wajib untuk pengembalian: kabupaten/kota memperbaiki menurut kriteria ini."),
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Wajib untuk pengembalian, pengiriman ke penjaminan kualitas, dan penolakan; kabupaten/kota "
            "membacanya di riwayat usulan."
        ),
    )

    def __init__(self, *args, item: ProposalItem, **kwargs):
        super().__init__(*args, **kwargs)
        own = item.state == ProposalItem.State.SUBMITTED
        self.fields["decision"].choices = [
            (d.value, d.label) for d in (OWN_DECISIONS if own else FORWARDED_DECISIONS)
        ]
        if own:
            del self.fields["rule_codes"]
        self.add_override_fields(item)


class BulkAcceptForm(forms.Form):
    """Bulk acceptance: the rows ticked (`item`) or the whole filter result (`all_results`, with the
    assessment queue's filter parameters by their own names)."""

    item = forms.TypedMultipleChoiceField(
        label=_("Usulan"), required=False, coerce=int, choices=(), widget=forms.MultipleHiddenInput
    )
    all_results = forms.BooleanField(label=_("Semua hasil saringan"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service reads them through the caller's scope.
        self.fields["item"].valid_value = lambda value: True
        for name in ASSESSMENT.filter_params:
            self.fields[name] = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def filters(self) -> dict[str, str]:
        return {n: self.cleaned_data[n] for n in ASSESSMENT.filter_params if self.cleaned_data.get(n)}
