"""The demo's Dukcapil extract (`manage.py seed_demo`): the registry's persons, and the persons the
stages' demo work proposes (each stage registers a `demo_persons` provider), as the civil registry
would have them — with differences of every kind
planted, so that the demo verifier sees civil-registry results on real work (docs/civil_registry.md).

    civil_demo_seed(*, extra: Iterable[Record] = ()) -> DemoResult

Most persons are copied as Dukcapil writes them (names in capitals). About one in six of the registry's
persons, and one in two of the stages' (the work a verifier opens), is changed, in turn: a harmless variant that must still match (a title such as "H." or "Hj.", doubled spaces,
"bin …"), or a real difference (another name, day and month swapped, the other sex, another KK,
another village, somebody else's data under the NIK, or no record at all). The file is written under
VAR_DIR/demo/ and loaded through the real loader; a rerun with the same persons writes the same
bytes, which the loader answers as already loaded. The source becomes the extract unless the
administrator chose another one.
"""

import csv
import io
import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection

from dtks.core.demo import DemoResult, demo_seeder

from .loading import EXTRACT_COLUMNS, civil_extract_load
from .matching import Record
from .models import Reconciliation, Settings
from .reconciliation import reconciliation_compute

SEED = 1207
FILE_NAME = "dtks-demo-dukcapil.csv"
SOURCE = "Dukcapil (ekstrak demo sintetis)"
EXTRACT_DATE = date(2026, 11, 30)
ACTOR = "sistem:seed_demo"
# Harmless variants first, then real differences; a person drawn for a change gets the next kind.
KINDS = ("title", "spacing", "bin", "nama", "swapped", "sex", "kk", "village", "other_person", "missing")
CHANGE_ONE_IN = 6
NAMES = ("SUPRIYADI", "WAHYUNINGSIH", "KUSNADI", "RAHAYU", "SETIAWAN", "PURNAMASARI", "HIDAYAT", "LESTARI")


# name -> a function returning the Records of the persons a stage's demo work names (registration point).
DEMO_PERSONS: dict[str, Callable[[], Iterable[Record]]] = {}


def demo_persons(name: str) -> Callable:
    """Register a stage's demo persons, so the demo extract knows them too."""

    def register(fn: Callable[[], Iterable[Record]]) -> Callable[[], Iterable[Record]]:
        DEMO_PERSONS[name] = fn
        return fn

    return register


def registry_records() -> list[Record]:
    """Current registry persons with a NIK: their family's KK, their address or else the family's."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT p.nik, p.nama, p.tanggal_lahir, p.jenis_kelamin, coalesce(f.no_kk, ''), p.village_code,
                      coalesce(nullif(p.alamat, ''), f.alamat, ''), p.tempat_lahir
               FROM registry_personversion p
               LEFT JOIN registry_membershipversion m ON m.person_id = p.person_id AND m.published
                    AND m.valid_to IS NULL
               LEFT JOIN registry_familyversion f ON f.family_id = m.family_id AND f.published
                    AND f.valid_to IS NULL
               WHERE p.published AND p.valid_to IS NULL AND p.nik IS NOT NULL ORDER BY p.nik"""
        )
        return [Record(*row) for row in cur.fetchall()]


def _sibling_villages(villages: list[str]) -> dict[str, str]:
    """Each village → another village of its district (for a planted move)."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT v.code, (SELECT min(o.code) FROM regions_region o WHERE o.level = 4
                               AND o.parent_code = v.parent_code AND o.code <> v.code)
               FROM regions_region v WHERE v.level = 4 AND v.code = ANY(%s)""",
            [villages],
        )
        return {code: other for code, other in cur.fetchall() if other}


def _changed(r: Record, kind: str, rng: random.Random, siblings: dict, donor: Record) -> Record | None:
    if kind == "title":
        return replace(r, nama=("H. " if r.jenis_kelamin == "L" else "HJ. ") + r.nama)
    if kind == "spacing":
        return replace(r, nama=r.nama.replace(" ", "  ") + " ")
    if kind == "bin":
        return replace(r, nama=f"{r.nama} {'BIN' if r.jenis_kelamin == 'L' else 'BINTI'} {rng.choice(NAMES)}")
    if kind == "nama":
        return replace(r, nama=f"{r.nama.split()[0]} {rng.choice(NAMES)} {rng.choice(NAMES)}")
    if (
        kind == "swapped"
        and r.tanggal_lahir
        and r.tanggal_lahir.day <= 12
        and r.tanggal_lahir.day != r.tanggal_lahir.month
    ):
        d = r.tanggal_lahir
        return replace(r, tanggal_lahir=date(d.year, d.day, d.month))
    if kind == "sex":
        return replace(r, jenis_kelamin="P" if r.jenis_kelamin == "L" else "L")
    if kind == "kk" and r.no_kk:
        return replace(r, no_kk=r.no_kk[:12] + f"{(int(r.no_kk[12:]) + 5000) % 9999 + 1:04d}")
    if kind == "village" and r.village_code in siblings:
        return replace(r, village_code=siblings[r.village_code], alamat="ALAMAT BARU DI DESA LAIN")
    if kind == "other_person":
        return replace(donor, nik=r.nik)
    if kind == "missing":
        return None
    return r  # the kind does not apply to this person: copied unchanged


