"""Stage 1 — the spreadsheet import of a musyawarah's proposals (docs/design.md §6; docs/security.md #7, #12, #14).

upload (checked before any parsing, stored under a generated name) → preview (COPY into a staging
table and the registry's set-based validation, rows grouped into items by no_kk, else NIK; the rows
of groups with an error kept in `ImportRow` for the operator to fix, the others staged, numbered as
items, in the unlogged `ImportStageRow`) → confirm (fixed groups join the stage) → items written in
chunks straight from the stage, each chunk one transaction: integrity findings first, then items
guarded by their unique natural key (a re-saved file or a replayed chunk adds nothing), then their
persons → done. Cancel saves nothing. The reading and the validation SQL are the baseline loader's
(dtks/registry/reading.py, loading.py); the findings are the integrity engine's set form.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import can_proceed
from psycopg.types.json import Jsonb

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope, region_q
from dtks.audit.services import audit_record
from dtks.core.idempotency import idempotency_claim
from dtks.registry.fields import HEAD, HOUSE_FIELDS, MULTI_VALUED
from dtks.registry.loading import (
    row_error_message,
    stage_drop,
    stage_refused,
    stage_sheet,
    stage_validate,
)
from dtks.registry.reading import FileRefused, open_sheet
from proposals.item.history import created_params, created_records_sql
from proposals.item.models import ProposalItem, ProposalPerson
from proposals.musyawarah.models import Musyawarah

from .models import ImportJob, ImportRow, ImportStageRow
from .selectors import import_musyawarah_for
from .upload import UploadRefused, display_name, inspect_upload, refuse, store_upload, too_big

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "sistem:impor"
OPEN_MUSYAWARAH = (Musyawarah.State.DRAFT, Musyawarah.State.HELD)
# Imports not finished: being checked, a preview waiting for fixes or a confirm, being written.
OPEN_IMPORTS = (ImportJob.Status.UPLOADED, ImportJob.Status.PREVIEWED, ImportJob.Status.IMPORTING)
ADVISORY_NAMESPACE = 4_2024  # pg_try_advisory_lock(namespace, job id): one runner per job
# Messages for the errors only the import knows (the rest are the baseline loader's).
IMPORT_MESSAGES = {
    "kode_wilayah:other_village": 'Kode wilayah "{value}" bukan kelurahan/desa musyawarah ini ({village}); '
    "hanya warga desa/kelurahan ini yang dapat diusulkan di sini.",
    "nik:duplicate_in_file": "NIK {value} sudah ada di baris lain berkas ini; hapus baris ganda.",
}


# -- services -----------------------------------------------------------------------------------------


def check_operator(*, user, musyawarah: Musyawarah) -> None:
    if user.role != Role.VILLAGE_OPERATOR or not in_scope(user, musyawarah.village_code):
        raise PermissionDenied("Hanya operator desa/kelurahan musyawarah ini yang dapat mengimpor usulan.")
    if musyawarah.state not in OPEN_MUSYAWARAH:
        raise ValidationError("Musyawarah ini sudah diajukan; usulan tidak dapat ditambah lagi.")


@transaction.atomic
def import_job_create(
    *, musyawarah_id: int, uploaded, actor, ip: str | None = None, idempotency_key: str | None = None
) -> ImportJob:
    """Check and store an uploaded CSV/XLSX for a musyawarah; the preview runs as a task. With an
    `idempotency_key`, the same key again is the same job: nothing is stored twice."""
    musyawarah = import_musyawarah_for(user=actor, musyawarah_id=musyawarah_id)
    check_operator(user=actor, musyawarah=musyawarah)
    claim = idempotency_claim(scope="proposal_import.upload", actor=actor, key=idempotency_key)
    if claim.replayed:
        return ImportJob.objects.get(pk=claim.object_id)
    if uploaded is None:
        raise refuse("Pilih berkas CSV atau XLSX.")
    if uploaded.size is not None and uploaded.size > settings.DTKS_IMPORT_MAX_BYTES:
        raise too_big()
    tmp, sha, size = store_upload(uploaded)
    try:
        fmt = inspect_upload(tmp)
    except UploadRefused:
        tmp.unlink(missing_ok=True)
        raise
    final = tmp.with_name(f"{tmp.stem}.{fmt}")
    tmp.rename(final)
    try:
        job = ImportJob.objects.create(
            musyawarah=musyawarah,
            village_code=musyawarah.village_code,
            stored_name=final.name,
            original_name=display_name(getattr(uploaded, "name", "")),
            file_format=fmt,
            file_size=size,
            sha256=sha,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="proposal_import.upload",
            object_type="proposals.import",
            object_id=job.pk,
            region_code=job.village_code,
            ip=ip,
            detail={"musyawarah": musyawarah.pk, "format": fmt, "bytes": size, "sha256": sha},
        )
        claim.answer(job.pk)
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    from proposals.tasks import import_preview

    import_preview.delay_on_commit(job.pk)
    return job


def _job_path(job: ImportJob) -> Path:
    return Path(settings.DTKS_IMPORT_DIR) / job.stored_name


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    """A session-level advisory lock: one runner per job; released even if the task fails.
    A killed worker's connection closes, which releases it for the resumed run."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, job_id])
        got = cur.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_NAMESPACE, job_id])


