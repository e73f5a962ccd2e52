"""Where answers about a NIK come from (docs/civil_registry.md, "Sources").

A source answers in two ways, one per form of the integrity engine:

    lookup(niks) -> Answers                # per item: one round trip for a handful of NIKs; never raises
    relation() -> Relation                  # set-based: rows to join on NIK in SQL
    answering() -> bool                     # can it answer now? (the beat task `civil.recheck` asks)

`Answers.records` maps each NIK the source knows to its `Record`; a NIK absent from it is not found —
unless `Answers.unavailable` is set, in which case the source could not answer at all and nothing may
be concluded (`CIVIL_REGISTRY_UNAVAILABLE`: never a mismatch, never a pass). A `Relation` is SQL whose
rows have the columns of `civil_civilperson` (nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
no_kk, village_code, alamat) and `found`: a row with `found` false says the source has no such NIK (a
live service's "not found", cached). `missing` says what a NIK without a row means: "not_found" (an
extract is complete) or "unavailable" (a cache of a live service: the NIK is queued through `enqueue`
and asked later).

`active_source()` is None when the configuration names no source: the rules stay off.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from .matching import NameRules, Record, parse_list
from .models import Extract, Settings

RECORD_COLUMNS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "no_kk",
    "village_code",
    "alamat",
)


class Unavailable(Exception):
    """The source cannot answer now; `reason` is a code (docs/civil_registry.md lists them)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Answers:
    source: dict
    records: dict[str, Record] = field(default_factory=dict)
    unavailable: str | None = None  # the reason, when the source could not answer


@dataclass
class Relation:
    source: dict
    sql: str
    params: dict
    missing: str  # "not_found" | "unavailable"
    unavailable: str | None = None  # set when the source cannot answer at all (no extract loaded)
    enqueue: Callable[[list[str]], None] | None = None  # missing == "unavailable": ask these later


def record_of(row) -> Record:
    nik, nama, tempat, born, sex, kk, village, alamat = row
    return Record(
        nik=nik,
        nama=nama or "",
        tempat_lahir=tempat or "",
        tanggal_lahir=born,
        jenis_kelamin=sex or "",
        no_kk=kk or "",
        village_code=village or "",
        alamat=alamat or "",
    )


NO_EXTRACT = {"kind": "extract", "ref": None, "label": "", "date": None}


class ExtractSource:
    """The current loaded extract (`Extract.current`)."""

    kind = "extract"

    def lookup(self, niks: list[str]) -> Answers:
        # One statement: the current generation and its rows in one snapshot, so a load committing
        # in between cannot pair the new generation's description with the old one's rows.
        cols = ", ".join(f"c.{c}" for c in RECORD_COLUMNS)
        with connection.cursor() as cur:
            cur.execute(
                f"""SELECT e.id, e.source, e.extract_date, {cols}
                    FROM civil_extract e
                    LEFT JOIN civil_civilperson c ON c.extract_id = e.id AND c.nik = ANY(%s)
                    WHERE e.current""",
                [list(niks)],
            )
            rows = cur.fetchall()
        if not rows:
            return Answers(source=NO_EXTRACT, unavailable="no_extract")
        ref, label, day = rows[0][:3]
        source = {"kind": "extract", "ref": ref, "label": label, "date": day.isoformat()}
        return Answers(source=source, records={r[3]: record_of(r[3:]) for r in rows if r[3] is not None})

    def relation(self) -> Relation:
        with connection.cursor() as cur:
            cur.execute("SELECT id, source, extract_date FROM civil_extract WHERE current")
            row = cur.fetchone()
        if row is None:
            return Relation(
                source=NO_EXTRACT, sql="", params={}, missing="not_found", unavailable="no_extract"
            )
        ref, label, day = row
        # A generation stays until the load after next (models.Extract), so rows of the id read here
        # are all still there for the statement that joins them.
        return Relation(
            source={"kind": "extract", "ref": ref, "label": label, "date": day.isoformat()},
            sql=f"SELECT {', '.join(RECORD_COLUMNS)}, true AS found FROM civil_civilperson "
            "WHERE extract_id = %(civil_extract)s",
            params={"civil_extract": ref},
            missing="not_found",
        )

    def answering(self) -> bool:
        return Extract.objects.filter(current=True).exists()


# Sources by configuration value; the HTTP adapter registers itself here (dtks/civil/http.py).
SOURCES: dict[str, type] = {"extract": ExtractSource}


def active_source():
    """The configured source, or None (no source: the CIVIL_REGISTRY_* rules do not run)."""
    kind = Settings.load().source
    factory = SOURCES.get(kind)
    return factory() if factory is not None else None


def name_rules(settings: Settings | None = None) -> NameRules:
    s = settings or Settings.load()
    return NameRules(
        threshold=int(s.name_threshold), titles=parse_list(s.titles), patronyms=parse_list(s.patronyms)
    )
