"""Benchmark of the set-based civil-registry check over the current registry (`registry_civil_findings`,
what `manage.py integrity_check` and the reconciliation run; docs/civil_registry.md, docs/design.md §9).

For --small and --persons registry persons (200,000 and 1,000,000 by default), in a fresh database
cloned from a migrated template with the regions loaded, untimed:

1. the registry: `generate_extract.generate` writes a template CSV of N persons (families, individuals,
   pending NIKs, duplicated NIKs, real villages: benchmarks/README.md) and `registry_baseline_load`
   loads it (in a child process, as bench_load_registry does);
2. the Dukcapil extract (`write_dukcapil`): every registry person with a NIK, as Dukcapil would have
   them, from the generator's floor files (what the registry holds), plus 10 % residents the registry
   does not have, with planted differences on about 4 % of the persons: a keyboard slip in the name
   (a match after the similarity step, but in some short one-word names), another name, day and month
   swapped, another KK, another village, no record at all, and another person's data under the NIK —
   loaded with `civil_extract_load`.

Then, timed, in one child process (Django set up, warm cache, alternating, median of --repeat):

* ours — `list(registry_civil_findings(rules=…, source="extract"))`: the probe of current persons,
  the join with the extract in SQL, the candidates streamed through `compare`, the findings and their
  messages. The similarity step (`compare` on the candidates, Python) is timed separately inside it;
* floor — one hand-written SQL statement: the current persons (their active family's KK, their own
  else the family's address) joined with the extract on NIK, keeping the rows not found or different
  on some part (the same comparisons, names after case and spacing), all rows fetched.

It prints the seconds of both, ours without the similarity step / floor (goal ≤ 2), ours / floor,
the large/small time ratio of each and their quotient (goal ≤ 1.2), the findings by part against the
planted differences, and the server settings.

    python -m benchmarks.bench_civil_check --persons 1000000 --small 200000 --repeat 3
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from benchmarks.bench_load_registry import (
    Server,
    busy,
    measure_load,
    print_settings,
    template_villages,
    timing,
    verdict,
)
from benchmarks.generate_extract import FEMALE, LAST, MALE, PLACES, Draw, generate

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL = 2.0  # ours, the similarity step aside, ≤ 2 × the floor
SCALE_GOAL = 1.2  # (ours large/small) ≤ 1.2 × (floor large/small)
PERIOD = "2026-10"
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
# Planted differences: (kind, share of the registry persons with a NIK).
PLANTS = (
    ("typo", 0.010),
    ("name", 0.005),
    ("swapped", 0.005),
    ("kk", 0.005),
    ("village", 0.005),
    ("missing", 0.005),
    ("other_person", 0.005),
)
EXTRA_RESIDENTS = 0.10  # Dukcapil's residents the registry does not have
SESSION = (
    "ours and the floor set jit off and run with"
    " the settings above (both plans may use parallel workers: ours reads the registry tables directly)"
)

FLOOR_SQL = r"""
SELECT p.person_id, p.nik, c.nik IS NULL AS missing
FROM registry_personversion p
LEFT JOIN registry_membershipversion m ON m.person_id = p.person_id AND m.published AND m.valid_to IS NULL
LEFT JOIN registry_familyversion f ON f.family_id = m.family_id AND f.published AND f.valid_to IS NULL
LEFT JOIN civil_civilperson c ON c.extract_id = %(extract)s AND c.nik = p.nik
WHERE p.published AND p.valid_to IS NULL AND p.nik IS NOT NULL
  AND (c.nik IS NULL
       OR (upper(btrim(regexp_replace(p.nama, '\s+', ' ', 'g'))) <> ''
           AND upper(btrim(regexp_replace(p.nama, '\s+', ' ', 'g'))) <> upper(btrim(regexp_replace(c.nama, '\s+', ' ', 'g'))))
       OR p.tanggal_lahir <> c.tanggal_lahir
       OR (p.jenis_kelamin <> '' AND c.jenis_kelamin <> '' AND p.jenis_kelamin <> c.jenis_kelamin)
       OR (f.no_kk <> '' AND c.no_kk <> '' AND f.no_kk <> c.no_kk)
       OR (p.village_code <> '' AND c.village_code <> '' AND p.village_code <> c.village_code))
