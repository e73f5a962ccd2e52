"""The one writer of what happens to proposal items: their changed columns, their history rows and
their audit rows, in one statement, for one item or a million.

Every path that changes or creates items goes through here — a single decision, a bulk decision, a
page's or the API's new item, a ministry proposal, a self-registration, a chunk of a spreadsheet
import — so every item's history and audit rows have one shape (tests/proposals/test_history_shape.py):

- history: `transition` (a decision, or the event that created the item), `from_state` (empty for a
  creation), `to_state`, the actor, the reason, and `detail` (`stage`, and what the path adds);
- audit: action `proposal_item.<transition or event>`, object `proposals.item` <id>, the item's
  village as its region, and `detail` with `from`, `to` and `bulk`, plus what the path adds.

The statements read a relation of the items concerned (`src`: id, from_state, to_state,
village_code, hdetail, adetail) so the set-based paths need no Python loop over their rows.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from psycopg.types.json import Jsonb

from dtks.audit.services import actor_identity

from .machine import EFFECT_FIELDS
from .models import ProposalItem

_dumps = partial(json.dumps, cls=DjangoJSONEncoder)  # dates too (a determination's period)
# The effect columns besides the state and the overrides (a JSON object): plain values.
_SCALAR_EFFECTS = tuple(f for f in EFFECT_FIELDS if f not in ("state", "overrides"))

# History and audit rows of the items in `src`, as data-modifying CTEs after `WITH …, `.
RECORDS = """
hist AS (
    INSERT INTO proposals_proposalitemhistory
        (item_id, transition, from_state, to_state, actor_id, actor_label, reason, detail, at)
    SELECT id, %(transition)s, from_state, to_state, %(actor)s, %(label)s, %(reason)s, hdetail, now()
    FROM {src}
),
aud AS (
    INSERT INTO audit_auditevent
        (occurred_at, actor_id, actor_label, action, object_type, object_id, region_code, ip, outcome, detail)
    SELECT now(), %(actor)s, %(label)s, %(action)s, 'proposals.item', id::text, village_code, %(ip)s, 'ok',
           jsonb_build_object('from', from_state, 'to', to_state, 'bulk', %(bulk)s) || adetail
    FROM {src}
)"""


def _who(actor, *, transition: str, reason: str, ip: str | None, bulk: bool) -> dict:
    actor_id, label = actor_identity(actor)
    return {
        "transition": transition,
        "actor": actor_id,
        "label": label,
        "reason": (reason or "").strip(),
        "action": f"proposal_item.{transition}",
        "ip": ip,
        "bulk": bulk,
    }


def write_transition(
    items: Sequence[ProposalItem],
    *,
    from_states: Mapping[int, str],
    transition: str,
    actor,
    reason: str,
    detail: Mapping,
    ip: str | None,
    bulk: bool,
) -> list[int]:
    """Writes the effect columns of the items (already transitioned in memory), guarded by the state
    each was read in, and their history and audit rows. Returns the ids written."""
    if not items:
        return []
    # The items as groups of those that write the same values, each group with its ids: a bulk's items
    # mostly write one value per column, so the document is about an id per item instead of a row of
    # every column (cheaper to build, encode, quote and parse). Every item still writes its own values.
    groups: dict[tuple, tuple[list[int], dict]] = {}
    for item in items:
        values = item.__dict__
        overrides = values["overrides"] or {}
        key = (
            str(from_states[item.pk]),
            str(values["state"]),
            *(values[f] for f in _SCALAR_EFFECTS),
            _dumps(overrides, sort_keys=True) if overrides else "",
        )
        group = groups.get(key)
        if group is None:
            groups[key] = group = ([], overrides)
        group[0].append(item.pk)
    rows = [
        {
            "ids": ids,
            "from_state": from_state,
            "state": state,
            **dict(zip(_SCALAR_EFFECTS, scalars, strict=True)),
            "overrides": overrides,
        }
        for (from_state, state, *scalars, _), (ids, overrides) in groups.items()
    ]
    sets = ", ".join(f"{f} = c.{f}" for f in EFFECT_FIELDS)
    columns = ", ".join(f"g.{f}" for f in EFFECT_FIELDS)
    sql = f"""
        WITH g AS (
            SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb)
                AS g(ids bigint[], from_state text, state text, last_reason text, overrides jsonb,
                     ever_returned_to_regency boolean, determined_period date)
        ),
        c AS (SELECT u.id, g.from_state, {columns} FROM g, unnest(g.ids) AS u(id) ORDER BY u.id),
        upd AS (
            UPDATE proposals_proposalitem p SET {sets}, updated_at = now()
            FROM c WHERE p.id = c.id AND p.state = c.from_state
            RETURNING p.id, c.from_state, p.state AS to_state, p.village_code,
                      %(hdetail)s::jsonb AS hdetail, '{{}}'::jsonb AS adetail
        ),
        {RECORDS.format(src="upd")}
        SELECT id FROM upd ORDER BY id"""
    params = {
        **_who(actor, transition=transition, reason=reason, ip=ip, bulk=bulk),
        "rows": Jsonb(rows, dumps=_dumps),
        "hdetail": Jsonb(dict(detail)),
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [r[0] for r in cur.fetchall()]


def created_records_sql(src: str) -> str:
    """History and audit rows of new items: `src` is a SELECT of (id, to_state, village_code, hdetail,
    adetail), one row per item. The single creations and the import's chunks both use it."""
    return f"""
        WITH src AS ({src}),
        s AS (SELECT id, ''::text AS from_state, to_state, village_code, hdetail, adetail FROM src),
        {RECORDS.format(src="s")}
        SELECT 1"""


