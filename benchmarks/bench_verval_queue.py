"""Benchmark of the regency's verval queue (issue 14) and the ministry's assessment queue (issue 16), both
`verification.selectors.Queue`s, against bare SQL.

In a fresh database cloned from a migrated template with the regions loaded, untimed: --items open
proposal items (1,000,000 by default), --regency-items of them (200,000) in the villages of the regency
with the most villages, the rest over every other village; 1–4 persons each (`fill`: one
`INSERT … SELECT generate_series` for the items, one for the persons), with realistic shares of states
(60 % submitted, 5 % returned to the regency, 10 % forwarded to the ministry, the rest draft, verified,
returned to the village, approved), kinds, channels, 2 % verified by the ministry, ages of 0–60 days and
integrity findings on a quarter of them (NIK_PENDING, DUPLICATE_NIK, NIK_MISMATCH with INCOMPLETE,
civil-registry name and birth-date differences). Then VACUUM ANALYZE.

Timed in one warm child process (Django set up, alternating, median of --repeat), with the filters
kind = addition and channel = musyawarah in each queue's first tab:

* the verval queue, as a regency verifier of that regency (tab `antrean`):
  * (a) page — ours: `queue_page` (the selector the page uses: `verval_queue_visible_to`, the
    first person's name and the number of persons, oldest first, 50 rows + 1 for the next cursor, model
    instances); floor: the bare SQL of the same page (the same rows and columns, the two subqueries, the
    regency's index on `village_code`). Goal ≤ 3×.
  * (b) counts — ours: `queue_counts` (one GROUP BY per dimension, each with the other filters
    applied, and one aggregate each for ages and findings); floor: one `GROUPING SETS` statement over the
    same rows with a filtered count per dimension, age bucket and finding value. Goal ≤ 2×.
* the assessment queue (determination/assessment.py `ASSESSMENT`), as a ministry data officer (national
  scope, no region; tab `penilaian`, the forwarded items):
  * (c) page — ours: `queue_page(filters=QueueFilters.parse(…, queue=ASSESSMENT))`; floor: the bare SQL of
    the same page (forwarded, the two filters, oldest first, the two subqueries). Goal ≤ 3×.
  * (d) counts — ours: `queue_counts` for that queue (tabs, regency `left(village_code, 4)`, kind,
    channel, ages, findings); floor: one `GROUPING SETS` statement over both tabs' rows, the tabs as
    filtered counts of the two tab predicates. Goal ≤ 2×.

Every plan is printed (EXPLAIN ANALYZE): both sides of each page, the floor's counting statement and
each of ours' counting statements. The pages' ids and every count are compared with the floors' (exit 2
when they differ).

    python -m benchmarks.bench_verval_queue --items 1000000 --regency-items 200000 --repeat 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from benchmarks.bench_load_registry import Server, busy, prepare_template, print_settings, verdict
from benchmarks.generate_extract import FEMALE, LAST, MALE

ROOT = Path(__file__).resolve().parent.parent
PAGE_GOAL = 3.0
COUNTS_GOAL = 2.0
FILTERS = {"jenis": "addition", "saluran": "musyawarah"}  # both queues, each in its first tab
SESSION = "ours and the floor run in the same warm child process with the settings above"

KINDS = ["addition"] * 5 + ["correction"] * 2 + ["deletion", "replacement", "transfer"]
CHANNELS = ["musyawarah"] * 14 + ["self_registration"] * 3 + ["ministry", "regency", "regency"]
# One in ten items waits at the ministry (forwarded): the ministry assesses every province's forwards in
# one national queue and determines monthly, so they gather there. The second forwarded slot was a draft
# slot, so every other item keeps its state (the regency's queue is the same rows as before).
STATES = (
    ["submitted"] * 12
    + ["returned_to_regency", "draft", "forwarded", "verified", "verified"]
    + ["returned_to_village", "regency_approved", "forwarded"]
)
# One in four items has findings (a hash of the item's number, modulo 20, below 5).
FINDINGS = [
    [{"rule": "NIK_PENDING", "detail": {"position": 0}}],
    [{"rule": "DUPLICATE_NIK", "detail": {"other_item": 1}}],
    [{"rule": "CIVIL_REGISTRY_MISMATCH", "detail": {"parts": [{"part": "nama"}]}}],
    [{"rule": "CIVIL_REGISTRY_MISMATCH", "detail": {"parts": [{"part": "tanggal_lahir"}, {"part": "nama"}]}}],
    [{"rule": "NIK_MISMATCH", "detail": {}}, {"rule": "INCOMPLETE", "detail": {}}],
]
AGE_SECONDS = 60 * 86400

FILL_ITEMS = """
WITH rv AS (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
            FROM regions_region WHERE level = 4 AND code LIKE %(prefix)s),
     av AS (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
            FROM regions_region WHERE level = 4 AND code NOT LIKE %(prefix)s),
     v AS (SELECT true AS regency, n, code FROM rv UNION ALL SELECT false, n, code FROM av),
     s AS (SELECT g, g <= %(regency_items)s AS regency,
                  CASE WHEN g <= %(regency_items)s THEN g %% (SELECT count(*) FROM rv)
                       ELSE (hashtext(g || 'v') & 2147483647) %% (SELECT count(*) FROM av) END AS n,
                  now() - ((hashtext(g || 'a') & 2147483647) %% %(age)s) * interval '1 second' AS at
           FROM generate_series(1, %(items)s::bigint) g)
