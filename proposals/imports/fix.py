"""Stage 1 — fixing one bad row of an import's preview in place, instead of re-uploading the file.

The corrected row is checked by the preview's own set-based SQL: it is staged by the loader's
`stage_sheet` as a one-row sheet (so trimmed, its date parsed, exactly as a file row), validated
by `stage_validate` into `load_norm`, then the import's own checks run — the musyawarah's village, and
each NIK once per file against the job's other rows. The row (values, errors, group key) and the
job's counts are rewritten in one transaction with the audit row; a fix that still has errors is
saved as it is, the row staying bad with the new messages.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from psycopg.types.json import Jsonb

from dtks.audit.services import audit_record
from dtks.registry.fields import CODED, HOUSE_FIELDS, MULTI_VALUED, label
from dtks.registry.loading import stage_drop, stage_refused, stage_sheet, stage_validate
from dtks.registry.reading import TEMPLATE_COLUMNS, Sheet

from .models import ImportJob, ImportRow
from .services import (
    GROUP_KEY_SQL,
    check_operator,
    ensure_stage,
    import_job_recount,
    locked_job,
    row_errors,
)

MAX_VALUE = 500  # longer than any column the template allows (alamat: 255)
ROW_NO_MAX = 2**31 - 1  # ImportRow.row_no is an int column

FIELD_HELP = {
    "no_kk": gettext_lazy("16 angka; kosongkan untuk individu di luar keluarga."),
    "nik": gettext_lazy("16 angka."),
    "tanggal_lahir": gettext_lazy("YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY."),
    "kode_wilayah": gettext_lazy("Kode kelurahan/desa Kemendagri, 10 angka."),
    "kriteria": gettext_lazy("Beberapa nilai dipisah titik koma (;)."),
    "disabilitas": gettext_lazy("Beberapa nilai dipisah titik koma (;)."),
    "program": gettext_lazy("Beberapa nilai dipisah titik koma (;)."),
}
NUMERIC = ("no_kk", "nik", "kode_wilayah", "rt", "rw")


# -- reads ----------------------------------------------------------------------------------------


def import_row_values(row: ImportRow) -> dict[str, str]:
    """A stored row as the template's columns in text, which the preview's validation reads back
    unchanged (codes are accepted as well as labels; dates are ISO; RT/RW zero-padded)."""
    house = row.house or {}
    out: dict[str, str] = {}
    for c in TEMPLATE_COLUMNS:
        if c == "kode_wilayah":
            value = row.village_code
        elif c == "tanggal_lahir":
            value = row.tanggal_lahir.isoformat() if row.tanggal_lahir else ""
        elif c in MULTI_VALUED:
            value = ";".join(getattr(row, c) or [])
        elif c in HOUSE_FIELDS:
            value = house.get(c) or ""
        else:
            value = getattr(row, c) or ""
        out[c] = str(value)
    return out


@dataclass
class FixField:
    name: str
    label: str
    value: str
    errors: list[str] = field(default_factory=list)
    help: str = ""
    numeric: bool = False
    coded: bool = False


# A bad RT/RW is stored zero-padded and cut to 3 characters ("12345" -> "123"): offering that back
# would turn a wrong value into a plausible one, so the field starts empty beside its message.
_LOSSY_WHEN_BAD = ("rt", "rw")


def import_row_fix_fields(row: ImportRow) -> tuple[list[FixField], list[FixField]]:
    """The fix form's fields of a row: (fields with an error, the other fields), pre-filled."""
    messages: dict[str, list[str]] = {}
    for e in row.errors or []:
        messages.setdefault(e.get("field", ""), []).append(e.get("message", ""))
    values = import_row_values(row)
    bad, other = [], []
    for c in TEMPLATE_COLUMNS:
        errs = messages.get(c, [])
        value = "" if errs and c in _LOSSY_WHEN_BAD else values[c]
        f = FixField(
            name=c,
            label=label(c),
            value=value,
            errors=errs,
            help=str(FIELD_HELP.get(c, "")),
            numeric=c in NUMERIC,
            coded=c in CODED,
        )
        (bad if errs else other).append(f)
    return bad, other


# -- the service ----------------------------------------------------------------------------------


def _clean_values(values) -> dict[str, str]:
    """Only the template's columns, as text: anything else is a malformed request (400)."""
    if not isinstance(values, Mapping) or not values:
        raise ValidationError(_("Kirim paling sedikit satu kolom templat dengan nilai perbaikannya."))
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key, value in values.items():
        name = str(key)
        if name not in TEMPLATE_COLUMNS:
            errors[name] = [
                _("Kolom ini tidak ada di templat impor; gunakan nama kolom templat (nik, nama, …).")
            ]
        elif value is None:
            clean[name] = ""
        elif not isinstance(value, str):
            errors[name] = [_("Kirim nilai kolom ini sebagai teks.")]
        elif len(value) > MAX_VALUE:
            errors[name] = [_("Nilai terlalu panjang (paling banyak %(n)d karakter).") % {"n": MAX_VALUE}]
        elif "\x00" in value:
            errors[name] = [_("Nilai berisi karakter yang tidak diizinkan; ketik ulang nilainya.")]
        else:
            clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _validate(cur, *, job: ImportJob, row_no: int, values: dict[str, str]) -> list[dict]:
    """The preview's checks on one row; `load_norm` holds its normalised values afterwards.
    `stage_sheet` drops first what a preview or an earlier fix in this connection may have left."""
    sheet = Sheet(list(TEMPLATE_COLUMNS), iter([(row_no, [values.get(c) for c in TEMPLATE_COLUMNS])]))
    stage_sheet(cur, sheet)
    stage_validate(cur, person_ids=False, village=job.village_code)
    # The preview's rule, against the rows already stored: the first row of the file with a NIK keeps
    # it, so this row is the duplicate when an earlier row has its NIK, or a later row that is valid
    # (every staged row is valid).
    cur.execute(
        """UPDATE load_norm n SET errors = n.errors || ARRAY['nik:duplicate_in_file']
           WHERE n.nik IS NOT NULL AND (
               EXISTS (SELECT 1 FROM proposals_importrow r
                       WHERE r.job_id = %(job)s AND r.nik = n.nik AND r.row_no <> n.row_no
                         AND (r.row_no < n.row_no OR r.ok))
               OR EXISTS (SELECT 1 FROM proposals_importstagerow s
                          WHERE s.job_id = %(job)s AND s.nik = n.nik))""",
        {"job": job.pk},
    )
    refused = stage_refused(cur, where="cardinality(n.errors) > 0")
    return row_errors(refused, village=job.village_code).get(row_no, [])


