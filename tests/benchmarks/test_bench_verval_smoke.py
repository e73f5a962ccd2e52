"""The verval benchmarks' own paths at a tiny size (no timing asserted): the set-based fill, the regency's
verval queue and the ministry's assessment queue — each one's page and counts against their SQL floors
(the same rows, the same counts) —, and the bulk decision against its one-statement floor (the same
items, history and audit rows)."""

import pytest
from django.db import connection

from benchmarks.bench_verval_bulk import floor, ours
from benchmarks.bench_verval_queue import (
    fill,
    floor_assess_counts_sql,
    floor_counts_sql,
    measure,
    regency_of,
    verifier,
)
from dtks.audit.services import actor_identity
from proposals.item import ProposalItem, ProposalItemHistory

pytestmark = pytest.mark.django_db


def test_the_queue_floors_return_the_same_pages_and_counts():
    with connection.cursor() as cur:
        regency = regency_of(cur)
        n = fill(cur, items=3000, regency_items=1000, regency=regency)
        cur.execute("ANALYZE proposals_proposalitem")
    assert n["items"] == 3000 and 3000 < n["persons"] < 12000
    assert ProposalItem.objects.filter(village_code__startswith=regency).count() == 1000
    assert 600 < ProposalItem.objects.exclude(findings=[]).count() < 900  # a quarter
    assert 220 < ProposalItem.objects.filter(state="forwarded").count() < 380  # one in ten
    m = measure(regency=regency, repeat=2)  # both orders of ours and the floor
    assert m["same"] == {"page": True, "counts": True, "assess_page": True, "assess_counts": True}
    assert m["page_rows"] == 50 and m["queue"]["antrean"] > 50 and m["queue"]["dikembalikan"] > 0
    assert "Limit" in m["plan"] and "Limit" in m["plan_floor"]
    sql, _params = floor_counts_sql(kind="addition", channel="musyawarah")
    assert "GROUPING SETS" in sql
    # The ministry's assessment queue: a full first page of forwarded additions by musyawarah (and a
    # next one), its own verval tab non-empty, counted per regency over the whole country.
    assert (
        m["assess_page_rows"] == 50
        and m["assess_queue"]["penilaian"] > 50
        and m["assess_queue"]["verval"] > 0
    )
    assert m["assess_regencies"] > 20
    assert "Limit" in m["assess_plan"] and "Limit" in m["assess_plan_floor"]
    assert "forwarded" in m["assess_plan"] and "forwarded" in m["assess_plan_floor"]
    assert len(m["assess_counts_plans"]) == 6  # tabs, regency, kind, channel, ages, findings
    assert "Aggregate" in m["assess_counts_plan_floor"]
    sql, _params = floor_assess_counts_sql(kind="addition", channel="musyawarah")
    assert "GROUPING SETS ((left(village_code, 4))" in sql


def test_the_bulk_floor_writes_what_the_bulk_decision_writes():
    with connection.cursor() as cur:
        regency = regency_of(cur)
        fill(cur, items=300, regency_items=300, regency=regency, bulk=True)
    ids = list(ProposalItem.objects.order_by("pk").values_list("pk", flat=True))
    user = verifier(regency)
    job = ours(ids=ids[:150], user=user)
    assert len(job.changed) == 150 and not job.skipped
    actor, label = actor_identity(user)
    with connection.cursor() as cur:
        assert floor(cur, ids=ids[150:], actor=actor, label=label) == 150
    assert ProposalItem.objects.filter(state=ProposalItem.State.VERIFIED).count() == 300

    def shape(rows):
        return {tuple(r) for r in rows}

    fields = ("transition", "from_state", "to_state", "actor_id", "actor_label", "reason")
    hist = ProposalItemHistory.objects.filter(transition="verify")
    assert shape(hist.filter(item_id__in=ids[:150]).values_list(*fields)) == shape(
        hist.filter(item_id__in=ids[150:]).values_list(*fields)
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT object_id::bigint = ANY(%s), action, object_type, actor_id, actor_label, outcome, detail::text "
            "FROM audit_auditevent WHERE action = 'proposal_item.verify'",
            [ids[:150]],
        )
        rows = cur.fetchall()
    assert len(rows) == 300
    assert {r[1:] for r in rows if r[0]} == {r[1:] for r in rows if not r[0]}
    # The decision rows too: the floor writes the same durable work.
    from verification.models import VervalDecision

    decisions = VervalDecision.objects.filter(decision="verify")
    dfields = ("decision", "reason", "reason_code", "note", "decided_by_id")
    assert decisions.count() == 300
    assert {(str(o), str(d)) for o, d in decisions.values_list("overrides", "diff")} == {("{}", "{}")}
    assert shape(decisions.filter(item_id__in=ids[:150]).values_list(*dfields)) == shape(
        decisions.filter(item_id__in=ids[150:]).values_list(*dfields)
    )
