"""Stage 1 — the spreadsheet import of a musyawarah's proposals (DESIGN.md §6; SECURITY.md #7, #12, #14).

upload (checked before any parsing, stored under a generated name) → preview (COPY into a staging
table and the registry's set-based validation, rows grouped into items by no_kk, else NIK) →
confirm → items written in chunks, each chunk one transaction guarded by the natural-key constraint
of `ImportedItem`, so a re-saved file or a replayed chunk adds nothing → done. Cancel saves nothing.
The reading and the validation SQL are the baseline loader's (dtks/registry/reading.py, loading.py).
"""

import hashlib
import io
import logging
import re
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import can_proceed

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope, region_q
from dtks.audit.services import audit_record
from dtks.registry.loading import (
    HOUSE,
    MULTI,
    row_error_message,
    stage_drop,
    stage_refused,
    stage_sheet,
    stage_validate,
)
from dtks.registry.reading import TEMPLATE_COLUMNS, FileRefused, open_sheet

from .models import ImportJob, ImportRow, Musyawarah, ProposalItem, ProposalPerson

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "sistem:impor"
OPEN_MUSYAWARAH = (Musyawarah.State.DRAFT, Musyawarah.State.HELD)
ADVISORY_NAMESPACE = 4_2024  # pg_try_advisory_lock(namespace, job id): one runner per job
# Messages for the errors only the import knows (the rest are the baseline loader's).
IMPORT_MESSAGES = {
    "kode_wilayah:other_village": 'Kode wilayah "{value}" bukan kelurahan/desa musyawarah ini ({village}); '
    "hanya warga desa/kelurahan ini yang dapat diusulkan di sini.",
    "nik:duplicate_in_file": "NIK {value} sudah ada di baris lain berkas ini; hapus baris ganda.",
}


class UploadRefused(ValidationError):
    """The uploaded file is refused before any parsing; the message names the fix."""


# -- reads --------------------------------------------------------------------------------------------


def import_jobs_visible_to(*, user):
    """Import jobs in the user's scope (the one scope filter on the stored village column)."""
    return ImportJob.objects.filter(region_q(user)).select_related("musyawarah")


def import_musyawarah_for(*, user, musyawarah_id: int) -> Musyawarah:
    """The musyawarah in the user's scope (DoesNotExist → 404 in the view)."""
    return Musyawarah.objects.filter(region_q(user)).get(pk=musyawarah_id)


def import_job_error_rows(*, job: ImportJob):
    return ImportRow.objects.filter(job=job, ok=False).order_by("row_no")


# -- upload safety ------------------------------------------------------------------------------------

_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _refuse(message: str) -> UploadRefused:
    return UploadRefused({"file": [message]}, code="refused")


def _check_xlsx(path: Path) -> None:
    """Zip and XML bombs are refused from the zip directory and the XML prologs, before parsing."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse("Berkas XLSX rusak (arsip zip tidak terbaca); simpan ulang dari Excel.") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > settings.DTKS_IMPORT_XLSX_MAX_MEMBERS:
            raise _refuse("Berkas XLSX berisi terlalu banyak bagian; simpan ulang hanya lembar datanya.")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _refuse(
                "Berkas ini arsip zip, bukan buku kerja XLSX (mungkin dokumen lain yang diganti namanya); "
                "unggah templat impor DTKS."
            )
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        ratio = settings.DTKS_IMPORT_XLSX_MAX_RATIO
        if total > settings.DTKS_IMPORT_XLSX_MAX_UNCOMPRESSED or total / packed > ratio:
            raise _refuse(
                "Berkas XLSX terlalu besar setelah dibuka (bom zip?); pecah menjadi beberapa berkas."
            )
        for info in infos:
            if info.flag_bits & 0x1:
                raise _refuse("Berkas XLSX terkunci kata sandi; simpan ulang tanpa kata sandi.")
            if info.file_size > (1 << 20) and info.file_size / max(info.compress_size, 1) > ratio:
                raise _refuse(
                    "Berkas XLSX terlalu besar setelah dibuka (bom zip?); pecah menjadi beberapa berkas."
                )
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                with zf.open(info) as part:
                    head = part.read(65536)
                lowered = head.lower()
                if b"<!doctype" in lowered or b"<!entity" in lowered:
                    raise _refuse(
                        "Berkas XLSX berisi deklarasi DTD/entitas XML yang tidak diizinkan; simpan ulang dari Excel."
                    )
                if head.strip() and not _ROOT_ELEMENT.search(head):
                    raise _refuse("Berkas XLSX berisi bagian XML yang tidak wajar; simpan ulang dari Excel.")


def inspect_upload(path: Path) -> str:
    """'csv' or 'xlsx' from the content (never the name); UploadRefused otherwise."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise _refuse("Berkas kosong; unggah templat impor DTKS yang sudah diisi.")
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path)
        return ImportJob.Format.XLSX
    kind = filetype.guess(head)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse("Berkas Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV.")
    if kind is not None or b"\x00" in head:
        label = kind.extension.upper() if kind is not None else "biner"
        raise _refuse(f"Berkas ini bukan CSV atau XLSX (isinya {label}); unggah templat impor DTKS.")
    return ImportJob.Format.CSV


