"""Benchmark of the civil-registry extract load (`manage.py load_civil_registry FILE`, `civil_extract_load`,
docs/civil_registry.md "The extract"; docs/design.md §9).

For --small and --rows rows (200,000 and 1,000,000 by default) it writes, untimed, a realistic Dukcapil
extract CSV (`write_extract`: NIKs consistent with birth date and sex — the village's district, DDMMYY
with women's day + 40, a serial unique per district and year —, KKs the same way, real village codes
from regions_region level 4, Indonesian names, birth dates mostly ISO and some DD-MM-YYYY and
DD/MM/YYYY, sexes mostly L/P and some spelled out, a planted format error every --error-every rows),
and next to it the floor file: the same rows as the loader stores them (ISO dates, L/P, the refused rows
left out). Then, each measurement in a fresh database cloned from a migrated template with the regions
loaded:

* floor — `COPY` of the floor file into `CREATE TABLE … (LIKE civil_civilperson INCLUDING ALL)` (its
  unique (extract_id, nik) index and primary key; extract_id by default), and the commit;
* load — `civil_extract_load` on the extract CSV in a child process (Django set up, the whole call
  timed), with its per-step seconds and the child's peak RSS (VmHWM, see `peak_rss_mb`).

It prints rows/s of both and their ratio (goal: the load ≥ ½ of the floor's rate, median of --repeat),
the large/small time ratios, the peak memory of the loading process at both sizes (goal: flat, ≤ 1.25×
from the small to the large size), and the server settings it ran with. Goals print PASS / BELOW GOAL;
the exit status is 0 either way unless --strict, and 2 when the loaded counts differ from the writer's.

    python -m benchmarks.bench_civil_load --rows 1000000 --small 200000 --repeat 3
"""

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from benchmarks.bench_load_registry import Server, busy, prepare_template, print_settings, verdict
from benchmarks.generate_extract import (
    BIRTH_FIRST,
    CHILD_LAST,
    FEMALE,
    LAST,
    MALE,
    PLACES,
    STREETS,
    Draw,
    Ids,
)

ROOT = Path(__file__).resolve().parent.parent
RATE_GOAL = 0.5  # load rows/s ≥ ½ of the floor's
MEMORY_GOAL = 1.25  # peak RSS at the large size ≤ 1.25 × at the small size
# The extract's columns (dtks/civil/loading.py EXTRACT_COLUMNS; the writer runs without Django).
EXTRACT_COLUMNS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "no_kk",
    "kode_wilayah",
    "alamat",
)
FLOOR_COLUMNS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "no_kk",
    "village_code",
    "alamat",
)
LOAD_SESSION = (
    "the load's validating transaction sets work_mem 64MB (SET LOCAL); its writing connection and the floor"
    " run with the settings above"
)
# Planted format errors, in rotation (each refuses its row with exactly this one error).
ERRORS = (
    ("nik", "format"),
    ("tanggal_lahir", "date"),
    ("jenis_kelamin", "unknown"),
    ("kode_wilayah", "region_unknown"),
    ("nik", "duplicate"),
)
SEX_SPELLED = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}


@dataclass
class CivilExtract:
    csv: str
    floor_csv: str
    rows: int
    persons: int
    refused: dict[str, str]  # "row_no" -> "field:code"
    seconds: float
    bytes: int

    @classmethod
    def load(cls, manifest: Path) -> "CivilExtract":
        return cls(**json.loads(manifest.read_text()))