INSERT INTO proposals_proposalitem
    (kind, channel, verifier, state, village_code, deletion_reason, ministry_reason, note, no_kk, rt, rw, alamat,
     house, findings, overrides, last_reason, ever_returned_to_regency, diff, contact_phone, created_at, updated_at)
SELECT (%(kinds)s::text[])[1 + (hashtext(g || 'k') & 2147483647) %% cardinality(%(kinds)s::text[])],
       (%(channels)s::text[])[1 + (hashtext(g || 'c') & 2147483647) %% cardinality(%(channels)s::text[])],
       CASE WHEN %(bulk)s OR g %% 50 <> 0 THEN 'regency' ELSE 'ministry' END,
       CASE WHEN %(bulk)s THEN 'submitted'
            ELSE (%(states)s::text[])[1 + (hashtext(g || 's') & 2147483647) %% cardinality(%(states)s::text[])] END,
       v.code, '', '', '', left(v.code, 6) || lpad(g::text, 10, '0'), '001', '002', 'JL. MAWAR NO. ' || g %% 100,
       '{}', CASE WHEN NOT %(bulk)s AND (hashtext(g || 'f') & 2147483647) %% 20 < 5
                 THEN (%(findings)s::jsonb[])[1 + (hashtext(g || 'f') & 2147483647) %% 20] ELSE '[]' END,
       '{}', '', false, '{}', '', s.at - interval '1 day', s.at
FROM s JOIN v USING (regency, n)
ORDER BY s.g
"""

FILL_PERSONS = """
INSERT INTO proposals_proposalperson
    (item_id, position, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, status_perkawinan,
     hubungan_keluarga, kategori, kriteria, disabilitas, program)
SELECT i.id, p,
       CASE WHEN p = 0 AND i.findings @> '[{"rule": "NIK_PENDING"}]' THEN NULL
            ELSE left(i.village_code, 6) || lpad(((i.id * 4 + p) %% 10000000000)::text, 10, '0') END,
       CASE WHEN (i.id + p) %% 2 = 0 THEN (%(male)s::text[])[1 + (i.id * 3 + p) %% cardinality(%(male)s::text[])]
            ELSE (%(female)s::text[])[1 + (i.id * 5 + p) %% cardinality(%(female)s::text[])] END
           || ' ' || (%(last)s::text[])[1 + (i.id * 7) %% cardinality(%(last)s::text[])],
       'BANDUNG', date '1950-01-01' + ((i.id * 37 + p * 1000) %% 25000)::int,
       CASE WHEN (i.id + p) %% 2 = 0 THEN 'L' ELSE 'P' END, 'kawin',
       CASE WHEN p = 0 THEN 'kepala' ELSE 'anak' END, '', '{}', '{}', '{}'
