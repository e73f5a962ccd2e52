"""Integrity rules of docs/design.md §7, set-based form: one INSERT … SELECT per rule over the registry.

Each statement writes `registry_finding` rows for the persons and families a batch wrote; national
rules (DUPLICATE_NIK, MEMBER_OVERLAP) compare them with the whole current registry. Disabled
rules (IntegrityRule.enabled) are skipped. Proposal items have their own two forms with the same
rule semantics and this module's rule configuration, required attributes and identity checks; they are
the proposals stage's (proposals/item/integrity.py, integrity_set.py), held equal by
tests/proposals/test_integrity_parity.py.
`NIK_INVALID` never reaches the registry: it is refused at entry (a format error).
"""

from django.db import connection

from .fields import HOUSE_FIELDS

# Required attributes (rule INCOMPLETE), in the order the message names them.
PERSON_REQUIRED = ("nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_perkawinan", "alamat")
FAMILY_REQUIRED = ("rt", "rw", "alamat", *HOUSE_FIELDS)


def _missing(alias: str, columns: tuple[str, ...]) -> str:
    parts = [
        f"CASE WHEN {alias}.{c} IS NULL THEN '{c}' END"
        if c == "tanggal_lahir"
        else f"CASE WHEN {alias}.{c} = '' THEN '{c}' END"
        for c in columns
    ]
    return f"array_remove(ARRAY[{', '.join(parts)}]::text[], NULL)"


CURRENT_PERSON = "registry_personversion p WHERE p.published AND p.valid_to IS NULL"

