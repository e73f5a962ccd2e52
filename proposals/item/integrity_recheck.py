"""Checking saved items again with the set-based engine (docs/design.md §7, "Checking again").

Two re-checkers, one loop:

    proposal_items_recheck(*, items: QuerySet | Iterable[int], actor=None, chunk=2000) -> int
    proposal_items_civil_recheck(*, everything=False, actor=None, chunk=1000) -> int

Both return how many items' findings changed.

`proposal_items_recheck` runs every enabled rule — the civil registry's too while a source is
configured, and the national rules against the whole registry and every open item — over the given
items, replaces all their findings and records when (`findings_checked_at`). The assessment stage
calls it on the forwarded items (determination/services.py), so that the ministry sees what changed
since the regency decided. Its findings name no other record (integrity.py, `actor`): they are the
system's, stored and read by every stage after, whereas a save's findings name what the saving user
may see. `actor` is who the audit rows name (default: the system, "sistem:integritas").

`proposal_items_civil_recheck` (docs/civil_registry.md, "Checking again"): an item saved while the
civil-registry source could not answer carries `CIVIL_REGISTRY_UNAVAILABLE` ("cannot check": never a
mismatch, never a pass). Once the source answers, the core's beat task `civil.recheck` calls this
stage's re-checker (registered in proposals/hooks.py), which runs the civil-registry rules only over
those items and replaces only their CIVIL_REGISTRY_* findings: the others stay as the item's last save
computed them (the duplicates, for instance, are named as the saving user's scope allows, which a
system re-check must not change). With `everything` (a new extract became current) every open item
that proposes persons is checked again, not only those found unavailable.

The loop (`recheck`): the candidates' ids are read once, then per chunk, in ascending id, one
transaction locks the chunk's items that still match (an item someone else holds at that moment —
being edited or decided — is skipped: its own save or decision checks it), runs the engine once,
writes their findings with one UPDATE from one JSON document, and records one audit row naming the
items whose findings changed and their rules. Neither touches `updated_at`: nobody changed the item,
and the queues' "waiting since" stays.
"""

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from psycopg.types.json import Jsonb

from dtks.audit.services import SystemActor, audit_record
from dtks.civil.checking import RULES as CIVIL_RULES
from dtks.civil.checking import UNAVAILABLE
from dtks.core.lookups import InArray
from dtks.registry.integrity import enabled_rules

from .integrity import RULE_ORDER
from .integrity_set import item_findings_set
from .models import OPEN_STATES, ProposalItem

CHUNK = 2000
CIVIL_CHUNK = 1000
SYSTEM_ACTOR = "sistem:integritas"
CIVIL_SYSTEM_ACTOR = "sistem:dukcapil"


@dataclass(frozen=True)
class Recheck:
    """What one re-checker runs and stores."""

    rules: frozenset[str]  # the rules the engine runs
    replaces: frozenset[str] | None  # the stored findings it replaces: these rules' (None: all of them)
    action: str  # the audit rows' action
    stamp: bool  # every enabled rule ran: record `findings_checked_at`


def _order(finding: dict) -> tuple:
    """The engines' order of findings (integrity.finalise): item-level first, then by person, rule."""
    person = finding.get("person")
    return (-1 if person is None else person, RULE_ORDER.index(finding["rule"]), finding["fields"])


def merged_findings(
    stored: list[dict], found: list[dict], replaces: Collection[str] = CIVIL_RULES
) -> list[dict]:
    """`stored` with its findings of the rules `replaces` replaced by those of `found`, in the engines'
    order."""
    kept = [f for f in stored if f["rule"] not in replaces]
    return sorted(kept + [f for f in found if f["rule"] in replaces], key=_order)


def proposal_items_recheck(*, items: QuerySet | Iterable[int], actor=None, chunk: int = CHUNK) -> int:
    """Every enabled rule over `items` (ProposalItem rows or their ids), all their findings replaced
    and `findings_checked_at` recorded (see the module docstring); returns how many items' findings
    changed. A QuerySet is applied again when each chunk is locked: an item that no longer matches it
    then (decided meanwhile) is left as it is."""
    if isinstance(items, QuerySet):
        if items.model is not ProposalItem:
            raise TypeError(f"proposal_items_recheck takes proposal items, not {items.model.__name__}")
        which, ids = items, None
    else:
        which, ids = ProposalItem.objects.all(), items
    spec = Recheck(rules=enabled_rules(), replaces=None, action="proposal_item.integrity_recheck", stamp=True)
    return recheck(which, ids=ids, spec=spec, actor=actor or SystemActor(SYSTEM_ACTOR), chunk=chunk)


