"""Benchmark of the integrity re-run at the ministry's assessment (issue 16, `proposal_items_recheck`,
docs/design.md §7 "Checking again") against one hand-written SQL statement.

In a database cloned from a migrated template with the regions loaded, untimed:

1. the registry: `generate_extract.generate` writes a template CSV of --persons persons (1,000,000 by
   default: families, individuals, pending and duplicated NIKs, all real villages; benchmarks/README.md)
   and `registry_baseline_load` loads it (in a child process, as bench_load_registry does);
2. the items (`fill`, set-based): --items forwarded items (100,000), each a family of 1–5 persons or
   (1.5 %) an individual, over every village, plus 1 % corrections of registry families (their members,
   targeted: the same persons, not duplicates), 10 % more open items (submitted) and 1 % rejected ones
   copying forwarded persons (closed: never a duplicate). Planted: 2 % of the persons carry a registry
   person's NIK, 0.5 % another item's, 0.3 % of the families a member twice; 1.4 % a sex and 0.5 % a birth
   date that disagree with the NIK; 1 % a missing birthplace, 0.5 % of the families a missing house
   attribute, 0.5 % no head or two, 0.1 % an invalid KK; 20 % of the individuals no NIK yet, 0.1 % of the
   members none at all, 0.1 % an unknown province. Every item's stored findings start empty.

Then, each measurement in a fresh clone of that database (after a CHECKPOINT), alternating, median of
--repeat:

(a) the re-run, the civil-registry rules off (no source configured):
* ours — `proposal_items_recheck(items=<the forwarded items>)` in a child process (Django set up), in
  chunks of `determination.services.CHUNK` as the assessment's tasks run it: per chunk the lock, the
  set-based engine (every enabled rule: NIK validity and agreement, duplicates against the registry and
  every open item, member overlap, family set, incomplete), the messages, one UPDATE of the findings and
  `findings_checked_at`, one audit row, the commit. The engine's share is timed inside it;
* floor — one hand-written SQL statement doing the same checks over the same items and writing the same
  findings (rule, fields, person, message — the same JSON, compared by checksum) and
  `findings_checked_at` with one UPDATE, and its commit: the same durable work. It runs in a child
  process too (its SQL text is assembled from the rules' constants: the required fields, their labels,
  the identity messages).
Goal: ours ≤ 2 × the floor. Both plans are printed: the floor's with EXPLAIN ANALYZE, ours' statements of
one chunk through auto_explain.

(b) the civil-registry step on its own: a Dukcapil extract of the forwarded items' persons (every
person with a valid NIK, 4 % planted differences: a slip in the name, another name, day and month
swapped, another KK, no record) is loaded with `civil_extract_load` and made the source; ours checks the
forwarded items again with the civil-registry rules only (the re-checkers' shared loop, as
`proposal_items_civil_recheck` runs it), the similarity step (`compare`, Python) timed inside it; floor:
one SQL join of the same persons with the extract keeping the rows not found or different on some part
(names after case and spacing), rows fetched (bench_civil_check's floor, over items). Printed: seconds,
ours without the similarity step / floor, and the time per item.

    python -m benchmarks.bench_assessment_recheck --items 100000 --persons 1000000 --repeat 3
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_import import HOUSE
from benchmarks.bench_load_registry import (
    Server,
    busy,
    measure_load,
    print_settings,
    server_arguments,
    template_villages,
    timing,
    verdict,
)
from benchmarks.generate_extract import FEMALE, LAST, MALE, generate

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL = 2.0
PERIOD = "2026-10"
SESSION = (
    "ours and the floor (each in a child process) set jit off (the engine does, per transaction) and run"
    " with the settings above"
)

# --- the data --------------------------------------------------------------------------------------

# Items g = 1 … total, in order (their ids are base + g): forwarded, then other open items (submitted),
# then closed ones (rejected). The item's plants are its hash modulo 1000 (`ih`).
FILL_ITEMS = """
WITH v AS (SELECT row_number() OVER (ORDER BY code) - 1 AS n, code FROM regions_region WHERE level = 4),
     s AS (SELECT g, mod(hashtext(g || 'h') & 2147483647, 1000) AS ih,
                  mod(hashtext(g || 'v') & 2147483647, (SELECT count(*) FROM v)) AS n
           FROM generate_series(1, %(total)s::bigint) g)
INSERT INTO proposals_proposalitem
    (kind, channel, verifier, state, village_code, deletion_reason, ministry_reason, note, no_kk, rt, rw, alamat,
     house, findings, overrides, last_reason, ever_returned_to_regency, diff, contact_phone, created_at, updated_at)
SELECT 'addition', CASE WHEN mod(g, 50) = 0 THEN 'ministry' ELSE 'musyawarah' END, 'regency',
       CASE WHEN g <= %(forwarded)s THEN 'forwarded' WHEN g <= %(forwarded)s + %(open)s THEN 'submitted'
            ELSE 'rejected' END,
       v.code, '', '', '',
       CASE WHEN ih < 15 THEN ''  -- an individual outside any family
            ELSE left(v.code, 6) || to_char(date '2010-01-01' + mod(g, 3000)::int, 'DDMMYY')
                 || CASE WHEN ih = 28 THEN '0000' ELSE lpad((1 + mod(g, 9999))::text, 4, '0') END END,
       '001', '002', 'JL. MAWAR NO. ' || mod(g, 100),
       CASE WHEN ih < 15 THEN '{}'::jsonb WHEN ih BETWEEN 15 AND 19 THEN %(house)s::jsonb || '{"atap": ""}'
            ELSE %(house)s::jsonb END,
       '[]', '{}', '', false, '{}', '', now(), now()
FROM s JOIN v USING (n)
ORDER BY g
"""

# A person k = g * 8 + position copies the attributes of person `ks` (itself, unless planted): a NIK
# from a district, the birth date (women: day + 40) and a serial of 5000 and up (the registry's serials
# start at 1 per district and year), unique per ks; sex and relation from the position.
FILL_PERSONS = """
INSERT INTO proposals_proposalperson
    (item_id, position, target_person_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
     status_perkawinan, hubungan_keluarga, kategori, kriteria, disabilitas, program)
