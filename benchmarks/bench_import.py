"""Benchmark of the proposal spreadsheet import (proposals/imports/services.py, docs/design.md §9).

All figures are ratios against floors measured in the same run, on the same rows, in scratch
databases cloned from a migrated template (the load benchmark's helpers):

* CSV: the whole import (upload stored and checked, preview = COPY into staging + set-based
  validation, confirm, items and persons written in chunks) in a child process, against
  * the COPY floor: the same items and persons `COPY`d into indexed copies of the item tables
    (`CREATE TABLE … (LIKE proposals_proposalitem INCLUDING ALL)` and proposalperson) — goal ≥ ½;
  * django-import-export's default `ModelResource` import of the same rows into a plain table with
    the template columns, on a smaller sample (--iie-rows, 2,000 by default: it runs ~500 rows/s);
  and, measured inside the importing process, its statement time by phase (PHASES): the floor's own
  work (items, persons, their history and audit rows, their commits) against the tables floor — goal ≤ 1.25× —, and what the
  issue's ½ leaves for the rest (docs/decisions.md, "The import against COPY");
* XLSX: the same import of the rows saved as XLSX, against openpyxl's own read-only iteration of
  that file — goal ≥ ½;
* peak memory (ru_maxrss of the child that ran the CSV import) at --rows and --memory-rows
  (1,000,000 by default; 0 skips it) — goal: flat (≤ 1.25× from the small to the large size).

    python -m benchmarks.bench_import --rows 100000
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from benchmarks.bench_load_registry import Server, prepare_template, print_settings

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = "3371011003"
DISTRICT = VILLAGE[:6]
RATE_GOAL = 0.5
MEMORY_GOAL = 1.25
WRITE_GOAL = 1.25  # the import's own items, persons and commits against the tables floor (docs/decisions.md)
HOUSE = {
    "status_kepemilikan": "MILIK_SENDIRI",
    "atap": "GENTENG_TANAH_LIAT",
    "dinding": "TEMBOK",
    "lantai": "KERAMIK",
    "sumber_air_minum": "LEDENG_METERAN",
    "penerangan": "LISTRIK_PLN",
    "fasilitas_bab": "SENDIRI",
}


# --- the rows ---------------------------------------------------------------------------------


def _nik(born: date, sex: str, serial: int) -> str:
    return f"{DISTRICT}{born.day + (40 if sex == 'P' else 0):02d}{born:%m%y}{serial:04d}"


def rows(n: int):
    """n valid template rows of one village: families of 2–5 and individuals, unique NIKs and KKs."""
    from dtks.registry.reading import TEMPLATE_COLUMNS

    k = f = 0
    sizes = (4, 3, 1, 5, 2, 3, 1, 4)
    while k < n:
        size = min(sizes[f % len(sizes)], n - k)
        issued = date(2010, 1, 1) + timedelta(days=f // 9999)
        kk = "" if size == 1 else f"{DISTRICT}{issued:%d%m%y}{f % 9999 + 1:04d}"
        for m in range(size):
            sex = "L" if m != 1 else "P"
            born = date(1960, 1, 1) + timedelta(days=k // 9999)
            rel = "" if not kk else ("KEPALA KELUARGA", "ISTRI")[m] if m < 2 else "ANAK"
            row = {
                "no_kk": kk,
                "nik": _nik(born, sex, k % 9999 + 1),
                "nama": f"Warga {k}",
                "tempat_lahir": "Magelang",
                "tanggal_lahir": born.isoformat(),
                "jenis_kelamin": sex,
                "status_perkawinan": "KAWIN" if m < 2 else "BELUM KAWIN",
                "hubungan_keluarga": rel,
                "kode_wilayah": VILLAGE,
                "rt": str(1 + f % 20),
                "rw": str(1 + f % 7),
                "alamat": f"Jl. Contoh {f}",
                "kategori": "",
                "kriteria": "",
                "disabilitas": "",
                "program": "",
                **(HOUSE if kk else {}),
            }
            yield [row.get(c, "") for c in TEMPLATE_COLUMNS]
            k += 1
        f += 1


def write_csv(path: Path, n: int) -> Path:
    from dtks.registry.reading import TEMPLATE_COLUMNS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TEMPLATE_COLUMNS)
        w.writerows(rows(n))
    return path


def write_xlsx(path: Path, n: int) -> Path:
    from openpyxl import Workbook

    from dtks.registry.reading import TEMPLATE_COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(list(TEMPLATE_COLUMNS))
    for r in rows(n):
        ws.append([v or None for v in r])
    wb.save(path)
    return path


# --- child processes (Django set up on the scratch database) -----------------------------------


def _setup():
    import django

    django.setup()


def _musyawarah():
    from dtks.accounts.models import Role, User
    from proposals.models import Musyawarah

    user = User.objects.create_user("bench.operator", role=Role.VILLAGE_OPERATOR, region_code=VILLAGE)
    m = Musyawarah.objects.create(
        village_code=VILLAGE,
        held_on=date(2026, 11, 2),
        place="Balai",
        led_by="Lurah",
        attendee_count=1,
        created_by=user,
    )
    return user, m


# Where each statement of the import belongs: the first phase (in this order) whose marker its SQL
# names — what the import does besides the floor's work, phase by phase.
PHASES = (
    (
        "write items, persons, history, audit",
        (
            "INTO proposals_proposalitem",
            "INTO proposals_proposalperson",
            "INTO proposals_proposalitemhistory",
            "INTO audit_auditevent",
            "imp_written",
        ),
    ),
    ("integrity findings", ("ig_person", "ig_item", "imp_findings")),
    ("stage the valid rows", ("proposals_importstagerow", "imp_fix", "imp_moved")),
    ("group, number, hold bad", ("imp_keys", "imp_order", "imp_blocked", "imp_err", "proposals_importrow")),
    ("validate", ("load_norm", "load_multi", "load_codes", "load_maps", "load_dates")),
    ("read the file (COPY)", ("load_raw", "load_stage")),
)


def phase_of(sql: str) -> str:
    return next((name for name, marks in PHASES if any(m in sql for m in marks)), "other")


class PhaseClock:
    """Statement time per phase, measured in the importing process: Django's execute wrapper for
    statements, psycopg's copy() for COPY, the connection's commit for commits (where the deferred
    foreign-key checks run)."""

    def __init__(self, connection):
        import psycopg

        self.seconds: dict[str, float] = {}
        connection.ensure_connection()
        self._cursor_copy = psycopg.Cursor.copy
        clock = self

        @contextmanager
        def copy(cur, statement, *args, **kwargs):
            t = time.perf_counter()
            try:
                with clock._cursor_copy(cur, statement, *args, **kwargs) as cp:
                    yield cp
            finally:
                clock.add(str(statement), time.perf_counter() - t)

        psycopg.Cursor.copy = copy
        commit = connection._commit

        def timed_commit():
            t = time.perf_counter()
            try:
                return commit()
            finally:
                self.seconds["commit (foreign-key checks)"] = self.seconds.get(
                    "commit (foreign-key checks)", 0.0
                ) + (time.perf_counter() - t)

        connection._commit = timed_commit
        connection.execute_wrappers.append(self._wrapper)

    def add(self, sql: str, seconds: float) -> None:
        phase = phase_of(sql)
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds

    def _wrapper(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(str(sql), time.perf_counter() - t)


def child_import(path: Path) -> dict:
    """The whole import of one file, in-process (no broker): the services the tasks call."""
    _setup()
    from django.conf import settings
    from django.core.files import File
    from django.db import connection

    from proposals.imports import services as importing
    from proposals.models import ProposalPerson

    settings.DTKS_IMPORT_MAX_BYTES = 1 << 40
    settings.DTKS_IMPORT_DIR = path.parent / "stored"
    user, m = _musyawarah()
    clock = PhaseClock(connection)
    steps = {}
    t0 = t = time.perf_counter()
    with path.open("rb") as fh:
        job = importing.import_job_create(musyawarah_id=m.pk, uploaded=File(fh, name=path.name), actor=user)
    steps["upload"] = time.perf_counter() - t
    t = time.perf_counter()
    job = importing.import_job_preview(job_id=job.pk)
    steps["preview"] = time.perf_counter() - t
    t = time.perf_counter()
    importing.import_job_confirm(job_id=job.pk, actor=user)
    importing.import_job_run(job_id=job.pk)
    steps["write"] = time.perf_counter() - t
    seconds = time.perf_counter() - t0
    phases = dict(clock.seconds)
    job.refresh_from_db()
    return {
        "seconds": seconds,
        "steps": {k: round(v, 3) for k, v in steps.items()},
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "rows": job.rows_total,
        "invalid": job.rows_invalid,
        "items": job.items_done,
        "persons": ProposalPerson.objects.count(),
        "status": job.status,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _tsv(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict):
        return json.dumps(value).replace("\\", "\\\\")
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def child_floor(path: Path, into: str) -> dict:
    """COPY the same items and persons, and each item's history and audit row (the import writes
    them, proposals/item/history.py), files built untimed, into the tables themselves
    (`into="tables"`: their indexes and foreign keys) or into indexed copies of them
    (`into="copies"`: `LIKE … INCLUDING ALL` copies no foreign key)."""
    _setup()
    import io

    from django.db import connection, transaction

    from dtks.audit.models import AuditEvent
    from proposals.models import ProposalItem, ProposalItemHistory, ProposalPerson

    user, m = _musyawarah()
    fixed = {
        "musyawarah_id": m.pk,
        "created_by_id": user.pk,
        "kind": "addition",
        "channel": "musyawarah",
        "state": "draft",
        "verifier": "regency",
        "created_at": "2026-11-02 10:00+07",
        "updated_at": "2026-11-02 10:00+07",
    }
    item_cols = list(ProposalItem._meta.concrete_fields)  # the ids too: the persons name them
    person_cols = [f for f in ProposalPerson._meta.concrete_fields if not f.primary_key]
    history_cols = [f for f in ProposalItemHistory._meta.concrete_fields if not f.primary_key]
    audit_cols = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    detail = {"channel": "musyawarah", "kind": "addition", "import": 1}
    items, persons, history, audit = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        last_key, item_id, position = None, 0, 0
        for r in reader:
            key = r["no_kk"] or r["nik"]
            if key != last_key:
                item_id, position, last_key = item_id + 1, 0, key
                values = {
                    **fixed,
                    "id": item_id,
                    "natural_key": f"kk:{r['no_kk']}" if r["no_kk"] else f"nik:{r['nik']}",
                    "village_code": VILLAGE,
                    "no_kk": r["no_kk"],
                    "rt": r["rt"].zfill(3),
                    "rw": r["rw"].zfill(3),
                    "alamat": r["alamat"],
                    "house": {h: r[h] for h in HOUSE} if r["no_kk"] else {},
                }
                items.write("\t".join(_tsv(values.get(f.attname, f.get_default())) for f in item_cols) + "\n")
                row = {
                    "item_id": item_id,
                    "transition": "import",
                    "from_state": "",
                    "to_state": "draft",
                    "actor_id": user.pk,
                    "actor_label": user.username,
                    "detail": {"stage": "proposal", **detail},
                    "at": "2026-11-02 10:00+07",
                }
                history.write(
                    "\t".join(_tsv(row.get(f.attname, f.get_default())) for f in history_cols) + "\n"
                )
                row = {
                    "occurred_at": "2026-11-02 10:00+07",
                    "actor_id": user.pk,
                    "actor_label": user.username,
                    "action": "proposal_item.import",
                    "object_type": "proposals.item",
                    "object_id": str(item_id),
                    "region_code": VILLAGE,
                    "ip": None,
                    "outcome": "ok",
                    "detail": {"from": "", "to": "draft", "bulk": True, **detail},
                }
                audit.write("\t".join(_tsv(row.get(f.attname, f.get_default())) for f in audit_cols) + "\n")
            values = {
                "item_id": item_id,
                "position": position,
                **{
                    c: r[c]
                    for c in (
                        "nik",
                        "nama",
                        "tempat_lahir",
                        "tanggal_lahir",
                        "jenis_kelamin",
                        "status_perkawinan",
                        "hubungan_keluarga",
                        "kategori",
                    )
                },
                "kriteria": [],
                "disabilitas": [],
                "program": [],
            }
            persons.write("\t".join(_tsv(values.get(f.attname, f.get_default())) for f in person_cols) + "\n")
            position += 1
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        prefix = "floor_" if into == "copies" else ""
        tables = (
            ("proposals_proposalitem", item_cols, items),
            ("proposals_proposalperson", person_cols, persons),
            ("proposals_proposalitemhistory", history_cols, history),
            ("audit_auditevent", audit_cols, audit),
        )
        if into == "copies":
            for table, _cols, _buf in tables:
                cur.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        for table, cols, buf in tables:
            names = ", ".join(f.column for f in cols)
            with cur.copy(f"COPY {prefix}{table} ({names}) FROM STDIN") as cp:
                buf.seek(0)
                while chunk := buf.read(1 << 20):
                    cp.write(chunk)
    return {"seconds": time.perf_counter() - t0, "items": item_id}


def child_iie(path: Path, n: int) -> dict:
    """django-import-export's default ModelResource import of the first n rows."""
    _setup()
    import tablib
    from django.db import connection, models
    from import_export.resources import modelresource_factory

    from dtks.registry.reading import TEMPLATE_COLUMNS

    attrs = {c: models.TextField(blank=True) for c in TEMPLATE_COLUMNS}
    attrs.update(
        {
            "__module__": __name__,
            "Meta": type("Meta", (), {"app_label": "proposals", "db_table": "bench_iie_row"}),
        }
    )
    model = type("BenchIieRow", (models.Model,), attrs)
    with connection.schema_editor() as editor:
        editor.create_model(model)
    data = tablib.Dataset(headers=["id", *TEMPLATE_COLUMNS])
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        for i, r in enumerate(reader):
            if i >= n:
                break
            data.append(["", *r])
    resource = modelresource_factory(model)()
    t0 = time.perf_counter()
    result = resource.import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": n, "new": result.totals.get("new", 0)}


