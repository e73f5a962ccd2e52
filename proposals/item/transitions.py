"""The ProposalItem machine's two services (docs/design.md §4): every decision of every stage on one item,
or on many. They are the only writers of an item's state, and they are one path: the same checks
(`machine.check`), the same transition in memory (`machine.apply`, the model's transition method),
the same writer of columns, history and audit rows (`history.write_transition`), the same notices.
"""

import gc
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, JSONField, TextField
from django.db.models.base import ModelState
from django.db.models.functions import Cast

from dtks.core.lookups import InArray

from . import machine
from .history import write_transition
from .models import DECIDED_STATES, ProposalItem
from .notices import notify
from .selectors import proposal_items_visible_to


def _locked(qs):
    # The pair is read with the item: the arrival half of a transfer is permitted through its pair.
    return qs.select_related("pair").select_for_update(no_key=True, of=("self",))


@transaction.atomic
def proposal_item_transition(
    *,
    item_id: int,
    transition: str,
    actor,
    reason: str = "",
    overrides: Mapping[str, str] | None = None,
    detail: Mapping | None = None,
    params: Mapping | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """One decision on one item: lock it, check it, apply it, write it with its history and audit
    rows, notify.

    `overrides` ({rule: reason}) lets a decision pass integrity findings; `detail` goes into the
    history row (the deciding stage's own references); `params` are the transition method's
    arguments. Retrying the same decision on an item already in its target state is harmless
    (returns the item unchanged); a different decision on a decided item raises AlreadyDecided.
    """
    machine.check_request(transition, reason=reason, overrides=overrides)
    item = _locked(ProposalItem.objects.filter(pk=item_id)).get()
    try:
        machine.check(item, transition, actor, overrides=overrides)
    except machine.AlreadyDone:
        item.refresh_from_db()
        return item
    from_state = machine.apply(item, transition, reason=reason, overrides=overrides, params=params)
    write_transition(
        [item],
        from_states={item.pk: from_state},
        transition=transition,
        actor=actor,
        reason=reason,
        detail=machine.history_detail(transition, overrides=overrides, detail=detail),
        ip=ip,
        bulk=False,
    )
    notify(transition, [item], actor=actor)
    item.refresh_from_db()
    return item


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _skip_reason(exc: Exception, item: ProposalItem) -> str:
    if isinstance(exc, machine.AlreadyDecided) or (
        isinstance(exc, machine.AlreadyDone) and item.state in DECIDED_STATES
    ):
        return "sudah diputuskan"
    if isinstance(exc, machine.AlreadyDone):
        return f"status {item.get_state_display()}"
    if isinstance(exc, PermissionDenied):
        return "di luar kewenangan Anda"
    messages = getattr(exc, "messages", None) or [str(exc)]
    if getattr(exc, "code", "") == "invalid_state":
        return f"status {item.get_state_display()}"
    return messages[0]


def proposal_items_bulk_transition(
    *,
    item_ids: Iterable[int],
    transition: str,
    actor,
    reason: str = "",
    overrides: Mapping[str, str] | None = None,
    detail: Mapping | None = None,
    params: Mapping | None = None,
    ip: str | None = None,
    refuse: Callable[[ProposalItem], str | None] | None = None,
) -> BulkResult:
    """The one bulk-transition service of the ProposalItem machine (docs/design.md §4).

    The role is checked once; the selected rows are read through the actor's scope, locked and
    streamed — only the columns the rules and effects read (`machine.READ_FIELDS`) — and each passes
    the same `machine.check` and `machine.apply` as a single decision;
    then one statement writes every changed item (guarded by the state it was read in) with its
    history and audit rows. Items that may not take the decision are skipped with the reason.

    `refuse` is the calling stage's own rule for deciding many at once, checked on each locked row
    before the machine's: the reason to skip the item, or None (the verification stage's "items with
    findings are decided one by one").
    """
    machine.check_request(transition, reason=reason, overrides=overrides)
    if getattr(actor, "role", None) not in machine.roles_of(transition) and not getattr(
        actor, "is_system", False
    ):
        raise PermissionDenied("Peran Anda tidak berhak mengambil keputusan ini.")
    ids = sorted({int(i) for i in item_ids})
    result = BulkResult()
    with transaction.atomic():
        # The JSON columns come as their text and are decoded here (`_json`): most items have no
        # findings and no overrides, and Django's converter per row and column costs more than the rules.
        rows = (
            _scoped(actor)
            .filter(InArray(F("pk"), ids))
            .select_for_update(no_key=True, of=("self",))
            .order_by("pk")
            .values_list("pk", "pair__village_code", *_READ_COLUMNS)
        )
        ready: list[ProposalItem] = []
        from_states: dict[int, str] = {}
        seen: set[int] = set()
        db = rows.db
        with _collector_paused():
            for pk, pair_village, *values in rows.iterator(chunk_size=2000):
                seen.add(pk)
                columns = dict(zip(machine.READ_FIELDS, values, strict=True), id=pk)
                for name in _JSON_FIELDS:
                    columns[name] = _json(columns[name])
                item = _item(db, columns)
                # The pair as `select_related` gives it, with what the permissions read of it: its village.
                pair = item.pair_id and _item(db, {"id": item.pair_id, "village_code": pair_village})
                item._state.fields_cache["pair"] = pair
                if refuse is not None and (why := refuse(item)):
                    result.skipped[pk] = why
                    continue
                try:
                    machine.check(item, transition, actor, overrides=overrides)
                except (machine.AlreadyDone, ValidationError, PermissionDenied) as exc:
                    result.skipped[pk] = _skip_reason(exc, item)
                    continue
                from_states[pk] = machine.apply(
                    item, transition, reason=reason, overrides=overrides, params=params
                )
                ready.append(item)
            for missing in set(ids) - seen:
                result.skipped[missing] = "tidak ditemukan"
            result.changed = write_transition(
                ready,
                from_states=from_states,
                transition=transition,
                actor=actor,
                reason=reason,
                detail=machine.history_detail(transition, overrides=overrides, detail=detail),
                ip=ip,
                bulk=True,
            )
        written = set(result.changed)
        notify(transition, [i for i in ready if i.pk in written], actor=actor)
    return result


# The JSON columns among the columns read, and the read: those as their text.
_JSON_FIELDS = tuple(f for f in machine.READ_FIELDS if isinstance(ProposalItem._meta.get_field(f), JSONField))
_READ_COLUMNS = tuple(Cast(f, TextField()) if f in _JSON_FIELDS else f for f in machine.READ_FIELDS)
# What PostgreSQL writes for an empty array and object, made anew per item (the rules may change them).
_EMPTY_JSON = {"[]": list, "{}": dict}


def _json(text: str | None):
    """A JSON column's text decoded as `JSONField.from_db_value` decodes it (no custom decoder here)."""
    if text is None:
        return None
    empty = _EMPTY_JSON.get(text)
    return empty() if empty is not None else json.loads(text)


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while a bulk builds its items: thousands of small objects that
    live until the write and hold no reference cycles, over which the collector's full passes would
    traverse the whole process's heap (≈ 75 ms at 10,000 items; benchmarks/README.md)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _item(db: str, columns: Mapping) -> ProposalItem:
    """An item of the columns read, made as Django unpickles one (`model_unpickle`, `__setstate__`):
    without `__init__`, whose signals and django-fsm's bookkeeping for `save()` cost more per item than
    its checks. The bulk service never saves it (`write_transition` writes the effect columns); a column
    not read is loaded when accessed, as on any deferred instance."""
    item = ProposalItem.__new__(ProposalItem)
    item.__dict__.update(columns)
    item._state = ModelState()
    item._state.adding, item._state.db = False, db
    return item


def _scoped(actor):
    # The system actor (determination) acts nationally; everyone else within their scope.
    if getattr(actor, "is_system", False):
        return ProposalItem.objects.all()
    return proposal_items_visible_to(user=actor)