FROM proposals_proposalitem i CROSS JOIN LATERAL generate_series(0, (i.id %% 4)::int) p
"""

FLOOR_PAGE = """
SELECT i.*,
       (SELECT p.nama FROM proposals_proposalperson p WHERE p.item_id = i.id ORDER BY p.position LIMIT 1) AS first_name,
       (SELECT count(*) FROM proposals_proposalperson p WHERE p.item_id = i.id) AS person_count
FROM proposals_proposalitem i
WHERE i.state = 'submitted' AND i.verifier = 'regency' AND i.village_code LIKE %(prefix)s
  AND i.kind = %(kind)s AND i.channel = %(channel)s
ORDER BY i.updated_at, i.id
LIMIT %(limit)s
"""


def regency_of(cur) -> str:
    """The regency with the most villages (its 4-digit code)."""
    cur.execute(
        "SELECT left(code, 4) FROM regions_region WHERE level = 4 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    return cur.fetchone()[0]


def fill(cur, *, items: int, regency_items: int, regency: str, bulk: bool = False) -> dict[str, int]:
    """The items and their persons, set-based (see the module docstring). `bulk`: every item submitted,
    verified by the regency, without findings."""
    from psycopg.types.json import Jsonb

    cur.execute(
        FILL_ITEMS,
        {
            "prefix": regency + "%",
            "kinds": KINDS,
            "channels": CHANNELS,
            "states": STATES,
            "findings": [Jsonb(f) for f in FINDINGS],
            "items": items,
            "regency_items": regency_items,
            "age": AGE_SECONDS,
            "bulk": bulk,
        },
    )
    n_items = cur.rowcount
    cur.execute(FILL_PERSONS, {"male": list(MALE), "female": list(FEMALE), "last": list(LAST)})
    return {"items": n_items, "persons": cur.rowcount}


def _filtered_cols(every: str, params: dict) -> list[str]:
    """The age buckets' and finding values' filtered counts, each with `every` (all filters) applied."""
    from psycopg.types.json import Jsonb

    from dtks.registry.models import Finding
    from verification.selectors import AGES, CIVIL_MISMATCH, CIVIL_PREFIX, NO_FINDING, finding_values

    cols = []
    for i, (_code, low, high) in enumerate(AGES):
        cond = f"updated_at <= %(now)s - interval '{low} days'"
        if high is not None:
            cond += f" AND updated_at > %(now)s - interval '{high + 1} days'"
        cols.append(f"count(*) FILTER (WHERE {every} AND {cond}) AS a{i}")
    for i, v in enumerate(finding_values()):
        if v == NO_FINDING:
            cond = "findings = '[]'::jsonb"
        else:
            if v.startswith(CIVIL_PREFIX):
                doc = [
                    {"rule": CIVIL_MISMATCH, "detail": {"parts": [{"part": v.removeprefix(CIVIL_PREFIX)}]}}
                ]
            else:
                doc = [{"rule": Finding.Rule(v).value}]
            params[f"f{i}"] = Jsonb(doc)
            cond = f"findings @> %(f{i})s"
        cols.append(f"count(*) FILTER (WHERE {every} AND {cond}) AS f{i}")
    return cols


def floor_counts_sql(*, kind: str, channel: str) -> tuple[str, dict]:
    """The verval queue's counts as one GROUPING SETS statement: per dimension the count with the other
    filters applied, and the age buckets and finding values with every filter applied."""
    preds = {"tab": "state = 'submitted'", "kind": "kind = %(kind)s", "channel": "channel = %(channel)s"}

    def but(dim: str) -> str:
        return " AND ".join(p for d, p in preds.items() if d != dim) or "true"

    every = " AND ".join(preds.values())
    params: dict = {"kind": kind, "channel": channel}
    cols = [f"count(*) FILTER (WHERE {but(d)}) AS c_{d}" for d in ("tab", "village", "kind", "channel")]
    cols += _filtered_cols(every, params)
    sql = f"""
        SELECT grouping(state, village_code, kind, channel) AS g, state, village_code, kind, channel,
               {", ".join(cols)}
        FROM proposals_proposalitem
        WHERE village_code LIKE %(prefix)s
          AND ((state = 'submitted' AND verifier = 'regency') OR state = 'returned_to_regency')
        GROUP BY GROUPING SETS ((state), (village_code), (kind), (channel), ())"""
    return sql, params


def floor_counts(cur, *, regency: str, kind: str, channel: str, now) -> dict[str, dict[str, int]]:
    """The floor's statement, its rows read into the shape `queue_counts` returns."""
    from verification.selectors import AGES, TAB_QUEUE, TAB_RETURNED, finding_values

    sql, params = floor_counts_sql(kind=kind, channel=channel)
    cur.execute(sql, {**params, "prefix": regency + "%", "now": now})
    names = [d[0] for d in cur.description]
    out: dict[str, dict[str, int]] = {"tab": {}, "village": {}, "kind": {}, "channel": {}}
    state_of = {"submitted": TAB_QUEUE, "returned_to_regency": TAB_RETURNED}
    for row in cur.fetchall():
        r = dict(zip(names, row, strict=True))
        if r["state"] is not None:
            out["tab"][state_of[r["state"]]] = r["c_tab"]
        elif r["village_code"] is not None:
            out["village"][r["village_code"]] = r["c_village"]
        elif r["kind"] is not None:
            out["kind"][r["kind"]] = r["c_kind"]
        elif r["channel"] is not None:
            out["channel"][r["channel"]] = r["c_channel"]
        else:
            out["age"] = {code: r[f"a{i}"] for i, (code, _lo, _hi) in enumerate(AGES)}
            out["finding"] = {v: r[f"f{i}"] for i, v in enumerate(finding_values())}
    for tab in (TAB_QUEUE, TAB_RETURNED):
        out["tab"].setdefault(tab, 0)
    return out


