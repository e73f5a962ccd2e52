"""Loading a civil-registry (Dukcapil) extract (docs/civil_registry.md, "The extract").

    civil_extract_load(*, path, source, extract_date, actor, extract=None, progress=None) -> LoadResult

The file (CSV or XLSX, columns EXTRACT_TEMPLATE) is read by the registry's own reader and staged with
`COPY` (dtks/registry/loading.py: the same staging, date parsing and office spellings as the baseline
load), validated in SQL, and its valid rows written as a new generation of `civil_civilperson`.
Refused rows are reported per row and field (`ExtractError`) and not loaded. The new generation becomes
current in one UPDATE at the end — before that no reader sees any of its rows, after it every reader
sees all of them — and generations older than the previous one are removed.

In autocommit (the management command, the task) the validation and the write overlap on two
connections: this one streams the validated rows out with `COPY (SELECT …) TO STDOUT`, a second one
copies them in with `COPY … FROM STDIN` (`_pipe_write`); inside an outer transaction one statement does
both (`_validate_and_write`). Same rows, same refusals.

Each step commits on its own (the rows of a generation that is not current are invisible to readers),
so the upload page can show the progress written between steps; a load that fails leaves its
generation marked failed and its rows removed. The same file as the current extract is a no-op.

The extract's status changes only through its transitions (models.Extract: start, finish,
match_current, fail), each with its audit row (`civil_extract_step`); progress and counts are plain
updates.
"""

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, connections, transaction
from django.utils import timezone
from psycopg.copy import LibpqWriter

from dtks.audit.services import audit_record
from dtks.registry.loading import TRIM_CHARS as _TRIM
from dtks.registry.loading import row_error_message, stage_drop, stage_sheet
from dtks.registry.reading import FileRefused, Template, open_sheet

from .models import Extract
from .rechecks import rechecks_run

logger = logging.getLogger(__name__)

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
EXTRACT_TEMPLATE = Template(
    EXTRACT_COLUMNS, EXTRACT_COLUMNS, "Gunakan kolom ekstrak Dukcapil (docs/civil_registry.md)"
)
MAX_LENGTH = {"nama": 150, "tempat_lahir": 100, "alamat": 255}
# Spellings of the sex column seen in Dukcapil and office files, upper-cased and trimmed.
SEX = {"L": "L", "P": "P", "LK": "L", "PR": "P", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKI": "L",
       "PEREMPUAN": "P", "WANITA": "P", "PRIA": "L", "1": "L", "2": "P"}  # fmt: skip
LOCK = "dtks.civil.extract_load"
STEP_TABLES = ("civil_bad", "civil_repeated", "civil_dup")
PERSON_COLUMNS = ("extract_id", "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "no_kk",
                  "village_code", "alamat")  # fmt: skip
# Validation and write overlapped on two connections when the load runs in autocommit (False: always
# the single statement, as inside an outer transaction).
PIPELINE = True
# The load's own transactions: hashes and sorts of a million rows in memory (docs/civil_registry.md).
WORK_MEM = "64MB"


# The audit action of each transition of an extract (models.Extract).
STEP_ACTIONS = {
    "start": "civil.extract_load_start",
    "finish": "civil.extract_loaded",
    "match_current": "civil.extract_same",
    "fail": "civil.extract_failed",
}


class ExtractRefused(Exception):
    """The load cannot start (not a row problem); the message is for the user."""


def civil_extract_step(
    *, extract_id: int, transition: str, actor, detail: dict | None = None, **fields
) -> Extract:
    """One transition of an extract's status (`transition`, a name in STEP_ACTIONS), the row locked,
    with `fields` saved in the same UPDATE and its audit row, in one transaction. TransitionNotAllowed
    from a state the machine does not leave that way."""
    action = STEP_ACTIONS[transition]
    with transaction.atomic():
        extract = Extract.objects.select_for_update().get(pk=extract_id)
        before = extract.status
        getattr(extract, transition)()
        for name, value in fields.items():
            setattr(extract, name, value)
        extract.save(update_fields=["status", "updated_at", *fields])
        audit_record(
            actor=actor,
            action=action,
            object_type="civil.extract",
            object_id=extract.pk,
            detail={"from": before, "to": extract.status, **(detail or {})},
        )
    return extract


