"""Integrity rules of docs/design.md §7, set-based form: one SELECT per rule over a subset of the registry.

The subset is the persons and families a batch wrote (`integrity_findings_write`, which INSERTs the
findings into `registry_finding`) or the current registry under a region prefix (`registry_findings`,
read by `manage.py integrity_check`); national rules (DUPLICATE_NIK, MEMBER_OVERLAP) compare the subset
with the whole current registry. Disabled
rules (IntegrityRule.enabled) are skipped. Proposal items have their own two forms with the same
rule semantics and this module's rule configuration, required attributes and identity checks; they are
the proposals stage's (proposals/item/integrity.py, integrity_set.py), held equal by
tests/proposals/test_integrity_parity.py.
`NIK_INVALID` never reaches the registry: it is refused at entry (a format error).
"""

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.db import connection, transaction

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


@dataclass(frozen=True)
class Subset:
    """Which records the rules look at: SQL predicates over `p` (persons), `f` (families) and the
    memberships that count as live (`m`)."""

    person: str
    family: str
    live_member: str  # over a membership row aliased m


# The persons and families one batch wrote (the baseline load runs the rules before it commits, so the
# batch's own rows count even where not published yet).
BATCH = Subset(
    person="p.batch_id = %(batch)s AND p.valid_to IS NULL",
    family="f.batch_id = %(batch)s AND f.valid_to IS NULL",
    live_member="m.valid_to IS NULL AND (m.published OR m.batch_id = %(batch)s)",
)
# The current registry, or the part under a region-code prefix (`manage.py integrity_check`).
CURRENT = Subset(
    person="p.published AND p.valid_to IS NULL AND p.village_code LIKE %(prefix)s",
    family="f.published AND f.valid_to IS NULL AND f.village_code LIKE %(prefix)s",
    live_member="m.valid_to IS NULL AND m.published",
)


def rules_sql(s: Subset) -> dict[str, str]:
    """Each rule as a SELECT of (rule, person_id, family_id, village_code, fields, detail)."""
    return {
        "NIK_PENDING": f"""
            SELECT 'NIK_PENDING', p.person_id, NULL::bigint, p.village_code, ARRAY['nik'], '{{}}'::jsonb
            FROM registry_personversion p WHERE {s.person} AND p.nik IS NULL""",
        "NIK_MISMATCH": f"""
            SELECT 'NIK_MISMATCH', person_id, NULL::bigint, village_code, fields, '{{}}'::jsonb FROM (
                SELECT p.person_id, p.village_code, array_remove(ARRAY[
                    CASE WHEN p.tanggal_lahir IS NOT NULL AND (
                            substr(p.nik, 7, 2)::int %% 40, substr(p.nik, 9, 2)::int, substr(p.nik, 11, 2)::int)
                         <> (extract(day FROM p.tanggal_lahir)::int, extract(month FROM p.tanggal_lahir)::int,
                             extract(year FROM p.tanggal_lahir)::int %% 100)
                         THEN 'tanggal_lahir' END,
                    CASE WHEN p.jenis_kelamin <> ''
                          AND p.jenis_kelamin <> CASE WHEN substr(p.nik, 7, 2)::int > 40 THEN 'P' ELSE 'L' END
                         THEN 'jenis_kelamin' END]::text[], NULL) AS fields
                FROM registry_personversion p WHERE {s.person} AND p.nik IS NOT NULL
            ) x WHERE cardinality(fields) > 0""",
        # National: the subset's NIKs against every current (published) person.
        "DUPLICATE_NIK": f"""
            SELECT 'DUPLICATE_NIK', p.person_id, NULL::bigint, p.village_code, ARRAY['nik'],
                   jsonb_build_object('count', d.n)
            FROM (SELECT c.nik, count(*) AS n FROM registry_personversion c
                  WHERE c.published AND c.valid_to IS NULL
                    AND c.nik IN (SELECT p.nik FROM registry_personversion p WHERE {s.person} AND p.nik IS NOT NULL)
                  GROUP BY c.nik HAVING count(*) > 1) d
            JOIN registry_personversion p ON p.nik = d.nik
            WHERE {s.person}""",
        "MEMBER_OVERLAP": f"""
            SELECT 'MEMBER_OVERLAP', p.person_id, NULL::bigint, p.village_code, ARRAY['no_kk'],
                   jsonb_build_object('families', o.n)
            FROM (SELECT m.person_id, count(DISTINCT m.family_id) AS n FROM registry_membershipversion m
                  WHERE {s.live_member}
                    AND m.person_id IN (SELECT p.person_id FROM registry_personversion p WHERE {s.person})
                  GROUP BY m.person_id HAVING count(DISTINCT m.family_id) > 1) o
            JOIN registry_personversion p ON p.person_id = o.person_id
            WHERE {s.person}""",
        "FAMILY_NOT_A_SET": f"""
            SELECT 'FAMILY_NOT_A_SET', NULL::bigint, f.family_id, f.village_code, ARRAY['hubungan_keluarga'],
                   jsonb_build_object('reason', CASE WHEN coalesce(x.members, 0) = 0 THEN 'no_members'
                                                     WHEN x.heads = 0 THEN 'no_head' ELSE 'several_heads' END,
                                      'heads', coalesce(x.heads, 0))
            FROM registry_familyversion f
            LEFT JOIN (SELECT m.family_id, count(*) AS members,
                              count(*) FILTER (WHERE m.hubungan_keluarga = 'KEPALA KELUARGA') AS heads
                       FROM registry_membershipversion m
                       WHERE {s.live_member}
                         AND m.family_id IN (SELECT f.family_id FROM registry_familyversion f WHERE {s.family})
                       GROUP BY m.family_id) x ON x.family_id = f.family_id
            WHERE {s.family} AND coalesce(x.heads, 0) <> 1""",
        "INCOMPLETE_PERSON": f"""
            SELECT 'INCOMPLETE', person_id, NULL::bigint, village_code, fields, '{{}}'::jsonb FROM (
                SELECT p.person_id, p.village_code,
                       {_missing("p", PERSON_REQUIRED)}
                       || CASE WHEN m.person_id IS NOT NULL AND m.hubungan_keluarga = ''
                               THEN ARRAY['hubungan_keluarga'] ELSE ARRAY[]::text[] END AS fields
                FROM registry_personversion p
                LEFT JOIN registry_membershipversion m ON m.person_id = p.person_id AND {s.live_member}
                WHERE {s.person}
            ) x WHERE cardinality(fields) > 0""",
        "INCOMPLETE_FAMILY": f"""
            SELECT 'INCOMPLETE', NULL::bigint, family_id, village_code, fields, '{{}}'::jsonb FROM (
                SELECT f.family_id, f.village_code, {_missing("f", FAMILY_REQUIRED)} AS fields
                FROM registry_familyversion f WHERE {s.family}
            ) x WHERE cardinality(fields) > 0""",
    }