def openpyxl_read(path: Path) -> dict:
    from openpyxl import load_workbook

    t0 = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            n += 1
    wb.close()
    return {"seconds": time.perf_counter() - t0, "rows": n - 1}


# --- main -------------------------------------------------------------------------------------


def run_child(server: Server, scratch: str, template: str, *args: str) -> dict:
    server.recreate(scratch, template)
    server.checkpoint()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_import", "--child", *args],
        cwd=ROOT,
        env=server.django_env(scratch),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_phases(imp: dict, floor: float) -> bool:
    """The import's statement time by phase (PHASES), and what it says about the goal: the floor's
    own work inside the import (its goal: within WRITE_GOAL× the floor), and the ratio left if only
    reading and validating came on top. Returns whether that write goal is met."""
    phases = imp["phases"]
    order = (  # the order the import runs them
        "read the file (COPY)",
        "validate",
        "group, number, hold bad",
        "stage the valid rows",
        "integrity findings",
        "write items, persons, history, audit",
        "commit (foreign-key checks)",
        "other",
    )
    print("  where the import's time goes (statement time, measured in the importing process):")
    for name in order:
        print(f"    {name:<38} {phases.get(name, 0.0):6.2f} s")
    print(f"    {'Python, locks, the rest':<38} {imp['seconds'] - sum(phases.values()):6.2f} s")
    floor_work = phases.get("write items, persons, history, audit", 0.0) + phases.get(
        "commit (foreign-key checks)", 0.0
    )
    read = phases.get("read the file (COPY)", 0.0) + phases.get("validate", 0.0)
    print(
        f"  the floor's own work inside the import (items, persons, history, audit, commits): {floor_work:.2f} s = "
        f"{floor_work / floor:.2f}× the tables floor (goal ≤ {WRITE_GOAL}×)  {verdict(floor_work / floor <= WRITE_GOAL)}"
    )
    print(
        f"  were grouping, the stored preview and the integrity findings free (only the file's COPY and "
        f"validation on top), import / floor would be {floor / (floor_work + read):.2f}"
    )
    return floor_work / floor <= WRITE_GOAL


def verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW GOAL"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--xlsx-rows", type=int, default=None, help="rows of the XLSX comparison (default --rows)")
    p.add_argument("--iie-rows", type=int, default=2000, help="sample for django-import-export")
    p.add_argument("--repeat", type=int, default=1, help="CSV import and floors: median of N runs")
    p.add_argument("--memory-rows", type=int, default=1_000_000, help="large size for peak memory; 0 skips")
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default="dtks_bench_import")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-import")
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        out = {
            "import": lambda: child_import(path),
            "floor": lambda: child_floor(path, args.child[2]),
            "iie": lambda: child_iie(path, int(args.child[2])),
        }[kind]()
        print(json.dumps(out))
        return 0

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtks.settings.local")
    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    n, xn = args.rows, args.xlsx_rows or args.rows
    print(
        f"Benchmark: proposal import, {n:,} CSV rows, {xn:,} XLSX rows, memory at {n:,} and {args.memory_rows:,}"
    )
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    csv_path = write_csv(work / f"rows-{n}.csv", n)
    xlsx_path = write_xlsx(work / f"rows-{xn}.xlsx", xn)
    print(f"Files written in {time.perf_counter() - t:.1f} s (untimed): {csv_path.name}, {xlsx_path.name}")
    ok = True

    def median_run(*child: str) -> dict:
        """The child run args.repeat times; the run of median seconds."""
        runs = sorted(
            (run_child(server, scratch, template, *child) for _ in range(args.repeat)),
            key=lambda r: r["seconds"],
        )
        return runs[len(runs) // 2]

    imp = median_run("import", str(csv_path))
    tables = median_run("floor", str(csv_path), "tables")
    copies = median_run("floor", str(csv_path), "copies")
    iie = run_child(server, scratch, template, "iie", str(csv_path), str(args.iie_rows))
    assert imp["status"] == "done" and imp["invalid"] == 0 and imp["persons"] == n, imp
    assert tables["items"] == copies["items"] == imp["items"], (tables, copies, imp)
    rate, iie_rate = n / imp["seconds"], iie["rows"] / iie["seconds"]
    print(f"\n== CSV, {n:,} rows -> {imp['items']:,} items (median of {args.repeat}) ==")
    print(f"  import             {imp['seconds']:8.2f} s  {rate:10,.0f} rows/s   steps {imp['steps']}")
    for label, floor, what in (
        ("COPY floor, tables", tables, "into the item tables: their indexes and foreign keys"),
        ("COPY floor, copies", copies, "into indexed copies of them, without foreign keys"),
    ):
        print(f"  {label} {floor['seconds']:8.2f} s  {n / floor['seconds']:10,.0f} rows/s   ({what})")
    ratio = tables["seconds"] / imp["seconds"]
    print(f"  import / floor (tables) = {ratio:.2f}  (goal ≥ {RATE_GOAL})  {verdict(ratio >= RATE_GOAL)}")
    print(
        f"  import / floor (copies) = {copies['seconds'] / imp['seconds']:.2f}  (for the record: the foreign-key "
        f"checks alone take {tables['seconds'] - copies['seconds']:.2f} s, which no import can skip)"
    )
    ok &= print_phases(imp, tables["seconds"])
    ok &= ratio >= RATE_GOAL
    print(
        f"  django-import-export default resource, {iie['rows']:,}-row sample: {iie_rate:,.0f} rows/s; "
        f"import / import-export = {rate / iie_rate:.0f}×"
    )

    xi = run_child(server, scratch, template, "import", str(xlsx_path))
    xr = openpyxl_read(xlsx_path)
    assert xi["status"] == "done" and xi["rows"] == xn and xr["rows"] == xn, (xi, xr)
    x_rate, r_rate = xn / xi["seconds"], xn / xr["seconds"]
    print(f"\n== XLSX, {xn:,} rows ==")
    print(f"  import           {xi['seconds']:8.2f} s  {x_rate:10,.0f} rows/s   steps {xi['steps']}")
    print(f"  openpyxl read    {xr['seconds']:8.2f} s  {r_rate:10,.0f} rows/s   (read-only, values only)")
    print(
        f"  import / read = {x_rate / r_rate:.2f}  (goal ≥ {RATE_GOAL})  {verdict(x_rate / r_rate >= RATE_GOAL)}"
    )
    ok &= x_rate / r_rate >= RATE_GOAL

    print("\n== peak memory of the import process (ru_maxrss) ==")
    print(f"  {n:>12,} rows  {imp['maxrss_mb']:8.1f} MB")
    if args.memory_rows:
        big_path = write_csv(work / f"rows-{args.memory_rows}.csv", args.memory_rows)
        big = run_child(server, scratch, template, "import", str(big_path))
        assert big["status"] == "done" and big["persons"] == args.memory_rows, big
        growth = big["maxrss_mb"] / imp["maxrss_mb"]
        print(
            f"  {args.memory_rows:>12,} rows  {big['maxrss_mb']:8.1f} MB   ({args.memory_rows / big['seconds']:,.0f} rows/s)"
        )
        print(f"  growth {growth:.2f}×  (goal ≤ {MEMORY_GOAL}: flat)  {verdict(growth <= MEMORY_GOAL)}")
        ok &= growth <= MEMORY_GOAL
        if not args.keep:
            big_path.unlink(missing_ok=True)
    if not args.keep:
        server.drop(scratch)
        server.drop(template)
        csv_path.unlink(missing_ok=True)
        xlsx_path.unlink(missing_ok=True)
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
