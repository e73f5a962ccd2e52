"""The civil-registry rule in both forms of the integrity engine (docs/civil_registry.md, docs/design.md §7).

    records_check(records: {key: Record}, *, rules) -> {key: finding tuple} | {}
    staged_check(cur, probe: str, *, rules) -> {key: finding tuple}

Both return, for each person that does not match, one finding as the engines' raw tuple
`(rule, fields, detail)`: `CIVIL_REGISTRY_MISMATCH` with the differing parts and both values, or
`CIVIL_REGISTRY_UNAVAILABLE` when the source could not answer. A person that matches has no entry.
Nothing runs when neither rule is in `rules` or no source is configured.

The set-based form takes a temporary table the caller filled, or a subquery (`probe`, columns in
PROBE_COLUMNS, keyed by (k1, k2) — an item and a position, or a person and 0), and joins the source
on NIK. A subquery over regular tables lets the planner run the join with parallel workers, which a
temporary table (backend-local) never allows. Rows whose
values are equal on every part after SQL's simple normalisation never leave the database; the others
are streamed through the same `compare` as the per-item form, so the two agree
(tests/civil/test_parity.py).
"""

import gc
from collections.abc import Collection, Iterator, Mapping

from .matching import NameRules, Record, compare, fields_of
from .models import Settings
from .sources import SOURCES, name_rules, record_of

MISMATCH = "CIVIL_REGISTRY_MISMATCH"
UNAVAILABLE = "CIVIL_REGISTRY_UNAVAILABLE"
RULES = (MISMATCH, UNAVAILABLE)

PROBE_COLUMNS = (
    "k1 bigint, k2 int, nik text, nama text, tanggal_lahir date, jenis_kelamin text, no_kk text, "
    "village_code text, alamat text"
)


def configuration(rules: Collection[str], *, source: str | None = None):
    """(source, NameRules) when a civil rule is to run, else None. `source` names one instead of the
    configured one (the reconciliation always reads the extract)."""
    if not set(RULES) & set(rules):
        return None
    settings = Settings.load()
    factory = SOURCES.get(source or settings.source)
    if factory is None:
        return None
    return factory(), name_rules(settings)


def _finding(parts: list[dict], source: dict) -> tuple:
    return (MISMATCH, fields_of(parts), {"parts": parts, "source": source})


def _unavailable(reason: str, source: dict) -> tuple:
    return (UNAVAILABLE, ["nik"], {"reason": reason, "source": source})


def records_check(records: Mapping, *, rules: Collection[str]) -> dict:
    """Per item: the findings of a few persons (valid NIKs), one round trip to the source."""
    config = configuration(rules)
    if config is None or not records:
        return {}
    source, names = config
    answers = source.lookup(sorted({r.nik for r in records.values()}))
    out = {}
    for key, ours in records.items():
        if answers.unavailable:
            if UNAVAILABLE in rules:
                out[key] = _unavailable(answers.unavailable, answers.source)
            continue
        parts = compare(ours, answers.records.get(ours.nik), names)
        if parts and MISMATCH in rules:
            out[key] = _finding(parts, answers.source)
    return out


def _simple(expr: str) -> str:
    # `" ".join(text.split()).upper()` in SQL: what matching._fold starts from.
    return rf"upper(btrim(regexp_replace({expr}, '\s+', ' ', 'g')))"


def _differs() -> str:
    """True when a probe row may differ from its source row on some part (compare decides)."""
    return " OR ".join(
        (
            f"({_simple('q.nama')} <> '' AND {_simple('q.nama')} <> {_simple('c.nama')})",
            "(q.tanggal_lahir IS NOT NULL AND c.tanggal_lahir IS NOT NULL AND q.tanggal_lahir <> c.tanggal_lahir)",
            "(q.jenis_kelamin <> '' AND c.jenis_kelamin <> '' AND q.jenis_kelamin <> c.jenis_kelamin)",
            "(q.no_kk <> '' AND c.no_kk <> '' AND q.no_kk <> c.no_kk)",
            "(q.village_code <> '' AND c.village_code <> '' AND q.village_code <> c.village_code)",
        )
    )