SELECT i.id, x.pos, NULL,
       CASE WHEN x.ph < 20 THEN r.nik
            WHEN (i.no_kk = '' AND x.ph BETWEEN 70 AND 269) OR (x.pos > 0 AND x.ph = 90) THEN NULL
            WHEN x.ph = 60 THEN '99' || substr(a.nik, 3)
            ELSE a.nik END,
       CASE WHEN a.sex = 'L' THEN (%(male)s::text[])[1 + mod(a.ks, cardinality(%(male)s::text[]))::int]
            ELSE (%(female)s::text[])[1 + mod(a.ks, cardinality(%(female)s::text[]))::int] END
           || ' ' || (%(last)s::text[])[1 + mod(a.ks / 8, cardinality(%(last)s::text[]))::int],
       CASE WHEN x.ph BETWEEN 40 AND 49 THEN '' ELSE 'BANDUNG' END,
       CASE WHEN x.ph < 20 THEN r.tanggal_lahir WHEN x.ph BETWEEN 35 AND 39 THEN a.born + 1 ELSE a.born END,
       CASE WHEN x.ph < 20 THEN r.jenis_kelamin WHEN x.ph BETWEEN 21 AND 34 THEN translate(a.sex, 'LP', 'PL')
            ELSE a.sex END,
       CASE WHEN x.pos < 2 THEN 'KAWIN' ELSE 'BELUM KAWIN' END,
       CASE WHEN i.no_kk = '' THEN ''
            WHEN x.pos = 0 THEN CASE WHEN x.ih BETWEEN 23 AND 24 THEN 'ANAK' ELSE 'KEPALA KELUARGA' END
            WHEN x.pos = 1 THEN CASE WHEN x.ih BETWEEN 20 AND 22 THEN 'KEPALA KELUARGA' ELSE 'ISTRI' END
            ELSE 'ANAK' END,
       '', '{}', '{}', '{}'
FROM proposals_proposalitem i
CROSS JOIN LATERAL (
    SELECT i.id - %(base)s AS g, mod(hashtext((i.id - %(base)s) || 'h') & 2147483647, 1000) AS ih,
           CASE WHEN i.no_kk = '' THEN 1 ELSE 1 + mod(hashtext((i.id - %(base)s) || 'n') & 2147483647, 5) END AS size
) m
CROSS JOIN LATERAL (
    SELECT pos, m.ih, mod(hashtext((m.g * 8 + pos) || 'p') & 2147483647, 1000) AS ph,
           CASE WHEN m.g > %(forwarded)s + %(open)s THEN (m.g - %(forwarded)s - %(open)s) * 8 + pos  -- closed: a copy
                WHEN m.ih BETWEEN 25 AND 27 AND pos = 1 THEN m.g * 8                 -- the head's NIK again
                WHEN mod(hashtext((m.g * 8 + pos) || 'p') & 2147483647, 1000) BETWEEN 50 AND 54
                     THEN (m.g + 7) * 8 + pos                                          -- another item's person
                ELSE m.g * 8 + pos END AS ks
    FROM generate_series(0, m.size - 1) pos
) x
CROSS JOIN LATERAL (
    SELECT x.ks, d.born, d.sex,
           (%(districts)s::text[])[1 + mod(x.ks / 8, cardinality(%(districts)s::text[]))::int]
           || lpad((extract(day FROM d.born)::int + CASE WHEN d.sex = 'P' THEN 40 ELSE 0 END)::text, 2, '0')
           || to_char(d.born, 'MMYY') || (5000 + x.ks / 25000)::text AS nik
    FROM (SELECT date '1940-01-01' + mod(x.ks * 7919, 25000)::int AS born,
                 CASE mod(x.ks, 8) WHEN 0 THEN 'L' WHEN 1 THEN 'P'
                      ELSE CASE WHEN mod(x.ks / 8 + x.ks, 2) = 0 THEN 'L' ELSE 'P' END END AS sex) d
) a
LEFT JOIN bench_reg r ON r.n = mod(hashtext((m.g * 8 + x.pos) || 'r') & 2147483647, %(registry)s)
WHERE i.kind = 'addition' AND i.id > %(base)s
"""

REGISTRY_NIKS = """
CREATE TEMP TABLE bench_reg AS
SELECT row_number() OVER (ORDER BY person_id) - 1 AS n, nik, tanggal_lahir, jenis_kelamin
FROM registry_personversion WHERE nik IS NOT NULL AND published AND valid_to IS NULL;
CREATE UNIQUE INDEX ON bench_reg (n);
"""

# Corrections of registry families: the family's members as they are registered (each person targeted).
FILL_CORRECTIONS = """
WITH f AS (SELECT * FROM registry_familyversion WHERE published AND valid_to IS NULL
           ORDER BY hashtext(family_id::text), family_id LIMIT %(n)s)
INSERT INTO proposals_proposalitem
    (kind, channel, verifier, state, village_code, target_family_id, deletion_reason, ministry_reason, note,
     no_kk, rt, rw, alamat, house, findings, overrides, last_reason, ever_returned_to_regency, diff,
     contact_phone, created_at, updated_at)
SELECT 'correction', 'musyawarah', 'regency', 'forwarded', f.village_code, f.family_id, '', '', '',
       f.no_kk, f.rt, f.rw, f.alamat,
       jsonb_build_object('status_kepemilikan', f.status_kepemilikan, 'atap', f.atap, 'dinding', f.dinding,
                          'lantai', f.lantai, 'sumber_air_minum', f.sumber_air_minum, 'penerangan', f.penerangan,
                          'fasilitas_bab', f.fasilitas_bab),
       '[]', '{}', '', false, '{}', '', now(), now()
FROM f ORDER BY f.family_id
"""
FILL_CORRECTION_PERSONS = """
INSERT INTO proposals_proposalperson
    (item_id, position, target_person_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
     status_perkawinan, hubungan_keluarga, kategori, kriteria, disabilitas, program)
SELECT i.id, row_number() OVER (PARTITION BY i.id ORDER BY p.person_id) - 1, p.person_id, p.nik, p.nama,
       p.tempat_lahir, p.tanggal_lahir, p.jenis_kelamin, p.status_perkawinan, m.hubungan_keluarga, '', '{}', '{}', '{}'