def _write_row(cur, *, job: ImportJob, row_no: int, errors: list[dict]) -> None:
    house = ", ".join(f"'{h}', coalesce(n.{h}, '')" for h in HOUSE_FIELDS)
    # Assembled from module constants (column names); the values are parameters.
    cur.execute(
        f"""UPDATE proposals_importrow r SET
                group_key = left({GROUP_KEY_SQL}, 200), ok = %(ok)s, errors = %(errors)s,
                nik = n.nik, no_kk = n.no_kk, nama = left(n.nama, 150), tempat_lahir = left(n.tempat_lahir, 100),
                tanggal_lahir = n.tanggal_lahir, jenis_kelamin = coalesce(n.jenis_kelamin, ''),
                status_perkawinan = coalesce(n.status_perkawinan, ''),
                hubungan_keluarga = coalesce(n.hubungan_keluarga, ''), village_code = coalesce(n.village_code, ''),
                rt = n.rt, rw = n.rw, alamat = left(n.alamat, 255), kategori = coalesce(n.kategori, ''),
                {", ".join(f"{m} = n.{m}" for m in MULTI_VALUED)}, house = jsonb_build_object({house})
            FROM load_norm n
            WHERE r.job_id = %(job)s AND r.row_no = %(row)s AND n.row_no = %(row)s""",  # noqa: S608
        {"job": job.pk, "row": row_no, "ok": not errors, "errors": Jsonb(errors)},
    )


def import_row_fix(
    *, job_id: int, row_no: int, values: dict[str, str], actor, ip: str | None = None
) -> ImportRow:
    """Correct one row of a previewed import and check it again, as the preview checked the file.

    `values`: template columns -> text; columns not sent keep the row's values, but every column the
    row has an error on must be sent (its stored value is not what the file said). Raises
    DoesNotExist (job or row out of scope or unknown), PermissionDenied (not the village's
    operator), ValidationError (not a preview any more, or a malformed `values`). A fix that still
    has errors is saved: the row stays bad with the new messages.
    """
    clean = _clean_values(values)
    if not 1 <= row_no <= ROW_NO_MAX:
        raise ImportRow.DoesNotExist
    with transaction.atomic():
        job = locked_job(job_id, actor=actor)
        check_operator(user=actor, musyawarah=job.musyawarah)
        if job.status != ImportJob.Status.PREVIEWED:
            raise ValidationError(
                _("Baris hanya dapat diperbaiki selama pratinjau; impor ini berstatus %(status)s.")
                % {"status": job.get_status_display()}
            )
        row = ImportRow.objects.select_for_update(no_key=True).get(job=job, row_no=row_no)
        unsent = {e["field"] for e in row.errors or []} - set(clean)
        if unsent:
            raise ValidationError(
                {
                    f: [
                        _(
                            "Kolom ini bermasalah di baris ini; kirim juga nilai perbaikannya (kosong bila tidak diisi)."
                        )
                    ]
                    for f in sorted(unsent)
                }
            )
        before = import_row_values(row)
        had_errors = {e["field"] for e in row.errors or []}
        merged = {**before, **clean}
        if not any(v.strip() for v in merged.values()):
            # The reader skips an empty line; an empty row is not a fix.
            raise ValidationError(_("Baris tidak boleh kosong seluruhnya; isi kolom-kolomnya."))
        with connection.cursor() as cur:
            ensure_stage(cur, job)  # the duplicate check reads the staged rows
            errors = _validate(cur, job=job, row_no=row_no, values=merged)
            _write_row(cur, job=job, row_no=row_no, errors=errors)
            import_job_recount(cur, job)
            stage_drop(cur)
        job.save(
            update_fields=[
                "rows_invalid",
                "items_total",
                "items_blocked",
                "items_existing",
                "items_new",
                "updated_at",
            ]
        )
        row.refresh_from_db()
        after = import_row_values(row)
        changed = [c for c in TEMPLATE_COLUMNS if before[c] != after[c] or (c in had_errors and c in clean)]
        audit_record(
            actor=actor,
            action="proposal_import.row_fix",
            object_type="proposals.import",
            object_id=job.pk,
            region_code=job.village_code,
            ip=ip,
            # Column names and error codes only: never the values (NIK, KK, names).
            detail={
                "row": row_no,
                "fields": changed,
                "ok": row.ok,
                "errors": [f"{e['field']}:{e['code']}" for e in row.errors],
            },
        )
    return row
