"""Integrity engine, set-based form over proposal items (docs/design.md §7): SQL over a set of items.

    item_findings_set(*, items: QuerySet[ProposalItem] | Iterable[int], actor=None,
                      rules: Collection[str] | None = None) -> dict[int, list[dict]]

The same rules, with the same semantics, as the per-item form (`proposals.item.integrity.item_findings`, whose
docstring states them): the record and family rules are SQL over the set's rows; the national rules
join the set's valid NIKs with the whole table — current registry persons and the persons of every
open item — through the NIK indexes. Only the matches come back to Python, where the per-item form's
own function classifies them by the actor's scope and both forms render the same messages.
tests/proposals/test_integrity_parity.py holds the two forms equal.

Returns {item id: findings} for every item of the set (an empty list when it has none), findings in
the per-item form's order and shape.
"""

import json
from collections import defaultdict
from collections.abc import Collection, Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from dtks.civil.checking import PROBE_COLUMNS, staged_check
from dtks.civil.checking import RULES as CIVIL_RULES
from dtks.registry.integrity import FAMILY_REQUIRED, PERSON_REQUIRED, enabled_rules

from .integrity import (
    CLOSED_STATES,
    DELETION,
    HEAD,
    HOUSE_FIELDS,
    MINISTRY_CHANNEL,
    SAVE_BLOCKING,
    Match,
    finalise,
    national_findings,
    scope_prefixes,
)

WS = r"E' \t\r\n'"


def _t(expr: str) -> str:
    """Text as the per-item form reads it: NULL is empty, surrounding whitespace ignored."""
    return f"coalesce(btrim({expr}, {WS}), '')"


def _code(expr: str) -> str:
    return f"replace(upper({_t(expr)}), '_', ' ')"


# The set's items and persons are read through the primary key and the persons' item index (`= ANY(array)`),
# never by joining `ig_ids` with the whole tables: with the set a chunk of a large table, the planner
# chose a merge join reading either index from its start, or a hash join over every proposal person
# (benchmarks/README.md, "The assessment's integrity re-run").
_ITEMS = f"""
CREATE TEMP TABLE ig_item ON COMMIT DROP AS
WITH ids AS MATERIALIZED (SELECT array_agg(id) AS a FROM ig_ids)
SELECT i.id, i.channel, i.village_code, i.rt, i.rw, i.alamat, i.house, i.pair_id,
       dtks_normalise_id(i.no_kk) AS kk,
       {_t("i.no_kk")} <> '' OR coalesce(c.n, 0) > 1 AS is_family,
       coalesce(c.n, 0) AS n, coalesce(c.heads, 0) AS heads,
       array_remove(ARRAY[i.target_family_id, pa.target_family_id, pb.target_family_id], NULL) AS excluded,
       array_remove(ARRAY[i.target_person_id, pa.target_person_id, pb.target_person_id], NULL) AS targets
FROM proposals_proposalitem i
LEFT JOIN (SELECT pp.item_id, count(*) AS n,
                  count(*) FILTER (WHERE {_code("pp.hubungan_keluarga")} = '{HEAD}') AS heads
           FROM proposals_proposalperson pp WHERE pp.item_id = ANY((SELECT a FROM ids)::bigint[])
           GROUP BY pp.item_id
          ) c ON c.item_id = i.id
LEFT JOIN proposals_proposalitem pa ON pa.id = i.pair_id
LEFT JOIN proposals_proposalitem pb ON pb.pair_id = i.id
WHERE i.id = ANY((SELECT a FROM ids)::bigint[]) AND i.kind <> '{DELETION}'
"""

_PERSONS = f"""
CREATE TEMP TABLE ig_person ON COMMIT DROP AS
SELECT x.*, x.nik IS NOT NULL AND x.nik_error IS NULL AS valid FROM (
    SELECT p.item_id, p.position, p.target_person_id, n.nik,
           dtks_id_error(n.nik, true, pr.known) AS nik_error,
           p.nama, p.tempat_lahir, p.tanggal_lahir, {_code("p.jenis_kelamin")} AS jk,
           p.status_perkawinan, p.hubungan_keluarga,
           -- What the person rules need of the item, so that they read this table alone.
           i.is_family, i.is_family AND i.channel <> '{MINISTRY_CHANNEL}' AS needs_nik, i.alamat AS item_alamat
    FROM proposals_proposalperson p
    JOIN ig_item i ON i.id = p.item_id
    -- OFFSET 0 fences: the normalised NIK and its check are computed once a row, not again at
    -- every reference the inlined check makes to them.
    CROSS JOIN LATERAL (SELECT dtks_normalise_id(p.nik) AS nik OFFSET 0) n
    -- The province codes as one array: a lookup per person in the regions table cost more.
    CROSS JOIN LATERAL (SELECT left(n.nik, 2) = ANY((SELECT array_agg(code) FROM regions_region WHERE level = 1)::text[])
                        AS known) pr
    WHERE p.item_id = ANY((SELECT array_agg(id) FROM ig_item)::bigint[])
    OFFSET 0
) x
"""