# The natural key of an item: its KK, else the NIK of an individual, else (no NIK yet) name + birth date.
GROUP_KEY_SQL = """CASE WHEN n.no_kk IS NOT NULL THEN 'kk:' || n.no_kk
                        WHEN n.nik IS NOT NULL THEN 'nik:' || n.nik
                        ELSE 'nama:' || upper(regexp_replace(n.nama, '\\s+', ' ', 'g')) || '|'
                             || coalesce(n.tanggal_lahir::text, '') END"""
# Within an item: the head (KEPALA KELUARGA) first, then the rows in file order.
MEMBER_ORDER = "(hubungan_keluarga = 'KEPALA KELUARGA') DESC, row_no"
# The columns of a staged row, and their values from a validated row `n` (the loader's `load_norm`).
STAGE_VALUES = {
    "row_no": "n.row_no",
    "nik": "n.nik",
    "nama": "left(n.nama, 150)",
    "tempat_lahir": "left(n.tempat_lahir, 100)",
    "tanggal_lahir": "n.tanggal_lahir",
    **{
        c: f"coalesce(n.{c}, '')"
        for c in ("jenis_kelamin", "status_perkawinan", "hubungan_keluarga", "kategori")
    },
    **{m: f"n.{m}" for m in MULTI_VALUED},
    "village_code": "coalesce(n.village_code, '')",
    "no_kk": "n.no_kk",
    "rt": "n.rt",
    "rw": "n.rw",
    "alamat": "left(n.alamat, 255)",
    **{h: f"coalesce(n.{h}, '')" for h in HOUSE_FIELDS},
}


def row_errors(refused, *, village: str) -> dict[int, list[dict]]:
    by_row: dict[int, list[dict]] = {}
    for row_no, code, value in refused:
        if code in IMPORT_MESSAGES:
            field_name = code.partition(":")[0]
            message = IMPORT_MESSAGES[code].format(value=value or "", village=village)
        else:
            field_name, message = row_error_message(code, value=value)
        by_row.setdefault(row_no, []).append(
            {"field": field_name, "code": code.partition(":")[2], "message": message}
        )
    return by_row


def import_job_preview(*, job_id: int) -> ImportJob | None:
    """Read the file, validate set-based, keep the rows to import and the rows to fix, count items.

    One transaction: interrupted, it leaves nothing and runs again from the file.
    """
    with _job_lock(job_id) as got:
        if not got:
            return None  # another worker is on it
        job = ImportJob.objects.get(pk=job_id)
        if job.status != ImportJob.Status.UPLOADED:
            return job
        try:
            _preview(job)
        except FileRefused as exc:
            _fail(job_id, str(exc))
        except Exception:
            # A file that breaks the reader must not be retried forever by the resume task.
            logger.exception("import %s: preview failed", job_id)
            _fail(
                job_id,
                "Berkas tidak dapat dibaca sampai selesai; simpan ulang dari templat lalu unggah lagi.",
            )
        return ImportJob.objects.get(pk=job_id)


def _fail(job_id: int, message: str) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.fail()
        job.error_message = message
        job.finished_at = timezone.now()
        job.save()
        _drop_rows(job)


def _drop_rows(job: ImportJob, *, keep_errors: bool = False) -> None:
    ImportStageRow.objects.filter(job_id=job.pk).delete()
    rows = ImportRow.objects.filter(job=job)
    (rows.filter(ok=True) if keep_errors else rows).delete()


def _session(cur) -> None:
    """The import's statements: sorts and hashes in memory (the loader's setting), no JIT (the
    statements run in milliseconds; compiling them cost ~1 s each once the tables grew)."""
    cur.execute("SET LOCAL work_mem = '64MB'")
    cur.execute("SET LOCAL jit = off")