def civil_extract_fail(*, extract_id: int, actor, message: str) -> Extract:
    """The extract failed (a system step), saying why; its rows are the caller's to remove. An extract
    no longer queued or loading stays as it is: failed already (the loader failed it before its
    caller saw the error), or done (the error came after it was loaded)."""
    with transaction.atomic():
        extract = Extract.objects.select_for_update().get(pk=extract_id)
        if extract.status not in (Extract.Status.QUEUED, Extract.Status.LOADING):
            return extract
        return civil_extract_step(
            extract_id=extract_id,
            transition="fail",
            actor=actor,
            progress="",
            error_message=message[:2000],
            finished_at=timezone.now(),
        )


@dataclass
class LoadResult:
    extract: Extract
    already_loaded: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def row_message(code: str, *, value: str | None) -> tuple[str, str]:
    """('nik:duplicate', value) -> (field, message naming the field and the fix)."""
    field_name, _, kind = code.partition(":")
    if kind == "duplicate":
        return (
            field_name,
            f"NIK {value} sudah ada di baris sebelumnya dalam ekstrak ini; satu NIK satu baris.",
        )
    if field_name == "jenis_kelamin" and kind == "unknown":
        return field_name, f'Jenis kelamin "{value}" tidak dikenal; tulis L atau P (Laki-laki/Perempuan).'
    if kind == "too_long":
        return field_name, f"{field_name} terlalu panjang (maksimal {MAX_LENGTH[field_name]} karakter)."
    return row_error_message(code, value=value)


def _sex_map() -> str:
    import json

    return json.dumps(SEX).replace("'", "''")


def _validate_sql(provinces: str, *, rows: str = "load_stage", cells: bool = False) -> str:
    """`provinces`: the province codes as a jsonb object literal (a constant is cheaper per row than a
    join, as in the baseline load). `rows`: the staged rows to validate (`load_stage`, or some of them).
    `cells`: also the cells a refusal names, as written (`_refused`)."""
    errors = [
        "CASE WHEN s.nik IS NULL THEN 'nik:required' END",
        "'nik:' || dtks_id_error(s.nik, true, {provinces} ? left(s.nik, 2))",
        "CASE WHEN s.nama IS NULL THEN 'nama:required' END",
        "CASE WHEN NOT s.tanggal_lahir_ok THEN 'tanggal_lahir:date'"
        " WHEN s.birth_date IS NULL THEN 'tanggal_lahir:required' END",
        "CASE WHEN s.jk_raw IS NULL THEN 'jenis_kelamin:required'"
        " WHEN s.jk IS NULL THEN 'jenis_kelamin:unknown' END",
        "'no_kk:' || dtks_id_error(s.no_kk, false, {provinces} ? left(s.no_kk, 2))",
        "CASE WHEN s.kode_wilayah IS NULL THEN 'kode_wilayah:required'"
        " WHEN v.code IS NULL THEN 'kode_wilayah:region_unknown' END",
        *(f"CASE WHEN length(s.{c}) > {n} THEN '{c}:too_long' END" for c, n in MAX_LENGTH.items()),
    ]
    errors = [e.replace("{provinces}", provinces) for e in errors]
    cell_columns = ", s.cell_nik, s.cell_no_kk, s.cell_tgl, s.cell_jk, s.cell_kode" if cells else ""
    cell_sources = (
        "nik AS cell_nik, no_kk AS cell_no_kk, CASE WHEN NOT tanggal_lahir_ok THEN tanggal_lahir END AS cell_tgl,"
        " jenis_kelamin AS cell_jk, kode_wilayah AS cell_kode,"
        if cells
        else ""
    )
    return f"""
    SELECT s.row_no, s.nik, s.no_kk, s.nama, s.tempat_lahir, s.birth_date AS tanggal_lahir, s.jk, v.code AS village_code,
           s.alamat, concat_ws(' ', {", ".join(errors)}) AS errors{cell_columns}
    FROM (SELECT {cell_sources} row_no, dtks_normalise_id(nik) AS nik, dtks_normalise_id(no_kk) AS no_kk,
                 nullif(btrim(nama, {_TRIM}), '') AS nama,
                 nullif(btrim(tempat_lahir, {_TRIM}), '') AS tempat_lahir,
                 nullif(btrim(alamat, {_TRIM}), '') AS alamat, birth_date, tanggal_lahir_ok,
                 nullif(btrim(jenis_kelamin, {_TRIM}), '') AS jk_raw,
                 CASE WHEN jenis_kelamin IN ('L', 'P') THEN jenis_kelamin
                      ELSE '{_sex_map()}'::jsonb ->> upper(btrim(jenis_kelamin, {_TRIM})) END AS jk,
                 -- Ten digits as written need no regex (~1 µs a row).
                 CASE WHEN length(kode_wilayah) = 10 AND ltrim(kode_wilayah, '0123456789') = '' THEN kode_wilayah
                      ELSE nullif(regexp_replace(kode_wilayah, '[^0-9]', '', 'g'), '') END AS kode_wilayah
          FROM {rows} OFFSET 0) s
    LEFT JOIN regions_region v ON v.code = s.kode_wilayah AND v.level = 4
    """