def rule_of(name: str) -> str:
    """The rule code of a statement's name (INCOMPLETE has one for persons and one for families)."""
    return name.removesuffix("_PERSON").removesuffix("_FAMILY")


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
    """Run every enabled rule for one batch, writing `registry_finding` rows; returns the number of
    findings per rule code."""
    counts: dict[str, int] = {}
    enabled = enabled_rules()
    with connection.cursor() as cur:
        for name, sql in rules_sql(BATCH).items():
            rule = rule_of(name)
            if rule not in enabled:
                continue
            cur.execute(
                "INSERT INTO registry_finding (batch_id, rule, person_id, family_id, village_code, fields, detail)"
                f" SELECT %(batch)s, x.* FROM ({sql}) x",
                {"batch": batch_id},
            )
            counts[rule] = counts.get(rule, 0) + cur.rowcount
    return counts


def registry_findings(*, region: str | None = None, rules: Collection[str] | None = None) -> Iterator[dict]:
    """Every enabled rule over the current registry (or the part under the region-code prefix
    `region`), streamed: {"rule", "person_id", "family_id", "nik", "no_kk", "village_code", "fields",
    "detail"} per finding, rule by rule. Writes nothing. The civil-registry rule is dtks/civil's
    (`registry_civil_findings`); `manage.py integrity_check` runs both."""
    enabled = enabled_rules() if rules is None else frozenset(rules)
    with transaction.atomic(), connection.cursor() as cur:
        for name, sql in rules_sql(CURRENT).items():
            if rule_of(name) not in enabled:
                continue
            cur.execute(
                f"""SELECT x.*, pp.nik, ff.no_kk
                    FROM ({sql}) x(rule, person_id, family_id, village_code, fields, detail)
                    LEFT JOIN registry_personversion pp ON pp.person_id = x.person_id
                         AND pp.published AND pp.valid_to IS NULL
                    LEFT JOIN registry_familyversion ff ON ff.family_id = x.family_id
                         AND ff.published AND ff.valid_to IS NULL
                    ORDER BY x.person_id NULLS LAST, x.family_id""",
                {"prefix": (region or "") + "%"},
            )
            while batch := cur.fetchmany(5000):
                for rule, person_id, family_id, village, fields, detail, nik, no_kk in batch:
                    yield {
                        "rule": rule,
                        "person_id": person_id,
                        "family_id": family_id,
                        "nik": nik,
                        "no_kk": no_kk,
                        "village_code": village,
                        "fields": list(fields),
                        "detail": json.loads(detail) if isinstance(detail, str) else detail,
                    }
