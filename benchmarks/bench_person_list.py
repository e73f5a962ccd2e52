"""Benchmark of the registry's person list (issue 14: dtks/registry, the page /registri/orang/ and its
selector) in a regency the size of the largest real one, against bare SQL.

In a fresh database cloned from a migrated template with the regions loaded, untimed: --persons current
person versions (5,000,000 by default), --regency-persons of them (2,000,000) over the villages of the
regency with the most villages, the rest over every other village. The regency's persons are interleaved
with the others and dealt to its villages in turn, so a village's persons lie all over the table, as in
a registry written over years; names from the extract generator's lists (many persons share one: the id
breaks the tie); 98.5 % of the persons with a current membership (families of three). Set-based: one
`INSERT … SELECT generate_series` for the persons and one `INSERT … SELECT` for the memberships, the
secondary indexes dropped before and built after (as the baseline load does), then VACUUM ANALYZE.

Timed in one warm child process (Django set up, a regency verifier of that regency), alternating, median
of --repeat, on the first page and on page --page (1,000; the regency's last page if it has fewer):

* page — the whole GET of /registri/orang/ through Django's test client (middleware, session, OTP, the
  page's queries, the template): absolute milliseconds against the issue's goal, under 100 ms;
* ours — `PERSON_ORDER.page(person_list_visible_to(user=…), cursor, size=50)`, the queryset and the
  keyset page the view uses (51 rows as model instances, with the two membership subqueries);
  floor — the bare SQL of the same page: the same rows and columns, the same two subqueries, on the
  list's index `reg_person_list`, the deep page with the same row comparison. Goal ≤ 3× (the verval
  queue's page has the same).

The cursor of page N is the key of the last row of page N−1, found untimed with OFFSET. The ids of ours
and of the floor are compared, and the page's HTML must link each of them (exit 2 otherwise). The plans
of ours and of the floor (EXPLAIN ANALYZE) are printed for both pages.

    python -m benchmarks.bench_person_list --persons 5000000 --regency-persons 2000000 --repeat 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_load_registry import Server, busy, prepare_template, print_settings, verdict
from benchmarks.bench_verval_queue import regency_of
from benchmarks.generate_extract import FEMALE, LAST, MALE, PERIOD

ROOT = Path(__file__).resolve().parent.parent
PAGE_GOAL_MS = 100.0
RATIO_GOAL = 3.0
SESSION = "ours, the floor and the page run in the same warm child process with the settings above"
TABLES = ("registry_personversion", "registry_membershipversion")

BATCH = """
INSERT INTO registry_batch (kind, period, source_name, source_sha256, actor, rows_read, rows_refused,
                            persons, families, published_at, created_at)
VALUES ('baseline', %(period)s, 'bench_person_list', '', 'sistem:benchmark', 0, 0, 0, 0, now(), now())
RETURNING id
"""

FILL_PERSONS = """
WITH rv AS (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
            FROM regions_region WHERE level = 4 AND code LIKE %(prefix)s),
     av AS (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
            FROM regions_region WHERE level = 4 AND code NOT LIKE %(prefix)s),
     v AS (SELECT true AS regency, n, code FROM rv UNION ALL SELECT false, n, code FROM av),
     s AS (SELECT g, k, k > (g - 1) * %(regency)s / %(persons)s AS regency,
                  hashtext(g::text) & 2147483647 AS h
           FROM generate_series(1, %(persons)s::bigint) g, LATERAL (SELECT g * %(regency)s / %(persons)s AS k) r),
     t AS (SELECT s.*, CASE WHEN regency THEN k %% (SELECT count(*) FROM rv)
                            ELSE h %% (SELECT count(*) FROM av) END AS n
           FROM s)
INSERT INTO registry_personversion
    (valid_from, published, batch_id, person_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
     status_perkawinan, village_code, rt, rw, alamat, kategori, kriteria, disabilitas, program)
