"""The ProposalItem machine's services (docs/design.md §4): every transition of every stage, one item at a
time or in bulk.
The two services below are the only writers of an item's state."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django_fsm import can_proceed

from dtks.accounts.scope import region_q
from dtks.audit.services import audit_record

from .machine import CONDITION_MESSAGES, TRANSITIONS, AlreadyDecided, check_reason
from .models import DECIDED_STATES, ProposalItem, ProposalItemHistory


@transaction.atomic
def proposal_item_transition(
    *,
    item_id: int,
    transition: str,
    actor,
    reason: str = "",
    override_reason: str = "",
    ip: str | None = None,
) -> ProposalItem:
    """Run one transition on one item: lock, check permission and conditions, save, history, audit.

    Retrying the same transition on an item already in its target state is harmless (returns the
    item unchanged); a different decision on a decided item raises AlreadyDecided.
    """
    if transition not in TRANSITIONS:
        raise ValidationError({"transition": f"Transisi tidak dikenal: {transition}."})
    check_reason(transition, reason)
    item = ProposalItem.objects.select_for_update(no_key=True).get(pk=item_id)
    method = getattr(item, transition)
    targets = {t.target for t in TRANSITIONS[transition]}
    if not can_proceed(method, check_conditions=False):
        if item.state in targets:
            return item  # the same decision again (a retried request)
        if item.state in DECIDED_STATES:
            raise AlreadyDecided(
                f"Usulan ini sudah diputuskan ({item.get_state_display()}).", code="already_decided"
            )
        raise ValidationError(
            f"Keputusan ini tidak berlaku untuk usulan berstatus {item.get_state_display()}.",
            code="invalid_state",
        )
    # django_fsm.has_transition_perm also requires the conditions; permission is checked on its own
    # first so that a wrong role or region is told so even when a condition also fails.
    if not method._django_fsm.has_transition_perm(item, item.state, actor):
        raise PermissionDenied("Peran atau wilayah Anda tidak berhak mengambil keputusan ini.")
    if override_reason:
        item.override_reason = override_reason.strip()
    failed = [
        c.__name__
        for t in TRANSITIONS[transition]
        if t.source == item.state
        for c in t.conditions
        if not c(item)
    ]
    if failed:
        raise ValidationError([CONDITION_MESSAGES.get(name, name) for name in failed], code="condition")
    from_state = item.state
    method()
    if reason:
        item.last_reason = reason.strip()
    item.save()
    ProposalItemHistory.objects.create(
        item=item,
        transition=transition,
        from_state=from_state,
        to_state=item.state,
        actor=actor,
        actor_label=actor.get_username(),
        reason=reason.strip(),
    )
    audit_record(
        actor=actor,
        action=f"proposal_item.{transition}",
        object_type="proposals.item",
        object_id=item.pk,
        region_code=item.village_code,
        ip=ip,
        detail={"from": from_state, "to": item.state},
    )
    return item


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def proposal_items_bulk_transition(
    *, item_ids: Iterable[int], transition: str, actor, reason: str = "", ip: str | None = None
) -> BulkResult:
    """The one bulk-transition service of the ProposalItem machine (DESIGN.md §4).

    Permission is checked once for the actor's role; scope is part of the SQL; each row's
    conditions are evaluated on the selected rows, streamed; then one UPDATE … RETURNING changes
    the states and the same statement writes the history and audit rows.
    """
    if transition not in TRANSITIONS:
        raise ValidationError({"transition": f"Transisi tidak dikenal: {transition}."})
    check_reason(transition, reason)
    rules = TRANSITIONS[transition]
    roles = set().union(*(getattr(t.permission, "roles", frozenset()) for t in rules))
    if actor.role not in roles:
        raise PermissionDenied("Peran Anda tidak berhak mengambil keputusan ini.")
    ids = sorted({int(i) for i in item_ids})
    result = BulkResult()
    by_source = {t.source: t for t in rules}
    with transaction.atomic():
        rows = (
            ProposalItem.objects.filter(pk__in=ids)
            .filter(region_q(actor))
            .select_for_update(no_key=True)
            .order_by("pk")
        )
        ok: list[int] = []
        seen: set[int] = set()
        for item in rows.iterator(chunk_size=2000):
            seen.add(item.pk)
            rule = by_source.get(item.state)
            if rule is None:
                result.skipped[item.pk] = (
                    "sudah diputuskan"
                    if item.state in DECIDED_STATES
                    else f"status {item.get_state_display()}"
                )
                continue
            failed = [c.__name__ for c in rule.conditions if not c(item)]
            if failed:
                result.skipped[item.pk] = CONDITION_MESSAGES.get(failed[0], failed[0])
                continue
            ok.append(item.pk)
        for missing in set(ids) - seen:
            result.skipped[missing] = "tidak ditemukan"
        if not ok:
            return result
        # str(): psycopg would dump an Enum member by its name, not its value.
        targets = {str(t.source): str(t.target) for t in rules}
        with connection.cursor() as cur:
            cur.execute(
                """
                WITH target(source, target) AS (SELECT * FROM unnest(%(sources)s::text[], %(targets)s::text[])),
                old AS (
                    SELECT p.id, p.state, p.village_code FROM proposals_proposalitem p
                    WHERE p.id = ANY(%(ids)s) AND p.state = ANY(%(sources)s)
                ),
                upd AS (
                    UPDATE proposals_proposalitem p
                    SET state = t.target, updated_at = now(),
                        last_reason = CASE WHEN %(reason)s <> '' THEN %(reason)s ELSE p.last_reason END,
                        ever_returned_to_regency = p.ever_returned_to_regency OR t.target = 'returned_to_regency'
                    FROM old JOIN target t ON t.source = old.state
                    WHERE p.id = old.id
                    RETURNING p.id, old.state AS from_state, p.state AS to_state, p.village_code
                ),
                hist AS (
                    INSERT INTO proposals_proposalitemhistory
                        (item_id, transition, from_state, to_state, actor_id, actor_label, reason, at)
                    SELECT id, %(transition)s, from_state, to_state, %(actor)s, %(label)s, %(reason)s, now() FROM upd
                ),
                aud AS (
                    INSERT INTO audit_auditevent
                        (occurred_at, actor_id, actor_label, action, object_type, object_id, region_code, ip,
                         outcome, detail)
                    SELECT now(), %(actor)s, %(label)s, %(action)s, 'proposals.item', id::text, village_code,
                           %(ip)s, 'ok', jsonb_build_object('from', from_state, 'to', to_state, 'bulk', true)
                    FROM upd
                )
                SELECT id FROM upd ORDER BY id
                """,
                {
                    "ids": ok,
                    "sources": list(targets),
                    "targets": list(targets.values()),
                    "reason": reason.strip(),
                    "transition": transition,
                    "actor": actor.pk,
                    "label": actor.get_username(),
                    "action": f"proposal_item.{transition}",
                    "ip": ip,
                },
            )
            result.changed = [r[0] for r in cur.fetchall()]
    return result