FROM proposals_proposalitem i
JOIN registry_membershipversion m ON m.family_id = i.target_family_id AND m.published AND m.valid_to IS NULL
JOIN registry_personversion p ON p.person_id = m.person_id AND p.published AND p.valid_to IS NULL
WHERE i.kind = 'correction'
"""


def fill(cur, *, items: int) -> dict[str, int]:
    """The items and their persons (see the module docstring), set-based, in the caller's transaction."""
    from psycopg.types.json import Jsonb

    forwarded, other, closed = items, items // 10, items // 100
    cur.execute("SELECT coalesce(max(id), 0) FROM proposals_proposalitem")
    base = cur.fetchone()[0]
    cur.execute(
        FILL_ITEMS,
        {"total": forwarded + other + closed, "forwarded": forwarded, "open": other, "house": Jsonb(HOUSE)},
    )
    cur.execute("SELECT min(id), max(id) FROM proposals_proposalitem WHERE id > %s", [base])
    first, last = cur.fetchone()
    base = first - 1  # item g is base + g (the sequence may have moved on past the last row)
    if last != base + forwarded + other + closed:
        raise RuntimeError(f"the items' ids are not consecutive: {first}…{last}")
    cur.execute("DROP TABLE IF EXISTS bench_reg")
    cur.execute(REGISTRY_NIKS)
    cur.execute("SELECT count(*) FROM bench_reg")
    registry = cur.fetchone()[0]
    cur.execute("SELECT DISTINCT left(code, 6) FROM regions_region WHERE level = 4 ORDER BY 1")
    districts = [r[0] for r in cur.fetchall()]
    cur.execute(
        FILL_PERSONS,
        {
            "base": base,
            "forwarded": forwarded,
            "open": other,
            "registry": max(registry, 1),
            "districts": districts,
            "male": list(MALE),
            "female": list(FEMALE),
            "last": list(LAST),
        },
    )
    cur.execute(FILL_CORRECTIONS, {"n": max(1, items // 100)})
    cur.execute(FILL_CORRECTION_PERSONS)
    cur.execute("DROP TABLE bench_reg")
    cur.execute(
        "SELECT count(*) FILTER (WHERE state = 'forwarded'), count(*) FROM proposals_proposalitem WHERE id > %s",
        [base],
    )
    n_forwarded, n_items = cur.fetchone()
    cur.execute(
        "SELECT count(*) FILTER (WHERE i.state = 'forwarded'), count(*) FROM proposals_proposalperson p "
        "JOIN proposals_proposalitem i ON i.id = p.item_id WHERE i.id > %s",
        [base],
    )
    p_forwarded, p_all = cur.fetchone()
    return {"forwarded": n_forwarded, "items": n_items, "persons_forwarded": p_forwarded, "persons": p_all}


# --- the floor of (a): one statement ---------------------------------------------------------------


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _t(expr: str) -> str:
    """Text as the engines read it: NULL is empty, surrounding whitespace ignored."""
    return f"coalesce(btrim({expr}, E' \\t\\r\\n'), '')"


def _code(expr: str) -> str:
    return f"replace(upper({_t(expr)}), '_', ' ')"


def _id_message(code: str, value: str, field: str) -> str:
    """The message of an identity error code (dtks.registry.identity.MESSAGES) as SQL."""
    from dtks.registry.identity import LABELS, MESSAGES

    v = f"coalesce({value}, '')"
    exprs = {
        "label": _lit(LABELS[field]),
        "value": v,
        "length": f"length({v})::text",
        "prefix": f"left({v}, 2)",
        "district": f"left({v}, 6)",
        "plus40": _lit(", perempuan: tanggal + 40" if field == "nik" else ""),
    }
    whens = []
    for name, template in MESSAGES.items():
        parts = re.split(r"\{(\w+)\}", template)
        pieces = [exprs[p] if i % 2 else _lit(p) for i, p in enumerate(parts) if i % 2 or p]
        whens.append(f"WHEN {_lit(name)} THEN {' || '.join(pieces)}")
    return f"CASE {code} {' '.join(whens)} END"


def _missing(checks: list[tuple[str, str]]) -> tuple[str, str]:
    """(the missing fields as a text[], their labels joined) for (field, SQL condition) pairs."""
    from dtks.registry.fields import label_id

    fields = ", ".join(f"CASE WHEN {cond} THEN {_lit(f)} END" for f, cond in checks)
    labels = ", ".join(f"CASE WHEN {cond} THEN {_lit(label_id(f))} END" for f, cond in checks)
    return f"array_remove(ARRAY[{fields}]::text[], NULL)", f"concat_ws(', ', {labels})"


def floor_sql() -> str:
    """The floor's one statement (see the module docstring): SQL text assembled from module constants,
    the closed states its only parameter."""
    from dtks.registry.fields import HOUSE_FIELDS
    from dtks.registry.integrity import FAMILY_REQUIRED, PERSON_REQUIRED
    from proposals.item.integrity import RULE_ORDER

    o = {rule: RULE_ORDER.index(rule) for rule in RULE_ORDER}
    person_checks = []
    for f in PERSON_REQUIRED:
        if f == "alamat":
            person_checks.append((f, f"NOT is_family AND {_t('item_alamat')} = ''"))
        elif f == "tanggal_lahir":
            person_checks.append((f, "tanggal_lahir IS NULL"))
        elif f == "jenis_kelamin":
            person_checks.append((f, "jk = ''"))
        else:
            person_checks.append((f, f"{_t(f)} = ''"))
    person_checks.append(("hubungan_keluarga", f"is_family AND {_t('hubungan_keluarga')} = ''"))
    family_checks = [
        (f, f"{_t(f'house ->> {_lit(f)}' if f in HOUSE_FIELDS else f)} = ''") for f in FAMILY_REQUIRED
    ]
    p_fields, p_labels = _missing(person_checks)
    f_fields, f_labels = _missing(family_checks)
    dup_fix = "Periksa NIK-nya; bila orang yang sama, ajukan perbaikan data, bukan penambahan."
    return f"""
WITH
prov AS MATERIALIZED (SELECT array_agg(code) AS a FROM regions_region WHERE level = 1),
s AS MATERIALIZED (
    SELECT i.id, i.kind = 'deletion' AS deletion, i.channel, i.house, i.rt, i.rw, i.alamat, i.pair_id,
           dtks_normalise_id(i.no_kk) AS kk, {_t("i.no_kk")} <> '' AS has_kk,
           array_remove(ARRAY[i.target_family_id, pa.target_family_id, pb.target_family_id], NULL) AS excluded,
           array_remove(ARRAY[i.target_person_id, pa.target_person_id, pb.target_person_id], NULL) AS targets
    FROM proposals_proposalitem i
    LEFT JOIN proposals_proposalitem pa ON pa.id = i.pair_id
    LEFT JOIN proposals_proposalitem pb ON pb.pair_id = i.id
    WHERE i.state = 'forwarded'
),
p0 AS MATERIALIZED (
    SELECT p.item_id, p.position, p.target_person_id, dtks_normalise_id(p.nik) AS nik, p.nama, p.tempat_lahir,
           p.tanggal_lahir, {_code("p.jenis_kelamin")} AS jk, p.status_perkawinan, p.hubungan_keluarga,
           {_code("p.hubungan_keluarga")} = 'KEPALA KELUARGA' AS head
    FROM proposals_proposalperson p JOIN s ON s.id = p.item_id AND NOT s.deletion
),
it AS MATERIALIZED (
    SELECT s.*, coalesce(c.n, 0) AS n, coalesce(c.heads, 0) AS heads, s.has_kk OR coalesce(c.n, 0) > 1 AS is_family
    FROM s LEFT JOIN (SELECT item_id, count(*) AS n, count(*) FILTER (WHERE head) AS heads FROM p0 GROUP BY item_id) c
         ON c.item_id = s.id
    WHERE NOT s.deletion
),
pp AS MATERIALIZED (
    SELECT p0.*, e.err, p0.nik IS NOT NULL AND e.err IS NULL AS valid, it.is_family, it.channel,
           it.alamat AS item_alamat, it.targets, it.excluded, it.pair_id
    FROM p0 JOIN it ON it.id = p0.item_id
    CROSS JOIN LATERAL (SELECT dtks_id_error(p0.nik, true, left(p0.nik, 2) = ANY((SELECT a FROM prov)::text[])) AS err
                        OFFSET 0) e
),
v AS MATERIALIZED (SELECT * FROM pp WHERE valid),
dn AS (
    SELECT item_id, array_agg(position ORDER BY position) AS positions FROM v GROUP BY item_id, nik HAVING count(*) > 1
),
an AS (SELECT d.item_id, p AS position, array_remove(d.positions, p) AS refs FROM dn d, unnest(d.positions) p),
-- The registry persons and the other items' persons with the set's NIKs first, then what they need.
rm AS MATERIALIZED (
    SELECT x.item_id, x.position, x.target_person_id, x.targets, x.excluded, x.is_family, r.person_id
    FROM v x JOIN registry_personversion r ON r.nik = x.nik AND r.published AND r.valid_to IS NULL
),
rg AS (
    SELECT item_id, position, bool_or(NOT same) AS dup, bool_or(over) AS over FROM (
        SELECT x.item_id, x.position, x.person_id,
               bool_or(coalesce(x.person_id = x.target_person_id, false) OR x.person_id = ANY(x.targets)
                       OR coalesce(m.family_id = ANY(x.excluded), false)) AS same,
               bool_or(x.is_family AND m.family_id IS NOT NULL
                       AND NOT coalesce(m.family_id = ANY(x.excluded), false)) AS over
        FROM rm x
        LEFT JOIN registry_membershipversion m ON m.person_id = x.person_id AND m.published AND m.valid_to IS NULL
        GROUP BY x.item_id, x.position, x.person_id
    ) y GROUP BY item_id, position
),
om AS MATERIALIZED (
    SELECT x.item_id, x.position, x.is_family, x.pair_id, q.item_id AS other
    FROM v x JOIN proposals_proposalperson q ON q.nik = x.nik AND q.item_id <> x.item_id
),
op AS (
    SELECT x.item_id, x.position,
           bool_or(x.is_family AND (btrim(o.no_kk) <> ''
                   OR (SELECT count(*) FROM proposals_proposalperson c WHERE c.item_id = o.id) > 1)) AS over
    FROM om x
    JOIN proposals_proposalitem o ON o.id = x.other
    WHERE o.state <> ALL(%(closed)s) AND o.kind <> 'deletion'
      AND o.id IS DISTINCT FROM x.pair_id AND o.pair_id IS DISTINCT FROM x.item_id
    GROUP BY x.item_id, x.position
),
nat AS (
    SELECT x.item_id, x.position, an.refs, coalesce(rg.dup, false) OR op.item_id IS NOT NULL AS elsewhere,
           coalesce(rg.over, false) OR coalesce(op.over, false) AS over
    FROM v x
    LEFT JOIN an USING (item_id, position) LEFT JOIN rg USING (item_id, position) LEFT JOIN op USING (item_id, position)
),
mm AS (
    SELECT item_id, position, nik, tanggal_lahir, jk, substr(nik, 7, 2)::int AS d,
           tanggal_lahir IS NOT NULL
           AND (mod(substr(nik, 7, 2)::int, 40), substr(nik, 9, 2)::int, substr(nik, 11, 2)::int)
               <> (extract(day FROM tanggal_lahir)::int, extract(month FROM tanggal_lahir)::int,
                   mod(extract(year FROM tanggal_lahir)::int, 100)) AS bad_date,
           jk IN ('L', 'P') AND jk <> CASE WHEN substr(nik, 7, 2)::int > 40 THEN 'P' ELSE 'L' END AS bad_sex
    FROM v
),
f AS (
    SELECT item_id, position AS person, {o["NIK_INVALID"]} AS ord, 'NIK_INVALID' AS rule, ARRAY['nik'] AS fields,
           CASE WHEN err IS NULL THEN
               'NIK wajib diisi untuk anggota keluarga; hanya individu di luar keluarga atau usulan Kementerian Sosial '
               || 'yang boleh tanpa NIK (NIK_PENDING). Isi 16 digit NIK sesuai KTP/KK.'
           ELSE {_id_message("err", "nik", "nik")} END AS message
    FROM pp WHERE err IS NOT NULL OR (nik IS NULL AND is_family AND channel <> 'ministry')
    UNION ALL
    SELECT item_id, position, {o["NIK_PENDING"]}, 'NIK_PENDING', ARRAY['nik'],
           'NIK belum ada: usulan boleh disimpan, tetapi orang ini tidak dapat ditetapkan sebelum NIK-nya '
           || 'dicatat. Isi NIK segera setelah terbit.'
    FROM pp WHERE nik IS NULL AND NOT (is_family AND channel <> 'ministry')
    UNION ALL
    SELECT item_id, position, {o["NIK_MISMATCH"]}, 'NIK_MISMATCH',
           array_remove(ARRAY[CASE WHEN bad_date THEN 'tanggal_lahir' END, CASE WHEN bad_sex THEN 'jenis_kelamin' END], NULL),
           concat_ws(' ',
               CASE WHEN bad_date THEN 'Tanggal lahir (' || to_char(tanggal_lahir, 'DD-MM-YY')
                   || ') tidak cocok dengan NIK: digit 7–12 NIK (' || substr(nik, 7, 6) || ') menunjukkan '
                   || lpad((CASE WHEN d > 40 THEN d - 40 ELSE d END)::text, 2, '0') || '-' || substr(nik, 9, 2) || '-'
                   || substr(nik, 11, 2) || ' (perempuan: tanggal + 40).' END,
               CASE WHEN bad_sex THEN 'Jenis kelamin (' || jk || ') tidak cocok dengan NIK: digit 7–8 NIK ('
                   || substr(nik, 7, 2) || ') menunjukkan ' || CASE WHEN d > 40 THEN 'perempuan' ELSE 'laki-laki' END
                   || ' (perempuan: tanggal + 40).' END)
           || ' Periksa tanggal lahir/jenis kelamin atau NIK-nya.'
    FROM mm WHERE bad_date OR bad_sex
    UNION ALL
    SELECT item_id, position, {o["DUPLICATE_NIK"]}, 'DUPLICATE_NIK', ARRAY['nik'],
           CASE WHEN refs IS NULL THEN {_lit("NIK ini sudah terdaftar di wilayah lain. " + dup_fix)}
           ELSE 'NIK ini sudah dipakai: '
               || (SELECT string_agg('anggota urutan ' || r || ' dalam usulan ini', ', ' ORDER BY k)
                   FROM unnest(refs[1:5]) WITH ORDINALITY u(r, k))
               || CASE WHEN cardinality(refs) > 5 THEN ' dan ' || (cardinality(refs) - 5) || ' lainnya' ELSE '' END
               || '.' || CASE WHEN elsewhere THEN ' NIK ini juga sudah terdaftar di wilayah lain.' ELSE '' END
               || {_lit(" " + dup_fix)} END
    FROM nat WHERE refs IS NOT NULL OR elsewhere
    UNION ALL
    SELECT item_id, position, {o["MEMBER_OVERLAP"]}, 'MEMBER_OVERLAP', ARRAY['no_kk'],
           'NIK ini masih anggota aktif keluarga lain di wilayah lain. Pastikan orang ini dikeluarkan dari '
           || 'keluarga lain itu (usulan perbaikan atau perpindahan), atau periksa NIK-nya.'
    FROM nat WHERE over
    UNION ALL
    SELECT id, NULL, {o["FAMILY_NOT_A_SET"]}, 'FAMILY_NOT_A_SET', ARRAY['no_kk'],
           CASE WHEN kk IS NULL THEN 'Nomor KK wajib diisi.' ELSE {_id_message("err", "kk", "no_kk")} END
    FROM (SELECT it.id, it.kk, dtks_id_error(it.kk, false, left(it.kk, 2) = ANY((SELECT a FROM prov)::text[])) AS err
          FROM it WHERE it.is_family OFFSET 0) k
    WHERE kk IS NULL OR err IS NOT NULL
    UNION ALL
    SELECT id, NULL, {o["FAMILY_NOT_A_SET"]}, 'FAMILY_NOT_A_SET',
           CASE WHEN n = 0 THEN ARRAY['persons'] ELSE ARRAY['hubungan_keluarga'] END,
           CASE WHEN n = 0 THEN 'Keluarga tanpa anggota: tambahkan anggota keluarga sesuai KK.'
                WHEN heads = 0 THEN 'Keluarga tanpa kepala keluarga: isi Hubungan keluarga salah satu anggota '
                                    || 'dengan KEPALA KELUARGA.'
                ELSE 'Keluarga dengan ' || heads || ' kepala keluarga: tepat satu anggota boleh berhubungan keluarga '
                     || 'KEPALA KELUARGA; perbaiki Hubungan keluarga yang lain.' END
    FROM it WHERE is_family AND (n = 0 OR heads <> 1)
    UNION ALL
    SELECT item_id, position, {o["INCOMPLETE"]}, 'INCOMPLETE', fields,
           'Data belum lengkap: ' || labels || ' wajib diisi.'
    FROM (SELECT item_id, position, {p_fields} AS fields, {p_labels} AS labels FROM pp) x
    WHERE cardinality(fields) > 0
    UNION ALL
    SELECT id, NULL, {o["INCOMPLETE"]}, 'INCOMPLETE', fields, 'Data belum lengkap: ' || labels || ' wajib diisi.'
    FROM (SELECT id, {f_fields} AS fields, {f_labels} AS labels FROM it WHERE is_family) x
    WHERE cardinality(fields) > 0
),
agg AS (
    SELECT item_id, jsonb_agg(jsonb_build_object('rule', rule, 'fields', to_jsonb(fields), 'person', person,
                                                 'message', message)
                              ORDER BY coalesce(person, -1), ord, fields COLLATE "C") AS findings
    FROM f GROUP BY item_id
)
UPDATE proposals_proposalitem t SET findings = coalesce(agg.findings, '[]'::jsonb), findings_checked_at = now()
FROM s LEFT JOIN agg ON agg.item_id = s.id
WHERE t.id = s.id
"""


def floor(cur) -> int:
    """The floor's statement (jit off, as the engine), in the caller's transaction; returns the rows written."""
    from proposals.item.integrity import CLOSED_STATES

    cur.execute("SET LOCAL jit = off")
    cur.execute(floor_sql(), {"closed": list(CLOSED_STATES)})
    return cur.rowcount


WRITTEN_SQL = """
SELECT count(*), count(*) FILTER (WHERE findings_checked_at IS NOT NULL), count(*) FILTER (WHERE findings <> '[]'),
       md5(string_agg(id || ':' || findings::text, ',' ORDER BY id))
FROM proposals_proposalitem WHERE state = 'forwarded'
"""
RULES_SQL = """
SELECT f ->> 'rule', count(*) FROM proposals_proposalitem i, jsonb_array_elements(i.findings) f
WHERE i.state = 'forwarded' GROUP BY 1 ORDER BY 1
"""


def written(cur) -> dict:
    cur.execute(WRITTEN_SQL)
    items, checked, with_findings, digest = cur.fetchone()
    cur.execute(RULES_SQL)
    return {
        "items": items,
        "checked": checked,
        "with_findings": with_findings,
        "digest": digest,
        "rules": dict(cur.fetchall()),
    }


# --- ours (a Django process) -----------------------------------------------------------------------


def ours() -> dict:
    """`proposal_items_recheck` over the forwarded items in the assessment's chunks, timed, with the
    engine's share timed inside it (Django set up)."""
    from determination.services import CHUNK
    from proposals.item import ProposalItem, integrity_recheck, proposal_items_recheck

    with timing(integrity_recheck, "item_findings_set") as clock:
        t0 = time.perf_counter()
        changed = proposal_items_recheck(items=ProposalItem.objects.filter(state="forwarded"), chunk=CHUNK)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "changed": changed, "engine": clock["seconds"], "chunks": clock["calls"]}


def ours_plans(min_ms: float) -> list[dict]:
    """The plans of one chunk's statements (auto_explain, ANALYZE) slower than `min_ms`: the engine's
    statements and the UPDATE, as they run inside `proposal_items_recheck`."""
    from django.db import connection

    from determination.services import CHUNK
    from proposals.item import ProposalItem, proposal_items_recheck

    plans: list[dict] = []

    def notice(diag) -> None:
        text = diag.message_primary or ""
        match = re.match(r"duration: ([0-9.]+) ms\s+plan:\n?(.*)", text, re.S)
        if match:
            # The statement's text comes first, then the plan: the text shortened (the UPDATE's carries
            # the chunk's JSON document).
            lines = match.group(2).splitlines()
            start = next((i for i, line in enumerate(lines) if "(cost=" in line), 0)
            query = " ".join(" ".join(lines[:start]).split())
            plans.append({"ms": float(match.group(1)), "plan": "\n".join([query[:240], *lines[start:]])})

    ids = list(
        ProposalItem.objects.filter(state="forwarded").order_by("pk").values_list("pk", flat=True)[:CHUNK]
    )
    connection.ensure_connection()
    connection.connection.add_notice_handler(notice)
    try:
        with connection.cursor() as cur:
            cur.execute("LOAD 'auto_explain'")
            cur.execute("SET auto_explain.log_level = notice")
            cur.execute("SET auto_explain.log_analyze = on")
            cur.execute(f"SET auto_explain.log_min_duration = {int(min_ms)}")
        proposal_items_recheck(items=ids, chunk=CHUNK)
    finally:
        with connection.cursor() as cur:
            cur.execute("SET auto_explain.log_min_duration = -1")
        connection.connection.remove_notice_handler(notice)
    return sorted(plans, key=lambda p: -p["ms"])


# --- (b) the civil-registry step --------------------------------------------------------------------

# The Dukcapil extract of the forwarded items' persons (bench_civil_check.EXTRACT_COLUMNS), with
# planted differences by a hash of the person (per thousand): 10 a slip in the name, 5 another name,
# 5 day and month swapped, 5 another KK, 5 no record.
EXTRACT_SQL = """
COPY (
    SELECT nik, CASE WHEN h < 10 AND length(nama) > 3
                     THEN left(nama, length(nama) - 2) || right(nama, 1) || substr(nama, length(nama) - 1, 1)
                     WHEN h BETWEEN 10 AND 14 THEN nama || ' SANTOSO' ELSE nama END,
           tempat_lahir,
           CASE WHEN h BETWEEN 15 AND 19 AND extract(day FROM tanggal_lahir) <= 12
                THEN make_date(extract(year FROM tanggal_lahir)::int, extract(day FROM tanggal_lahir)::int,
                               extract(month FROM tanggal_lahir)::int)
                ELSE tanggal_lahir END,
           jenis_kelamin,
           CASE WHEN h BETWEEN 20 AND 24 AND no_kk <> '' THEN left(no_kk, 12) || '0001' ELSE no_kk END,
           village_code, alamat
    FROM (SELECT DISTINCT ON (n.nik) n.nik, upper(p.nama) AS nama, p.tempat_lahir, p.tanggal_lahir, p.jenis_kelamin,
                 coalesce(dtks_normalise_id(i.no_kk), '') AS no_kk, i.village_code, upper(i.alamat) AS alamat,
                 mod(hashtext(p.item_id || ':' || p.position) & 2147483647, 1000) AS h
          FROM proposals_proposalperson p JOIN proposals_proposalitem i ON i.id = p.item_id
          CROSS JOIN LATERAL (SELECT dtks_normalise_id(p.nik) AS nik) n
          WHERE i.state = 'forwarded' AND n.nik IS NOT NULL AND dtks_id_error(n.nik, true, true) IS NULL
            AND p.tanggal_lahir IS NOT NULL
          ORDER BY n.nik, p.item_id, p.position) x
    WHERE h NOT BETWEEN 25 AND 29
) TO STDOUT WITH (FORMAT csv)
"""

CIVIL_FLOOR_SQL = r"""
SELECT p.item_id, p.position, c.nik IS NULL AS missing
FROM proposals_proposalperson p
JOIN proposals_proposalitem i ON i.id = p.item_id AND i.state = 'forwarded' AND i.kind <> 'deletion'
CROSS JOIN LATERAL (SELECT dtks_normalise_id(p.nik) AS nik OFFSET 0) n
LEFT JOIN civil_civilperson c ON c.extract_id = %(extract)s AND c.nik = n.nik
WHERE n.nik IS NOT NULL AND length(n.nik) = 16
  AND (c.nik IS NULL
       OR (upper(btrim(regexp_replace(p.nama, '\s+', ' ', 'g'))) <> ''
           AND upper(btrim(regexp_replace(p.nama, '\s+', ' ', 'g'))) <> upper(btrim(regexp_replace(c.nama, '\s+', ' ', 'g'))))
       OR p.tanggal_lahir <> c.tanggal_lahir
       OR (p.jenis_kelamin <> '' AND c.jenis_kelamin <> '' AND p.jenis_kelamin <> c.jenis_kelamin)
       OR (coalesce(dtks_normalise_id(i.no_kk), '') <> '' AND c.no_kk <> '' AND dtks_normalise_id(i.no_kk) <> c.no_kk)
       OR (i.village_code <> '' AND c.village_code <> '' AND i.village_code <> c.village_code))
"""


def write_dukcapil(cur, path: Path) -> int:
    """The extract file of the forwarded items' persons (see EXTRACT_SQL); returns its rows."""
    from benchmarks.bench_civil_check import EXTRACT_COLUMNS

    rows = 0
    with path.open("wb") as fh:
        fh.write((",".join(EXTRACT_COLUMNS) + "\n").encode())
        with cur.copy(EXTRACT_SQL) as cp:
            for block in cp:
                fh.write(block)
                rows += bytes(block).count(b"\n")
    return rows


def civil_ours() -> dict:
    """The forwarded items checked again with the civil-registry rules only (the re-checkers' shared
    loop, as `proposal_items_civil_recheck` runs it), the similarity step timed inside it."""
    import dtks.civil.checking as checking
    from determination.services import CHUNK
    from dtks.audit.services import SystemActor
    from proposals.item import ProposalItem
    from proposals.item.integrity_recheck import CIVIL_SYSTEM_ACTOR, Recheck, recheck

    rules = frozenset(checking.RULES)
    spec = Recheck(rules=rules, replaces=rules, action="proposal_item.civil_recheck", stamp=False)
    with timing(checking, "compare") as clock:
        t0 = time.perf_counter()
        changed = recheck(
            ProposalItem.objects.filter(state="forwarded"),
            spec=spec,
            actor=SystemActor(CIVIL_SYSTEM_ACTOR),
            chunk=CHUNK,
        )
        seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "changed": changed,
        "similarity": clock["seconds"],
        "compared": clock["calls"],
    }


def civil_floor(cur, extract: int) -> dict:
    cur.execute("SET LOCAL jit = off")
    cur.execute(CIVIL_FLOOR_SQL, {"extract": extract})
    n = missing = 0
    while batch := cur.fetchmany(5000):
        n += len(batch)
        missing += sum(1 for r in batch if r[2])
    return {"rows": n, "missing": missing}


# --- child processes -------------------------------------------------------------------------------


def child(kind: str, arg: str) -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    from proposals.item.integrity import CLOSED_STATES

    if kind == "measure":
        out = ours()
        with connection.cursor() as cur:
            out["written"] = written(cur)
    elif kind == "floor":
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            rows = floor(cur)
        out = {"seconds": time.perf_counter() - t0, "rows": rows}
        with connection.cursor() as cur:
            out["written"] = written(cur)
    elif kind == "plans":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + floor_sql(), {"closed": list(CLOSED_STATES)})
            plan = "\n".join(r[0] for r in cur.fetchall())
            transaction.set_rollback(True)
        out = {"floor": plan, "ours": ours_plans(float(arg))}
    elif kind == "civil":
        from dtks.civil.models import Extract, Settings

        settings = Settings.load()
        settings.source = Settings.Source.EXTRACT
        settings.save()
        extract = Extract.objects.get(current=True).pk
        out = {"ours": [], "floor": []}
        for _ in range(int(arg)):
            with connection.cursor() as cur:  # every run finds the same differences to write
                cur.execute("UPDATE proposals_proposalitem SET findings = '[]' WHERE state = 'forwarded'")
                cur.execute("VACUUM ANALYZE proposals_proposalitem")
            out["ours"].append(civil_ours())
            t0 = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cur:
                f = civil_floor(cur, extract)
            out["floor"].append({"seconds": time.perf_counter() - t0, **f})
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FILTER (WHERE f ->> 'rule' = 'CIVIL_REGISTRY_MISMATCH'), "
                "count(*) FILTER (WHERE f -> 'detail' -> 'parts' @> '[{\"part\": \"not_found\"}]') "
                "FROM proposals_proposalitem i, jsonb_array_elements(i.findings) f WHERE i.state = 'forwarded'"
            )
            out["findings"], out["not_found"] = cur.fetchone()
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(out))
    return 0