def write_extract(*, rows: int, out_dir: Path, villages: list[str], seed: int = 2026,
                  error_every: int = 1000) -> CivilExtract:  # fmt: skip
    """extract.csv (EXTRACT_COLUMNS, office spellings), floor.csv (what the loader stores) and
    manifest.json into out_dir, streamed in chunks: memory does not grow with `rows`."""
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    villages = sorted(villages)
    d, niks, kks = Draw(seed), Ids(), Ids()
    refused: dict[str, str] = {}
    persons = 0
    first_nik = ""
    kk, kk_left, home = "", 0, ("", "")
    with (
        (out_dir / "extract.csv").open("w", newline="", encoding="utf-8") as f_x,
        (out_dir / "floor.csv").open("w", newline="", encoding="utf-8") as f_f,
    ):
        wx, wf = csv.writer(f_x, lineterminator="\n"), csv.writer(f_f, lineterminator="\n")
        wx.writerow(EXTRACT_COLUMNS)
        wf.writerow(FLOOR_COLUMNS)
        xs, fs = [], []
        for i in range(rows):
            if kk_left == 0:  # a new family: its village, address and KK
                village = d.choice(villages)
                issued = date.fromordinal(
                    d.randrange(date(2005, 1, 1).toordinal(), date(2026, 6, 30).toordinal())
                )
                kk = kks.make(village[:6], issued.day, issued.month, issued.year)
                kk_left = 1 + d.randrange(6)
                home = (village, f"{d.choice(('JL.', 'GG.', 'DUSUN'))} {d.choice(STREETS)} NO. {d.randrange(1, 200)} "
                                 f"RT {d.randrange(1, 20):03d}/RW {d.randrange(1, 9):03d}")  # fmt: skip
            kk_left -= 1
            village, alamat = home
            sex = d.choice("LP")
            born = d.birth(BIRTH_FIRST, CHILD_LAST)
            nik = niks.make(village[:6], born.day + (40 if sex == "P" else 0), born.month, born.year)
            first_nik = first_nik or nik
            nama = f"{d.choice(MALE if sex == 'L' else FEMALE)} {d.choice(LAST)}"
            tempat = d.choice(PLACES)
            row = [nik, nama, tempat, d.date_text(born), sex if d.rand() < 0.9 else SEX_SPELLED[sex], kk, village,
                   alamat]  # fmt: skip
            row_no = i + 2  # line 1 is the header
            if error_every and row_no % error_every == 0:
                field, code = ERRORS[(row_no // error_every) % len(ERRORS)]
                row[{"nik": 0, "tanggal_lahir": 3, "jenis_kelamin": 4, "kode_wilayah": 6}[field]] = {
                    "format": nik[:15],
                    "date": f"31-02-{born.year}",
                    "unknown": "X",
                    "region_unknown": "9999999999",
                    "duplicate": first_nik,
                }[code]
                refused[str(row_no)] = f"{field}:{code}"
            else:
                persons += 1
                fs.append([nik, nama, tempat, born.isoformat(), sex, kk, village, alamat])
            xs.append(row)
            if len(xs) >= 20000:
                wx.writerows(xs)
                wf.writerows(fs)
                xs.clear()
                fs.clear()
        wx.writerows(xs)
        wf.writerows(fs)
    ex = CivilExtract(
        csv=str(out_dir / "extract.csv"), floor_csv=str(out_dir / "floor.csv"), rows=rows, persons=persons,
        refused=refused, seconds=round(time.perf_counter() - t0, 3), bytes=os.path.getsize(out_dir / "extract.csv"),
    )  # fmt: skip
    (out_dir / "manifest.json").write_text(json.dumps(asdict(ex), indent=1))
    return ex


# --- the two measured operations -------------------------------------------------------------------


def floor_table_create(cur, name: str = "bench_floor_civilperson", *, temp: bool = False) -> str:
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {name} (LIKE civil_civilperson INCLUDING ALL)")
    cur.execute(f"ALTER TABLE {name} ALTER COLUMN extract_id SET DEFAULT 1")
    return name


def floor_copy(cur, ex: CivilExtract, name: str) -> int:
    stmt = f"COPY {name} ({', '.join(FLOOR_COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
    with Path(ex.floor_csv).open("rb") as fh, cur.copy(stmt) as cp:
        while chunk := fh.read(1 << 20):
            cp.write(chunk)
    return cur.rowcount


def measure_floor(server: Server, scratch: str, template: str, ex: CivilExtract) -> dict:
    server.recreate(scratch, template)
    with server.connect(scratch) as conn:
        with conn.cursor() as cur:
            name = floor_table_create(cur)
        conn.commit()
        server.checkpoint()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            n = floor_copy(cur, ex, name)
        conn.commit()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": n}


def peak_rss_mb() -> float:
    """This process's peak resident set since it started (exec'd). Not `ru_maxrss`: Linux carries the
    high-water mark of the forking parent across `execve`, so a child would report the benchmark
    parent's memory (which grew writing the 1M-row file) instead of its own. /proc's VmHWM belongs to
    the current memory map, which exec replaces."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_load(ex: CivilExtract) -> dict:
    """In a configured Django process: civil_extract_load, timed around the whole call."""
    from dtks.civil.loading import civil_extract_load
    from dtks.civil.models import ExtractError

    t0 = time.perf_counter()
    result = civil_extract_load(path=Path(ex.csv), source="Dukcapil (benchmark)", extract_date=date(2026, 11, 30),
                                actor="sistem:benchmark")  # fmt: skip
    seconds = time.perf_counter() - t0
    e = result.extract
    errors = {
        str(r): f"{f}:{c}"
        for r, f, c in ExtractError.objects.filter(extract=e).values_list("row", "field", "code")
    }
    return {
        "seconds": seconds,
        "steps": result.steps,
        "rows_read": e.rows_read,
        "rows_refused": e.rows_refused,
        "persons": e.persons,
        "errors": errors,
        "maxrss_mb": peak_rss_mb(),
    }


def child_load(manifest: Path) -> int:
    import django

    django.setup()
    print(json.dumps(run_load(CivilExtract.load(manifest))))
    return 0


def measure_load(server: Server, scratch: str, template: str, manifest: Path) -> dict:
    server.recreate(scratch, template)
    server.checkpoint()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_civil_load", "--child-load", str(manifest)],
        cwd=ROOT, env=server.django_env(scratch), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"civil_extract_load failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- report ----------------------------------------------------------------------------------------


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def report_size(ex: CivilExtract, floor: list[dict], load: list[dict]) -> tuple[bool, list[str], dict]:
    f_s = statistics.median(r["seconds"] for r in floor)
    l_s = statistics.median(r["seconds"] for r in load)
    m = _median_run(load)
    ratio = f_s / l_s
    problems = []
    want = {"rows_read": ex.rows, "rows_refused": len(ex.refused), "persons": ex.persons}
    for k, v in want.items():
        if m[k] != v:
            problems.append(f"{k}: loaded {m[k]:,}, expected {v:,}")
    if m["errors"] != ex.refused:
        problems.append(f"refusals differ from the planted ones ({len(m['errors'])} vs {len(ex.refused)})")
    if floor[0]["rows"] != ex.persons:
        problems.append(f"floor rows {floor[0]['rows']:,}, expected {ex.persons:,}")
    print(
        f"\n== {ex.rows:,} rows ({ex.bytes / 1e6:,.0f} MB, {len(ex.refused):,} planted refusals), median of {len(load)} =="
    )
    print(f"  floor  COPY + commit            {f_s:8.2f} s  {ex.rows / f_s:12,.0f} rows/s")
    print(f"  load   civil_extract_load       {l_s:8.2f} s  {ex.rows / l_s:12,.0f} rows/s")
    other = m["seconds"] - sum(m["steps"].values())
    for name, s in {**m["steps"], "other (hash, extract row, audit)": other}.items():
        print(f"           {name:<34} {s:7.2f} s  {100 * s / m['seconds']:5.1f} %")
    print(f"  load rate / floor rate = {ratio:.2f}  (goal ≥ {RATE_GOAL})  {verdict(ratio >= RATE_GOAL)}")
    print(f"  peak RSS of the loading process {m['maxrss_mb']:.1f} MB")
    for p in problems:
        print(f"  MISMATCH {p}")
    return ratio >= RATE_GOAL, problems, {"floor": f_s, "load": l_s, "rss": m["maxrss_mb"]}


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="the large size")
    p.add_argument("--small", type=int, default=200_000, help="the small size (memory and scaling)")
    p.add_argument("--repeat", type=int, default=3, help="measurements per size and kind (median reported)")
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default="dtks_bench_civil", help="scratch database (dropped and recreated)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--error-every", type=int, default=1000)
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases and files")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child-load", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_load:
        return child_load(args.child_load)

    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    sizes = [args.small, args.rows]
    print(
        f"Benchmark: civil_extract_load vs COPY floor, {sizes[0]:,} and {sizes[1]:,} rows, repeat {args.repeat}"
    )
    t = prepare_template(server, template)
    print(f"Template database {template}: migrated, regions loaded in {t:.1f} s")
    print_settings(server.settings(template), args.pg_option, LOAD_SESSION)
    with server.connect(template) as conn:
        villages = [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 4")]

    ok, problems, figures, extracts = True, [], [], []
    for n in sizes:
        out = args.workdir / f"civil-{n}-{args.seed}"
        ex = write_extract(
            rows=n, out_dir=out, villages=villages, seed=args.seed, error_every=args.error_every
        )
        extracts.append(ex)
        print(
            f"\nWrote {ex.rows:,} rows ({ex.bytes / 1e6:,.0f} MB) in {ex.seconds:.1f} s (untimed) -> {ex.csv}"
        )
        floor, load = [], []
        for i in range(args.repeat):
            floor.append(measure_floor(server, scratch, template, ex))
            print(f"  [{i + 1}/{args.repeat}] floor {floor[-1]['seconds']:.2f} s  ({busy()})", flush=True)
            load.append(measure_load(server, scratch, template, out / "manifest.json"))
            print(f"  [{i + 1}/{args.repeat}] load  {load[-1]['seconds']:.2f} s  ({busy()})", flush=True)
        good, bad, fig = report_size(ex, floor, load)
        ok &= good
        problems += bad
        figures.append(fig)
        if not args.keep:
            server.drop(scratch)

    small, large = figures
    print(f"\n== {sizes[1]:,} / {sizes[0]:,} rows ==")
    print(f"  load  time ratio {large['load'] / small['load']:6.2f}")
    print(f"  floor time ratio {large['floor'] / small['floor']:6.2f}")
    growth = large["rss"] / small["rss"]
    print(
        f"  peak RSS of the loading process {small['rss']:.1f} MB -> {large['rss']:.1f} MB: ×{growth:.2f}  "
        f"(goal ≤ {MEMORY_GOAL}, flat)  {verdict(growth <= MEMORY_GOAL)}"
    )
    ok &= growth <= MEMORY_GOAL
    print()
    print_settings(server.settings(template), args.pg_option, LOAD_SESSION)
    if not args.keep:
        server.drop(template)
        for ex in extracts:
            for f in (ex.csv, ex.floor_csv):
                Path(f).unlink(missing_ok=True)
    if problems:
        print("Loaded counts differ from the writer's: " + "; ".join(problems))
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
