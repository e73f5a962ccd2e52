"""The civil-registry rule over the current registry, set-based (docs/civil_registry.md): what
`manage.py integrity_check`, the reconciliation report and (later) determination and re-verification run.

    registry_civil_findings(*, region: str | None = None, rules=None, source=None) -> Iterator[dict]

yields one finding per current registry person (with a NIK) that does not match the source, in
person order: {"rule", "person_id", "nik", "village_code", "fields", "detail", "message"}. The
person's KK is its active family's; its address its own, else its family's.
"""

from collections.abc import Collection, Iterator

from django.db import connection, transaction

from dtks.registry.integrity import enabled_rules

from .checking import PROBE_COLUMNS, RULES, staged_check
from .messages import render

# The current registry persons with a NIK as probe rows (checking.PROBE_COLUMNS), under a region prefix.
REGISTRY_PERSONS = """(
SELECT p.person_id AS k1, 0 AS k2, p.nik, p.nama, p.tanggal_lahir, p.jenis_kelamin, coalesce(f.no_kk, '') AS no_kk,
       p.village_code, coalesce(nullif(p.alamat, ''), f.alamat, '') AS alamat
FROM registry_personversion p
LEFT JOIN registry_membershipversion m ON m.person_id = p.person_id AND m.published AND m.valid_to IS NULL
LEFT JOIN registry_familyversion f ON f.family_id = m.family_id AND f.published AND f.valid_to IS NULL
WHERE p.published AND p.valid_to IS NULL AND p.nik IS NOT NULL AND p.village_code LIKE %(prefix)s
)"""


def registry_probe(cur, *, region: str | None = None) -> int:
    """Fill the temporary table `civil_probe` with the current registry persons of `region` (a region
    code prefix; None = the whole country), for callers that join it more than once. Returns the
    number of persons."""
    cur.execute("DROP TABLE IF EXISTS pg_temp.civil_probe")
    cur.execute(f"CREATE TEMP TABLE civil_probe ({PROBE_COLUMNS})")
    cur.execute(
        f"INSERT INTO civil_probe SELECT * FROM {REGISTRY_PERSONS} q", {"prefix": (region or "") + "%"}
    )
    n = cur.rowcount
    cur.execute("ANALYZE civil_probe")
    return n


def registry_civil_findings(
    *, region: str | None = None, rules: Collection[str] | None = None, source: str | None = None
) -> Iterator[dict]:
    rules = enabled_rules() if rules is None else frozenset(rules)
    if not set(RULES) & set(rules):
        return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        prefix = {"prefix": (region or "") + "%"}
        # Straight over the registry tables (no copy of a million persons first): the join may run in
        # parallel, and only the persons that differ come back.
        found = staged_check(cur, REGISTRY_PERSONS, rules=rules, source=source, params=prefix)
        # A join, not `person_id = ANY(array)`: the array is a literal of tens of thousands of ids,
        # tested against every row (benchmarks/bench_civil_check.py: minutes at a million persons).
        cur.execute(
            """SELECT p.person_id, p.nik, p.village_code FROM registry_personversion p
               JOIN unnest(%s::bigint[]) AS f(k1) ON f.k1 = p.person_id
               WHERE p.published AND p.valid_to IS NULL""",
            [[k[0] for k in found]],
        )
        persons = {k1: (nik, village) for k1, nik, village in cur.fetchall()}
    for (person_id, _zero), (rule, fields, detail) in sorted(found.items()):
        nik, village = persons[person_id]
        yield {
            "rule": rule,
            "person_id": person_id,
            "nik": nik,
            "village_code": village,
            "fields": fields,
            "detail": detail,
            "message": render(rule, fields, detail),
        }
