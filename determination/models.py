"""The ministry's assessment records (issue 16, docs/determination.md): they sit next to the proposal
items and point at them by key, as the verification stage's do; an item is never given a field."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proposals.item import ProposalItem


class AssessmentDecision(models.TextChoices):
    # On items the province forwarded (the assessment tab).
    ACCEPT = "accept", _("Terima")
    RETURN = "return", _("Kembalikan ke kabupaten/kota")
    SEND_TO_QA = "send_to_qa", _("Kirim ke penjaminan kualitas")
    # On self-registrations and ministry proposals the ministry verifies itself (its own verval tab).
    ACCEPT_DIRECT = "accept_direct", _("Terima (verval Kementerian Sosial)")
    REJECT = "reject", _("Tolak (verval Kementerian Sosial)")


# The item machine's transition each decision fires (proposals.item).
TRANSITION_OF = {
    AssessmentDecision.ACCEPT: "accept",
    AssessmentDecision.RETURN: "return_to_regency",
    AssessmentDecision.SEND_TO_QA: "send_to_qa",
    AssessmentDecision.ACCEPT_DIRECT: "accept_direct",
    AssessmentDecision.REJECT: "reject_by_ministry",
}
# The decisions of each tab, by the item's state.
FORWARDED_DECISIONS = (AssessmentDecision.ACCEPT, AssessmentDecision.RETURN, AssessmentDecision.SEND_TO_QA)
OWN_DECISIONS = (AssessmentDecision.ACCEPT_DIRECT, AssessmentDecision.REJECT)
ACCEPTING = frozenset({AssessmentDecision.ACCEPT, AssessmentDecision.ACCEPT_DIRECT})


class Assessment(models.Model):
    """One decision of a ministry data officer on one item: what was decided, the rules a return
    names, the note the regency reads, the overridden findings with their reasons, and the findings
    the item had when it was decided (the re-run's, so a later re-check cannot rewrite what was seen)."""

    item = models.ForeignKey(ProposalItem, on_delete=models.PROTECT, related_name="assessments")
    decision = models.CharField(max_length=20, choices=AssessmentDecision.choices)
    rule_codes = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    findings = models.JSONField(default=list, blank=True)
    bulk_key = models.CharField(max_length=64, blank=True)  # one bulk acceptance's rows share it
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "penilaian Kementerian Sosial"
        verbose_name_plural = "penilaian Kementerian Sosial"
        indexes = [models.Index(fields=["item", "-decided_at"], name="assessment_item")]

    def __str__(self) -> str:
        return f"#{self.item_id} {self.decision}"
