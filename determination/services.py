"""Stages 4 and 5 of the lifecycle (docs/design.md §1.4, §1.5): the ministry's assessment of the
items the provinces forwarded, and the determination. The items are the proposal stage's: this app
drives them through `proposals.item` only (docs/proposals.md).

So far, the assessment's integrity re-run (docs/design.md §7, "Checking again"): the integrity
engine runs again on each forwarded item — every enabled rule, the civil registry's included, and
the national rules against the whole registry and every open item — so that the ministry sees what
changed since the regency decided. It runs after a province forward and every night:

    assessment_recheck_items(*, item_ids) -> int      # these items: one task per chunk, on commit
    assessment_recheck_forwarded() -> int             # the nightly beat task: every forwarded item
    assessment_recheck_arrived() -> int               # every few minutes: items forwarded since their last check
    assessment_recheck_chunk(*, item_ids) -> int      # one task's work: one chunk, one transaction
    assessment_recheck_stale(item) -> bool            # one item, now, before the data officer decides it

The province's forward belongs to the verification stage, which cannot call this one (data flows one
way, docs/design.md §3): an item forwarded since it was last checked (`findings_checked_at` before its
`updated_at`, which the forward sets) is found by the frequent beat task, and — should the officer open
it before that task ran — checked on the spot when its review or decision page is opened.

Each task checks one chunk of `CHUNK` items in one transaction (`proposal_items_recheck`: lock,
engine, one UPDATE, one audit row), well within the broker's visibility timeout (docs/conventions.md
rule 5); the ids travel in the message. It is idempotent: run twice, it stores the same findings, so
a lost task is simply done again the next night. An item no longer forwarded when its chunk runs (the
ministry decided meanwhile) is left as it is.
"""

from collections.abc import Iterable

from django.db.models import F, Q

from dtks.audit.services import SystemActor
from dtks.core.lookups import InArray
from proposals.item import ProposalItem, proposal_items_recheck

# Items per task (one transaction): 2,000 forwarded families take about a second against a registry of
# a million persons (benchmarks/README.md, "The assessment's integrity re-run").
CHUNK = 2000
SYSTEM_ACTOR = "sistem:penilaian"


def assessment_recheck_items(*, item_ids: Iterable[int]) -> int:
    """Queue the re-check of these items (those still forwarded when it runs), one task per chunk,
    once the caller's transaction commits; returns the number of tasks queued."""
    from .tasks import assessment_recheck

    ids = sorted({int(i) for i in item_ids})
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    for chunk in chunks:
        assessment_recheck.delay_on_commit(chunk)
    return len(chunks)


def assessment_recheck_forwarded() -> int:
    """Queue the re-check of every forwarded item (the nightly beat task); returns the tasks queued."""
    forwarded = ProposalItem.objects.filter(state=ProposalItem.State.FORWARDED).order_by("pk")
    return assessment_recheck_items(item_ids=forwarded.values_list("pk", flat=True))


def _arrived():
    return ProposalItem.objects.filter(state=ProposalItem.State.FORWARDED).filter(
        Q(findings_checked_at__isnull=True) | Q(findings_checked_at__lt=F("updated_at"))
    )


def assessment_recheck_arrived() -> int:
    """Queue the re-check of the items forwarded since they were last checked (the frequent beat task);
    returns the tasks queued."""
    return assessment_recheck_items(item_ids=_arrived().order_by("pk").values_list("pk", flat=True))


def assessment_recheck_stale(item: ProposalItem) -> bool:
    """Checks one forwarded item now if it was not checked since it arrived; True when it was checked
    (the caller reads it again)."""
    if not _arrived().filter(pk=item.pk).exists():
        return False
    proposal_items_recheck(items=_arrived().filter(pk=item.pk), actor=SystemActor(SYSTEM_ACTOR), chunk=1)
    return True


def assessment_recheck_chunk(*, item_ids: Iterable[int]) -> int:
    """Check these items again if they are still forwarded; returns how many items' findings changed."""
    ids = [int(i) for i in item_ids]
    items = ProposalItem.objects.filter(InArray(F("pk"), ids), state=ProposalItem.State.FORWARDED)
    return proposal_items_recheck(items=items, actor=SystemActor(SYSTEM_ACTOR), chunk=CHUNK)