def _validate_and_write(cur, extract: Extract, provinces: str) -> int:
    """One statement: validate the staged rows, write the valid ones as the new generation (in NIK
    order: the unique (extract_id, nik) index then grows at its right edge), and note in `civil_bad`
    the error codes of the refused ones — their errors, or a NIK an earlier valid row has. The
    validated rows are held once, in the statement's own materialised CTE, not in a table of their own.
    Returns the number of rows written."""
    cur.execute("CREATE TEMP TABLE civil_bad (row_no int, code text)")
    cur.execute(
        f"""WITH norm AS MATERIALIZED ({_validate_sql(provinces)}),
            dup AS MATERIALIZED (
                SELECT nik, min(row_no) AS first FROM norm WHERE nik IS NOT NULL AND errors = ''
                GROUP BY nik HAVING count(*) > 1),
            bad AS (
                INSERT INTO civil_bad
                SELECT n.row_no, e.code FROM norm n
                CROSS JOIN LATERAL unnest(string_to_array(n.errors, ' ')) AS e(code) WHERE n.errors <> ''
                UNION ALL
                SELECT n.row_no, 'nik:duplicate' FROM norm n
                JOIN dup d ON d.nik = n.nik AND n.row_no > d.first AND n.errors = '')
            INSERT INTO civil_civilperson
                (extract_id, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, no_kk, village_code, alamat)
            SELECT %s, n.nik, n.nama, coalesce(n.tempat_lahir, ''), n.tanggal_lahir, n.jk, coalesce(n.no_kk, ''),
                   n.village_code, coalesce(n.alamat, '')
            FROM norm n
            WHERE n.errors = ''
              AND NOT EXISTS (SELECT 1 FROM dup d WHERE d.nik = n.nik AND n.row_no > d.first)
            ORDER BY n.nik""",
        [extract.pk],
    )
    return cur.rowcount


def _stream_sql(extract: Extract, provinces: str) -> str:
    """Every staged row once, validated as it is read (COPY text). A valid row: the columns of
    `civil_civilperson` (PERSON_COLUMNS). A refused one: '!<row_no> <codes>', then the cells its codes
    can name as `_refused` shows them (REFUSAL_CELLS). A NIK repeated in the file is refused on every
    valid row after its first valid one (`civil_dup`)."""
    return f"""
    SELECT CASE WHEN e = '' THEN '{int(extract.pk)}' ELSE '!' || row_no || ' ' || e END,
           CASE WHEN e = '' THEN nik ELSE btrim(cell_nik) END,
           CASE WHEN e = '' THEN nama ELSE btrim(cell_no_kk) END,
           CASE WHEN e = '' THEN coalesce(tempat_lahir, '') ELSE btrim(cell_tgl) END,
           CASE WHEN e = '' THEN tanggal_lahir::text ELSE btrim(cell_jk) END,
           CASE WHEN e = '' THEN jk ELSE btrim(cell_kode) END,
           coalesce(no_kk, ''), village_code, coalesce(alamat, '')
    FROM (SELECT n.*, CASE WHEN n.errors <> '' THEN n.errors WHEN n.row_no > d.first THEN 'nik:duplicate'
                           ELSE '' END AS e
          FROM ({_validate_sql(provinces, cells=True)} OFFSET 0) n
          LEFT JOIN civil_dup d ON d.nik = n.nik OFFSET 0) x"""