SELECT %(period)s, true, %(batch)s, t.g, left(v.code, 6) || lpad((t.g %% 10000000000)::text, 10, '0'),
       CASE WHEN t.g %% 2 = 0 THEN (%(male)s::text[])[1 + t.h %% cardinality(%(male)s::text[])]
            ELSE (%(female)s::text[])[1 + t.h %% cardinality(%(female)s::text[])] END
           || ' ' || (%(last)s::text[])[1 + (t.h / 7) %% cardinality(%(last)s::text[])],
       'BANDUNG', date '1940-01-01' + (t.h %% 30000)::int, CASE WHEN t.g %% 2 = 0 THEN 'L' ELSE 'P' END,
       'KAWIN', v.code, lpad((1 + t.h %% 20)::text, 3, '0'), lpad((1 + t.h %% 9)::text, 3, '0'),
       'JL. MAWAR NO. ' || t.g %% 100, '', '{}', '{}', '{}'
FROM t JOIN v USING (regency, n)
ORDER BY t.g
"""

FILL_MEMBERSHIPS = """
INSERT INTO registry_membershipversion (valid_from, published, batch_id, family_id, person_id, hubungan_keluarga)
SELECT valid_from, true, batch_id, (person_id + 2) / 3, person_id,
       CASE person_id % 3 WHEN 1 THEN 'KEPALA KELUARGA' WHEN 2 THEN 'ISTRI' ELSE 'ANAK' END
FROM registry_personversion
WHERE person_id % 67 <> 0
"""  # no parameters: `%` is the operator itself

# The secondary indexes of the filled tables (not those of a constraint), as the baseline load finds them.
SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""

# The key of the last row before page N (untimed: OFFSET reads the rows before it).
ANCHOR = """
SELECT village_code, nama, person_id FROM registry_personversion
WHERE published AND valid_to IS NULL AND village_code LIKE %(prefix)s
ORDER BY village_code COLLATE "C", nama, person_id
OFFSET %(offset)s LIMIT 1
"""

FLOOR_PAGE = """
SELECT p.person_id AS pid, p.*,
       (SELECT m.hubungan_keluarga FROM registry_membershipversion m
        WHERE m.person_id = p.person_id AND m.published AND m.valid_to IS NULL LIMIT 1) AS hubungan,
       (SELECT m.family_id FROM registry_membershipversion m
        WHERE m.person_id = p.person_id AND m.published AND m.valid_to IS NULL LIMIT 1) AS family_id
FROM registry_personversion p
WHERE p.published AND p.valid_to IS NULL AND p.village_code LIKE %(prefix)s
"""
FLOOR_AFTER = """
  AND (p.village_code COLLATE "C", p.nama, p.person_id) > (%(village_code)s, %(nama)s, %(person_id)s)
