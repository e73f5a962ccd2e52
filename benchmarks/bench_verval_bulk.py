"""Benchmark of a bulk verval decision (issue 14, `verval_decide_bulk`) against one SQL statement.

A database cloned from a migrated template with the regions loaded is filled, untimed, with --items
submitted items (10,000 by default) without findings in the villages of the regency with the most
villages, with their persons (`bench_verval_queue.fill`), and a regency verifier of that regency. Each
measurement runs in a fresh clone of it (after a CHECKPOINT), alternating, median of --repeat:

* ours — `verval_decide_bulk(decision="verify", item_ids=…)` on every item, in a child process with
  Django set up: the job row, the idempotency claim, and per chunk of `BULK_CHUNK` items
  `proposal_items_bulk_transition` (scoped read of the columns the rules and effects read, row locks,
  the verification's findings rule, `machine.check` and `machine.apply` per item, one statement writing
  items, history and audit rows, the notices) plus the `VervalDecision` rows and the job's progress. Above `BULK_ASYNC_THRESHOLD` items the page hands this to a Celery task
  (`verval_bulk_run`); here the threshold is raised so the same work runs in the call;
* floor — one `UPDATE … RETURNING` of the same items (state, updated_at; guarded by the state and no
  findings) with `INSERT … SELECT` of their history and audit rows and of their `VervalDecision` rows
  as data-modifying CTEs, and its commit: the same durable work (docs/conventions.md, benchmarks). The
  issue named the floor without the decision rows; those rows are part of what a bulk decision must
  write (they carry who decided what), so the floor writes them too.

Goal ≤ 2×. The written rows are compared (items verified, history, audit and decision rows): exit 2
when they differ.

    python -m benchmarks.bench_verval_bulk --items 10000 --repeat 3
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_load_registry import (
    Server,
    busy,
    prepare_template,
    print_settings,
    server_arguments,
    verdict,
)
from benchmarks.bench_verval_queue import fill, regency_of

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL = 2.0
SESSION = "ours (a child process) and the floor (one psycopg connection) run with the settings above"

FLOOR_SQL = """
WITH upd AS (
    UPDATE proposals_proposalitem p SET state = 'verified', updated_at = now()
    WHERE p.id = ANY(%(ids)s) AND p.state = 'submitted' AND p.findings = '[]'::jsonb
    RETURNING p.id, p.village_code
),
hist AS (
    INSERT INTO proposals_proposalitemhistory
        (item_id, transition, from_state, to_state, actor_id, actor_label, reason, detail, at)
    SELECT id, 'verify', 'submitted', 'verified', %(actor)s, %(label)s, '', %(hdetail)s, now() FROM upd
),
aud AS (
    INSERT INTO audit_auditevent
        (occurred_at, actor_id, actor_label, action, object_type, object_id, region_code, ip, outcome, detail)
    SELECT now(), %(actor)s, %(label)s, 'proposal_item.verify', 'proposals.item', id::text, village_code, NULL, 'ok',
           jsonb_build_object('from', 'submitted', 'to', 'verified', 'bulk', true)
    FROM upd
),
dec AS (
    INSERT INTO verification_vervaldecision
        (item_id, decision, reason, reason_code, note, overrides, diff, bulk_id, decided_by_id, decided_at)
    SELECT id, 'verify', '', '', '', '{}'::jsonb, '{}'::jsonb, NULL, %(actor)s, now() FROM upd
)
SELECT count(*) FROM upd
"""

WRITTEN_SQL = """
SELECT (SELECT count(*) FROM proposals_proposalitem WHERE state = 'verified'),
       (SELECT count(*) FROM proposals_proposalitemhistory WHERE transition = 'verify'),
       (SELECT count(*) FROM audit_auditevent WHERE action = 'proposal_item.verify'),
       (SELECT count(*) FROM verification_vervaldecision WHERE decision = 'verify')