# The fields after the first of a refused row's line in `_stream_sql`.
REFUSAL_CELLS = ("nik", "no_kk", "tanggal_lahir", "jenis_kelamin", "kode_wilayah")
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_text_field(raw: bytes) -> str | None:
    """One field of COPY's text format, unescaped."""
    if raw == b"\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), raw.decode())


def _refused_lines(lines: list[bytes]) -> list[tuple[int, str, str | None]]:
    """The refused rows' lines of `_stream_sql` as `_refused` gives them."""
    refused = []
    for line in lines:
        head, *cells = line.split(b"\t")
        row_no, _, codes = head[1:].decode().partition(" ")
        values = dict(zip(REFUSAL_CELLS, map(_copy_text_field, cells), strict=False))
        refused += [(int(row_no), code, values.get(code.partition(":")[0])) for code in codes.split()]
    return sorted(refused, key=lambda r: r[:2])


# Bytes of valid rows forwarded to the writing connection at a time.
PIPE_CHUNK = 1 << 20


def _pipe_write(cur, extract: Extract, provinces: str) -> tuple[int, list[tuple[int, str, str | None]]]:
    """The validation and the write on two connections, overlapped (docs/civil_registry.md
    "How a load runs"): this one streams the validated rows out (`COPY (SELECT …) TO STDOUT`, nothing
    materialised), a second one copies them into `civil_civilperson` (`COPY … FROM STDIN`) and commits —
    rows of a generation that is not current yet, which no reader sees. The refused rows come back
    as lines of their own, few, and are kept (as `_refused` would give them). Returns (rows written,
    refusals). Autocommit only: the second connection must see the new `Extract` row, and its rows
    outlive this transaction (a failure later removes them as a failed generation's)."""
    # Dates travel as text between the sessions: ISO whatever the server's default.
    cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    # The NIKs the file repeats, with their first rows; then each one's first valid row: its first
    # row, validated alone, or — only for a NIK whose first row is refused — the first of its others.
    # Only valid rows count, and a cell of 16 bytes is a valid NIK only as 16 digits, which
    # normalising leaves as they are: such cells are grouped as written (no per-row normalising).
    cur.execute(
        """CREATE TEMP TABLE civil_repeated AS
           SELECT CASE WHEN octet_length(nik) = 16 THEN nik ELSE dtks_normalise_id(nik) END AS nik,
                  min(row_no) AS first
           FROM load_raw GROUP BY 1 HAVING count(*) > 1
                                      AND CASE WHEN octet_length(nik) = 16 THEN nik ELSE dtks_normalise_id(nik) END
                                          IS NOT NULL"""
    )
    first_rows = "load_stage WHERE row_no IN (SELECT first FROM civil_repeated)"
    cur.execute(
        f"""CREATE TEMP TABLE civil_dup AS SELECT nik, row_no AS first
            FROM ({_validate_sql(provinces, rows=first_rows)}) n WHERE errors = ''"""
    )
    cur.execute(
        "SELECT EXISTS (SELECT FROM civil_repeated r WHERE NOT EXISTS (SELECT FROM civil_dup d WHERE d.nik = r.nik))"
    )
    if cur.fetchone()[0]:
        others = """load_stage WHERE dtks_normalise_id(nik) IN (
            SELECT nik FROM civil_repeated r WHERE NOT EXISTS (SELECT FROM civil_dup d WHERE d.nik = r.nik))"""
        cur.execute(
            f"""INSERT INTO civil_dup SELECT nik, min(row_no)
                FROM ({_validate_sql(provinces, rows=others)}) n WHERE errors = '' GROUP BY nik"""
        )
    cur.execute("ANALYZE civil_dup")
    raw = getattr(cur, "cursor", cur)  # under Django's debug cursor, the psycopg cursor
    refused: list[bytes] = []
    writer = connections.create_connection(connection.alias)
    try:
        writer.ensure_connection()
        with writer.connection.cursor() as out:
            stmt = f"COPY civil_civilperson ({', '.join(PERSON_COLUMNS)}) FROM STDIN"
            # A failure on either side leaves the writer's COPY aborted (exited first): nothing written.
            with (
                raw.copy(f"COPY ({_stream_sql(extract, provinces)}) TO STDOUT") as src,
                out.copy(stmt, writer=LibpqWriter(out)) as dst,
            ):
                buf = bytearray()
                while data := src.read():
                    if data[0] == 33:  # "!": refused
                        refused.append(bytes(data))
                        continue
                    buf += data
                    if len(buf) >= PIPE_CHUNK:
                        dst.write(bytes(buf))
                        buf.clear()
                if buf:
                    dst.write(bytes(buf))
            persons = out.rowcount
    finally:
        writer.close()
    return persons, _refused_lines(refused)