def _preview(job: ImportJob) -> None:
    path = _job_path(job)
    if not path.is_file():
        raise FileRefused("Berkas unggahan tidak ditemukan lagi; unggah ulang.")
    sheet = open_sheet(path)
    with transaction.atomic(), connection.cursor() as cur:
        _session(cur)
        rows_total, stage_rows = _stage_file(cur, job, sheet)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.preview()
        job.rows_total = rows_total
        job.stage_rows = stage_rows
        import_job_recount(cur, job)
        job.warnings = list(sheet.warnings)
        job.save()


def _stage_file(cur, job: ImportJob, sheet, *, rebuild: bool = False) -> tuple[int, int]:
    """COPY the sheet into the loader's staging, validate it set-based, then split it by group: the
    rows of a group with any error go to ImportRow (durable: the operator fixes them there), the
    rows of the other groups to the stage, with the ids their items will have and their members'
    positions.

    `rebuild`: the stage was lost (PostgreSQL empties an unlogged table after a crash); the rows
    ImportRow already holds keep their (possibly fixed) values there. Returns (rows in the file,
    rows staged)."""
    rows_total = stage_sheet(cur, sheet)
    # What only an import checks: every row in the musyawarah's village, each NIK once per file.
    stage_validate(cur, person_ids=False, village=job.village_code)
    # The first row with a NIK keeps it; the later ones are the duplicates (a hash, not a sort).
    cur.execute(
        """UPDATE load_norm n SET errors = n.errors || ARRAY['nik:duplicate_in_file']
           FROM (SELECT nik, min(row_no) AS first FROM load_norm WHERE nik IS NOT NULL
                 GROUP BY nik HAVING count(*) > 1) d
           WHERE n.nik = d.nik AND n.row_no > d.first"""
    )
    # Rows with errors are few: their messages are written in Python, named by field.
    errors = row_errors(stage_refused(cur, where="cardinality(n.errors) > 0"), village=job.village_code)
    for t in ("imp_err", "imp_keys", "imp_blocked", "imp_order"):
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    cur.execute("CREATE TEMP TABLE imp_err (row_no int PRIMARY KEY, errors jsonb) ON COMMIT DROP")
    if errors:
        from psycopg.types.json import Jsonb

        with cur.copy("COPY imp_err (row_no, errors) FROM STDIN") as cp:
            for row_no, errs in errors.items():
                cp.write_row((row_no, Jsonb(errs)))
    owned = (
        "WHERE NOT EXISTS (SELECT 1 FROM proposals_importrow r WHERE r.job_id = %(job)s AND r.row_no = n.row_no)"
        if rebuild
        else ""
    )
    # Narrow rows to group and number; the wide validated rows are read once more, to be written.
    cur.execute(
        f"""CREATE TEMP TABLE imp_keys ON COMMIT DROP AS
            SELECT n.row_no, left({GROUP_KEY_SQL}, 200) AS group_key, e.row_no IS NOT NULL AS bad,
                   n.hubungan_keluarga = '{HEAD}' AS head, n.no_kk IS NOT NULL AS has_kk
            FROM load_norm n LEFT JOIN imp_err e ON e.row_no = n.row_no {owned}""",
        {"job": job.pk},
    )
    cur.execute(
        "CREATE TEMP TABLE imp_blocked ON COMMIT DROP AS SELECT DISTINCT group_key FROM imp_keys WHERE bad"
    )
    blocked = cur.rowcount
    house = ", ".join(f"'{h}', coalesce(n.{h}, '')" for h in HOUSE_FIELDS)
    if blocked:  # the rows of the groups with an error, kept for the operator to fix
        cur.execute(
            f"""INSERT INTO proposals_importrow (job_id, row_no, group_key, ok, errors, nik, no_kk, nama,
                    tempat_lahir, tanggal_lahir, jenis_kelamin, status_perkawinan, hubungan_keluarga,
                    village_code, rt, rw, alamat, kategori, {", ".join(MULTI_VALUED)}, house)
                SELECT %(job)s, n.row_no, k.group_key, e.row_no IS NULL, coalesce(e.errors, '[]'::jsonb),
                       n.nik, n.no_kk, left(n.nama, 150), left(n.tempat_lahir, 100), n.tanggal_lahir,
                       coalesce(n.jenis_kelamin, ''), coalesce(n.status_perkawinan, ''),
                       coalesce(n.hubungan_keluarga, ''), coalesce(n.village_code, ''), n.rt, n.rw,
                       left(n.alamat, 255), coalesce(n.kategori, ''), {", ".join(f"n.{m}" for m in MULTI_VALUED)},
                       jsonb_build_object({house})
                FROM imp_keys k JOIN imp_blocked b ON b.group_key = k.group_key
                JOIN load_norm n ON n.row_no = k.row_no LEFT JOIN imp_err e ON e.row_no = k.row_no""",
            {"job": job.pk},
        )
    # One sort of the narrow rows numbers each item's members (head first) and draws the items'
    # ids in key order, so the run writes them in that order, a range of ids a chunk.
    anti = "LEFT JOIN imp_blocked b ON b.group_key = k.group_key WHERE b.group_key IS NULL" if blocked else ""
    cur.execute(
        f"""CREATE TEMP TABLE imp_order ON COMMIT DROP AS
            SELECT max(x.head_id) OVER (PARTITION BY x.group_key COLLATE "C") AS item_id, x.*
            FROM (SELECT o.*, CASE WHEN o.position = 0 THEN nextval(%(sequence)s::regclass) END AS head_id
                  FROM (SELECT k.row_no, k.group_key, row_number() OVER w - 1 AS position,
                               count(*) OVER g AS members,
                               CASE WHEN k.has_kk THEN count(*) FILTER (WHERE k.head) OVER g ELSE 0 END AS heads
                        FROM imp_keys k {anti}
                        WINDOW g AS (PARTITION BY k.group_key COLLATE "C"),
                               w AS (PARTITION BY k.group_key COLLATE "C" ORDER BY k.head DESC, k.row_no)) o
                 ) x""",
        {"sequence": _item_sequence(cur)},
    )
    values = {**STAGE_VALUES, "group_key": "o.group_key"}
    cur.execute(
        f"""INSERT INTO proposals_importstagerow (job_id, item_id, position, members, heads, {", ".join(values)})
            SELECT %(job)s, o.item_id, o.position, o.members, o.heads, {", ".join(values.values())}
            FROM imp_order o JOIN load_norm n ON n.row_no = o.row_no""",
        {"job": job.pk},
    )
    stage_rows = cur.rowcount
    stage_drop(cur)
    return rows_total, stage_rows