"""
FLOOR_ORDER = """
ORDER BY p.village_code COLLATE "C", p.nama, p.person_id
LIMIT %(limit)s
"""


def fill(cur, *, persons: int, regency_persons: int, regency: str) -> dict[str, int]:
    """The persons and their memberships, set-based (see the module docstring); no index maintenance."""
    cur.execute(SECONDARY_INDEXES, {"tables": list(TABLES)})
    indexes = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    cur.execute(BATCH, {"period": PERIOD})
    batch = cur.fetchone()[0]
    cur.execute(
        FILL_PERSONS,
        {
            "prefix": regency + "%",
            "persons": persons,
            "regency": regency_persons,
            "period": PERIOD,
            "batch": batch,
            "male": list(MALE),
            "female": list(FEMALE),
            "last": list(LAST),
        },
    )
    n_persons = cur.rowcount
    cur.execute(FILL_MEMBERSHIPS)
    n_members = cur.rowcount
    for _name, definition in indexes:
        cur.execute(definition)
    return {"persons": n_persons, "memberships": n_members, "indexes": len(indexes)}


def floor_sql(*, deep: bool) -> str:
    return FLOOR_PAGE + (FLOOR_AFTER if deep else "") + FLOOR_ORDER


def anchor_of(cur, *, regency: str, page: int, size: int) -> dict | None:
    """The key of the row before `page` (None for the first page)."""
    if page <= 1:
        return None
    cur.execute(ANCHOR, {"prefix": regency + "%", "offset": (page - 1) * size - 1})
    village_code, nama, person_id = cur.fetchone()
    return {"village_code": village_code, "nama": nama, "person_id": person_id}


def verifier(regency: str):
    from dtks.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench_plist", defaults={"role": Role.REGENCY_VERIFIER, "region_code": regency}
    )
    return user


# The scratch database's setup runs no collectstatic: the page's static URLs come from the plain storage
# (a name joined to STATIC_URL, where production looks the name up in the manifest's dict).
PLAIN_STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def signed_in_client(user):
    """A test client with `user`'s session, its TOTP step done (a regency verifier must pass it)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(*, regency: str, page: int, repeat: int, explain: bool = True) -> dict:
    """The measurements (in a process with Django set up on the filled database)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dtks.registry.models import PersonVersion
    from dtks.registry.selectors import PERSON_ORDER, person_list_visible_to
    from dtks.registry.views import PAGE_SIZE

    user = verifier(regency)
    client = signed_in_client(user)
    url = reverse("registry:persons")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_personversion WHERE village_code LIKE %s", [regency + "%"])
        in_regency = cur.fetchone()[0]
        deep = max(2, min(page, -(-in_regency // PAGE_SIZE)))
        anchor = anchor_of(cur, regency=regency, page=deep, size=PAGE_SIZE)
    pages = {1: ("", None), deep: (PERSON_ORDER.cursor(PersonVersion(**anchor)), anchor)}
    client.get(url, {"cursor": pages[deep][0]})  # warm-up: Django's first request (templates, URLs)
    runs: dict[str, list[float]] = {f"{k}_{n}": [] for n in pages for k in ("page", "ours", "floor")}
    same = {n: True for n in pages}

    def ours(cursor: str):
        return PERSON_ORDER.page(person_list_visible_to(user=user), cursor, size=PAGE_SIZE)

    for _ in range(repeat):
        for n, (cursor, key) in pages.items():
            t0 = time.perf_counter()
            got = ours(cursor)
            runs[f"ours_{n}"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(
                    floor_sql(deep=key is not None),
                    {"prefix": regency + "%", "limit": PAGE_SIZE + 1, **(key or {})},
                )
                rows = cur.fetchall()
            runs[f"floor_{n}"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = client.get(url, {"cursor": cursor} if cursor else {})
            runs[f"page_{n}"].append(time.perf_counter() - t0)
            ids = [r.person_id for r in got.rows]
            html = response.content.decode()
            same[n] &= (
                ids == [r[0] for r in rows[:PAGE_SIZE]]
                and bool(got.next_cursor) == (len(rows) > PAGE_SIZE)
                and response.status_code == 200
                and all(f'href="{reverse("registry:person", args=[pid])}"' in html for pid in ids)
            )
    out = {"runs": runs, "same": same, "deep": deep, "in_regency": in_regency, "rows": len(ids)}
    if explain:
        out["plans"] = {}
        for n, (cursor, key) in pages.items():
            with CaptureQueriesContext(connection) as ctx:
                ours(cursor)
            with connection.cursor() as cur:
                cur.execute("EXPLAIN ANALYZE " + ctx.captured_queries[-1]["sql"])
                plan = "\n".join(r[0] for r in cur.fetchall())
                cur.execute(
                    "EXPLAIN ANALYZE " + floor_sql(deep=key is not None),
                    {"prefix": regency + "%", "limit": PAGE_SIZE + 1, **(key or {})},
                )
                out["plans"][n] = (plan, "\n".join(r[0] for r in cur.fetchall()))
    return out


# --- child process and main ------------------------------------------------------------------------


def child_measure(regency: str, page: int, repeat: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": PLAIN_STATIC}):
        out = measure(regency=regency, page=page, repeat=repeat)
    print(json.dumps(out))
    return 0


def ms(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):8.1f} ms  ({1000 * min(values):.1f}–{1000 * max(values):.1f})"


def report(m: dict, *, regency: str) -> bool:
    runs = m["runs"]
    ok = True
    n_runs = len(runs["ours_1"])
    print(
        f"\n== the person list of regency {regency} ({m['in_regency']:,} persons), median of {n_runs} (min–max) =="
    )
    for n in (1, m["deep"]):
        page = statistics.median(runs[f"page_{n}"])
        ratio = statistics.median(runs[f"ours_{n}"]) / statistics.median(runs[f"floor_{n}"])
        good = 1000 * page < PAGE_GOAL_MS and ratio <= RATIO_GOAL
        ok &= good
        print(f"  page {n:,} ({m['rows']} rows)")
        print(f"      page   GET /registri/orang/                    {ms(runs[f'page_{n}'])}"
              f"  goal < {PAGE_GOAL_MS:.0f} ms  {verdict(1000 * page < PAGE_GOAL_MS)}")  # fmt: skip
        print(f"      floor  bare SQL, the list's index              {ms(runs[f'floor_{n}'])}")
        print(f"      ours   PERSON_ORDER.page(person_list_…)        {ms(runs[f'ours_{n}'])}")
        print(f"      ours / floor = {ratio:.2f}  (goal ≤ {RATIO_GOAL})  {verdict(ratio <= RATIO_GOAL)};"
              f"  page / floor = {page / statistics.median(runs[f'floor_{n}']):.1f}")  # fmt: skip
    print(f"  the same rows as the floor, linked from the page: {m['same']}")
    for n, (plan, plan_floor) in m.get("plans", {}).items():
        print(f"\n  plan, ours (page {int(n):,}):")
        print("    " + plan.replace("\n", "\n    "))
        print(f"\n  plan, floor (page {int(n):,}):")
        print("    " + plan_floor.replace("\n", "\n    "))
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=5_000_000, help="current persons in the registry")
    p.add_argument("--regency-persons", type=int, default=2_000_000, help="of which in the measured regency")
    p.add_argument("--page", type=int, default=1000, help="the deep page measured besides the first")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default="dtks_bench_plist", help="scratch database (dropped and recreated)")
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child-measure", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_measure:
        regency, page, repeat = args.child_measure
        return child_measure(regency, int(page), int(repeat))

    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    print(f"Benchmark: the person list vs bare SQL, {args.persons:,} persons, {args.regency_persons:,} in one "
          f"regency, page 1 and {args.page:,}, repeat {args.repeat}")  # fmt: skip
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option, SESSION)
    server.recreate(scratch, template)
    with server.connect(scratch, autocommit=True) as conn, conn.cursor() as cur:
        regency = regency_of(cur)
        t0 = time.perf_counter()
        with conn.transaction():
            n = fill(cur, persons=args.persons, regency_persons=args.regency_persons, regency=regency)
        cur.execute("VACUUM ANALYZE")
    print(f"\nFilled {n['persons']:,} persons and {n['memberships']:,} memberships (regency {regency}), "
          f"{n['indexes']} indexes built after, in {time.perf_counter() - t0:.1f} s (untimed), {busy()}")  # fmt: skip
    server.checkpoint()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_person_list", "--child-measure", regency, str(args.page),
         str(args.repeat)],
        cwd=ROOT, env=server.django_env(scratch), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child failed (exit {proc.returncode})")
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  measured ({busy()})")
    ok = report(m, regency=regency)
    print()
    print_settings(server.settings(template), args.pg_option, SESSION)
    if not args.keep:
        server.drop(scratch)
        server.drop(template)
    if not all(m["same"].values()):
        print("The list's pages differ from the floor's")
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