"""


def setup_actor(regency: str) -> dict:
    """The regency verifier (Django set up), and the identity the audit rows carry."""
    from benchmarks.bench_verval_queue import verifier
    from dtks.audit.services import actor_identity

    user = verifier(regency)
    actor, label = actor_identity(user)
    return {"actor": actor, "label": label}


def floor(cur, *, ids: list[int], actor: int, label: str) -> int:
    from psycopg.types.json import Jsonb

    cur.execute(
        FLOOR_SQL,
        {
            "ids": ids,
            "actor": actor,
            "label": label,
            "hdetail": Jsonb({"stage": "verval", "decision": "verify"}),
        },
    )
    return cur.fetchone()[0]


def ours(*, ids: list[int], user):
    """`verval_decide_bulk` on `ids`, synchronously (Django set up)."""
    from verification import services

    threshold = services.BULK_ASYNC_THRESHOLD
    services.BULK_ASYNC_THRESHOLD = max(threshold, len(ids))  # the task's work, run in the call
    try:
        return services.verval_decide_bulk(actor=user, decision="verify", item_ids=ids)
    finally:
        services.BULK_ASYNC_THRESHOLD = threshold


# --- child processes -------------------------------------------------------------------------------


def _ids(cur) -> list[int]:
    cur.execute("SELECT id FROM proposals_proposalitem ORDER BY id")
    return [r[0] for r in cur.fetchall()]


def child(kind: str, regency: str) -> int:
    import django

    django.setup()
    from django.db import connection

    if kind == "setup":
        print(json.dumps(setup_actor(regency)))
        return 0
    with connection.cursor() as cur:
        ids = _ids(cur)
    from benchmarks.bench_verval_queue import verifier

    user = verifier(regency)
    t0 = time.perf_counter()
    job = ours(ids=ids, user=user)
    seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute(WRITTEN_SQL)
        written = list(cur.fetchone())
    print(
        json.dumps(
            {"seconds": seconds, "changed": len(job.changed), "skipped": len(job.skipped), "written": written}
        )
    )
    return 0


def run_child(server: Server, db: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_verval_bulk", *args],
        cwd=ROOT, env=server.django_env(db), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=3)
    server_arguments(p, db_name="dtks_bench_bulk")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(*args.child)

    server = Server(args.database_url, args.pg_option)
    template, filled, scratch = f"{args.db_name}_tpl", f"{args.db_name}_filled", args.db_name
    print(
        f"Benchmark: verval_decide_bulk (verify) vs one UPDATE … RETURNING, {args.items:,} items, repeat {args.repeat}"
    )
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option, SESSION)
    server.recreate(filled, template)
    with server.connect(filled, autocommit=True) as conn, conn.cursor() as cur:
        regency = regency_of(cur)
        with conn.transaction():
            n = fill(cur, items=args.items, regency_items=args.items, regency=regency, bulk=True)
        cur.execute("VACUUM ANALYZE")
    who = run_child(server, filled, "--child", "setup", regency)
    print(
        f"\nFilled {n['items']:,} submitted items without findings and {n['persons']:,} persons (regency {regency})"
    )

    runs: dict[str, list[dict]] = {"ours": [], "floor": []}
    for i in range(args.repeat):
        server.recreate(scratch, filled)
        server.checkpoint()
        o = run_child(server, scratch, "--child", "measure", regency)
        runs["ours"].append(o)
        server.recreate(scratch, filled)
        server.checkpoint()
        with server.connect(scratch) as conn, conn.cursor() as cur:
            ids = _ids(cur)
            t0 = time.perf_counter()
            rows = floor(cur, ids=ids, **who)
            conn.commit()
            seconds = time.perf_counter() - t0
            cur.execute(WRITTEN_SQL)
            written = list(cur.fetchone())
        runs["floor"].append({"seconds": seconds, "changed": rows, "written": written})
        print(f"  [{i + 1}/{args.repeat}] ours {o['seconds']:.3f} s, floor {seconds:.3f} s  ({busy()})")
    o = statistics.median(r["seconds"] for r in runs["ours"])
    f = statistics.median(r["seconds"] for r in runs["floor"])
    ratio = o / f
    ok = ratio <= RATIO_GOAL
    print(f"\n== a bulk verify of {args.items:,} items without findings, median of {args.repeat} ==")
    print(
        f"  floor  UPDATE … RETURNING + history + audit, commit   {f:8.3f} s   {args.items / f:,.0f} items/s"
    )
    print(
        f"  ours   verval_decide_bulk                              {o:8.3f} s   {args.items / o:,.0f} items/s"
    )
    print(f"  ours / floor = {ratio:.2f}  (goal ≤ {RATIO_GOAL})  {verdict(ok)}")
    # Each round's own ratio (ours and the floor one after the other, under the same load), and the
    # fastest of each: for judging how much of the spread is the machine's.
    rounds = [o_["seconds"] / f_["seconds"] for o_, f_ in zip(runs["ours"], runs["floor"], strict=True)]
    fastest = min(r["seconds"] for r in runs["ours"]) / min(r["seconds"] for r in runs["floor"])
    print(
        f"  per round: {', '.join(f'{r:.2f}' for r in rounds)} (median {statistics.median(rounds):.2f});"
        f" fastest / fastest = {fastest:.2f}"
    )
    same = all(r["written"] == [args.items] * 4 for r in runs["ours"] + runs["floor"])
    print(
        f"  items verified, history, audit and decision rows: ours {runs['ours'][0]['written']}, floor {runs['floor'][0]['written']}"
    )
    print()
    print_settings(server.settings(template), args.pg_option, SESSION)
    if not args.keep:
        for db in (scratch, filled, template):
            server.drop(db)
    if not same:
        print("The written rows differ from the items")
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