def _item_sequence(cur) -> str:
    cur.execute("SELECT pg_get_serial_sequence('proposals_proposalitem', 'id')")
    return cur.fetchone()[0]


def ensure_stage(cur, job: ImportJob) -> None:
    """A stage lost to a crash (unlogged) is rebuilt from the stored file and ImportRow."""
    if not job.stage_rows or ImportStageRow.objects.filter(job_id=job.pk).exists():
        return
    path = _job_path(job)
    if not path.is_file():
        raise ValidationError("Berkas unggahan tidak ditemukan lagi; unggah ulang.")
    logger.warning("import %s: stage lost (server restart?); rebuilding it from the file", job.pk)
    _session(cur)
    _stage_file(cur, job, open_sheet(path), rebuild=True)
    if job.status == ImportJob.Status.IMPORTING:
        _stage_finalize(cur, job)
        # The rebuilt stage has new item ids: the run goes through it again from the start, and the
        # natural keys skip what it had written.
        job.cursor_item_id = 0
        job.groups_done = 0


def _stage_finalize(cur, job: ImportJob) -> None:
    """At confirm: the groups the operator fixed join the stage. A fixed group whose key a staged
    group has (a row moved into a family by its KK) joins that item; a group still with an error
    holds back the staged group of its key. Idempotent: a merged group keeps its item id, a new one
    draws one (after every staged item)."""
    J = {"job": job.pk}
    for t in ("imp_fix", "imp_moved"):
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    cur.execute(
        """CREATE TEMP TABLE imp_fix ON COMMIT DROP AS
           SELECT group_key, bool_and(ok) AS ok FROM proposals_importrow WHERE job_id = %(job)s
           GROUP BY group_key""",
        J,
    )
    if not cur.rowcount:
        return
    cur.execute("CREATE TEMP TABLE imp_moved (LIKE proposals_importstagerow) ON COMMIT DROP")
    cur.execute(
        """WITH moved AS (
               DELETE FROM proposals_importstagerow s USING imp_fix f
               WHERE s.job_id = %(job)s AND s.group_key = f.group_key RETURNING s.*)
           INSERT INTO imp_moved SELECT * FROM moved""",
        J,
    )
    # The rows of each group to stage again: its staged rows (less those ImportRow holds, staged by an
    # earlier finalize) and its ImportRow rows; numbered as the preview numbers them.
    content = ("group_key", *STAGE_VALUES)
    from_importrow = {
        **{c: f"r.{c}" for c in content},
        **{h: f"coalesce(r.house ->> '{h}', '')" for h in HOUSE_FIELDS},
    }
    cur.execute(
        f"""INSERT INTO proposals_importstagerow (job_id, item_id, position, members, heads, {", ".join(content)})
            SELECT %(job)s, k.item_id,
                   row_number() OVER (PARTITION BY u.group_key ORDER BY {MEMBER_ORDER}) - 1,
                   count(*) OVER g,
                   count(*) FILTER (WHERE u.no_kk IS NOT NULL AND u.hubungan_keluarga = '{HEAD}') OVER g,
                   {", ".join(f"u.{c}" for c in content)}
            FROM (SELECT {", ".join(content)} FROM imp_moved m
                  WHERE NOT EXISTS (SELECT 1 FROM proposals_importrow r
                                    WHERE r.job_id = %(job)s AND r.row_no = m.row_no)
                  UNION ALL
                  SELECT {", ".join(from_importrow[c] for c in content)}
                  FROM proposals_importrow r WHERE r.job_id = %(job)s) u
            JOIN (SELECT f.group_key, coalesce(m.item_id, nextval(%(sequence)s::regclass)) AS item_id
                  FROM imp_fix f LEFT JOIN (SELECT group_key, min(item_id) AS item_id FROM imp_moved GROUP BY 1) m
                       ON m.group_key = f.group_key
                  WHERE f.ok ORDER BY f.group_key COLLATE "C") k ON k.group_key = u.group_key
            WINDOW g AS (PARTITION BY u.group_key)""",
        {**J, "sequence": _item_sequence(cur)},
    )
    cur.execute("SELECT count(*) FROM proposals_importstagerow WHERE job_id = %(job)s", J)
    job.stage_rows = cur.fetchone()[0]


