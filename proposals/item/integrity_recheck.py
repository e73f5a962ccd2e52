"""Checking open items again against the civil registry (docs/civil_registry.md, "Checking again").

An item saved while the civil-registry source could not answer carries `CIVIL_REGISTRY_UNAVAILABLE`
("cannot check": never a mismatch, never a pass). Once the source answers, the core's beat task
`civil.recheck` calls this stage's re-checker (registered in proposals/hooks.py), which runs the
set-based engine over those items — the civil-registry rules only — and stores the result:

    proposal_items_civil_recheck(*, everything=False, actor=None, chunk=1000) -> int   # items changed

With `everything` (a new extract became current) every open item that proposes persons is checked
again, not only those found unavailable.

Only the items' CIVIL_REGISTRY_* findings are replaced; the other findings stay as the item's last
save computed them (the duplicates, for instance, are named as the saving user's scope allows, which a
system re-check must not change). Per chunk: one locking query, one engine call, one bulk update, one
audit row. An item being edited at that moment is skipped (its save checks it anyway).
"""

from django.db import transaction
from django.db.models import Q

from dtks.audit.services import SystemActor, audit_record
from dtks.civil.checking import RULES as CIVIL_RULES
from dtks.civil.checking import UNAVAILABLE
from dtks.registry.integrity import enabled_rules

from .integrity import RULE_ORDER
from .integrity_set import item_findings_set
from .models import OPEN_STATES, ProposalItem

CHUNK = 1000
SYSTEM_ACTOR = "sistem:dukcapil"


def _order(finding: dict) -> tuple:
    """The engines' order of findings (integrity.finalise): item-level first, then by person, rule."""
    person = finding.get("person")
    return (-1 if person is None else person, RULE_ORDER.index(finding["rule"]), finding["fields"])


def merged_findings(stored: list[dict], civil: list[dict]) -> list[dict]:
    """`stored` with its CIVIL_REGISTRY_* findings replaced by `civil`, in the engines' order."""
    kept = [f for f in stored if f["rule"] not in CIVIL_RULES]
    return sorted(kept + civil, key=_order)


def proposal_items_civil_recheck(*, everything: bool = False, actor=None, chunk: int = CHUNK) -> int:
    """Check again every open item that carries CIVIL_REGISTRY_UNAVAILABLE, or with `everything` every
    open item that proposes content (see the module docstring); returns how many items' findings changed."""
    rules = enabled_rules() & set(CIVIL_RULES)
    if not rules:
        return 0
    actor = actor or SystemActor(SYSTEM_ACTOR)
    if everything:
        which = ~Q(kind=ProposalItem.Kind.DELETION)
    else:
        which = Q(findings__contains=[{"rule": UNAVAILABLE}])
    changed, after = 0, 0
    while True:
        with transaction.atomic():
            items = list(
                ProposalItem.objects.filter(which, state__in=OPEN_STATES, pk__gt=after)
                .order_by("pk")
                .only("id", "findings")
                .select_for_update(no_key=True, skip_locked=True)[:chunk]
            )
            if not items:
                return changed
            after = items[-1].pk
            changed += _recheck(items, rules=rules, actor=actor)


def _recheck(items: list[ProposalItem], *, rules, actor) -> int:
    found = item_findings_set(items=[i.pk for i in items], rules=rules)
    updated = []
    for item in items:
        civil = [f for f in found.get(item.pk, []) if f["rule"] in CIVIL_RULES]
        findings = merged_findings(item.findings or [], civil)
        if findings != item.findings:
            item.findings = findings
            updated.append(item)
    if not updated:
        return 0
    # Not `updated_at`: nobody changed the item; the queues' "waiting since" stays.
    ProposalItem.objects.bulk_update(updated, ["findings"])
    audit_record(
        actor=actor,
        action="proposal_item.civil_recheck",
        object_type="proposal_item",
        detail={
            "items": {
                str(i.pk): sorted({f["rule"] for f in i.findings if f["rule"] in CIVIL_RULES})
                for i in updated
            }
        },
    )
    return len(updated)