def proposal_items_civil_recheck(*, everything: bool = False, actor=None, chunk: int = CIVIL_CHUNK) -> int:
    """Check again every open item that carries CIVIL_REGISTRY_UNAVAILABLE, or with `everything` every
    open item that proposes content (see the module docstring); returns how many items' findings changed."""
    rules = enabled_rules() & set(CIVIL_RULES)
    if not rules:
        return 0
    if everything:
        which = ~Q(kind=ProposalItem.Kind.DELETION)
    else:
        which = Q(findings__contains=[{"rule": UNAVAILABLE}])
    spec = Recheck(
        rules=rules, replaces=frozenset(CIVIL_RULES), action="proposal_item.civil_recheck", stamp=False
    )
    return recheck(
        ProposalItem.objects.filter(which, state__in=OPEN_STATES),
        spec=spec,
        actor=actor or SystemActor(CIVIL_SYSTEM_ACTOR),
        chunk=chunk,
    )


def recheck(which: QuerySet, *, ids: Iterable[int] | None = None, spec: Recheck, actor, chunk: int) -> int:
    """The loop both re-checkers share (see the module docstring): the items of `which` (among `ids`
    when given); returns how many items' findings changed."""
    if ids is None:
        ids = which.order_by().values_list("pk", flat=True)
    ids = sorted({int(i) for i in ids})
    changed = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            changed += _recheck_chunk(which, ids[start : start + chunk], spec=spec, actor=actor)
    return changed


def _recheck_chunk(which: QuerySet, ids: list[int], *, spec: Recheck, actor) -> int:
    columns = ("pk",) if spec.replaces is None else ("pk", "findings")
    rows = list(
        which.filter(InArray(F("pk"), ids))
        .order_by("pk")
        .select_for_update(no_key=True, skip_locked=True, of=("self",))
        .values_list(*columns)
    )
    if not rows:
        return 0
    # Findings are stored, and read by every later stage: they name no other record (actor None).
    found = item_findings_set(items=[r[0] for r in rows], rules=spec.rules)
    if spec.replaces is None:
        findings = found
    else:
        findings = {pk: merged_findings(stored or [], found[pk], spec.replaces) for pk, stored in rows}
    changed = _store(findings, stamp=spec.stamp)
    if changed or spec.stamp:
        replaced = spec.replaces
        audit_record(
            actor=actor,
            action=spec.action,
            object_type="proposal_item",
            detail={
                "items": {
                    str(pk): sorted(
                        {f["rule"] for f in findings[pk] if replaced is None or f["rule"] in replaced}
                    )
                    for pk in changed
                }
            }
            | ({"checked": len(rows)} if spec.stamp else {}),
        )
    return len(changed)


# The items' findings from one JSON document; `o` is the row as it was before this statement, so the
# items whose findings changed are known without reading them first. Unchanged items are written only to
# record when they were checked.
_STORE = """
UPDATE proposals_proposalitem p SET findings = d.findings{stamp}
FROM jsonb_to_recordset(%(rows)s::jsonb) AS d(id bigint, findings jsonb)
JOIN proposals_proposalitem o ON o.id = d.id
WHERE p.id = d.id AND ({written})
RETURNING p.id, o.findings IS DISTINCT FROM d.findings
"""


def _store(findings: dict[int, list[dict]], *, stamp: bool) -> list[int]:
    """Writes the items' findings (and, with `stamp`, `findings_checked_at`); returns the ids whose
    findings changed, ascending."""
    rows = [{"id": pk, "findings": f} for pk, f in findings.items()]
    if stamp:
        sql = _STORE.format(stamp=", findings_checked_at = now()", written="true")
    else:
        sql = _STORE.format(stamp="", written="o.findings IS DISTINCT FROM d.findings")
    with connection.cursor() as cur:
        cur.execute(sql, {"rows": Jsonb(rows, dumps=json.dumps)})
        return sorted(pk for pk, changed in cur.fetchall() if changed)