def import_job_recount(cur, job: ImportJob) -> None:
    """The preview's counts: items are groups of rows (by KK, else NIK), staged or held in ImportRow
    (a fixed row may join a staged family by its KK); a group with a bad row is blocked; a valid
    group an earlier import of this musyawarah already wrote exists. The stage must be there
    (`ensure_stage`)."""
    cur.execute(
        """WITH f AS (SELECT group_key, bool_and(ok) AS ok FROM proposals_importrow
                      WHERE job_id = %(job)s GROUP BY group_key),
                s AS (SELECT group_key FROM proposals_importstagerow WHERE job_id = %(job)s AND position = 0),
                g AS (SELECT coalesce(s.group_key, f.group_key) AS key, coalesce(f.ok, true) AS ok
                      FROM s FULL JOIN f ON f.group_key = s.group_key)
           SELECT (SELECT count(*) FROM proposals_importrow WHERE job_id = %(job)s AND NOT ok),
                  count(*), count(*) FILTER (WHERE NOT g.ok),
                  count(*) FILTER (WHERE g.ok AND EXISTS (
                      SELECT 1 FROM proposals_proposalitem i WHERE i.musyawarah_id = %(m)s
                      AND i.natural_key = g.key AND i.kind = 'addition'))
           FROM g""",
        {"job": job.pk, "m": job.musyawarah_id},
    )
    rows_invalid, items_total, items_blocked, items_existing = cur.fetchone()
    job.rows_invalid = rows_invalid
    job.items_total = items_total
    job.items_blocked = items_blocked
    job.items_existing = items_existing
    job.items_new = items_total - items_blocked - items_existing


def locked_job(job_id: int, *, actor) -> ImportJob:
    job = ImportJob.objects.select_for_update(no_key=True).filter(region_q(actor)).get(pk=job_id)
    return job


def import_job_confirm(*, job_id: int, actor, ip: str | None = None) -> ImportJob:
    """Previewed → importing: the valid items are written by a task (a retried confirm is harmless)."""
    with transaction.atomic():
        job = locked_job(job_id, actor=actor)
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
            return job
        if not can_proceed(job.confirm, check_conditions=False):
            raise ValidationError(f"Impor ini tidak dapat dikonfirmasi (status {job.get_status_display()}).")
        musyawarah = Musyawarah.objects.select_for_update(no_key=True).get(pk=job.musyawarah_id)
        check_operator(user=actor, musyawarah=musyawarah)
        if not job.items_new:
            raise ValidationError("Tidak ada usulan baru yang sah untuk diimpor dari berkas ini.")
        job.confirm()
        job.confirmed_by = actor
        with connection.cursor() as cur:
            ensure_stage(cur, job)
            _stage_finalize(cur, job)
        job.save()
        audit_record(
            actor=actor,
            action="proposal_import.confirm",
            object_type="proposals.import",
            object_id=job.pk,
            region_code=job.village_code,
            ip=ip,
            detail={"items": job.items_new, "musyawarah": job.musyawarah_id},
        )
        from proposals.tasks import import_run

        import_run.delay_on_commit(job.pk)
    return job