def nonzero(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Counts without the zeros (a GROUP BY lists only the values it found)."""
    return {d: {k: v for k, v in vals.items() if v} for d, vals in counts.items()}


# --- the ministry's assessment queue (determination/assessment.py, issue 16) ------------------------

# Its two tabs as bare SQL: the forwarded items (penilaian) and the ministry's own verval.
ASSESS_TABS = {
    "penilaian": "state = 'forwarded'",
    "verval": "(state = 'submitted' AND verifier = 'ministry')",
}

FLOOR_ASSESS_PAGE = """
SELECT i.*,
       (SELECT p.nama FROM proposals_proposalperson p WHERE p.item_id = i.id ORDER BY p.position LIMIT 1) AS first_name,
       (SELECT count(*) FROM proposals_proposalperson p WHERE p.item_id = i.id) AS person_count
FROM proposals_proposalitem i
WHERE i.state = 'forwarded' AND i.kind = %(kind)s AND i.channel = %(channel)s
ORDER BY i.updated_at, i.id
LIMIT %(limit)s
"""


def floor_assess_counts_sql(*, kind: str, channel: str) -> tuple[str, dict]:
    """The assessment queue's counts as one GROUPING SETS statement over both tabs' rows (national): the
    tabs as filtered counts of the two tab predicates with the other filters applied; per regency
    (`left(village_code, 4)`), kind and channel the count with the other filters applied; the age
    buckets and finding values with every filter applied."""
    tab = ASSESS_TABS["penilaian"]
    preds = {"tab": tab, "kind": "kind = %(kind)s", "channel": "channel = %(channel)s"}

    def but(dim: str) -> str:
        return " AND ".join(p for d, p in preds.items() if d != dim) or "true"

    every = " AND ".join(preds.values())
    params: dict = {"kind": kind, "channel": channel}
    cols = [f"count(*) FILTER (WHERE {but('tab')} AND {p}) AS t_{name}" for name, p in ASSESS_TABS.items()]
    cols += [f"count(*) FILTER (WHERE {but(d)}) AS c_{d}" for d in ("regency", "kind", "channel")]
    cols += _filtered_cols(every, params)
    sql = f"""
        SELECT grouping(left(village_code, 4), kind, channel) AS g, left(village_code, 4) AS regency, kind,
               channel, {", ".join(cols)}
        FROM proposals_proposalitem
        WHERE {" OR ".join(ASSESS_TABS.values())}
        GROUP BY GROUPING SETS ((left(village_code, 4)), (kind), (channel), ())"""
    return sql, params


def floor_assess_counts(cur, *, kind: str, channel: str, now) -> dict[str, dict[str, int]]:
    """The assessment floor's statement, its rows read into the shape `queue_counts` returns (the region
    dimension is called `village` there, whatever the queue's region length)."""
    from verification.selectors import AGES, finding_values

    sql, params = floor_assess_counts_sql(kind=kind, channel=channel)
    cur.execute(sql, {**params, "now": now})
    names = [d[0] for d in cur.description]
    out: dict[str, dict[str, int]] = {"tab": {}, "village": {}, "kind": {}, "channel": {}}
    for row in cur.fetchall():
        r = dict(zip(names, row, strict=True))
        if r["g"] == 0b011:
            out["village"][r["regency"]] = r["c_regency"]
        elif r["g"] == 0b101:
            out["kind"][r["kind"]] = r["c_kind"]
        elif r["g"] == 0b110:
            out["channel"][r["channel"]] = r["c_channel"]
        else:
            out["tab"] = {name: r[f"t_{name}"] for name in ASSESS_TABS}
            out["age"] = {code: r[f"a{i}"] for i, (code, _lo, _hi) in enumerate(AGES)}
            out["finding"] = {v: r[f"f{i}"] for i, v in enumerate(finding_values())}
    return out


def data_officer():
    from dtks.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench_assessment", defaults={"role": Role.MINISTRY_DATA_OFFICER, "region_code": ""}
    )
    return user


