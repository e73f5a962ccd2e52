"""Baseline load (docs/design.md §5): an existing DTKS extract becomes the first published period.

COPY into a staging table, set-based validation, then INSERT … SELECT into the version tables and
the integrity findings, all in one transaction. Rows with a format error or that would break a
constraint are reported per row and not loaded; the rest load with their findings recorded.
Publication happens in the same transaction as the write — the registry is empty before a baseline,
so no reader can see a half-loaded period — which spares rewriting every row to flip `published`.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.copy import LibpqWriter

from dtks.audit.services import audit_record

from .fields import CODED, HOUSE_FIELDS, MULTI_VALUED, label_id
from .identity import IdCheck
from .integrity import integrity_findings_write
from .models import Batch
from .reading import TEMPLATE_COLUMNS, FileRefused, Sheet, cell_text, open_sheet, parse_date, staged_rows

logger = logging.getLogger(__name__)

# Single-valued coded columns -> code list; multi-valued ones are split on ; , |
MAX_LENGTH = {"nama": 150, "tempat_lahir": 100, "alamat": 255}


ID_ERRORS = ("excel", "format", "province", "region_zero", "date", "serial")


class BaselineRefused(Exception):
    """The load cannot start (not a row problem); the message is for the user."""


@dataclass
class BaselineResult:
    batch_id: int
    period: date
    already_loaded: bool = False
    rows_read: int = 0
    rows_refused: int = 0
    persons: int = 0
    families: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def row_error_message(code: str, *, value: str | None) -> tuple[str, str]:
    """('nik:format', value) -> (field, message in Bahasa Indonesia naming the field and the fix)."""
    field_name, _, kind = code.partition(":")
    label = label_id(field_name)
    if field_name in ("nik", "no_kk") and kind in ID_ERRORS:
        return field_name, IdCheck(field=field_name, value=value).message(kind)
    messages = {
        "required": f"{label} wajib diisi.",
        "required_in_family": f"{label} wajib diisi untuk anggota keluarga (baris dengan no_kk); "
        "hanya individu di luar keluarga yang boleh tanpa NIK.",
        "date": f"{label} bukan tanggal yang ada ({value}); tulis YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY.",
        "unknown": f'{label} "{value}" tidak ada di daftar kode; gunakan salah satu kode/label yang berlaku.',
        "format": f'{label} harus angka 1–3 digit (tertulis "{value}").',
        "too_long": f"{label} terlalu panjang (maksimal {MAX_LENGTH.get(field_name)} karakter).",
        "region_unknown": f'{label} "{value}" bukan kode kelurahan/desa Kemendagri 2025 (10 digit); '
        "periksa kode wilayahnya.",
    }
    return field_name, messages[kind]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# -- staging -------------------------------------------------------------------------------------------
#
# `load_raw` holds the file's cells as written (one text column per template column, plus the
# columns the header has that the template does not); `load_stage` is a view over it with the birth
# date parsed. A CSV goes in with one `COPY … (FORMAT csv)` of its bytes;
# anything else (XLSX, or a CSV the server's parser refuses: ragged rows, blank lines, quoted line
# breaks) row by row through `staged_rows`.

STAGE_TABLES = ("load_raw", "load_dates", "load_codes", "load_maps", "load_multi", "load_norm")
# Python's str.strip() set, as far as a DTKS file ever has it (NBSP comes from Excel).
_TRIM = "E' \\t\\r\\n\\v\\f' || U&'\\00A0'"
TRIM_CHARS = _TRIM  # for other loaders that stage with `stage_sheet` (dtks/civil/loading.py)


_FILLED_FIRST = {
    c: k for k, c in reversed(list(enumerate(("nik", "nama", "kode_wilayah", *TEMPLATE_COLUMNS))))
}


def stage_drop(cur) -> None:
    """Drop the staging relations of this session (inside an outer transaction, as in tests, a
    previous load's are still there)."""
    cur.execute("DROP VIEW IF EXISTS pg_temp.load_stage")
    for t in STAGE_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")


def copy_csv(cur, sheet: Sheet, columns: list[str]) -> int | None:
    """The whole file through the server's CSV parser, in a savepoint; None when it refuses the
    file or its rows do not line up with the file's lines (the caller then reads row by row)."""
    src = sheet.csv
    delimiter = src.delimiter.replace("'", "''")
    sql = (
        f"COPY load_raw ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, HEADER true, DELIMITER E'{delimiter}', ENCODING '{src.encoding}')"
    )
    lines, last = 0, b"\n"
    raw_cur = getattr(cur, "cursor", cur)  # Django's debug cursor's copy() takes no writer
    try:
        with transaction.atomic(), src.path.open("rb") as fh:
            # A synchronous writer: psycopg's default queues buffers for a background thread, so a
            # server slower than the file is read would let memory grow with the file.
            with raw_cur.copy(sql, writer=LibpqWriter(raw_cur)) as cp:
                while chunk := fh.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
                    cp.write(chunk)
            copied = raw_cur.rowcount
            # One record per line, or quoted line breaks shifted the row numbers: read row by row.
            if copied != lines - 1 + (last != b"\n"):
                raise _Misaligned
    except (DatabaseError, psycopg.Error, _Misaligned):
        return None
    return copied


class _Misaligned(Exception):
    pass


def stage_sheet(cur, sheet: Sheet) -> int:
    """Stage a sheet into `load_raw` and define `load_stage`; returns the rows staged."""
    stage_drop(cur)
    template = sheet.template.columns
    extra = [f"x{i}" for i, c in enumerate(sheet.columns) if c is None]
    cols = ", ".join(f"{c} text" for c in (*template, *extra))
    # The identity numbers the rows of a COPY as the lines of the file (the header is line 1).
    cur.execute(f"CREATE TEMP TABLE load_raw (row_no int GENERATED BY DEFAULT AS IDENTITY (START 2), {cols})")
    rows = None
    if sheet.csv is not None:
        rows = copy_csv(cur, sheet, [c or f"x{i}" for i, c in enumerate(sheet.columns)])
        if rows is not None:
            # Rows of nothing but delimiters and spaces are skipped, as `staged_rows` does.
            # The columns a real row fills come first, so the test stops at its first cell.
            present = sorted((c for c in template if c in sheet.columns), key=_FILLED_FIRST.get)
            blank = " AND ".join(f"({c} IS NULL OR btrim({c}, {_TRIM}) = '')" for c in present)
            cur.execute(f"DELETE FROM load_raw WHERE {blank}")
            rows -= cur.rowcount
    if rows is None:
        rows = 0
        raw_cur = getattr(cur, "cursor", cur)  # Django's debug cursor's copy() takes no writer
        with raw_cur.copy(
            f"COPY load_raw (row_no, {', '.join(template)}) FROM STDIN", writer=LibpqWriter(raw_cur)
        ) as cp:
            for row in staged_rows(sheet):
                cp.write_row(row)
                rows += 1
    # Temporary tables are never auto-analyzed; without statistics the planner picks nested loops.
    cur.execute("ANALYZE load_raw (row_no, tanggal_lahir)")
    # Each distinct spelling of a birth date is parsed once, by the reader's own parse_date.
    cur.execute("CREATE TEMP TABLE load_dates (raw text PRIMARY KEY, iso date, ok boolean NOT NULL)")
    cur.execute("SELECT DISTINCT tanggal_lahir FROM load_raw WHERE tanggal_lahir IS NOT NULL")
    spellings = [r[0] for r in cur.fetchall()]
    with cur.copy("COPY load_dates (raw, iso, ok) FROM STDIN") as cp:
        for raw in spellings:
            text = cell_text("tanggal_lahir", raw)
            parsed = parse_date(text) if text is not None else None
            cp.write_row((raw, parsed, text is None or parsed is not None))
    cur.execute("ANALYZE load_dates")
    # Cells stay as written (the checks trim only what they must: a trim costs ~0.4 µs a cell); the
    # birth date is replaced by its parsed form.
    raw = ", ".join(f"r.{c}" for c in template if c != "tanggal_lahir")
    cur.execute(
        f"""CREATE TEMP VIEW load_stage AS
            SELECT r.row_no, {raw},
                   CASE WHEN d.iso IS NOT NULL THEN d.iso::text
                        ELSE nullif(btrim(r.tanggal_lahir, {_TRIM}), '') END AS tanggal_lahir,
                   coalesce(d.ok, true) AS tanggal_lahir_ok, d.iso AS birth_date
            FROM load_raw r LEFT JOIN load_dates d ON d.raw = r.tanggal_lahir"""
    )
    return rows


# -- set-based validation --------------------------------------------------------------------------------


def _digits(expr: str, n: int) -> str:
    """`expr` is exactly n ASCII digits — without a regex, which costs ~2 µs a row here."""
    return f"(length({expr}) = {n} AND ltrim({expr}, '0123456789') = '')"


def _norm_sql(*, person_ids: bool, maps: dict[str, str], village: str | None = None) -> str:
    # Code lists are looked up in small jsonb maps written into the statement as constants: no
    # joins (sixteen hash joins cost more in passing wide rows up than the lookups themselves) and
    # no parameters (a map read from a table per row is 25× slower than a constant).
    def code_map(name: str) -> str:
        return "'" + maps.get(name, "{}").replace("'", "''") + "'::jsonb"

    # The map has each code as written and the upper-cased, trimmed form of codes and labels: a file
    # that writes the codes needs one lookup a cell.
    coded = ",\n".join(
        f"coalesce({code_map(c)} ->> {c}, {code_map(c)} ->> replace(upper(btrim({c}, {_TRIM})), '_', ' '))"
        f" AS {c}_code"
        for c in CODED
    )
    multi = ",\n".join(
        f"CASE WHEN {c} IS NULL THEN '{{}}' ELSE ({code_map('multi:' + c)} ->> {c})::text[] END AS {c}_codes"
        for c in MULTI_VALUED
    )
    errors = [
        f"'nik:' || dtks_id_error(s.nik, true, {code_map('province')} ? left(s.nik, 2))",
        "CASE WHEN s.no_kk IS NOT NULL AND s.nik IS NULL THEN 'nik:required_in_family' END",
        f"'no_kk:' || dtks_id_error(s.no_kk, false, {code_map('province')} ? left(s.no_kk, 2))",
        "CASE WHEN NOT s.tanggal_lahir_ok THEN 'tanggal_lahir:date' END",
        "CASE WHEN s.kode_wilayah IS NULL THEN 'kode_wilayah:required'"
        " WHEN v.code IS NULL THEN 'kode_wilayah:region_unknown'"
        + (f" WHEN v.code <> '{village}' THEN 'kode_wilayah:other_village'" if village else "")
        + " END",
        *(
            f"CASE WHEN length(s.{c}) > 3 OR translate(s.{c}, '0123456789', '') <> '' THEN '{c}:format' END"
            for c in ("rt", "rw")
        ),
        *(f"CASE WHEN length(s.{c}) > {n} THEN '{c}:too_long' END" for c, n in MAX_LENGTH.items()),
        *(
            f"CASE WHEN s.{c}_code IS NULL AND btrim(s.{c}, {_TRIM}) <> '' THEN '{c}:unknown' END"
            for c in CODED
        ),
        *(f"CASE WHEN {code_map('multibad:' + c)} ? s.{c} THEN '{c}:unknown' END" for c in MULTI_VALUED),
    ]
    # A proposal import validates the same way but writes no registry rows: no person ids drawn.
    person_id = (
        "CASE WHEN cardinality(x.errors) = 0 THEN nextval('registry_person_id_seq') END"
        if person_ids
        else "NULL::bigint"
    )
    # concat_ws skips the NULLs (no error); a valid row gets '' and so the empty array.
    return f"""
    CREATE TEMP TABLE load_norm AS
    SELECT {person_id} AS person_id, x.*
    FROM (
        SELECT s.row_no, s.nik, s.no_kk,
               coalesce(s.nama, '') AS nama, coalesce(s.tempat_lahir, '') AS tempat_lahir,
               s.birth_date AS tanggal_lahir,
               v.code AS village_code,
               coalesce(lpad(s.rt, 3, '0'), '') AS rt, coalesce(lpad(s.rw, 3, '0'), '') AS rw,
               coalesce(s.alamat, '') AS alamat,
               {", ".join(f"s.{c}_code AS {c}" for c in CODED)},
               {", ".join(f"s.{c}_codes AS {c}" for c in MULTI_VALUED)},
               string_to_array(concat_ws(' ', {", ".join(errors)}), ' ') AS errors
        -- OFFSET 0 keeps this subquery from being flattened: each normalised value and code is
        -- computed once per row, not again at every reference the checks make to it.
        FROM (SELECT row_no, dtks_normalise_id(nik) AS nik, dtks_normalise_id(no_kk) AS no_kk,
               nullif(btrim(nama, {_TRIM}), '') AS nama, nullif(btrim(tempat_lahir, {_TRIM}), '') AS tempat_lahir,
               nullif(btrim(alamat, {_TRIM}), '') AS alamat, birth_date, tanggal_lahir_ok,
               nullif(btrim(rt, {_TRIM}), '') AS rt, nullif(btrim(rw, {_TRIM}), '') AS rw,
               CASE WHEN {_digits("kode_wilayah", 10)} THEN kode_wilayah
                    ELSE nullif(regexp_replace(kode_wilayah, '[^0-9]', '', 'g'), '') END AS kode_wilayah,
               {", ".join((*CODED, *MULTI_VALUED))},
               {coded},
               {multi}
              FROM load_stage OFFSET 0) s
        LEFT JOIN regions_region v ON v.code = s.kode_wilayah AND v.level = 4
        -- Fenced too: the person id's test of `errors` would otherwise compute the array again.
        OFFSET 0
    ) x
    """


def _maps_sql() -> str:
    """`load_maps`: per code list, {normalised code or label: code}; per multi-valued column, each
    distinct value the file has → its known codes as an array literal, and the values with an
    unknown part; 'province' → the province codes."""
    multi = " UNION ALL ".join(
        f"""SELECT 'multi:{c}', jsonb_object_agg(raw, codes) FROM load_multi WHERE col = '{c}'
            UNION ALL
            SELECT 'multibad:{c}', jsonb_object_agg(raw, true) FILTER (WHERE bad) FROM load_multi
            WHERE col = '{c}'"""
        for c in MULTI_VALUED
    )
    return f"""
    CREATE TEMP TABLE load_maps AS
    SELECT list, jsonb_object_agg(key, code) AS map
    FROM (SELECT DISTINCT list, key, code FROM load_codes
          UNION SELECT list, code, code FROM registry_code WHERE active) c
    GROUP BY list
    UNION ALL {multi}
    UNION ALL SELECT 'province', jsonb_object_agg(code, true) FROM regions_region WHERE level = 1
    """


def _multi_sql() -> str:
    """`load_multi`: each distinct value of a multi-valued column, split on ; , | and mapped (the
    three columns in one scan of the rows)."""
    values = ", ".join(f"('{c}', r.{c})" for c in MULTI_VALUED)
    return f"""
    CREATE TEMP TABLE load_multi AS
    SELECT d.col, d.raw,
           coalesce(array_agg(l.code ORDER BY t.ord) FILTER (WHERE l.code IS NOT NULL), '{{}}')::text AS codes,
           coalesce(bool_or(l.code IS NULL AND btrim(t.v) <> ''), false) AS bad,
           string_agg(btrim(t.v), ', ') FILTER (WHERE l.code IS NULL AND btrim(t.v) <> '') AS bad_values
    FROM (SELECT DISTINCT x.col, x.raw FROM load_raw r CROSS JOIN LATERAL (VALUES {values}) AS x(col, raw)
          WHERE x.raw IS NOT NULL) d
    CROSS JOIN LATERAL unnest(regexp_split_to_array(d.raw, '[;,|]')) WITH ORDINALITY t(v, ord)
    LEFT JOIN load_codes l ON l.list = d.col AND l.key = replace(upper(btrim(t.v)), '_', ' ')
         AND btrim(t.v) <> ''
    GROUP BY d.col, d.raw"""


def stage_validate(cur, *, person_ids: bool = True, village: str | None = None) -> None:
    """Set-based validation of `load_stage` into `load_norm`: normalised values and an `errors`
    array of 'field:kind' codes per row. Shared by the baseline load, the proposal import and the
    fix of one import row (proposals/imports/services.py, fix.py). `village` (a proposal import):
    a row of any other village gets 'kode_wilayah:other_village'."""
    if village is not None and not (len(village) == 10 and village.isdigit()):
        raise ValueError(f"not a village code: {village!r}")
    cur.execute(
        """CREATE TEMP TABLE load_codes AS
           SELECT DISTINCT list, replace(upper(k), '_', ' ') AS key, code
           FROM registry_code, LATERAL (VALUES (code), (label)) AS keys(k) WHERE active"""
    )
    cur.execute(_multi_sql())
    cur.execute(_maps_sql())
    cur.execute("SELECT list, map::text FROM load_maps WHERE map IS NOT NULL")
    cur.execute(_norm_sql(person_ids=person_ids, maps=dict(cur.fetchall()), village=village))
    if person_ids:
        # The baseline load joins families and members on these; the import only scans the table.
        cur.execute("ANALYZE load_norm (row_no, person_id, nik, no_kk)")


def stage_refused(cur, *, where: str = "n.person_id IS NULL") -> list[tuple[int, str, str | None]]:
    """(row_no, 'field:kind', offending value) for every error of `load_norm`, by row."""
    multi = " ".join(f"WHEN '{c}' THEN s.{c}" for c in MULTI_VALUED)
    cur.execute(
        f"""SELECT n.row_no, e.code, btrim(CASE split_part(e.code, ':', 1)
               WHEN 'nik' THEN s.nik WHEN 'no_kk' THEN s.no_kk WHEN 'tanggal_lahir' THEN s.tanggal_lahir
               WHEN 'kode_wilayah' THEN s.kode_wilayah WHEN 'rt' THEN s.rt WHEN 'rw' THEN s.rw
               WHEN 'kriteria' THEN m.bad_values WHEN 'disabilitas' THEN m.bad_values
               WHEN 'program' THEN m.bad_values
               ELSE (to_jsonb(s) ->> split_part(e.code, ':', 1)) END, {_TRIM})
           FROM load_norm n
           CROSS JOIN LATERAL unnest(n.errors) AS e(code)
           JOIN load_stage s ON s.row_no = n.row_no
           LEFT JOIN load_multi m ON m.col = split_part(e.code, ':', 1)
                AND m.raw = CASE m.col {multi} END
           WHERE {where} ORDER BY n.row_no"""
    )
    return cur.fetchall()


VERSION_TABLES = ("registry_personversion", "registry_familyversion", "registry_membershipversion")


def _defer_indexes(cur, tables: tuple[str, ...]) -> list[str]:
    """For tables that are empty (a baseline fills an empty registry), drop the secondary indexes
    and return their definitions: building an index once after the rows are in is cheaper than
    maintaining it row by row (PostgreSQL manual, "Populating a Database"). The drop holds each
    table's lock to the end of the transaction; a rollback restores the indexes."""
    cur.execute(
        "SELECT c.relname FROM pg_class c WHERE c.oid = ANY(%s::regclass[]) AND c.relkind = 'r'",
        [list(tables)],
    )
    empty = []
    for (table,) in cur.fetchall():
        cur.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")
        if cur.fetchone()[0]:
            empty.append(table)
    if not empty:
        return []
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
           ORDER BY 1""",
        [empty],
    )
    indexes = cur.fetchall()
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def registry_baseline_load(
    *, path: Path, period: date, actor: str, progress: Callable[[str], None] | None = None
) -> BaselineResult:
    """Load a DTKS extract (template of docs/design.md §6) as the registry's first published period."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, t0: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - t0, 3)
        return now

    path = Path(path)
    if not path.is_file():
        raise BaselineRefused(f"Berkas tidak ditemukan: {path}")
    if period.day != 1:
        raise BaselineRefused("Periode harus hari pertama bulan (YYYY-MM).")
    sha = _sha256(path)
    sheet = open_sheet(path)  # FileRefused for a file that is not the template

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('dtks.registry.baseline'))")
        # The load's sorts and hashes (families by KK, members to families, the integrity rules)
        # run in memory rather than in temporary files; for this transaction only.
        cur.execute("SET LOCAL work_mem = '64MB'")
        existing = Batch.objects.filter(kind=Batch.Kind.BASELINE).first()
        if existing is not None:
            if existing.source_sha256 == sha:
                return BaselineResult(
                    batch_id=existing.pk,
                    period=existing.period,
                    already_loaded=True,
                    rows_read=existing.rows_read,
                    rows_refused=existing.rows_refused,
                    persons=existing.persons,
                    families=existing.families,
                )
            raise BaselineRefused(
                f"Registri sudah berisi muat awal periode {existing.period:%Y-%m} "
                f"(batch {existing.pk}); muat awal hanya untuk registri kosong."
            )
        batch = Batch.objects.create(
            kind=Batch.Kind.BASELINE,
            period=period,
            source_name=path.name[:255],
            source_sha256=sha,
            actor=actor,
        )
        t = time.perf_counter()
        say("Menyalin baris ke tabel sementara (COPY)…")
        rows_read = stage_sheet(cur, sheet)
        t = step("copy_stage", t)
        say("Memeriksa format dan kode (berbasis himpunan)…")
        stage_validate(cur)
        t = step("validate", t)

        # Refused rows: reported per row and field, not loaded.
        refused = stage_refused(cur)
        if refused:
            with cur.copy("COPY registry_loaderror (batch_id, row, field, code, message) FROM STDIN") as cp:
                for row_no, code, value in refused:
                    field_name, message = row_error_message(code, value=value)
                    cp.write_row((batch.pk, row_no, field_name, code.partition(":")[2], message[:300]))
        rows_refused = len({r[0] for r in refused})
        t = step("report_refused", t)

        say("Menulis versi keluarga, orang dan keanggotaan…")
        rebuild = _defer_indexes(cur, VERSION_TABLES)
        cur.execute(
            # The family's row: its head's (KEPALA KELUARGA), else its first; found by hashing, not
            # by sorting a million wide rows.
            f"""CREATE TEMP TABLE load_family ON COMMIT DROP AS
                SELECT nextval('registry_family_id_seq') AS family_id, n.no_kk, n.village_code, n.rt, n.rw,
                       n.alamat, {", ".join(f"n.{h}" for h in HOUSE_FIELDS)}
                FROM (SELECT coalesce(min(row_no) FILTER (WHERE hubungan_keluarga = 'KEPALA KELUARGA'),
                                      min(row_no)) AS row_no
                      FROM load_norm WHERE person_id IS NOT NULL AND no_kk IS NOT NULL GROUP BY no_kk) h
                JOIN load_norm n ON n.row_no = h.row_no"""
        )
        t = step("families_dedupe", t)
        version = "valid_from, published, batch_id"
        cur.execute(
            f"""INSERT INTO registry_personversion ({version}, person_id, nik, nama, tempat_lahir, tanggal_lahir,
                    jenis_kelamin, status_perkawinan, village_code, rt, rw, alamat, kategori, kriteria,
                    disabilitas, program)
                SELECT %(period)s, true, %(batch)s, person_id, nik, nama, tempat_lahir, tanggal_lahir,
                    coalesce(jenis_kelamin, ''), coalesce(status_perkawinan, ''), village_code, rt, rw, alamat,
                    coalesce(kategori, ''), kriteria, disabilitas, program
                FROM load_norm WHERE person_id IS NOT NULL""",
            {"period": period, "batch": batch.pk},
        )
        persons = cur.rowcount
        t = step("write_persons", t)
        cur.execute(
            f"""INSERT INTO registry_familyversion ({version}, family_id, no_kk, village_code, rt, rw, alamat,
                    {", ".join(HOUSE_FIELDS)})
                SELECT %(period)s, true, %(batch)s, family_id, no_kk, village_code, rt, rw, alamat,
                    {", ".join(f"coalesce({h}, '')" for h in HOUSE_FIELDS)}
                FROM load_family""",
            {"period": period, "batch": batch.pk},
        )
        families = cur.rowcount
        t = step("write_families", t)
        cur.execute(
            f"""INSERT INTO registry_membershipversion ({version}, family_id, person_id, hubungan_keluarga)
                SELECT %(period)s, true, %(batch)s, f.family_id, n.person_id, coalesce(n.hubungan_keluarga, '')
                FROM load_norm n JOIN load_family f ON f.no_kk = n.no_kk
                WHERE n.person_id IS NOT NULL""",
            {"period": period, "batch": batch.pk},
        )
        # The integrity rules join these tables within the same transaction: give the planner the
        # new row counts (ANALYZE sees this transaction's rows), or it plans for empty tables.
        t = step("write_memberships", t)
        if rebuild:
            say("Membangun indeks…")
            # Sorted builds of the indexes dropped above (the unique one checks its rows here).
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in rebuild:
                cur.execute(definition)
            t = step("build_indexes", t)
        # Only the columns the integrity rules join and filter on (autovacuum analyzes the rest).
        cur.execute(
            "ANALYZE registry_personversion (nik, person_id, batch_id, published, valid_to),"
            " registry_familyversion (family_id, batch_id), registry_membershipversion (person_id, family_id, batch_id)"
        )
        t = step("analyze", t)

        say("Menjalankan aturan integritas…")
        findings = integrity_findings_write(batch_id=batch.pk)
        t = step("integrity", t)
        stage_drop(cur)
        cur.execute("DROP TABLE IF EXISTS pg_temp.load_family")

        Batch.objects.filter(pk=batch.pk).update(
            rows_read=rows_read,
            rows_refused=rows_refused,
            persons=persons,
            families=families,
            published_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="registry.baseline_published",
            object_type="registry.batch",
            object_id=batch.pk,
            detail={
                "period": f"{period:%Y-%m}",
                "file": path.name,
                "sha256": sha,
                "rows_read": rows_read,
                "rows_refused": rows_refused,
                "persons": persons,
                "families": families,
                "findings": findings,
            },
        )
    result = BaselineResult(
        batch_id=batch.pk,
        period=period,
        rows_read=rows_read,
        rows_refused=rows_refused,
        persons=persons,
        families=families,
        findings=findings,
        warnings=list(sheet.warnings),
        seconds=round(time.perf_counter() - started, 3),
        steps=steps,
    )
    logger.info(
        "baseline load batch=%s rows=%s refused=%s in %.1fs",
        batch.pk,
        rows_read,
        rows_refused,
        result.seconds,
    )
    return result


__all__ = [
    "TRIM_CHARS",
    "BaselineRefused",
    "BaselineResult",
    "FileRefused",
    "registry_baseline_load",
    "row_error_message",
    "stage_drop",
    "stage_refused",
    "stage_sheet",
    "stage_validate",
]