def import_job_cancel(*, job_id: int, actor, ip: str | None = None) -> ImportJob:
    """Nothing is saved: the staged rows and the stored file are removed."""
    with transaction.atomic():
        job = locked_job(job_id, actor=actor)
        if job.status == ImportJob.Status.CANCELLED:
            return job
        if not can_proceed(job.cancel, check_conditions=False):
            raise ValidationError(f"Impor ini tidak dapat dibatalkan (status {job.get_status_display()}).")
        if not job.cancel._django_fsm.has_transition_perm(job, job.status, actor):
            raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat membatalkan impor.")
        _cancel(job, actor=actor, action="proposal_import.cancel", ip=ip)
    return job


def _cancel(job: ImportJob, *, actor, action: str, ip: str | None = None, detail: dict | None = None) -> None:
    """The cancel itself, on a locked job: nothing is kept — staged rows, rows to fix, the stored
    file (once the transaction commits) — and an audit row says who or what cancelled it."""
    job.cancel()
    job.finished_at = timezone.now()
    job.save()
    _drop_rows(job)
    audit_record(
        actor=actor,
        action=action,
        object_type="proposals.import",
        object_id=job.pk,
        region_code=job.village_code,
        ip=ip,
        detail=detail,
    )
    path = _job_path(job)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def _insert_columns(model, given: dict[str, str]) -> tuple[str, str, dict]:
    """Columns and SELECT expressions for INSERT … SELECT into a model's table: the given SQL
    expressions, and every other column's Python default, so a field added later needs no edit."""
    cols, exprs, params = [], [], {}
    for f in model._meta.concrete_fields:
        if f.column in given:
            cols.append(f.column)
            exprs.append(given[f.column])
        elif f.primary_key:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            cols.append(f.column)
            exprs.append("now()")
        else:
            key = f"d_{f.column}"
            cols.append(f.column)
            exprs.append(f"%({key})s")
            params[key] = f.get_db_prep_save(f.get_default(), connection)
    return ", ".join(cols), ", ".join(exprs), params


# The chunk: the next items of the stage, a range of their ids (the primary key's order).
_CHUNK_END = """
SELECT max(item_id), count(*) FROM (SELECT item_id FROM proposals_importstagerow
                          WHERE job_id = %(job)s AND item_id > %(after)s AND position = 0
                          ORDER BY item_id LIMIT %(n)s) h
"""
_CHUNK = "s.job_id = %(job)s AND s.item_id > %(after)s AND s.item_id <= %(last)s"
# The chunk in the integrity engine's shape (proposals/item/integrity_set.py: staged_findings), as the items and
# persons will be saved: the rows passed the preview's validation, so every NIK is 16 valid digits
# or empty (NIK_PENDING) — the engine's own NIK check, already run once; a relation is kept only in
# a family with a KK. The items carry what the insert needs besides (their natural key), so that the
# stage is read twice a chunk: for the persons here, for their insert.
_CHUNK_PERSONS = f"""
CREATE TEMP TABLE ig_person ON COMMIT DROP AS
SELECT s.item_id, s.position, NULL::bigint AS target_person_id, s.nik, NULL::text AS nik_error, s.nama,
       s.tempat_lahir, s.tanggal_lahir, s.jenis_kelamin AS jk, s.status_perkawinan,
       CASE WHEN s.no_kk IS NOT NULL THEN s.hubungan_keluarga ELSE '' END AS hubungan_keluarga,
       s.nik IS NOT NULL AS valid, s.no_kk IS NOT NULL OR s.members > 1 AS is_family,
       s.no_kk IS NOT NULL OR s.members > 1 AS needs_nik,  -- the musyawarah channel: a family needs NIKs
       s.alamat AS item_alamat,  -- read for an individual, whose one row is its item's
       s.village_code, s.rt, s.rw, s.no_kk, s.members, s.heads, s.group_key,
       {", ".join(f"s.{h}" for h in HOUSE_FIELDS)}
FROM proposals_importstagerow s WHERE {_CHUNK}
"""
_CHUNK_ITEMS = f"""
CREATE TEMP TABLE ig_item ON COMMIT DROP AS
SELECT item_id AS id, '{ProposalItem.Channel.MUSYAWARAH.value}'::text AS channel, village_code, rt, rw,
       item_alamat AS alamat,
       CASE WHEN no_kk IS NOT NULL THEN jsonb_build_object({", ".join(f"'{h}', {h}" for h in HOUSE_FIELDS)})
            ELSE '{{}}'::jsonb END AS house,
       NULL::bigint AS pair_id, no_kk AS kk, is_family, members AS n, heads,
       '{{}}'::bigint[] AS excluded, '{{}}'::bigint[] AS targets, group_key AS natural_key
FROM ig_person WHERE position = 0
"""


