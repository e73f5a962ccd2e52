"""The assessment re-run benchmark's own paths at a tiny size (no timing asserted): the set-based fill
plants every rule, the hand-written floor writes exactly the findings `proposal_items_recheck` writes
(the same JSON, item by item), ours' plans are captured, and the civil-registry step's floor keeps every
person the re-check finds different (bench_assessment_recheck)."""

import pytest
from django.db import connection

from benchmarks.bench_assessment_recheck import (
    CIVIL_FLOOR_SQL,
    civil_floor,
    civil_ours,
    fill,
    floor,
    ours,
    ours_plans,
    write_dukcapil,
    written,
)
from benchmarks.bench_load_registry import run_loader
from benchmarks.generate_extract import generate
from dtks.civil.models import Extract
from dtks.regions.models import Region
from proposals.item import ProposalItem
from tests.civil.factories import load, use_source

pytestmark = pytest.mark.django_db

RULES = {"NIK_INVALID", "NIK_PENDING", "NIK_MISMATCH", "DUPLICATE_NIK", "MEMBER_OVERLAP", "FAMILY_NOT_A_SET",
         "INCOMPLETE"}  # fmt: skip


@pytest.fixture
def filled(tmp_path):
    villages = list(Region.objects.filter(level=4).values_list("code", flat=True))
    run_loader(generate(persons=3000, out_dir=tmp_path, villages=villages, error_every=500), period="2026-10")
    with connection.cursor() as cur:
        n = fill(cur, items=1500)
    assert n["forwarded"] == 1515 and n["items"] == 1515 + 150 + 15  # forwarded, corrections; open; closed
    return n


def findings() -> dict[int, list]:
    return dict(ProposalItem.objects.filter(state="forwarded").values_list("pk", "findings"))


def test_the_floor_writes_exactly_what_the_recheck_writes(filled):
    o = ours()
    assert o["chunks"] == 1 and o["changed"] > 0
    with connection.cursor() as cur:
        mine = written(cur)
    assert mine["items"] == mine["checked"] == filled["forwarded"]
    assert set(mine["rules"]) == RULES, mine["rules"]  # every planted rule is found
    expected = findings()
    # Corrections of registry families carry their members' NIKs: the same persons, not duplicates — unless
    # the registry itself holds the NIK twice (the generator plants such second records), or another open
    # item proposes it too (the fill gives registry persons' NIKs to some of the added persons).
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nik FROM registry_personversion WHERE published AND valid_to IS NULL AND nik IS NOT NULL "
            "GROUP BY nik HAVING count(*) > 1 "
            "UNION SELECT p.nik FROM proposals_proposalperson p JOIN proposals_proposalitem i ON i.id = p.item_id "
            "WHERE i.state <> 'rejected' GROUP BY p.nik HAVING count(DISTINCT p.item_id) > 1"
        )
        twice = {r[0] for r in cur.fetchall()}
    corrections = ProposalItem.objects.filter(kind="correction").prefetch_related("persons")
    assert corrections and not [
        (c.pk, f["person"])
        for c in corrections
        for f in c.findings
        if f["rule"] in ("DUPLICATE_NIK", "MEMBER_OVERLAP")
        and next(p.nik for p in c.persons.all() if p.position == f["person"]) not in twice
    ]
    # Rejected items copy forwarded persons: closed, they never make a duplicate.
    ProposalItem.objects.filter(state="forwarded").update(findings=[], findings_checked_at=None)

    with connection.cursor() as cur:
        assert floor(cur) == filled["forwarded"]
        theirs = written(cur)
    got = findings()
    differ = [pk for pk in expected if expected[pk] != got[pk]]
    assert differ == [], [(pk, expected[pk], got[pk]) for pk in differ[:3]]
    assert theirs == mine


def test_ours_plans_are_captured(filled):
    plans = ours_plans(0)
    text = "\n".join(p["plan"] for p in plans)
    assert "Update on proposals_proposalitem" in text and "registry_personversion" in text
    with connection.cursor() as cur:  # the capture is switched off again
        cur.execute("SELECT 1")


def test_the_civil_step_and_its_floor(filled, tmp_path):
    with connection.cursor() as cur:
        rows = write_dukcapil(cur, tmp_path / "dukcapil.csv")
    assert rows > 3000
    load(tmp_path / "dukcapil.csv")
    use_source("extract")
    o = civil_ours()
    assert o["changed"] > 0 and o["compared"] > 0
    civil = {
        (pk, f["person"])
        for pk, fs in findings().items()
        for f in fs
        if f["rule"] == "CIVIL_REGISTRY_MISMATCH"
    }
    assert civil
    extract = Extract.objects.get(current=True).pk
    with connection.cursor() as cur:
        f = civil_floor(cur, extract)
        cur.execute(CIVIL_FLOOR_SQL, {"extract": extract})
        differ = {(r[0], r[1]) for r in cur.fetchall()}
    # Every person the re-check finds different, the floor keeps (the slips in a name only the floor keeps).
    assert civil <= differ and f["rows"] == len(differ) and f["missing"] > 0