def _refused(cur) -> list[tuple[int, str, str | None]]:
    """(row_no, 'field:kind', value) for every refused row, with the cell as written (a refused birth
    date was not parsed: shown trimmed)."""
    cur.execute(
        f"""SELECT b.row_no, b.code, btrim(CASE split_part(b.code, ':', 1)
                  WHEN 'nik' THEN s.nik WHEN 'no_kk' THEN s.no_kk
                  WHEN 'tanggal_lahir' THEN nullif(btrim(s.tanggal_lahir, {_TRIM}), '')
                  WHEN 'jenis_kelamin' THEN s.jenis_kelamin WHEN 'kode_wilayah' THEN s.kode_wilayah
                  ELSE NULL END)
            FROM civil_bad b JOIN load_raw s ON s.row_no = b.row_no
            ORDER BY 1, 2"""
    )
    return cur.fetchall()


def _write_refusals(cur, extract: Extract, refused) -> None:
    if not refused:
        return
    with cur.copy("COPY civil_extracterror (extract_id, row, field, code, message) FROM STDIN") as cp:
        for row_no, code, value in refused:
            field_name, message = row_message(code, value=value)
            cp.write_row((extract.pk, row_no, field_name, code.partition(":")[2], message[:300]))


def _validate_write(cur, extract: Extract, *, pipeline: bool) -> tuple[int, list]:
    """The staged rows validated, the valid ones written, the refused ones reported: (rows written,
    refusals)."""
    with transaction.atomic():
        cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for name in STEP_TABLES:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cur.execute("SELECT jsonb_object_agg(code, true)::text FROM regions_region WHERE level = 1")
        provinces = "'" + (cur.fetchone()[0] or "{}").replace("'", "''") + "'::jsonb"
        if pipeline:
            persons, refused = _pipe_write(cur, extract, provinces)
        else:
            persons = _validate_and_write(cur, extract, provinces)
            refused = _refused(cur)
        _write_refusals(cur, extract, refused)
    return persons, refused


def _make_current(cur, extract: Extract) -> None:
    """The new generation current, and its status done (the `finish` transition and its audit row);
    generations older than the previous one, and failed ones, removed. One transaction."""
    with transaction.atomic():
        cur.execute("SELECT id FROM civil_extract WHERE current FOR UPDATE")
        previous = [r[0] for r in cur.fetchall()]
        cur.execute("UPDATE civil_extract SET current = false WHERE current")
        cur.execute(
            "UPDATE civil_extract SET current = true, progress = '', finished_at = %s WHERE id = %s",
            [timezone.now(), extract.pk],
        )
        row = Extract.objects.get(pk=extract.pk)
        civil_extract_step(
            extract_id=extract.pk,
            transition="finish",
            actor=row.actor,
            detail={
                "source": row.source,
                "extract_date": row.extract_date.isoformat(),
                "file": row.file_name,
                "sha256": row.sha256,
                "rows_read": row.rows_read,
                "rows_refused": row.rows_refused,
                "persons": row.persons,
            },
        )
        keep = [extract.pk, *previous]
        cur.execute(
            """DELETE FROM civil_civilperson WHERE extract_id IN (
                   SELECT id FROM civil_extract WHERE id <> ALL(%s) AND status IN ('done', 'failed'))""",
            [keep],
        )


def _stale_generations_remove(cur) -> None:
    """Rows of failed loads (a crash between steps) never become current: remove them."""
    cur.execute(
        """DELETE FROM civil_civilperson WHERE extract_id IN (
               SELECT id FROM civil_extract WHERE status = 'failed')"""
    )