"""


@dataclass
class Dukcapil:
    csv: str
    rows: int
    registry_niks: int
    planted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def load(cls, manifest: Path) -> "Dukcapil":
        return cls(**json.loads(manifest.read_text()))


def _tsv_rows(path: str):
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            yield line.rstrip("\n").split("\t")


def _slip(name: str, d: Draw) -> str:
    """One keyboard slip in the last word of a name of two words or more (else a letter doubled)."""
    words = name.split(" ")
    w = words[-1]
    i = 1 + d.randrange(max(1, len(w) - 2))
    words[-1] = w[:i] + w[i + 1] + w[i] + w[i + 2 :] if len(w) > 3 else w + w[-1]
    return " ".join(words)


def _plant(kind: str | None, row: list[str], last: list[str] | None, d: Draw) -> str | None:
    """Spoil `row` (nik, nama, tempat, born, sex, kk, village, alamat) with a planted difference; returns
    the kind planted (None when the row cannot carry it)."""
    born, sex, kk, village = row[3], row[4], row[5], row[6]
    if kind == "typo":
        row[1] = _slip(row[1], d)
    elif kind == "name":
        row[1] = f"{row[1]} {d.choice(LAST)}"
    elif kind == "swapped":
        y, m, dd = born.split("-")
        if int(dd) > 12 or dd == m:
            return None
        row[3] = f"{y}-{dd}-{m}"
    elif kind == "kk":
        if not kk:
            return None
        row[5] = kk[:12] + f"{(int(kk[12:]) + 5000) % 10000:04d}"
    elif kind == "village":
        row[6] = _neighbour(village)
    elif kind == "other_person":
        if last is None:
            return None
        row[1:5] = [last[1], last[2], last[3], "P" if sex == "L" else "L"]
        if row[3] == born:
            row[3] = f"{int(born[:4]) - 4}{born[4:]}"
    return kind


def write_dukcapil(registry, out_dir: Path, *, seed: int = 7) -> Dukcapil:
    """The extract Dukcapil would give for the registry of the generator's floor files (see the module
    docstring), streamed; its manifest next to it."""
    t0 = time.perf_counter()
    d = Draw(seed)
    families = {r[3]: r[4] for r in _tsv_rows(registry.family_tsv)}  # family_id -> no_kk
    member = {r[4]: r[3] for r in _tsv_rows(registry.membership_tsv)}  # person_id -> family_id
    bounds, acc = [], 0.0
    for kind, share in PLANTS:
        acc += share
        bounds.append((acc, kind))
    planted = dict.fromkeys((k for k, _ in PLANTS), 0)
    seen: set[str] = set()
    rows = registry_niks = 0
    last = None  # the previous person's row: another person's data for `other_person`
    path = out_dir / "dukcapil.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EXTRACT_COLUMNS)
        buf = []
        for r in _tsv_rows(registry.person_tsv):
            # valid_from, published, batch_id, person_id, nik, nama, tempat, tanggal, sex, marital, village, rt, rw, alamat
            pid, nik, nama, tempat, born, sex, village, alamat = (r[i] for i in (3, 4, 5, 6, 7, 8, 10, 13))
            if nik == "\\N" or nik in seen:
                continue
            seen.add(nik)
            registry_niks += 1
            kk = families.get(member.get(pid, ""), "")
            row = [nik, nama.upper(), tempat, born, sex, kk, village, alamat.upper()]
            x = d.rand()
            kind = _plant(next((k for b, k in bounds if x < b), None), row, last, d)
            if kind == "missing":
                planted["missing"] += 1
                last = row
                continue
            if kind:
                planted[kind] += 1
            last = [nik, nama.upper(), tempat, born, sex, kk, village, alamat.upper()]
            buf.append(row)
            rows += 1
            if len(buf) >= 20000:
                w.writerows(buf)
                buf.clear()
        # Residents the registry does not have: NIKs with serials far above the generator's.
        extra = round(registry_niks * EXTRA_RESIDENTS)
        for i in range(extra):
            sex = d.choice("LP")
            born = date(1950 + i % 70, 1 + i % 12, 1 + i % 28)
            district = _DISTRICTS[i % len(_DISTRICTS)]
            nik = f"{district}{born.day + (40 if sex == 'P' else 0):02d}{born:%m%y}{9000 + (i // len(_DISTRICTS)) % 1000:04d}"
            if nik in seen:
                continue
            seen.add(nik)
            first = d.choice(MALE if sex == "L" else FEMALE)
            buf.append([nik, f"{first} {d.choice(LAST)}", d.choice(PLACES), born.isoformat(), sex, "",
                        _DISTRICT_VILLAGE[district], "JL. BARU"])  # fmt: skip
            rows += 1
        w.writerows(buf)
    out = Dukcapil(csv=str(path), rows=rows, registry_niks=registry_niks, planted=planted,
                   seconds=round(time.perf_counter() - t0, 3))  # fmt: skip
    (out_dir / "dukcapil.json").write_text(json.dumps(asdict(out), indent=1))
    return out


# Real villages, for the residents the registry lacks and for a move (set by main from the template).
_DISTRICTS: list[str] = []
_DISTRICT_VILLAGE: dict[str, str] = {}
_NEXT_VILLAGE: dict[str, str] = {}


def set_villages(villages: list[str]) -> None:
    villages = sorted(villages)
    _NEXT_VILLAGE.clear()
    _NEXT_VILLAGE.update(zip(villages, [*villages[1:], villages[0]], strict=True))
    _DISTRICT_VILLAGE.clear()
    for v in villages:
        _DISTRICT_VILLAGE.setdefault(v[:6], v)
    _DISTRICTS[:] = sorted(_DISTRICT_VILLAGE)


def _neighbour(village: str) -> str:
    return _NEXT_VILLAGE.get(village, village)


# --- child processes (Django set up on the scratch database) ---------------------------------------


def child_extract(manifest: Path) -> int:
    import django

    django.setup()
    from dtks.civil.loading import civil_extract_load

    ex = Dukcapil.load(manifest)
    t0 = time.perf_counter()
    r = civil_extract_load(path=Path(ex.csv), source="Dukcapil (benchmark)", extract_date=date(2026, 11, 30),
                           actor="sistem:benchmark")  # fmt: skip
    print(json.dumps({"seconds": time.perf_counter() - t0, "persons": r.extract.persons,
                      "refused": r.extract.rows_refused}))  # fmt: skip
    return 0


def child_measure(repeat: int) -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    import dtks.civil.checking as checking
    from dtks.civil.models import Extract
    from dtks.civil.registry_check import registry_civil_findings

    rules = frozenset(checking.RULES)
    extract = Extract.objects.get(current=True).pk
    ours, floor = [], []
    for _ in range(repeat):
        with timing(checking, "compare") as clock:
            t0 = time.perf_counter()
            found = list(registry_civil_findings(rules=rules, source="extract"))
            seconds = time.perf_counter() - t0
        ours.append({"seconds": seconds, "similarity": clock["seconds"], "compared": clock["calls"],
                     "findings": len(found)})  # fmt: skip
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")  # as registry_civil_findings
            cur.execute(FLOOR_SQL, {"extract": extract})
            n = missing = 0
            while batch := cur.fetchmany(5000):
                n += len(batch)
                missing += sum(1 for r in batch if r[2])
        floor.append({"seconds": time.perf_counter() - t0, "rows": n, "missing": missing})
    parts: dict[str, int] = {}
    swapped = 0
    for f in found:
        for p in f["detail"].get("parts", []):
            parts[p["part"]] = parts.get(p["part"], 0) + 1
            swapped += bool(p.get("swapped"))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM civil_civilperson WHERE extract_id = %s", [extract])
        extract_rows = cur.fetchone()[0]
    print(
        json.dumps(
            {"ours": ours, "floor": floor, "parts": parts, "swapped": swapped, "extract_rows": extract_rows}
        )
    )
    return 0


def run_child(server: Server, scratch: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_civil_check", *args],
        cwd=ROOT, env=server.django_env(scratch), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------------


def _median(runs: list[dict], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def report_size(n: int, dk: Dukcapil, m: dict) -> dict:
    ours, floor = _median(m["ours"]), _median(m["floor"])
    sim = _median(m["ours"], "similarity")
    o = sorted(m["ours"], key=lambda r: r["seconds"])[(len(m["ours"]) - 1) // 2]
    f = m["floor"][0]
    without = ours - sim
    print(f"\n== {n:,} registry persons ({dk.registry_niks:,} NIKs), extract of {m['extract_rows']:,} rows, "
          f"median of {len(m['ours'])} ==")  # fmt: skip
    print(
        f"  floor  one SQL join, rows fetched   {floor:8.2f} s   {f['rows']:,} rows differ ({f['missing']:,} not found)"
    )
    print(f"  ours   registry_civil_findings      {ours:8.2f} s   {o['findings']:,} findings")
    print(f"           similarity step (compare)  {sim:8.2f} s   {o['compared']:,} candidates, "
          f"{1e6 * sim / max(1, o['compared']):.1f} µs each")  # fmt: skip
    print(f"           the rest (SQL, findings)   {without:8.2f} s")
    print(f"  ours without the similarity step / floor = {without / floor:.2f}  (goal ≤ {RATIO_GOAL})  "
          f"{verdict(without / floor <= RATIO_GOAL)}")  # fmt: skip
    print(f"  ours / floor = {ours / floor:.2f}")
    print("  findings by part: " + ", ".join(f"{k} {v:,}" for k, v in sorted(m["parts"].items()))
          + f" (swapped {m['swapped']:,})")  # fmt: skip
    print("  planted:          " + ", ".join(f"{k} {v:,}" for k, v in dk.planted.items()))
    return {"ours": ours, "floor": floor, "without": without, "ok": without / floor <= RATIO_GOAL}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=1_000_000, help="the large size")
    p.add_argument("--small", type=int, default=200_000, help="the small size")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks")
    )
    p.add_argument("--db-name", default="dtks_bench_check", help="scratch database (dropped and recreated)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--pg-option", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--keep", action="store_true", help="keep the scratch databases and files")
    p.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    p.add_argument("--child-extract", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child-measure", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_extract:
        return child_extract(args.child_extract)
    if args.child_measure:
        return child_measure(args.child_measure)

    server = Server(args.database_url, args.pg_option)
    template, scratch = f"{args.db_name}_tpl", args.db_name
    sizes = [args.small, args.persons]
    print(f"Benchmark: registry_civil_findings vs one SQL join, {sizes[0]:,} and {sizes[1]:,} persons, "
          f"repeat {args.repeat}")  # fmt: skip
    villages = template_villages(server, template, args.pg_option, SESSION)
    set_villages(villages)

    figures = []
    problems = []
    for n in sizes:
        out = args.workdir / f"check-{n}-{args.seed}"
        registry = generate(persons=n, out_dir=out, villages=villages, seed=args.seed, period=f"{PERIOD}-01")
        t0 = time.perf_counter()
        loaded = measure_load(server, scratch, template, registry, PERIOD, out / "manifest.json")
        print(
            f"\nRegistry of {loaded['persons']:,} persons loaded in {time.perf_counter() - t0:.1f} s (untimed)"
        )
        dk = write_dukcapil(registry, out, seed=args.seed)
        x = run_child(server, scratch, "--child-extract", str(out / "dukcapil.json"))
        print(f"Dukcapil extract of {x['persons']:,} rows written in {dk.seconds:.1f} s and loaded in "
              f"{x['seconds']:.1f} s (untimed)")  # fmt: skip
        server.checkpoint()
        m = run_child(server, scratch, "--child-measure", str(args.repeat))
        for i, (o, f) in enumerate(zip(m["ours"], m["floor"], strict=True)):
            print(f"  [{i + 1}/{args.repeat}] ours {o['seconds']:.2f} s (similarity {o['similarity']:.2f} s), "
                  f"floor {f['seconds']:.2f} s  ({busy()})")  # fmt: skip
        fig = report_size(n, dk, m)
        figures.append(fig)
        # Every planted difference but the slips (a match) is found; nothing beyond the floor's rows.
        for kind in ("swapped", "missing"):
            key = {"swapped": "tanggal_lahir", "missing": "not_found"}[kind]
            if m["parts"].get(key, 0) < dk.planted[kind]:
                problems.append(f"{n:,}: {key} {m['parts'].get(key, 0):,} < planted {dk.planted[kind]:,}")
        if m["ours"][0]["findings"] > m["floor"][0]["rows"]:
            problems.append(f"{n:,}: more findings than rows that differ")
        if not args.keep:
            server.drop(scratch)
            for f in (
                registry.csv,
                registry.person_tsv,
                registry.family_tsv,
                registry.membership_tsv,
                dk.csv,
            ):
                Path(f).unlink(missing_ok=True)

    small, large = figures
    ours_ratio, floor_ratio = large["ours"] / small["ours"], large["floor"] / small["floor"]
    quotient = ours_ratio / floor_ratio
    print(f"\n== scaling {sizes[1]:,} / {sizes[0]:,} persons ==")
    print(
        f"  ours  time ratio {ours_ratio:6.2f}  (without the similarity step {large['without'] / small['without']:.2f})"
    )
    print(f"  floor time ratio {floor_ratio:6.2f}")
    print(
        f"  ours ratio / floor ratio = {quotient:.2f}  (goal ≤ {SCALE_GOAL})  {verdict(quotient <= SCALE_GOAL)}"
    )
    ok = all(f["ok"] for f in figures) and quotient <= SCALE_GOAL
    print()
    print_settings(server.settings(template), args.pg_option, SESSION)
    if not args.keep:
        server.drop(template)
    if problems:
        print("Findings differ from the planted differences: " + "; ".join(problems))
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
