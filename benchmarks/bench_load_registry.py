"""Benchmark of the baseline load (`load_registry FILE --period YYYY-MM`, docs/design.md §5, §9).

For N persons and scale×N persons it measures, each in a fresh scratch database cloned from a
prepared template (migrated, regions loaded):

* floor — the same durable work in plain SQL: three `COPY`s of the persons, families and
  memberships derived from the same file (pre-split by the generator, untimed) into indexed copies
  of the target tables (`CREATE TABLE … (LIKE registry_…version INCLUDING ALL)`), plus the commit;
* load — `registry_baseline_load` on the template CSV in a child process (Django set up, then the
  whole service call timed, transaction commit included), with its per-step seconds.

It prints rows/s of both and their ratio (goal: load ≥ ½ of the floor's rate), then the
large/small time ratio of each and their quotient (goal: the load scales within 1.2× of the
floor), and the server settings it ran with. Goals print PASS / BELOW GOAL; the exit status is 0
either way unless --strict.

    python -m benchmarks.bench_load_registry --persons 1000000 --scale 5
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from benchmarks.generate_extract import (
    FAMILY_COLUMNS,
    MEMBERSHIP_COLUMNS,
    PERSON_COLUMNS,
    Extract,
    generate,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "synchronous_commit",
    "fsync",
    "wal_level",
    "checkpoint_timeout",
    "max_parallel_workers_per_gather",
)
RATE_GOAL = 0.5  # load rows/s ≥ ½ of the floor's
SCALE_GOAL = 1.2  # (load large/small) ≤ 1.2 × (floor large/small)

# (target table, floor file attribute of Extract, columns)
FLOOR_TABLES = (
    ("registry_personversion", "person_tsv", PERSON_COLUMNS),
    ("registry_familyversion", "family_tsv", FAMILY_COLUMNS),
    ("registry_membershipversion", "membership_tsv", MEMBERSHIP_COLUMNS),
)
CHUNK = 1 << 20


# --- the two measured operations --------------------------------------------------------------


def floor_tables_create(cur, *, prefix: str = "bench_floor_", temp: bool = False) -> list[str]:
    """Indexed copies of the three version tables (indexes, constraints, defaults, identity)."""
    names = []
    for table, _attr, _cols in FLOOR_TABLES:
        name = prefix + table.removeprefix("registry_")
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {name} (LIKE {table} INCLUDING ALL)")
        names.append(name)
    return names


def floor_copy(cur, extract: Extract, tables: list[str]) -> dict[str, int]:
    """COPY the three pre-split files into the floor tables; returns rows per table (no commit)."""
    counts = {}
    for name, (_table, attr, cols) in zip(tables, FLOOR_TABLES, strict=True):
        stmt = f"COPY {name} ({', '.join(cols)}) FROM STDIN"
        with Path(getattr(extract, attr)).open("rb") as fh, cur.copy(stmt) as cp:
            while chunk := fh.read(CHUNK):
                cp.write(chunk)
        counts[name] = cur.rowcount
    return counts


def run_loader(extract: Extract, *, period: str, actor: str = "sistem:benchmark") -> dict:
    """In a configured Django process: the baseline load, timed around the whole service call."""
    from datetime import date

    from dtks.registry.loading import registry_baseline_load

    y, m = (int(p) for p in period.split("-")[:2])
    t0 = time.perf_counter()
    result = registry_baseline_load(path=Path(extract.csv), period=date(y, m, 1), actor=actor)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "service_seconds": result.seconds,
        "rows_read": result.rows_read,
        "rows_refused": result.rows_refused,
        "persons": result.persons,
        "families": result.families,
        "findings": result.findings,
        "steps": result.steps,
        "batch_id": result.batch_id,
    }


# --- scratch databases ------------------------------------------------------------------------


def db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


class Server:
    """The PostgreSQL server of --database-url; scratch databases are created on it."""

    def __init__(self, base_url: str, options: list[str]):
        self.base_url = base_url
        self.options = options
        self.pgoptions = " ".join(f"-c {o}" for o in options)

    def connect(self, name: str, **kw) -> psycopg.Connection:
        extra = {"options": self.pgoptions} if self.pgoptions else {}
        return psycopg.connect(db_url(self.base_url, name), **extra, **kw)

    def admin(self, *statements: sql.Composable | str) -> None:
        with self.connect("postgres", autocommit=True) as conn:
            for s in statements:
                conn.execute(s)

    def recreate(self, name: str, template: str | None = None) -> None:
        ident = sql.Identifier(name)
        create = sql.SQL("CREATE DATABASE {}").format(ident)
        if template:
            create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(ident, sql.Identifier(template))
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident), create)

    def drop(self, name: str) -> None:
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def checkpoint(self) -> None:
        # Start every measurement with no dirty pages left by the clone or the previous run.
        try:
            self.admin("CHECKPOINT")
        except psycopg.Error as exc:  # not a superuser: measure anyway, say so
            print(f"  (CHECKPOINT not run: {exc.diag.message_primary})")

    def settings(self, name: str) -> dict[str, str]:
        with self.connect(name) as conn:
            return {s: conn.execute(f"SHOW {s}").fetchone()[0] for s in SETTINGS}

    def django_env(self, name: str) -> dict[str, str]:
        env = dict(
            os.environ,
            DATABASE_URL=db_url(self.base_url, name),
            DJANGO_SETTINGS_MODULE="dtks.settings.local",
            DB_CONN_MAX_AGE="0",
        )
        if self.pgoptions:
            env["PGOPTIONS"] = self.pgoptions
        else:
            env.pop("PGOPTIONS", None)
        return env


def prepare_template(server: Server, name: str) -> float:
    t0 = time.perf_counter()
    server.recreate(name)
    env = server.django_env(name)
    for cmd in (["migrate", "-v0"], ["load_regions", "-v0"]):
        proc = subprocess.run(
            [sys.executable, "manage.py", *cmd],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"manage.py {cmd[0]} failed on {name} (exit {proc.returncode})")
    return time.perf_counter() - t0


def template_villages(server: Server, template: str, options: list[str], session: str) -> list[str]:
    """The template database prepared (its time and the server settings printed); its village codes."""
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), options, session)
    with server.connect(template) as conn:
        return [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 4")]


def measure_floor(server: Server, scratch: str, template: str, extract: Extract) -> dict:
    server.recreate(scratch, template)
    with server.connect(scratch) as conn:
        with conn.cursor() as cur:
            tables = floor_tables_create(cur)
        conn.commit()
        server.checkpoint()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            counts = floor_copy(cur, extract, tables)
        conn.commit()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "counts": counts}


def measure_load(
    server: Server, scratch: str, template: str, extract: Extract, period: str, manifest: Path
) -> dict:
    server.recreate(scratch, template)
    server.checkpoint()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_load_registry",
            "--child-load",
            str(manifest),
            "--period",
            period,
        ],
        cwd=ROOT,
        env=server.django_env(scratch),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"load_registry failed (exit {proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    return out


# --- report -----------------------------------------------------------------------------------


@dataclass
class SizeResult:
    extract: Extract
    floor: list[dict] = field(default_factory=list)
    load: list[dict] = field(default_factory=list)

    @property
    def floor_s(self) -> float:
        return statistics.median(r["seconds"] for r in self.floor)

    @property
    def load_s(self) -> float:
        return statistics.median(r["seconds"] for r in self.load)

    def median_load(self) -> dict:
        return sorted(self.load, key=lambda r: r["seconds"])[(len(self.load) - 1) // 2]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW GOAL"


def report_size(r: SizeResult) -> tuple[bool, list[str]]:
    ex = r.extract
    rows = ex.rows
    floor_rate, load_rate = rows / r.floor_s, rows / r.load_s
    ratio = load_rate / floor_rate
    load = r.median_load()
    problems = []
    expected = {
        "rows_read": ex.rows,
        "rows_refused": len(ex.refused),
        "persons": ex.persons,
        "families": ex.families,
    }
    for key, want in expected.items():
        if load[key] != want:
            problems.append(f"{key}: loaded {load[key]:,}, expected {want:,}")
    for rule, want in ex.findings.items():
        if load["findings"].get(rule, 0) != want:
            problems.append(f"findings {rule}: {load['findings'].get(rule, 0):,}, expected {want:,}")
    n = len(r.load)
    print(
        f"\n== {rows:,} persons in {ex.families:,} families ({len(ex.refused):,} planted refusals), "
        f"median of {n} =="
    )
    print(
        f"  floor  COPY ×3 + commit       {r.floor_s:9.2f} s  {floor_rate:12,.0f} rows/s"
        f"   (persons {ex.persons:,} + families {ex.families:,} + memberships {ex.memberships:,})"
    )
    print(
        f"  load   load_registry          {r.load_s:9.2f} s  {load_rate:12,.0f} rows/s"
        f"   (process incl. Django start {load['process_seconds']:.2f} s)"
    )
    steps = dict(load["steps"])
    steps["other (hash, batch row, commit)"] = round(load["seconds"] - sum(steps.values()), 3)
    for name, s in steps.items():
        print(f"           {name:<32} {s:8.2f} s  {100 * s / load['seconds']:5.1f} %")
    print(f"  load rate / floor rate = {ratio:.2f}  (goal ≥ {RATE_GOAL})  {verdict(ratio >= RATE_GOAL)}")
    found = ", ".join(f"{k} {v:,}" for k, v in load["findings"].items() if v)
    print(
        f"  loaded {load['persons']:,} persons, {load['families']:,} families, refused {load['rows_refused']:,} "
        f"rows; findings: {found or 'none'}"
    )
    plan = load.get("scope_plan")
    if plan:
        print(f"  scoped read (regency verifier of {plan['regency']}, one page of persons):")
        for line in plan["plan"].splitlines():
            print(f"      {line}")
        print(f"  uses a region index (reg_person_list or reg_person_village): {verdict(plan['index_scan'])}")
        if not plan["index_scan"]:
            problems.append("the scoped read does not use the region index")
    for p in problems:
        print(f"  MISMATCH {p}")
    return ratio >= RATE_GOAL, problems


def server_arguments(p: argparse.ArgumentParser, *, db_name: str) -> None:
    """The options every benchmark on a scratch database takes: the server, the scratch database's name,
    session settings, --keep and --strict."""
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default=db_name, help="scratch database (dropped and recreated)")
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")


@contextmanager
def timing(owner: object, name: str) -> Iterator[dict]:
    """Every call of `owner.name` (a module's function) timed while the block runs: the clock it
    yields counts `seconds` and `calls` (reset it between runs)."""
    fn = getattr(owner, name)
    clock = {"seconds": 0.0, "calls": 0}

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            clock["seconds"] += time.perf_counter() - t
            clock["calls"] += 1

    setattr(owner, name, timed)
    try:
        yield clock
    finally:
        setattr(owner, name, fn)


def busy() -> str:
    """The machine's 1-minute load average: other work on the same cores skews wall-clock figures."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


LOAD_SESSION = (
    "the load's own transaction sets work_mem 64MB and, for its index builds, maintenance_work_mem"
    " 256MB (SET LOCAL); the floor runs with the settings above"
)


def print_settings(settings: dict[str, str], options: list[str], note: str | None = None) -> None:
    print("Server settings (as the measured sessions see them):")
    for k, v in settings.items():
        print(f"  {k:<32} {v}")
    if options:
        print(f"  session options: {' '.join(options)}")
    if note:
        print(f"  {note}")
    print(f"Machine: {platform.python_implementation()} {platform.python_version()}, {busy()}")


# --- main -------------------------------------------------------------------------------------


def scope_plan() -> dict:
    """The plan of a regency verifier's person list (Foundation II: scoping by the stored, indexed
    region column must be an index scan, not a scan of the registry) on the table just loaded."""
    from django.db import connection

    from dtks.accounts.models import Role, User
    from dtks.registry.selectors import PERSON_ORDER, persons_visible_to

    with connection.cursor() as cur:
        cur.execute(
            "SELECT left(village_code, 4) FROM registry_personversion GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        regency = cur.fetchone()[0]
    user = User(username="bench", role=Role.REGENCY_VERIFIER, region_code=regency, is_active=True)
    # The registry list page's query: one page, in the page's order (benchmarks/bench_person_list.py
    # measures the page itself).
    qs = persons_visible_to(user=user).order_by(*PERSON_ORDER.ordering())[:50]
    plan = qs.explain(analyze=True)
    return {
        "regency": regency,
        "plan": plan,
        "index_scan": "reg_person_list" in plan or "reg_person_village" in plan,
    }


def child_load(manifest: Path, period: str) -> int:
    import django

    django.setup()
    out = run_loader(Extract.load(manifest), period=period)
    out["scope_plan"] = scope_plan()
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--scale", type=float, default=5, help="the large size is scale × persons")
    p.add_argument("--repeat", type=int, default=1, help="measurements per size and kind (median reported)")
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks"),
        help="server to use (its database name is ignored: scratch databases are created)",
    )
    p.add_argument("--db-name", default="dtks_bench", help="scratch database (dropped and recreated)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    p.add_argument("--period", default="2026-10")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="session setting for both floor and load, e.g. work_mem=256MB (repeatable)",
    )
    p.add_argument(
        "--reuse-files",
        action="store_true",
        help="reuse (and keep) generated files of the same size and seed",
    )
    p.add_argument("--keep", action="store_true", help="keep the scratch databases and files")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child-load", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_load:
        return child_load(args.child_load, args.period)

    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    sizes = [args.persons, round(args.persons * args.scale)]
    print(
        f"Benchmark: load_registry vs COPY floor, {sizes[0]:,} and {sizes[1]:,} persons, repeat {args.repeat}"
    )
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option, LOAD_SESSION)
    with server.connect(template) as conn:
        villages = [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 4")]

    results: list[SizeResult] = []
    for n in sizes:
        out = args.workdir / f"{n}-{args.seed}"
        manifest = out / "manifest.json"
        if args.reuse_files and manifest.exists():
            extract = Extract.load(manifest)
            print(f"\nReusing {extract.csv}")
        else:
            extract = generate(
                persons=n, out_dir=out, villages=villages, seed=args.seed, period=f"{args.period}-01"
            )
            print(
                f"\nGenerated {extract.rows:,} rows ({extract.bytes / 1e6:,.0f} MB) in {extract.seconds:.1f} s "
                f"(untimed) -> {extract.csv}"
            )
        r = SizeResult(extract)
        for i in range(args.repeat):
            r.floor.append(measure_floor(server, scratch, template, extract))
            print(f"  [{i + 1}/{args.repeat}] floor {r.floor[-1]['seconds']:.2f} s  ({busy()})", flush=True)
            r.load.append(measure_load(server, scratch, template, extract, args.period, manifest))
            print(f"  [{i + 1}/{args.repeat}] load  {r.load[-1]['seconds']:.2f} s  ({busy()})", flush=True)
        results.append(r)
        if not args.keep:
            server.drop(scratch)

    ok = True
    problems: list[str] = []
    print("\n" + "=" * 78)
    for r in results:
        good, bad = report_size(r)
        ok &= good
        problems += bad
    small, large = results
    load_ratio, floor_ratio = large.load_s / small.load_s, large.floor_s / small.floor_s
    quotient = load_ratio / floor_ratio
    print(f"\n== scaling {large.extract.rows:,} / {small.extract.rows:,} persons ==")
    print(f"  load  time ratio {load_ratio:6.2f}")
    print(f"  floor time ratio {floor_ratio:6.2f}")
    print(
        f"  load ratio / floor ratio = {quotient:.2f}  (goal ≤ {SCALE_GOAL})  {verdict(quotient <= SCALE_GOAL)}"
    )
    ok &= quotient <= SCALE_GOAL
    print()
    print_settings(server.settings(template), args.pg_option, LOAD_SESSION)

    if not args.keep:
        server.drop(template)
    if not (args.keep or args.reuse_files):
        for r in results:
            for attr in ("csv", "person_tsv", "family_tsv", "membership_tsv"):
                Path(getattr(r.extract, attr)).unlink(missing_ok=True)
    if problems:
        print("Loaded counts differ from the generator's manifest: " + "; ".join(problems))
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