def staged_check(
    cur, probe: str, *, rules: Collection[str], source: str | None = None, params: Mapping | None = None
) -> dict:
    """Set-based: the findings of every row of `probe` (see the module docstring): a temporary table,
    or a parenthesised subquery with the probe's columns (and `params` for it)."""
    config = configuration(rules, source=source)
    if config is None:
        return {}
    source, names = config
    relation = source.relation()
    out: dict = {}
    if relation.unavailable:
        if UNAVAILABLE in rules:
            cur.execute(f"SELECT q.k1, q.k2 FROM {probe} q", params or {})
            for k1, k2 in cur.fetchall():
                out[(k1, k2)] = _unavailable(relation.unavailable, relation.source)
        return out
    unanswered: set[str] = set()
    # The loop builds tens of thousands of small objects that live on (the findings) and no cycles:
    # the cyclic collector's full passes over them only cost time (benchmarks/README.md: 0.64 → 0.30 s at 1 M).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _compare_all(cur, probe, relation, params, rules, names, out, unanswered)
    finally:
        if collecting:
            gc.enable()
    if unanswered and relation.enqueue is not None:
        relation.enqueue(sorted(unanswered))
    return out


def _compare_all(cur, probe, relation, params, rules, names, out: dict, unanswered: set) -> None:
    for key, ours, theirs, answered in probe_candidates(cur, probe, relation, params=params):
        if not answered and relation.missing == "unavailable":
            # A live service's cache without this NIK yet: asked later by a rate-limited task.
            unanswered.add(ours.nik)
            if UNAVAILABLE in rules:
                out[key] = _unavailable("queued", relation.source)
            continue
        parts = compare(ours, theirs, names)
        if parts and MISMATCH in rules:
            out[key] = _finding(parts, relation.source)


def probe_candidates(cur, probe: str, relation, *, params: Mapping | None = None) -> Iterator[tuple]:
    """(key, ours, theirs | None, answered) for every probe row not equal to its source row on every
    part. `answered` is false when the source has no row for the NIK; `theirs` is None then, and also
    when its row says "not found" (`found` false)."""
    ours_cols = "q.nik, q.nama, NULL, q.tanggal_lahir, q.jenis_kelamin, q.no_kk, q.village_code, q.alamat"
    theirs_cols = (
        "c.nik, c.nama, c.tempat_lahir, c.tanggal_lahir, c.jenis_kelamin, c.no_kk, c.village_code, c.alamat"
    )
    cur.execute(
        f"""SELECT q.k1, q.k2, {ours_cols}, {theirs_cols}, c.found
            FROM {probe} q LEFT JOIN ({relation.sql}) c ON c.nik = q.nik
            WHERE c.nik IS NULL OR NOT c.found OR {_differs()}""",
        {**relation.params, **(params or {})},
    )
    while batch := cur.fetchmany(5000):
        for row in batch:
            answered = row[10] is not None
            theirs = record_of(row[10:18]) if answered and row[18] else None
            yield (row[0], row[1]), record_of(row[2:10]), theirs, answered


def record(
    *, nik: str, nama=None, tanggal_lahir=None, jenis_kelamin=None, no_kk=None, village_code=None, alamat=None
) -> Record:
    """A Record from an engine's loosely typed values (None and padding as the SQL form reads them)."""
    return Record(
        nik=nik,
        nama=(nama or "").strip(),
        tanggal_lahir=tanggal_lahir,
        jenis_kelamin=(jenis_kelamin or "").strip().upper(),
        no_kk=(no_kk or "").strip(),
        village_code=(village_code or "").strip(),
        alamat=(alamat or "").strip(),
    )


__all__ = [
    "MISMATCH",
    "PROBE_COLUMNS",
    "RULES",
    "UNAVAILABLE",
    "NameRules",
    "Record",
    "records_check",
    "staged_check",
]