def verifier(regency: str):
    from dtks.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench_verval", defaults={"role": Role.REGENCY_VERIFIER, "region_code": regency}
    )
    return user


def _explain(sql: str, params=None) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def counts_plans(call) -> list[str]:
    """EXPLAIN ANALYZE of every statement `call()` runs (ours' counts: one per dimension)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return [_explain(q["sql"]) for q in ctx.captured_queries]


def measure(*, regency: str, repeat: int, explain: bool = True) -> dict:
    """The measurements (in a process with Django set up on the filled database): (a) and (b) for the
    regency's verval queue, (c) and (d) for the ministry's assessment queue."""
    from django.db import connection
    from django.utils import timezone

    from determination.assessment import ASSESSMENT, assessment_queue_visible_to
    from verification.selectors import (
        PAGE_SIZE,
        QueueFilters,
        queue_counts,
        queue_page,
        verval_queue_visible_to,
    )

    user, officer = verifier(regency), data_officer()
    filters = QueueFilters.parse(FILTERS)
    afilters = QueueFilters.parse(FILTERS, queue=ASSESSMENT)
    assert afilters.tab == "penilaian" and not afilters.village, afilters
    fp = {"prefix": regency + "%", "kind": filters.kind, "channel": filters.channel, "limit": PAGE_SIZE + 1}
    afp = {"kind": afilters.kind, "channel": afilters.channel, "limit": PAGE_SIZE + 1}

    def floor_page(sql, params):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def floor_verval_counts():
        with connection.cursor() as cur:
            return floor_counts(
                cur, regency=regency, kind=filters.kind, channel=filters.channel, now=timezone.now()
            )

    def floor_assessment_counts():
        with connection.cursor() as cur:
            return floor_assess_counts(cur, kind=afilters.kind, channel=afilters.channel, now=timezone.now())

    # (name, ours, floor): each pair back to back, ours first in the 1st, 3rd, … round, else the floor.
    pairs = [
        ("page", lambda: queue_page(user=user, filters=filters), lambda: floor_page(FLOOR_PAGE, fp)),
        ("counts", lambda: queue_counts(user=user, filters=filters), floor_verval_counts),
        ("assess_page", lambda: queue_page(user=officer, filters=afilters),
         lambda: floor_page(FLOOR_ASSESS_PAGE, afp)),
        ("assess_counts", lambda: queue_counts(user=officer, filters=afilters), floor_assessment_counts),
    ]  # fmt: skip
    runs: dict[str, list[float]] = {}
    same = {name: True for name, _o, _f in pairs}
    last: dict[str, object] = {}
    for r in range(repeat):
        for name, ours_call, floor_call in pairs:
            got = {}
            # One clock for both sides of a pair: the age buckets' bounds are the same instant, so an
            # item changed exactly a bucket's length before counts the same on both (each side
            # reading the clock itself, a second apart at full size, made them differ now and then).
            with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
                for side, call in (("", ours_call), ("_floor", floor_call))[:: 1 if r % 2 == 0 else -1]:
                    t0 = time.perf_counter()
                    got[side] = call()
                    runs.setdefault(name + side, []).append(time.perf_counter() - t0)
            ours, floor = got[""], got["_floor"]
            last[name] = ours
            if name.endswith("page"):
                same[name] &= [row.pk for row in ours.rows] == [row[0] for row in floor[:PAGE_SIZE]] and bool(
                    ours.next_cursor
                ) == (len(floor) > PAGE_SIZE)
            elif nonzero(ours) != nonzero(floor):
                same[name] = False
                diff = {d: (ours[d], floor.get(d)) for d in ours if nonzero(ours)[d] != nonzero(floor).get(d)}
                print(f"{name} differ: {diff}", file=sys.stderr)
    out = {
        "runs": runs,
        "same": same,
        "page_rows": len(last["page"].rows),
        "queue": last["counts"]["tab"],
        "assess_page_rows": len(last["assess_page"].rows),
        "assess_queue": last["assess_counts"]["tab"],
        "assess_regencies": len(last["assess_counts"]["village"]),
    }
    if explain:
        limit = PAGE_SIZE + 1
        out["plan"] = verval_queue_visible_to(user=user, filters=filters)[:limit].explain(analyze=True)
        out["plan_floor"] = _explain(FLOOR_PAGE, fp)
        assess = assessment_queue_visible_to(user=officer, filters=afilters)
        out["assess_plan"] = assess[:limit].explain(analyze=True)
        out["assess_plan_floor"] = _explain(FLOOR_ASSESS_PAGE, afp)
        out["assess_counts_plans"] = counts_plans(lambda: queue_counts(user=officer, filters=afilters))
        sql, params = floor_assess_counts_sql(kind=afilters.kind, channel=afilters.channel)
        out["assess_counts_plan_floor"] = _explain(sql, {**params, "now": timezone.now()})
    return out


# --- child process and main ------------------------------------------------------------------------


def child_measure(regency: str, repeat: int) -> int:
    import django

    django.setup()
    print(json.dumps(measure(regency=regency, repeat=repeat)))
    return 0


def _indent(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")


def _pair(label: str, floor_label: str, ours_label: str, floor_s: float, ours_s: float, goal: float) -> bool:
    ratio = ours_s / floor_s
    print(f"  {label}")
    print(f"      floor  {floor_label:<36} {1000 * floor_s:8.1f} ms")
    print(f"      ours   {ours_label:<36} {1000 * ours_s:8.1f} ms")
    print(f"      ours / floor = {ratio:.2f}  (goal ≤ {goal})  {verdict(ratio <= goal)}")
    return ratio <= goal


def report(m: dict) -> bool:
    med = {k: statistics.median(v) for k, v in m["runs"].items()}
    n = len(m["runs"]["page"])
    print(f"\n== the regency's verval queue, tab antrean, filters {FILTERS}, median of {n} ==")
    ok = _pair(f"(a) first page ({m['page_rows']} rows)", "bare SQL, indexed", "queue_page",
               med["page_floor"], med["page"], PAGE_GOAL)  # fmt: skip
    ok &= _pair("(b) counts per filter value", "one GROUPING SETS statement", "queue_counts",
                med["counts_floor"], med["counts"], COUNTS_GOAL)  # fmt: skip
    print(f"  the same rows and counts as the floor: page {m['same']['page']}, counts {m['same']['counts']}")
    print("\n  plan, ours (verval_queue_visible_to, first page):")
    print(_indent(m["plan"]))
    print("\n  plan, floor:")
    print(_indent(m["plan_floor"]))

    print(f"\n== the ministry's assessment queue (data officer, national), tab penilaian, filters {FILTERS}, "
          f"median of {n} ==")  # fmt: skip
    print(f"  the queue: {m['assess_queue']} (with the filters), {m['assess_regencies']} regencies")
    page_label, counts_label = "queue_page (ASSESSMENT)", "queue_counts (ASSESSMENT)"
    ok &= _pair(f"(c) first page ({m['assess_page_rows']} rows)", "bare SQL, indexed", page_label,
                med["assess_page_floor"], med["assess_page"], PAGE_GOAL)  # fmt: skip
    ok &= _pair("(d) counts per filter value", "one GROUPING SETS statement", counts_label,
                med["assess_counts_floor"], med["assess_counts"], COUNTS_GOAL)  # fmt: skip
    print(f"  the same rows and counts as the floor: page {m['same']['assess_page']}, "
          f"counts {m['same']['assess_counts']}")  # fmt: skip
    print("\n  plan, ours (assessment_queue_visible_to, first page):")
    print(_indent(m["assess_plan"]))
    print("\n  plan, floor:")
    print(_indent(m["assess_plan_floor"]))
    print("\n  plan, floor of the counts (one GROUPING SETS statement):")
    print(_indent(m["assess_counts_plan_floor"]))
    for i, plan in enumerate(m["assess_counts_plans"], 1):
        print(f"\n  plan, ours' counts, statement {i} of {len(m['assess_counts_plans'])}:")
        print(_indent(plan))
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1_000_000, help="open items nationally")
    p.add_argument("--regency-items", type=int, default=200_000, help="of which in the measured regency")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default="dtks_bench_verval", help="scratch database (dropped and recreated)")
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child-measure", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_measure:
        return child_measure(args.child_measure[0], int(args.child_measure[1]))

    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    print(f"Benchmark: the verval and assessment queues vs bare SQL, {args.items:,} open items, "
          f"{args.regency_items:,} in one regency, repeat {args.repeat}")  # fmt: skip
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option, SESSION)
    server.recreate(scratch, template)
    with server.connect(scratch, autocommit=True) as conn, conn.cursor() as cur:
        regency = regency_of(cur)
        t0 = time.perf_counter()
        with conn.transaction():
            n = fill(cur, items=args.items, regency_items=args.regency_items, regency=regency)
        cur.execute("VACUUM ANALYZE")
    print(f"\nFilled {n['items']:,} items and {n['persons']:,} persons (regency {regency}) in "
          f"{time.perf_counter() - t0:.1f} s (untimed), {busy()}")  # fmt: skip
    server.checkpoint()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_verval_queue", "--child-measure", regency, str(args.repeat)],
        cwd=ROOT, env=server.django_env(scratch), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child failed (exit {proc.returncode})")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr[-4000:])
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  the regency's queue: {m['queue']}; the assessment queue: {m['assess_queue']}  ({busy()})")
    ok = report(m)
    print()
    print_settings(server.settings(template), args.pg_option, SESSION)
    if not args.keep:
        server.drop(scratch)
        server.drop(template)
    if not all(m["same"].values()):
        differ = ", ".join(k for k, v in m["same"].items() if not v)
        print(f"A queue's page or counts differ from the floor's: {differ}")
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