RULES: dict[str, str] = {
    "NIK_PENDING": f"""
        INSERT INTO registry_finding (batch_id, rule, person_id, village_code, fields, detail)
        SELECT %(batch)s, 'NIK_PENDING', p.person_id, p.village_code, ARRAY['nik'], '{{}}'::jsonb
        FROM {CURRENT_PERSON} AND p.batch_id = %(batch)s AND p.nik IS NULL""",
    "NIK_MISMATCH": f"""
        INSERT INTO registry_finding (batch_id, rule, person_id, village_code, fields, detail)
        SELECT %(batch)s, 'NIK_MISMATCH', person_id, village_code, fields, '{{}}'::jsonb FROM (
            SELECT p.person_id, p.village_code, array_remove(ARRAY[
                CASE WHEN p.tanggal_lahir IS NOT NULL AND (
                        substr(p.nik, 7, 2)::int %% 40, substr(p.nik, 9, 2)::int, substr(p.nik, 11, 2)::int)
                     <> (extract(day FROM p.tanggal_lahir)::int, extract(month FROM p.tanggal_lahir)::int,
                         extract(year FROM p.tanggal_lahir)::int %% 100)
                     THEN 'tanggal_lahir' END,
                CASE WHEN p.jenis_kelamin <> ''
                      AND p.jenis_kelamin <> CASE WHEN substr(p.nik, 7, 2)::int > 40 THEN 'P' ELSE 'L' END
                     THEN 'jenis_kelamin' END]::text[], NULL) AS fields
            FROM {CURRENT_PERSON} AND p.batch_id = %(batch)s AND p.nik IS NOT NULL
        ) m WHERE cardinality(fields) > 0""",
    "DUPLICATE_NIK": f"""
        INSERT INTO registry_finding (batch_id, rule, person_id, village_code, fields, detail)
        SELECT %(batch)s, 'DUPLICATE_NIK', p.person_id, p.village_code, ARRAY['nik'],
               jsonb_build_object('count', d.n)
        FROM (SELECT nik, count(*) AS n FROM {CURRENT_PERSON} AND p.nik IN (
                  SELECT nik FROM registry_personversion WHERE batch_id = %(batch)s AND nik IS NOT NULL)
              GROUP BY nik HAVING count(*) > 1) d
        JOIN registry_personversion p ON p.nik = d.nik AND p.published AND p.valid_to IS NULL
        WHERE p.batch_id = %(batch)s""",
    "MEMBER_OVERLAP": """
        INSERT INTO registry_finding (batch_id, rule, person_id, village_code, fields, detail)
        SELECT %(batch)s, 'MEMBER_OVERLAP', p.person_id, p.village_code, ARRAY['no_kk'],
               jsonb_build_object('families', o.n)
        FROM (SELECT person_id, count(DISTINCT family_id) AS n FROM registry_membershipversion
              WHERE valid_to IS NULL AND (published OR batch_id = %(batch)s)
                AND person_id IN (SELECT person_id FROM registry_membershipversion WHERE batch_id = %(batch)s)
              GROUP BY person_id HAVING count(DISTINCT family_id) > 1) o
        JOIN registry_personversion p ON p.person_id = o.person_id AND p.valid_to IS NULL
             AND p.batch_id = %(batch)s""",
    "FAMILY_NOT_A_SET": """
        INSERT INTO registry_finding (batch_id, rule, family_id, village_code, fields, detail)
        SELECT %(batch)s, 'FAMILY_NOT_A_SET', f.family_id, f.village_code, ARRAY['hubungan_keluarga'],
               jsonb_build_object('reason', CASE WHEN coalesce(m.members, 0) = 0 THEN 'no_members'
                                                 WHEN m.heads = 0 THEN 'no_head' ELSE 'several_heads' END,
                                  'heads', coalesce(m.heads, 0))
        FROM registry_familyversion f
        LEFT JOIN (SELECT family_id, count(*) AS members,
                          count(*) FILTER (WHERE hubungan_keluarga = 'KEPALA KELUARGA') AS heads
                   FROM registry_membershipversion WHERE batch_id = %(batch)s AND valid_to IS NULL
                   GROUP BY family_id) m ON m.family_id = f.family_id
        WHERE f.batch_id = %(batch)s AND f.valid_to IS NULL AND (coalesce(m.heads, 0) <> 1)""",
    "INCOMPLETE_PERSON": f"""
        INSERT INTO registry_finding (batch_id, rule, person_id, village_code, fields, detail)
        SELECT %(batch)s, 'INCOMPLETE', person_id, village_code, fields, '{{}}'::jsonb FROM (
            SELECT p.person_id, p.village_code,
                   {_missing("p", PERSON_REQUIRED)}
                   || CASE WHEN m.person_id IS NOT NULL AND m.hubungan_keluarga = ''
                           THEN ARRAY['hubungan_keluarga'] ELSE ARRAY[]::text[] END AS fields
            FROM registry_personversion p
            LEFT JOIN registry_membershipversion m ON m.person_id = p.person_id AND m.batch_id = %(batch)s
                 AND m.valid_to IS NULL
            WHERE p.batch_id = %(batch)s AND p.valid_to IS NULL
        ) x WHERE cardinality(fields) > 0""",
    "INCOMPLETE_FAMILY": f"""
        INSERT INTO registry_finding (batch_id, rule, family_id, village_code, fields, detail)
        SELECT %(batch)s, 'INCOMPLETE', family_id, village_code, fields, '{{}}'::jsonb FROM (
            SELECT f.family_id, f.village_code, {_missing("f", FAMILY_REQUIRED)} AS fields
            FROM registry_familyversion f WHERE f.batch_id = %(batch)s AND f.valid_to IS NULL
        ) x WHERE cardinality(fields) > 0""",
}


def enabled_rules() -> frozenset[str]:
    """The rule codes switched on (IntegrityRule, configuration the ministry changes as data).

    NIK_INVALID is always on: it is a format error that blocks saving (the table refuses turning it off).
    The civil-registry rules count as on only while a source is configured (dtks/civil, docs/civil_registry.md):
    without one they cannot run, and one query answers both.
    """
    with connection.cursor() as cur:
        cur.execute(
            """SELECT code FROM registry_integrityrule WHERE enabled AND (code NOT IN ('CIVIL_REGISTRY_MISMATCH', 'CIVIL_REGISTRY_UNAVAILABLE')
                   OR EXISTS (SELECT 1 FROM civil_settings WHERE id = 1 AND source <> 'none'))"""
        )
        return frozenset(r[0] for r in cur.fetchall()) | {"NIK_INVALID"}


def integrity_findings_write(*, batch_id: int) -> dict[str, int]:
    """Run every enabled rule for one batch; returns the number of findings per rule code."""
    counts: dict[str, int] = {}
    enabled = enabled_rules()
    with connection.cursor() as cur:
        for name, sql in RULES.items():
            rule = name.split("_PERSON")[0].split("_FAMILY")[0] if name.startswith("INCOMPLETE") else name
            if rule not in enabled:
                continue
            cur.execute(sql, {"batch": batch_id})
            counts[rule] = counts.get(rule, 0) + cur.rowcount
    return counts