def _person_missing() -> str:
    parts = []
    for f in PERSON_REQUIRED:
        if f == "alamat":
            parts.append(f"CASE WHEN NOT p.is_family AND {_t('p.item_alamat')} = '' THEN 'alamat' END")
        elif f == "tanggal_lahir":
            parts.append("CASE WHEN p.tanggal_lahir IS NULL THEN 'tanggal_lahir' END")
        elif f == "jenis_kelamin":
            parts.append("CASE WHEN p.jk = '' THEN 'jenis_kelamin' END")
        else:
            parts.append(f"CASE WHEN {_t('p.' + f)} = '' THEN '{f}' END")
    parts.append(f"CASE WHEN p.is_family AND {_t('p.hubungan_keluarga')} = '' THEN 'hubungan_keluarga' END")
    return f"array_remove(ARRAY[{', '.join(parts)}]::text[], NULL)"


def _family_missing() -> str:
    parts = []
    for f in FAMILY_REQUIRED:
        column = f"i.house ->> '{f}'" if f in HOUSE_FIELDS else f"i.{f}"
        parts.append(f"CASE WHEN {_t(column)} = '' THEN '{f}' END")
    return f"array_remove(ARRAY[{', '.join(parts)}]::text[], NULL)"


# Each returns (item_id, position, rule, fields, detail).
RULES: dict[str, str] = {
    "NIK_INVALID": """
        SELECT p.item_id, p.position, 'NIK_INVALID', ARRAY['nik'],
               jsonb_build_object('code', coalesce(p.nik_error, 'required_in_family'), 'value', p.nik)
        FROM ig_person p WHERE p.nik_error IS NOT NULL OR (p.nik IS NULL AND p.needs_nik)""",
    "NIK_PENDING": """
        SELECT p.item_id, p.position, 'NIK_PENDING', ARRAY['nik'], '{}'::jsonb
        FROM ig_person p WHERE p.nik IS NULL AND NOT p.needs_nik""",
    "NIK_MISMATCH": """
        SELECT item_id, position, 'NIK_MISMATCH', fields,
               jsonb_build_object('nik', nik, 'tanggal_lahir', tanggal_lahir::text, 'jenis_kelamin', jk)
        FROM (
            SELECT p.*, array_remove(ARRAY[
                CASE WHEN p.tanggal_lahir IS NOT NULL AND (
                        substr(p.nik, 7, 2)::int %% 40, substr(p.nik, 9, 2)::int, substr(p.nik, 11, 2)::int)
                     <> (extract(day FROM p.tanggal_lahir)::int, extract(month FROM p.tanggal_lahir)::int,
                         extract(year FROM p.tanggal_lahir)::int %% 100)
                     THEN 'tanggal_lahir' END,
                CASE WHEN p.jk IN ('L', 'P')
                      AND p.jk <> CASE WHEN substr(p.nik, 7, 2)::int > 40 THEN 'P' ELSE 'L' END
                     THEN 'jenis_kelamin' END]::text[], NULL) AS fields
            FROM ig_person p WHERE p.valid
        ) m WHERE cardinality(fields) > 0""",
    "INCOMPLETE_PERSON": f"""
        SELECT item_id, position, 'INCOMPLETE', fields, '{{}}'::jsonb FROM (
            SELECT p.item_id, p.position, {_person_missing()} AS fields FROM ig_person p
        ) x WHERE cardinality(fields) > 0""",
    "INCOMPLETE_FAMILY": f"""
        SELECT id, NULL::int, 'INCOMPLETE', fields, '{{}}'::jsonb FROM (
            SELECT i.id, {_family_missing()} AS fields FROM ig_item i WHERE i.is_family
        ) x WHERE cardinality(fields) > 0""",
    "FAMILY_NOT_A_SET_KK": """
        SELECT id, NULL::int, 'FAMILY_NOT_A_SET', ARRAY['no_kk'],
               jsonb_build_object('reason', 'no_kk:' || coalesce(err, 'required'), 'value', kk)
        FROM (SELECT i.id, i.kk, dtks_id_error(i.kk, false, pr.code IS NOT NULL) AS err
              FROM ig_item i LEFT JOIN regions_region pr ON pr.code = left(i.kk, 2) AND pr.level = 1
              WHERE i.is_family) x
        WHERE kk IS NULL OR err IS NOT NULL""",
    "FAMILY_NOT_A_SET_HEADS": """
        SELECT id, NULL::int, 'FAMILY_NOT_A_SET',
               CASE WHEN n = 0 THEN ARRAY['persons'] ELSE ARRAY['hubungan_keluarga'] END,
               jsonb_build_object('reason', CASE WHEN n = 0 THEN 'no_members' WHEN heads = 0 THEN 'no_head'
                                                 ELSE 'several_heads' END, 'heads', heads)
        FROM ig_item WHERE is_family AND (n = 0 OR heads <> 1)""",
}