def created_params(*, event: str, actor, ip: str | None = None, bulk: bool = False) -> dict:
    """The parameters `created_records_sql` needs besides its source's."""
    return _who(actor, transition=event, reason="", ip=ip, bulk=bulk)


def write_created(
    items: Iterable[ProposalItem],
    *,
    event: str,
    actor,
    ip: str | None = None,
    detail: Mapping[int, Mapping] | None = None,
) -> None:
    """History and audit rows of items just created (in any state). `detail` adds keys per item id
    to both rows' `detail` (a pair's half, a ministry proposal's reason)."""
    items = list(items)
    if not items:
        return
    extra = detail or {}
    rows = [({"channel": str(i.channel), "kind": str(i.kind), **extra.get(i.pk, {})}) for i in items]
    sql = created_records_sql(
        "SELECT * FROM unnest(%(ids)s::bigint[], %(states)s::text[], %(villages)s::text[], %(hdetails)s::jsonb[], "
        "%(adetails)s::jsonb[]) AS s(id, to_state, village_code, hdetail, adetail)"
    )
    params = {
        **created_params(event=event, actor=actor, ip=ip),
        "ids": [i.pk for i in items],
        "states": [str(i.state) for i in items],
        "villages": [i.village_code for i in items],
        "hdetails": [Jsonb({"stage": "proposal", **r}) for r in rows],
        "adetails": [Jsonb(r) for r in rows],
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)


def write_event(
    item: ProposalItem, *, event: str, actor, reason: str = "", detail: Mapping, ip: str | None = None
) -> None:
    """History and audit rows of something that happened to an item without changing its state (a
    verifier's correction of its content): `from_state` and `to_state` are its state."""
    sql = f"""
        WITH s AS (SELECT %(id)s::bigint AS id, %(state)s::text AS from_state, %(state)s::text AS to_state,
                          %(village)s::text AS village_code, %(hdetail)s::jsonb AS hdetail,
                          '{{}}'::jsonb AS adetail),
        {RECORDS.format(src="s")}
        SELECT 1"""
    params = {
        **_who(actor, transition=event, reason=reason, ip=ip, bulk=False),
        "id": item.pk,
        "state": str(item.state),
        "village": item.village_code,
        "hdetail": Jsonb(dict(detail)),
    }
    with connection.cursor() as cur:
        cur.execute(sql, params)