def run_child(server: Server, db: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_assessment_recheck", "--child", *args],
        cwd=ROOT, env=server.django_env(db), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"child {args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- main ------------------------------------------------------------------------------------------


def _indent(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")


def measure_a(server: Server, scratch: str, filled: str, repeat: int, n: dict) -> tuple[bool, bool]:
    runs: dict[str, list[dict]] = {"ours": [], "floor": []}
    for i in range(repeat):
        server.recreate(scratch, filled)
        server.checkpoint()
        o = run_child(server, scratch, "measure", "")
        runs["ours"].append(o)
        server.recreate(scratch, filled)
        server.checkpoint()
        runs["floor"].append(run_child(server, scratch, "floor", ""))
        seconds = runs["floor"][-1]["seconds"]
        print(f"  [{i + 1}/{repeat}] ours {o['seconds']:.2f} s (engine {o['engine']:.2f} s), floor {seconds:.2f} s"
              f"  ({busy()})", flush=True)  # fmt: skip
    o = statistics.median(r["seconds"] for r in runs["ours"])
    f = statistics.median(r["seconds"] for r in runs["floor"])
    e = statistics.median(r["engine"] for r in runs["ours"])
    ratio = o / f
    first = runs["ours"][0]
    print(f"\n== (a) the re-run of {n['forwarded']:,} forwarded items ({n['persons_forwarded']:,} persons), "
          f"civil-registry rules off, median of {repeat} ==")  # fmt: skip
    print(
        f"  floor  one SQL statement (checks, findings, UPDATE), commit  {f:8.2f} s   {n['forwarded'] / f:,.0f} items/s"
    )
    print(
        f"  ours   proposal_items_recheck                            {o:8.2f} s   {n['forwarded'] / o:,.0f} items/s"
    )
    print(f"           the engine (item_findings_set, {first['chunks']} chunks)          {e:8.2f} s")
    print(f"           the rest (locks, UPDATE, audit, commits)        {o - e:8.2f} s")
    print(f"  ours / floor = {ratio:.2f}  (goal ≤ {RATIO_GOAL})  {verdict(ratio <= RATIO_GOAL)}")
    w_ours, w_floor = first["written"], runs["floor"][0]["written"]
    same = all(r["written"] == w_ours for r in runs["ours"] + runs["floor"])
    print(f"  written: {w_ours['items']:,} items checked ({w_ours['checked']:,} stamped), "
          f"{w_ours['with_findings']:,} with findings; the same findings as the floor's: {same}")  # fmt: skip
    print("  findings by rule: " + ", ".join(f"{k} {v:,}" for k, v in w_ours["rules"].items()))
    if not same:
        print(f"  the floor's: {w_floor}")
    return ratio <= RATIO_GOAL, same


def show_plans(server: Server, scratch: str, filled: str, min_ms: float) -> None:
    server.recreate(scratch, filled)
    p = run_child(server, scratch, "plans", str(min_ms))
    print("\n  plan, floor (EXPLAIN ANALYZE, rolled back):")
    print(_indent(p["floor"]))
    print(f"\n  plans, ours: one chunk's statements over {min_ms:g} ms (auto_explain), slowest first:")
    for entry in p["ours"]:
        print(f"    -- {entry['ms']:.1f} ms")
        print(_indent(entry["plan"]))


def measure_b(server: Server, scratch: str, filled: str, repeat: int, workdir: Path, n: dict) -> None:
    from benchmarks.bench_civil_check import run_child as civil_child

    server.recreate(scratch, filled)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "dukcapil-items.csv"
    with server.connect(scratch) as conn, conn.cursor() as cur:
        rows = write_dukcapil(cur, path)
    manifest = workdir / "dukcapil-items.json"
    manifest.write_text(json.dumps({"csv": str(path), "rows": rows, "registry_niks": rows}))
    x = civil_child(server, scratch, "--child-extract", str(manifest))
    print(
        f"\nDukcapil extract of the forwarded items' persons: {x['persons']:,} rows loaded in {x['seconds']:.1f} s (untimed)"
    )
    server.checkpoint()
    m = run_child(server, scratch, "civil", str(repeat))
    for i, (o, f) in enumerate(zip(m["ours"], m["floor"], strict=True)):
        print(f"  [{i + 1}/{repeat}] ours {o['seconds']:.2f} s (similarity {o['similarity']:.2f} s), "
              f"floor {f['seconds']:.2f} s  ({busy()})")  # fmt: skip
    o = statistics.median(r["seconds"] for r in m["ours"])
    sim = statistics.median(r["similarity"] for r in m["ours"])
    f = statistics.median(r["seconds"] for r in m["floor"])
    first = m["ours"][0]
    items = n["forwarded"]
    print(f"\n== (b) the civil-registry step: {items:,} forwarded items checked again with the civil-registry rules "
          f"only, median of {repeat} ==")  # fmt: skip
    print(f"  floor  one SQL join, rows fetched         {f:8.2f} s   {m['floor'][0]['rows']:,} rows differ "
          f"({m['floor'][0]['missing']:,} not found)")  # fmt: skip
    print(f"  ours   the civil re-check (shared loop)   {o:8.2f} s   {first['changed']:,} items' findings changed, "
          f"{m['findings']:,} findings ({m['not_found']:,} not found)")  # fmt: skip
    print(f"           similarity step (compare)        {sim:8.2f} s   {first['compared']:,} candidates, "
          f"{1e6 * sim / max(1, first['compared']):.1f} µs each")  # fmt: skip
    print(f"           the rest                         {o - sim:8.2f} s")
    print(f"  per item: ours {1e6 * o / items:.0f} µs ({1e6 * (o - sim) / items:.0f} µs without the similarity step); "
          f"floor {1e6 * f / items:.0f} µs")  # fmt: skip
    print(f"  ours without the similarity step / floor = {(o - sim) / f:.2f}; ours / floor = {o / f:.2f}")
    path.unlink(missing_ok=True)
    manifest.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=100_000, help="forwarded items")
    p.add_argument("--persons", type=int, default=1_000_000, help="registry persons")
    p.add_argument("--repeat", type=int, default=3)
    server_arguments(p, db_name="dtks_bench_recheck")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--plan-ms", type=float, default=20, help="ours' statements slower than this are printed")
    p.add_argument("--no-civil", action="store_true", help="skip (b), the civil-registry step")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(*args.child)

    server = Server(args.database_url, args.pg_option)
    template, filled, scratch = f"{args.db_name}_tpl", f"{args.db_name}_filled", args.db_name
    print(f"Benchmark: the assessment's integrity re-run vs one SQL statement, {args.items:,} forwarded items, "
          f"{args.persons:,} registry persons, repeat {args.repeat}")  # fmt: skip
    villages = template_villages(server, template, args.pg_option, SESSION)
    out = args.workdir / f"recheck-{args.persons}-{args.seed}"
    registry = generate(
        persons=args.persons, out_dir=out, villages=villages, seed=args.seed, period=f"{PERIOD}-01"
    )
    t0 = time.perf_counter()
    loaded = measure_load(server, filled, template, registry, PERIOD, out / "manifest.json")
    print(f"\nRegistry of {loaded['persons']:,} persons loaded in {time.perf_counter() - t0:.1f} s (untimed)")
    with server.connect(filled, autocommit=True) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        with conn.transaction():
            n = fill(cur, items=args.items)
        cur.execute("VACUUM ANALYZE")
    print(f"Filled {n['items']:,} items ({n['forwarded']:,} forwarded) and {n['persons']:,} persons "
          f"({n['persons_forwarded']:,} in forwarded items) in {time.perf_counter() - t0:.1f} s (untimed), {busy()}")  # fmt: skip

    ok, same = measure_a(server, scratch, filled, args.repeat, n)
    show_plans(server, scratch, filled, args.plan_ms)
    if not args.no_civil:
        measure_b(server, scratch, filled, args.repeat, out, n)
    print()
    print_settings(server.settings(template), args.pg_option, SESSION)
    if not args.keep:
        for db in (scratch, filled, template):
            server.drop(db)
        for f in (registry.csv, registry.person_tsv, registry.family_tsv, registry.membership_tsv):
            Path(f).unlink(missing_ok=True)
    if not same:
        print("The findings written differ from the floor's")
        return 2
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