def civil_extract_load(
    *,
    path: Path,
    source: str,
    extract_date: date,
    actor: str,
    extract: Extract | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Load an extract file as the current civil-registry generation (see the module docstring)."""
    started = time.perf_counter()
    # Two connections only in autocommit (the management command, the task): inside an outer
    # transaction the second one would not see its rows, and the rows must roll back with it.
    pipeline = PIPELINE and not connection.in_atomic_block
    steps: dict[str, float] = {}
    path = Path(path)
    if not path.is_file():
        raise ExtractRefused(f"Berkas tidak ditemukan: {path}")
    sha = file_sha256(path)
    current = Extract.objects.filter(current=True).first()
    if current is not None and current.sha256 == sha:
        if extract is not None and extract.pk != current.pk:
            civil_extract_step(
                extract_id=extract.pk, transition="match_current", actor=actor, detail={"current": current.pk},
                progress="", error_message="", finished_at=timezone.now(),
                rows_read=current.rows_read, rows_refused=current.rows_refused, persons=current.persons,
            )  # fmt: skip
        return LoadResult(extract=current, already_loaded=True)
    sheet = open_sheet(path, EXTRACT_TEMPLATE)  # FileRefused for a file without the columns
    if extract is None:
        extract = Extract.objects.create(
            source=source[:200], extract_date=extract_date, file_name=path.name[:255], sha256=sha, actor=actor
        )
    else:
        Extract.objects.filter(pk=extract.pk).update(sha256=sha)

    def say(step: str, message: str, t0: float) -> float:
        now = time.perf_counter()
        if step:
            steps[step] = round(now - t0, 3)
        Extract.objects.filter(pk=extract.pk).update(progress=message)
        if progress:
            progress(message)
        return now

    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK])
        if not cur.fetchone()[0]:
            civil_extract_fail(
                extract_id=extract.pk, actor=actor, message="Ekstrak lain sedang dimuat; coba lagi nanti."
            )
            raise ExtractRefused("Ekstrak lain sedang dimuat; coba lagi setelah selesai.")
        try:
            _stale_generations_remove(cur)
            # A load resumed after a dead worker is `loading` already: no transition.
            if Extract.objects.filter(pk=extract.pk, status=Extract.Status.QUEUED).exists():
                civil_extract_step(extract_id=extract.pk, transition="start", actor=actor)
            t = say("", "Menyalin baris ke tabel sementara (COPY)…", started)
            with transaction.atomic():
                rows_read = stage_sheet(cur, sheet)
            t = say("copy_stage", "Memeriksa format baris dan menulis yang benar…", t)
            persons, refused = _validate_write(cur, extract, pipeline=pipeline)
            # The set-based check joins on (extract_id, nik): their statistics are what it needs.
            cur.execute("ANALYZE civil_civilperson (extract_id, nik)")
            t = say("validate_write", "Menjadikan ekstrak ini yang berlaku…", t)
            Extract.objects.filter(pk=extract.pk).update(
                rows_read=rows_read, rows_refused=len({r[0] for r in refused}), persons=persons
            )
            _make_current(cur, extract)
            steps["switch"] = round(time.perf_counter() - t, 3)
            stage_drop(cur)
            for name in STEP_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        except Exception as exc:
            # Outside the failed step's transaction: the generation is marked failed, its rows removed.
            civil_extract_fail(extract_id=extract.pk, actor=actor, message=str(exc))
            _stale_generations_remove(cur)
            raise
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    extract.refresh_from_db()
    # Every open record a stage keeps findings for is checked against the new extract.
    rechecks_run(everything=True)
    result = LoadResult(
        extract=extract,
        warnings=list(sheet.warnings),
        seconds=round(time.perf_counter() - started, 3),
        steps=steps,
    )
    logger.info("civil extract %s: %s rows, %s refused in %.1fs", extract.pk, extract.rows_read,
                extract.rows_refused, result.seconds)  # fmt: skip
    return result


__all__ = [
    "EXTRACT_COLUMNS",
    "EXTRACT_TEMPLATE",
    "ExtractRefused",
    "FileRefused",
    "LoadResult",
    "civil_extract_fail",
    "civil_extract_load",
    "civil_extract_step",
]