# The national matches of every valid NIK of the set: the same item, the registry, other open items.
# The set's NIKs are looked up through each NIK index (`nik = ANY(array)`: an index scan whatever the
# planner's estimates), never by a hash join: the tables are the whole country, and their statistics
# may lag behind an import that is growing them. Only the matches are joined back to the set.
MATCHES = """
WITH niks AS MATERIALIZED (SELECT array_agg(nik) AS a FROM ig_person WHERE valid)
SELECT a.item_id, a.position, 'anggota', b.position::bigint, '', NULL::bigint, '', false, false, false
FROM (SELECT item_id, nik FROM ig_person WHERE valid GROUP BY item_id, nik HAVING count(*) > 1) d
JOIN ig_person a ON a.item_id = d.item_id AND a.nik = d.nik
JOIN ig_person b ON b.item_id = d.item_id AND b.nik = d.nik AND b.position <> a.position
UNION ALL
SELECT p.item_id, p.position, 'registri', r.person_id, r.village_code, m.family_id, coalesce(f.village_code, ''),
       coalesce(r.person_id = p.target_person_id, false) OR r.person_id = ANY(i.targets),
       coalesce(m.family_id = ANY(i.excluded), false), false
FROM (SELECT r.nik, r.person_id, r.village_code FROM registry_personversion r
      WHERE r.nik = ANY((SELECT a FROM niks)::text[]) AND r.published AND r.valid_to IS NULL OFFSET 0) r
JOIN ig_person p ON p.nik = r.nik AND p.valid
JOIN ig_item i ON i.id = p.item_id
LEFT JOIN registry_membershipversion m ON m.person_id = r.person_id AND m.published AND m.valid_to IS NULL
LEFT JOIN registry_familyversion f ON f.family_id = m.family_id AND f.published AND f.valid_to IS NULL
UNION ALL
SELECT p.item_id, p.position, 'usulan', o.id, o.village_code, NULL, '', false, false,
       btrim(o.no_kk) <> '' OR (SELECT count(*) FROM proposals_proposalperson c WHERE c.item_id = o.id) > 1
FROM (SELECT op.nik, op.item_id FROM proposals_proposalperson op
      WHERE op.nik = ANY((SELECT a FROM niks)::text[]) OFFSET 0) op
-- Each of the set's persons finds itself: dropped before the other item is read.
JOIN ig_person p ON p.nik = op.nik AND p.valid AND op.item_id <> p.item_id
JOIN proposals_proposalitem o ON o.id = op.item_id
JOIN ig_item i ON i.id = p.item_id
WHERE o.state <> ALL(%(closed)s) AND o.kind <> %(deletion)s
  AND o.id IS DISTINCT FROM i.pair_id AND o.pair_id IS DISTINCT FROM i.id
"""


# The persons the civil-registry rule compares, read as the per-item form reads them
# (`integrity._civil_findings`): trimmed text, the sex code, the item's normalised KK and address.
_CIVIL_PROBE = f"""
INSERT INTO civil_probe
SELECT p.item_id, p.position, p.nik, {_t("p.nama")}, p.tanggal_lahir, p.jk, coalesce(i.kk, ''),
       {_t("i.village_code")}, {_t("i.alamat")}
FROM ig_person p JOIN ig_item i ON i.id = p.item_id
WHERE p.valid
"""


def _civil_findings(cur, rules) -> list[tuple[int, tuple]]:
    cur.execute("DROP TABLE IF EXISTS pg_temp.civil_probe")
    cur.execute(f"CREATE TEMP TABLE civil_probe ({PROBE_COLUMNS}) ON COMMIT DROP")
    cur.execute(_CIVIL_PROBE)
    found = staged_check(cur, "civil_probe", rules=rules)
    cur.execute("DROP TABLE IF EXISTS pg_temp.civil_probe")
    return [
        (item_id, (rule, pos, fields, detail)) for (item_id, pos), (rule, fields, detail) in found.items()
    ]