def _item_insert_sql() -> tuple[str, dict]:
    S = ProposalItem
    cols, exprs, params = _insert_columns(
        ProposalItem,
        {
            "id": "i.id",
            "kind": f"'{S.Kind.ADDITION.value}'",
            "channel": f"'{S.Channel.MUSYAWARAH.value}'",
            "verifier": f"'{S.Verifier.REGENCY.value}'",
            "state": f"'{S.State.DRAFT.value}'",
            "musyawarah_id": "%(musyawarah)s",
            "village_code": "i.village_code",
            "no_kk": "coalesce(i.kk, '')",
            "rt": "i.rt",
            "rw": "i.rw",
            "alamat": "i.alamat",
            "house": "i.house",
            "findings": "coalesce(f.findings, '[]'::jsonb)",
            "natural_key": "i.natural_key",
            "created_by_id": "%(actor)s",
        },
    )
    # The item's content is its head's row (position 0). A key an earlier import of this musyawarah
    # wrote is skipped: the unique natural key is what makes a re-saved file add nothing.
    sql = f"""
        WITH written AS (
            INSERT INTO proposals_proposalitem ({cols})
            SELECT {exprs}
            FROM ig_item i LEFT JOIN imp_findings f ON f.item_id = i.id
            ON CONFLICT (musyawarah_id, natural_key, kind) WHERE natural_key IS NOT NULL DO NOTHING
            RETURNING id
        )
        INSERT INTO imp_written SELECT id FROM written"""
    return sql, params


def _person_insert_sql() -> tuple[str, dict]:
    cols, exprs, params = _insert_columns(
        ProposalPerson,
        {
            "item_id": "s.item_id",
            "position": "s.position",
            # The person's columns the stage has (the rest keep their defaults).
            **{
                f.column: f"s.{f.column}"
                for f in ProposalPerson._meta.concrete_fields
                if f.column in STAGE_VALUES
            },
            "hubungan_keluarga": "CASE WHEN s.no_kk IS NOT NULL THEN s.hubungan_keluarga ELSE '' END",
        },
    )
    sql = f"""
        INSERT INTO proposals_proposalperson ({cols})
        SELECT {exprs}
        FROM proposals_importstagerow s JOIN imp_written w ON w.id = s.item_id
        WHERE {_CHUNK}"""
    return sql, params


def _records_sql(job: ImportJob, actor) -> tuple[str, dict]:
    """The history and audit rows of a chunk's new items, by the items' one writer of them
    (proposals/item/history.py), straight from the ids the chunk wrote: every item of an import is a
    draft addition of the musyawarah's village."""
    detail = {
        "channel": ProposalItem.Channel.MUSYAWARAH.value,
        "kind": ProposalItem.Kind.ADDITION.value,
        "import": job.pk,
    }
    sql = created_records_sql(
        "SELECT id, %(draft)s::text AS to_state, %(village)s::text AS village_code, "
        "%(hdetail)s::jsonb AS hdetail, %(adetail)s::jsonb AS adetail FROM imp_written"
    )
    params = {
        **created_params(event="import", actor=actor, bulk=True),
        "draft": ProposalItem.State.DRAFT.value,
        "village": job.village_code,
        "hdetail": Jsonb({"stage": "proposal", **detail}),
        "adetail": Jsonb(detail),
    }
    return sql, params


def _chunk_findings(cur, *, params: dict, actor, rules) -> None:
    """The integrity engine's set form over the chunk before it is written, so each item is saved
    once, with its findings (`imp_findings`)."""
    from psycopg.types.json import Jsonb

    from proposals.item.integrity_set import staged_findings

    for t in ("ig_item", "ig_person", "imp_findings"):
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")
    cur.execute(_CHUNK_PERSONS, params)
    cur.execute(_CHUNK_ITEMS, params)
    found = staged_findings(cur, actor=actor, rules=rules)
    cur.execute("CREATE TEMP TABLE imp_findings (item_id bigint PRIMARY KEY, findings jsonb) ON COMMIT DROP")
    if found:
        with cur.copy("COPY imp_findings (item_id, findings) FROM STDIN") as cp:
            for item_id, findings in found.items():
                cp.write_row((item_id, Jsonb(findings)))


@dataclass
class RunResult:
    items_written: int = 0
    chunks: int = 0