def _planted(records: list[Record], *, one_in: int, kinds: tuple[str, ...], rng, siblings, planted) -> list:
    """`records` as Dukcapil would write them, one in `one_in` changed by the next kind in turn (a kind
    that does not apply to the person drawn waits for the next one); None for a missing record."""
    out, turn = [], 0
    for i, r in enumerate(records):
        row = replace(r, nama=r.nama.upper())
        if rng.randrange(one_in) == 0:
            kind = kinds[turn % len(kinds)]
            donor = replace(records[(i + len(records) // 2) % len(records)], nama="SRI WAHYUNI PUSPITASARI")
            changed = _changed(row, kind, rng, siblings, donor)
            if changed != row:
                planted[kind] += 1
                turn += 1
            row = changed
        out.append(row)
    return out


def demo_extract_content(records: list[Record], extra: list[Record] = ()) -> tuple[bytes, dict[str, int]]:
    """The extract file of the registry's `records` and the stages' `extra` persons with the planted
    changes, and how many of each kind. The stages' persons — the work a verifier opens — differ more
    often (one in two, real differences first) than the registry's (one in six)."""
    rng = random.Random(SEED)  # noqa: S311 — demo data, reproducible on purpose
    everyone = sorted({r.nik: r for r in [*records, *extra]}.values(), key=lambda r: r.nik)
    siblings = _sibling_villages(sorted({r.village_code for r in everyone}))
    stage_niks = {r.nik for r in extra}
    planted = dict.fromkeys(KINDS, 0)
    real_first = KINDS[3:] + KINDS[:3]
    rows = [
        *_planted([r for r in everyone if r.nik not in stage_niks], one_in=CHANGE_ONE_IN, kinds=KINDS, rng=rng,
                  siblings=siblings, planted=planted),
        *_planted([r for r in everyone if r.nik in stage_niks], one_in=2, kinds=real_first, rng=rng,
                  siblings=siblings, planted=planted),
    ]  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXTRACT_COLUMNS)
    for out in sorted((r for r in rows if r is not None), key=lambda r: r.nik):
        born = out.tanggal_lahir.isoformat() if out.tanggal_lahir else ""
        w.writerow([out.nik, out.nama, out.tempat_lahir.upper(), born, out.jenis_kelamin, out.no_kk,
                    out.village_code, out.alamat.upper()])  # fmt: skip
    return buf.getvalue().encode("utf-8"), planted


def demo_extract_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / FILE_NAME


def civil_demo_seed(*, extra: Iterable[Record] = ()) -> DemoResult:
    """Write and load the demo extract (see the module docstring)."""
    content, planted = demo_extract_content(registry_records(), list(extra))
    path = demo_extract_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)
    created = []
    config = Settings.load()
    if config.source == Settings.Source.NONE:
        # Before the load, so that the open items are checked against it as it becomes current.
        config.source = Settings.Source.EXTRACT
        config.save(update_fields=["source", "updated_at"])
        created.append("sumber Dukcapil: ekstrak yang dimuat")
    result = civil_extract_load(path=path, source=SOURCE, extract_date=EXTRACT_DATE, actor=ACTOR)
    if not result.already_loaded or not Reconciliation.objects.filter(extract=result.extract).exists():
        # What the regencies' reconciliation page shows (a page upload queues it as a task).
        rec = reconciliation_compute(extract_id=result.extract.pk, actor=ACTOR)
        if rec is not None:
            created.append(f"rekonsiliasi Dukcapil: {rec.persons_differing} orang berbeda")
    if not result.already_loaded:
        e = result.extract
        kinds = ", ".join(f"{k} {n}" for k, n in planted.items() if n)
        created.append(f"ekstrak Dukcapil #{e.pk}: {e.persons} penduduk (perbedaan ditanam: {kinds})")
    return DemoResult(created=created)


@demo_seeder("Dukcapil", order=90)
def civil_demo() -> DemoResult:
    """After the stages' demo work: the extract of everybody the demo names."""
    extra = [r for _name, fn in sorted(DEMO_PERSONS.items()) for r in fn()]
    return civil_demo_seed(extra=extra)