def _load_ids(cur, items) -> None:
    cur.execute("DROP TABLE IF EXISTS pg_temp.ig_ids")
    cur.execute("CREATE TEMP TABLE ig_ids (id bigint PRIMARY KEY) ON COMMIT DROP")
    if isinstance(items, QuerySet):
        sql, params = items.order_by().values("id").query.sql_with_params()
        cur.execute(f"INSERT INTO ig_ids SELECT DISTINCT id FROM ({sql}) q", params)
    else:
        cur.execute("INSERT INTO ig_ids SELECT DISTINCT unnest(%s::bigint[])", [[int(i) for i in items]])


def item_findings_set(
    *, items: QuerySet | Iterable[int], actor=None, rules: Collection[str] | None = None
) -> dict[int, list[dict]]:
    """The integrity findings of every item of a set (see the module docstring)."""
    rules = resolve_rules(rules)
    with transaction.atomic(), connection.cursor() as cur:
        # These statements run in milliseconds; with the planner's estimates for tables that grow
        # during an import, JIT compilation kicked in and cost ~1 s a statement. Off for this
        # transaction only.
        cur.execute("SET LOCAL jit = off")
        _load_ids(cur, items)
        cur.execute("SELECT id FROM ig_ids")
        ids = [r[0] for r in cur.fetchall()]
        for t in ("ig_item", "ig_person"):
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
        cur.execute(_ITEMS)
        # Statistics of the columns the rules join and filter on only: of every column (text sorted
        # under the collation, the house document) they cost ~70 ms a chunk of 2,000 items, ~1/7 of it.
        cur.execute("ANALYZE ig_item (id, pair_id, is_family)")
        cur.execute(_PERSONS)
        cur.execute("ANALYZE ig_person (item_id, position, nik, valid)")
        found = staged_findings(cur, actor=actor, rules=rules)
        for t in ("ig_ids", "ig_item", "ig_person"):
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    return {item_id: found.get(item_id, []) for item_id in ids}


def resolve_rules(rules: Collection[str] | None = None) -> frozenset[str]:
    """The rules to run: the configuration's enabled ones, or the given ones (tests; the civil-registry
    re-check, which runs only its own rules); NIK_INVALID always, since it blocks saving."""
    return enabled_rules() if rules is None else frozenset(rules) | SAVE_BLOCKING


def staged_findings(cur, *, actor, rules: Collection[str]) -> dict[int, list[dict]]:
    """The rules over the temporary tables `ig_item` and `ig_person` the caller made (their columns:
    `_ITEMS` and `_PERSONS` above), in the caller's transaction. Returns the findings of the items
    that have any, in the per-item form's order and shape. Two callers build the tables: the set
    form above from saved items, and the spreadsheet import from its staged rows before it writes
    them (proposals/imports/services.py), so imported items are saved with their findings."""
    raw: dict[int, list[tuple]] = defaultdict(list)
    for name, sql in RULES.items():
        rule = name.removesuffix("_PERSON").removesuffix("_FAMILY").removesuffix("_KK").removesuffix("_HEADS")
        if rule not in rules:
            continue
        cur.execute(sql, {})  # with parameters, so %% is the modulo operator
        for item_id, position, code, fields, detail in cur.fetchall():
            # Django's connection hands jsonb back as text (JSONField decodes it itself).
            raw[item_id].append((code, position, list(fields), json.loads(detail)))

    if {"DUPLICATE_NIK", "MEMBER_OVERLAP"} & set(rules):
        cur.execute("SELECT id, is_family FROM ig_item")
        is_family = dict(cur.fetchall())
        prefixes = scope_prefixes(actor)
        cur.execute(MATCHES, {"closed": list(CLOSED_STATES), "deletion": DELETION})
        grouped: dict[tuple[int, int], list[Match]] = defaultdict(list)
        while batch := cur.fetchmany(5000):
            for item_id, pos, src, ref, village, fam, fam_village, is_target, fam_excl, other_fam in batch:
                grouped[(item_id, pos)].append(
                    Match(
                        src,
                        ref,
                        village,
                        is_target=is_target,
                        family_id=fam,
                        family_village=fam_village,
                        family_excluded=fam_excl,
                        other_is_family=other_fam,
                    )
                )
        for (item_id, pos), matches in grouped.items():
            raw[item_id].extend(
                national_findings(
                    position=pos,
                    is_family=is_family[item_id],
                    matches=matches,
                    prefixes=prefixes,
                    rules=rules,
                )
            )
    if set(CIVIL_RULES) & set(rules):
        for item_id, finding in _civil_findings(cur, rules):
            raw[item_id].append(finding)
    return {item_id: finalise(found) for item_id, found in raw.items() if found}