def _store_upload(uploaded) -> tuple[Path, str, int]:
    """Write the upload under a generated name (the user's name never becomes a path)."""
    directory = Path(settings.DTKS_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{uuid.uuid4().hex}.part"
    h = hashlib.sha256()
    size = 0
    with tmp.open("wb") as out:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > settings.DTKS_IMPORT_MAX_BYTES:
                out.close()
                tmp.unlink(missing_ok=True)
                raise _too_big()
            h.update(chunk)
            out.write(chunk)
    return tmp, h.hexdigest(), size


def _too_big() -> UploadRefused:
    mb = settings.DTKS_IMPORT_MAX_BYTES // (1024 * 1024)
    return _refuse(f"Berkas lebih besar dari {mb} MB; pecah menjadi beberapa berkas.")


def _display_name(name: str) -> str:
    return re.split(r"[\\/]", name or "")[-1][:255]


# -- services -----------------------------------------------------------------------------------------


def _check_operator(*, user, musyawarah: Musyawarah) -> None:
    if user.role != Role.VILLAGE_OPERATOR or not in_scope(user, musyawarah.village_code):
        raise PermissionDenied("Hanya operator desa/kelurahan musyawarah ini yang dapat mengimpor usulan.")
    if musyawarah.state not in OPEN_MUSYAWARAH:
        raise ValidationError("Musyawarah ini sudah diajukan; usulan tidak dapat ditambah lagi.")


def import_job_create(*, musyawarah_id: int, uploaded, actor, ip: str | None = None) -> ImportJob:
    """Check and store an uploaded CSV/XLSX for a musyawarah; the preview runs as a task."""
    musyawarah = import_musyawarah_for(user=actor, musyawarah_id=musyawarah_id)
    _check_operator(user=actor, musyawarah=musyawarah)
    if uploaded is None:
        raise _refuse("Pilih berkas CSV atau XLSX.")
    if uploaded.size is not None and uploaded.size > settings.DTKS_IMPORT_MAX_BYTES:
        raise _too_big()
    tmp, sha, size = _store_upload(uploaded)
    try:
        fmt = inspect_upload(tmp)
    except UploadRefused:
        tmp.unlink(missing_ok=True)
        raise
    final = tmp.with_name(f"{tmp.stem}.{fmt}")
    tmp.rename(final)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                musyawarah=musyawarah,
                village_code=musyawarah.village_code,
                stored_name=final.name,
                original_name=_display_name(getattr(uploaded, "name", "")),
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
            from .tasks import import_preview

            import_preview.delay_on_commit(job.pk)
    except BaseException:
        final.unlink(missing_ok=True)
        raise
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


def _row_errors(refused, *, village: str) -> dict[int, list[dict]]:
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
    """Read the file, validate set-based, store the rows with their errors and the item counts.

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
        ImportRow.objects.filter(job=job).delete()


def _preview(job: ImportJob) -> None:
    path = _job_path(job)
    if not path.is_file():
        raise FileRefused("Berkas unggahan tidak ditemukan lagi; unggah ulang.")
    sheet = open_sheet(path)
    with transaction.atomic(), connection.cursor() as cur:
        stage_sheet(cur, sheet)
        stage_validate(cur, person_ids=False)
        # What only an import checks: every row in the musyawarah's village, each NIK once per file.
        cur.execute(
            """UPDATE load_norm SET errors = errors || ARRAY['kode_wilayah:other_village']
               WHERE village_code IS NOT NULL AND village_code <> %s""",
            [job.village_code],
        )
        cur.execute(
            """UPDATE load_norm n SET errors = n.errors || ARRAY['nik:duplicate_in_file']
               FROM (SELECT row_no, row_number() OVER (PARTITION BY nik ORDER BY row_no) AS k
                     FROM load_norm WHERE nik IS NOT NULL) d
               WHERE d.row_no = n.row_no AND d.k > 1"""
        )
        # Rows with errors are few: their messages are written in Python, named by field.
        errors = _row_errors(stage_refused(cur, where="cardinality(n.errors) > 0"), village=job.village_code)
        cur.execute("DROP TABLE IF EXISTS pg_temp.imp_err")
        cur.execute("CREATE TEMP TABLE imp_err (row_no int PRIMARY KEY, errors jsonb)")
        if errors:
            from psycopg.types.json import Jsonb

            with cur.copy("COPY imp_err (row_no, errors) FROM STDIN") as cp:
                for row_no, errs in errors.items():
                    cp.write_row((row_no, Jsonb(errs)))
        house = ", ".join(f"'{h}', coalesce(n.{h}, '')" for h in HOUSE)
        cur.execute(
            f"""INSERT INTO proposals_importrow (job_id, row_no, group_key, ok, errors, nik, no_kk, nama,
                    tempat_lahir, tanggal_lahir, jenis_kelamin, status_perkawinan, hubungan_keluarga,
                    village_code, rt, rw, alamat, kategori, {", ".join(MULTI)}, house)
                SELECT %(job)s, n.row_no, left({GROUP_KEY_SQL}, 200), e.row_no IS NULL,
                       coalesce(e.errors, '[]'::jsonb), n.nik, n.no_kk, left(n.nama, 150),
                       left(n.tempat_lahir, 100), n.tanggal_lahir, coalesce(n.jenis_kelamin, ''),
                       coalesce(n.status_perkawinan, ''), coalesce(n.hubungan_keluarga, ''),
                       coalesce(n.village_code, ''), n.rt, n.rw, left(n.alamat, 255), coalesce(n.kategori, ''),
                       {", ".join(f"n.{m}" for m in MULTI)}, jsonb_build_object({house})
                FROM load_norm n LEFT JOIN imp_err e ON e.row_no = n.row_no""",
            {"job": job.pk},
        )
        rows_total = cur.rowcount
        stage_drop(cur)
        cur.execute("DROP TABLE pg_temp.imp_err")
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.preview()
        job.rows_total = rows_total
        import_job_recount(cur, job)
        job.warnings = list(sheet.warnings)
        job.save()


def import_job_recount(cur, job: ImportJob) -> None:
    """The preview's counts, from the stored rows: items are groups of rows (by KK, else NIK); a
    group with a bad row is blocked; a valid group an earlier import already wrote exists."""
    cur.execute(
        """SELECT (SELECT count(*) FROM proposals_importrow WHERE job_id = %(job)s AND NOT ok),
                  count(*), count(*) FILTER (WHERE NOT g.ok),
                  count(*) FILTER (WHERE g.ok AND i.id IS NOT NULL)
           FROM (SELECT group_key, bool_and(ok) AS ok FROM proposals_importrow
                 WHERE job_id = %(job)s GROUP BY group_key) g
           LEFT JOIN proposals_importeditem i ON i.musyawarah_id = %(m)s AND i.natural_key = g.group_key
                AND i.kind = 'addition'""",
        {"job": job.pk, "m": job.musyawarah_id},
    )
    rows_invalid, items_total, items_blocked, items_existing = cur.fetchone()
    job.rows_invalid = rows_invalid
    job.items_total = items_total
    job.items_blocked = items_blocked
    job.items_existing = items_existing
    job.items_new = items_total - items_blocked - items_existing


def _locked_job(job_id: int, *, actor) -> ImportJob:
    job = ImportJob.objects.select_for_update(no_key=True).filter(region_q(actor)).get(pk=job_id)
    return job


def import_job_confirm(*, job_id: int, actor, ip: str | None = None) -> ImportJob:
    """Previewed → importing: the valid items are written by a task (a retried confirm is harmless)."""
    with transaction.atomic():
        job = _locked_job(job_id, actor=actor)
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
            return job
        if not can_proceed(job.confirm, check_conditions=False):
            raise ValidationError(f"Impor ini tidak dapat dikonfirmasi (status {job.get_status_display()}).")
        musyawarah = Musyawarah.objects.select_for_update(no_key=True).get(pk=job.musyawarah_id)
        _check_operator(user=actor, musyawarah=musyawarah)
        if not job.items_new:
            raise ValidationError("Tidak ada usulan baru yang sah untuk diimpor dari berkas ini.")
        job.confirm()
        job.confirmed_by = actor
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
        from .tasks import import_run

        import_run.delay_on_commit(job.pk)
    return job


def import_job_cancel(*, job_id: int, actor, ip: str | None = None) -> ImportJob:
    """Nothing is saved: the staged rows and the stored file are removed."""
    with transaction.atomic():
        job = _locked_job(job_id, actor=actor)
        if job.status == ImportJob.Status.CANCELLED:
            return job
        if not can_proceed(job.cancel, check_conditions=False):
            raise ValidationError(f"Impor ini tidak dapat dibatalkan (status {job.get_status_display()}).")
        if not job.cancel._django_fsm.has_transition_perm(job, job.status, actor):
            raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat membatalkan impor.")
        job.cancel()
        job.finished_at = timezone.now()
        job.save()
        ImportRow.objects.filter(job=job).delete()
        audit_record(
            actor=actor,
            action="proposal_import.cancel",
            object_type="proposals.import",
            object_id=job.pk,
            region_code=job.village_code,
            ip=ip,
        )
        path = _job_path(job)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return job


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


def _item_insert_sql() -> tuple[str, dict]:
    S = ProposalItem
    cols, exprs, params = _insert_columns(
        ProposalItem,
        {
            "id": "c.item_id",
            "kind": f"'{S.Kind.ADDITION.value}'",
            "channel": f"'{S.Channel.MUSYAWARAH.value}'",
            "verifier": f"'{S.Verifier.REGENCY.value}'",
            "state": f"'{S.State.DRAFT.value}'",
            "musyawarah_id": "%(musyawarah)s",
            "village_code": "h.village_code",
            "no_kk": "coalesce(h.no_kk, '')",
            "rt": "h.rt",
            "rw": "h.rw",
            "alamat": "h.alamat",
            "house": "CASE WHEN h.no_kk IS NOT NULL THEN h.house ELSE '{}'::jsonb END",
            "created_by_id": "%(actor)s",
        },
    )
    # The family's content comes from its head's row (KEPALA KELUARGA), else its first row.
    sql = f"""
        WITH mapped AS (
            INSERT INTO proposals_importeditem (musyawarah_id, natural_key, kind, item_id, job_id)
            SELECT %(musyawarah)s, c.group_key, 'addition', c.item_id, %(job)s FROM imp_chunk c
            ON CONFLICT (musyawarah_id, natural_key, kind) DO NOTHING
            RETURNING item_id
        )
        INSERT INTO proposals_proposalitem ({cols})
        SELECT {exprs}
        FROM mapped JOIN imp_chunk c USING (item_id)
        CROSS JOIN LATERAL (
            SELECT * FROM proposals_importrow r WHERE r.job_id = %(job)s AND r.group_key = c.group_key
            ORDER BY (r.hubungan_keluarga = 'KEPALA KELUARGA') DESC, r.row_no LIMIT 1
        ) h"""
    return sql, params


def _person_insert_sql() -> tuple[str, dict]:
    fields = ("nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_perkawinan")
    cols, exprs, params = _insert_columns(
        ProposalPerson,
        {
            "item_id": "c.item_id",
            "position": "(row_number() OVER (PARTITION BY c.item_id ORDER BY "
            "(r.hubungan_keluarga = 'KEPALA KELUARGA') DESC, r.row_no) - 1)",
            **{f: f"r.{f}" for f in fields},
            "hubungan_keluarga": "CASE WHEN r.no_kk IS NOT NULL THEN r.hubungan_keluarga ELSE '' END",
            "kategori": "r.kategori",
            **{m: f"r.{m}" for m in MULTI},
        },
    )
    sql = f"""
        INSERT INTO proposals_proposalperson ({cols})
        SELECT {exprs}
        FROM imp_chunk c
        JOIN proposals_proposalitem p ON p.id = c.item_id
        JOIN proposals_importrow r ON r.job_id = %(job)s AND r.group_key = c.group_key"""
    return sql, params


def import_items_integrity(*, item_ids: list[int], actor) -> None:
    """Findings for a set of imported items, by the integrity engine's set-based form, stored on them."""
    from psycopg.types.json import Jsonb

    from dtks.registry.integrity_items import item_findings_set

    if not item_ids:
        return
    found = {str(k): v for k, v in item_findings_set(items=item_ids, actor=actor).items() if v}
    if found:
        with connection.cursor() as cur:
            cur.execute(
                """UPDATE proposals_proposalitem p SET findings = f.value
                   FROM jsonb_each(%s) f WHERE p.id = f.key::bigint""",
                [Jsonb(found)],
            )


@dataclass
class RunResult:
    items_written: int = 0
    chunks: int = 0


def import_job_run(*, job_id: int, chunk: int | None = None, max_chunks: int | None = None) -> RunResult:
    """Write the valid items of a confirmed import, chunk by chunk, resuming after the last chunk
    committed. Each chunk: pre-allocated item ids, the natural-key rows first (ON CONFLICT DO
    NOTHING), then only the items and persons whose keys were accepted, then the progress."""
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
        params = {
            "job": job.pk,
            "musyawarah": job.musyawarah_id,
            "actor": job.confirmed_by_id or job.created_by_id,
            **item_params,
            **person_params,
        }
        while max_chunks is None or result.chunks < max_chunks:
            with transaction.atomic(), connection.cursor() as cur:
                job = ImportJob.objects.select_for_update(no_key=True).get(pk=job_id)
                cur.execute("DROP TABLE IF EXISTS pg_temp.imp_chunk")
                cur.execute(
                    """CREATE TEMP TABLE imp_chunk ON COMMIT DROP AS
                       SELECT nextval(pg_get_serial_sequence('proposals_proposalitem', 'id')) AS item_id,
                              g.group_key
                       FROM (SELECT group_key FROM proposals_importrow
                             WHERE job_id = %(job)s AND group_key > %(after)s
                             GROUP BY group_key HAVING bool_and(ok)
                             ORDER BY group_key LIMIT %(n)s) g""",
                    {"job": job.pk, "after": job.cursor, "n": size},
                )
                groups = cur.rowcount
                if groups == 0:
                    _finish(job, cur)
                    break
                cur.execute("SELECT max(group_key) FROM imp_chunk")
                last = cur.fetchone()[0]
                cur.execute(item_sql, params)
                written = cur.rowcount
                cur.execute(person_sql, params)
                cur.execute(
                    "SELECT array_agg(c.item_id) FROM imp_chunk c JOIN proposals_proposalitem p ON p.id = c.item_id"
                )
                import_items_integrity(item_ids=cur.fetchone()[0] or [], actor=actor)
                job.cursor = last
                job.groups_done += groups
                job.items_done += written
                job.save(update_fields=["cursor", "groups_done", "items_done", "updated_at"])
                result.items_written += written
                result.chunks += 1
    return result


def _finish(job: ImportJob, cur) -> None:
    job.finish()
    job.finished_at = timezone.now()
    job.save()
    # The valid rows live on as items; the rows with errors stay for the operator to read.
    cur.execute("DELETE FROM proposals_importrow WHERE job_id = %s AND ok", [job.pk])
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


def import_jobs_resume(*, stale_seconds: int | None = None) -> list[int]:
    """Unfinished imports not touched for a while are sent to a worker again (beat and worker
    start; recovery never relies on the broker redelivering). Returns the job ids sent."""
    from .tasks import import_preview, import_run

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


# -- the template ---------------------------------------------------------------------------------------

TEMPLATE_HELP = (
    ("no_kk", "Nomor KK, 16 digit, sebagai Teks. Kosongkan untuk individu di luar keluarga."),
    ("nik", "NIK, 16 digit, sebagai Teks (jangan biarkan Excel mengubahnya menjadi angka)."),
    ("tanggal_lahir", "YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY."),
    ("jenis_kelamin", "L atau P."),
    (
        "hubungan_keluarga",
        "KEPALA KELUARGA, SUAMI, ISTRI, ANAK, MENANTU, CUCU, ORANG TUA, MERTUA, FAMILI LAIN, "
        "PEMBANTU, LAINNYA.",
    ),
    ("kode_wilayah", "Kode kelurahan/desa Kemendagri 10 digit (titik boleh)."),
    ("kriteria, disabilitas, program", "Beberapa nilai dipisah titik koma (;)."),
)


def import_template_csv() -> bytes:
    return ("\ufeff" + ",".join(TEMPLATE_COLUMNS) + "\r\n").encode("utf-8")


def import_template_xlsx() -> bytes:
    """The template with the NIK and KK columns formatted as Text, so Excel keeps all 16 digits."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(list(TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for idx, name in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in ("nik", "no_kk", "kode_wilayah", "rt", "rw"):
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, 1002):
                ws.cell(row=row, column=idx).number_format = "@"
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("Petunjuk")
    help_ws.append(["Kolom", "Cara mengisi"])
    for row in TEMPLATE_HELP:
        help_ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