def import_job_run(*, job_id: int, chunk: int | None = None, max_chunks: int | None = None) -> RunResult:
    """Write the valid items of a confirmed import, chunk by chunk, resuming after the last chunk
    committed. Each chunk, one transaction: the next items of the stage with ids drawn, their
    integrity findings, the items (ON CONFLICT on the natural key: a replayed chunk or a re-saved
    file adds nothing), the persons of the items written, the progress."""
    from proposals.item.integrity_set import resolve_rules

    size = chunk or settings.DTKS_IMPORT_CHUNK
    result = RunResult()
    with _job_lock(job_id) as got:
        if not got:
            return result
        job = ImportJob.objects.get(pk=job_id)
        if job.status != ImportJob.Status.IMPORTING:
            return result
        item_sql, item_params = _item_insert_sql()
        person_sql, person_params = _person_insert_sql()
        actor = job.confirmed_by or job.created_by
        records_sql, records_params = _records_sql(job, actor)
        rules = resolve_rules()
        while max_chunks is None or result.chunks < max_chunks:
            with transaction.atomic(), connection.cursor() as cur:
                _session(cur)
                job = ImportJob.objects.select_for_update(no_key=True).get(pk=job_id)
                ensure_stage(cur, job)
                params = {
                    "job": job.pk,
                    "musyawarah": job.musyawarah_id,
                    "actor": job.confirmed_by_id or job.created_by_id,
                    "after": job.cursor_item_id,
                    "n": size,
                    **item_params,
                    **person_params,
                }
                cur.execute("DROP TABLE IF EXISTS pg_temp.imp_written")
                cur.execute(_CHUNK_END, params)
                params["last"], groups = cur.fetchone()
                if not groups:
                    _finish(job)
                    break
                _chunk_findings(cur, params=params, actor=actor, rules=rules)
                cur.execute("CREATE TEMP TABLE imp_written (id bigint PRIMARY KEY) ON COMMIT DROP")
                cur.execute(item_sql, params)
                written = cur.rowcount
                cur.execute(person_sql, params)
                cur.execute(records_sql, records_params)
                job.cursor_item_id = params["last"]
                job.groups_done += groups
                job.items_done += written
                job.save(update_fields=["cursor_item_id", "groups_done", "items_done", "updated_at"])
                result.items_written += written
                result.chunks += 1
    return result


def _finish(job: ImportJob) -> None:
    job.finish()
    job.finished_at = timezone.now()
    job.save()
    # The valid rows live on as items; the rows with errors stay for the operator to read.
    _drop_rows(job, keep_errors=True)
    audit_record(
        actor=SYSTEM_ACTOR,
        action="proposal_import.done",
        object_type="proposals.import",
        object_id=job.pk,
        region_code=job.village_code,
        detail={"items": job.items_done, "musyawarah": job.musyawarah_id},
    )
    path = _job_path(job)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def import_jobs_expire(*, days: int | None = None) -> list[int]:
    """Previews nobody confirmed or cancelled for `DTKS_IMPORT_PREVIEW_DAYS` are cancelled by the
    system: their staged rows, rows to fix and stored file are removed, as a cancel removes them
    (the stage is a shared table; a forgotten preview must not stay in it). Returns the job ids."""
    limit = settings.DTKS_IMPORT_PREVIEW_DAYS if days is None else days
    before = timezone.now() - timedelta(days=limit)
    expired = []
    candidates = ImportJob.objects.filter(status=ImportJob.Status.PREVIEWED, updated_at__lte=before)
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None or job.status != ImportJob.Status.PREVIEWED or job.updated_at > before:
                continue
            job.error_message = (
                f"Pratinjau tidak dikonfirmasi selama {limit} hari sehingga dibatalkan otomatis; "
                "unggah berkasnya lagi bila masih diperlukan."
            )
            _cancel(job, actor=SYSTEM_ACTOR, action="proposal_import.expire", detail={"days": limit})
            expired.append(job.pk)
    return expired


def import_jobs_resume(*, stale_seconds: int | None = None) -> list[int]:
    """Unfinished imports not touched for a while are sent to a worker again (beat and worker
    start; recovery never relies on the broker redelivering). Returns the job ids sent."""
    from proposals.tasks import import_preview, import_run

    stale = stale_seconds if stale_seconds is not None else settings.DTKS_IMPORT_STALE_SECONDS
    before = timezone.now() - timedelta(seconds=stale)
    sent = []
    jobs = ImportJob.objects.filter(
        Q(status=ImportJob.Status.UPLOADED) | Q(status=ImportJob.Status.IMPORTING), updated_at__lte=before
    ).values_list("pk", "status")
    for pk, status in jobs:
        (import_preview if status == ImportJob.Status.UPLOADED else import_run).delay(pk)
        sent.append(pk)
    return sent
