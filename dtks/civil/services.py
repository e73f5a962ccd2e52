"""The civil registry (Dukcapil) — loading an extract uploaded by the ministry's data unit
(docs/civil_registry.md, "Pages"). The core owns this check; no stage is involved.

upload (every field checked, the file checked before any parsing and stored under a generated name,
an `Extract` row queued — all or nothing) → task `civil.extract_load` (the loader writes a new
generation, with progress on the row between its committed steps) → task
`civil.reconciliation_compute` (dtks/civil/reconciliation.py). A page and the API call the same
`civil_extract_create`, so they refuse the same input with the same message, per field:

    file            no file, empty, not CSV/XLSX by content, too big, a zip/XML bomb, missing columns,
                    the extract already current
    sumber          empty, too long, characters a database cannot store
    tanggal_ekstrak missing, in the future
"""

import logging
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from dtks.accounts.models import Role
from dtks.audit.services import audit_record
from dtks.core.idempotency import idempotency_claim
from dtks.core.uploads import UploadRefused
from dtks.registry.reading import FileRefused, open_sheet

from .loading import EXTRACT_TEMPLATE, LOCK, ExtractRefused, civil_extract_fail, civil_extract_load
from .models import CivilPerson, Extract, ExtractError
from .upload import display_name, extract_path, inspect_upload, max_bytes, store_upload, too_big

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "sistem:dukcapil"
SOURCE_MAX = 200
UPLOADERS = frozenset({Role.MINISTRY_DATA_OFFICER})
RUNNING = (Extract.Status.QUEUED, Extract.Status.LOADING)

NO_FILE = "Pilih berkas ekstrak Dukcapil (CSV atau XLSX) untuk diunggah."
NO_SOURCE = "Sumber ekstrak wajib diisi; tulis asal datanya, misalnya “Dukcapil Kab. Magelang”."
LONG_SOURCE = f"Sumber ekstrak terlalu panjang: paling banyak {SOURCE_MAX} karakter; singkat isinya."
ODD_SOURCE = "Sumber ekstrak memuat karakter yang tidak dapat disimpan; ketik ulang sumbernya."
NO_DATE = "Tanggal ekstrak wajib diisi; tulis tanggal Dukcapil membuat ekstrak ini, misalnya 2026-11-30."
FUTURE_DATE = (
    "Tanggal ekstrak {day} belum tiba; tulis tanggal Dukcapil membuat ekstrak ini (hari ini atau sebelumnya)."
)
LOAD_BROKE = "Ekstrak gagal dimuat karena galat sistem; unggah ulang berkasnya atau hubungi admin."
ALREADY_CURRENT = (
    "Berkas ini sama persis dengan ekstrak yang sedang berlaku ({source}, {day}); tidak perlu dimuat lagi."
)


def _unstorable(text: str) -> bool:
    """NUL and lone surrogates: PostgreSQL text cannot hold them (a 500 instead of a message)."""
    return any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text)


def _dmy(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def extract_input_errors(*, uploaded, source: str | None, extract_date: date | None) -> dict[str, list[str]]:
    """The refusals that need no file content: checked first, so nothing is stored for them."""
    errors: dict[str, list[str]] = {}
    if uploaded is None:
        errors["file"] = [NO_FILE]
    elif uploaded.size is not None and uploaded.size > max_bytes():
        errors["file"] = list(too_big().messages)
    text = (source or "").strip()
    if not text:
        errors["sumber"] = [NO_SOURCE]
    elif len(text) > SOURCE_MAX:
        errors["sumber"] = [LONG_SOURCE]
    elif _unstorable(text):
        errors["sumber"] = [ODD_SOURCE]
    if extract_date is None:
        errors["tanggal_ekstrak"] = [NO_DATE]
    elif extract_date > timezone.localdate():
        errors["tanggal_ekstrak"] = [FUTURE_DATE.format(day=_dmy(extract_date))]
    return errors


def _check_file(tmp: Path, sha: str) -> Path:
    """The stored file, renamed to its format's suffix (openpyxl reads by suffix); UploadRefused
    ({"file": …}) when it is no extract we would load. The caller removes the file on a refusal."""
    fmt = inspect_upload(tmp)  # CSV or XLSX by content; an XLSX's package checked
    final = tmp.with_name(f"{tmp.stem}.{fmt}")
    tmp.rename(final)
    try:
        sheet = open_sheet(final, EXTRACT_TEMPLATE)  # the header row only
    except FileRefused as exc:
        final.unlink(missing_ok=True)
        raise UploadRefused({"file": [str(exc)]}, code="refused") from exc
    close = getattr(sheet.rows, "close", None)
    if close is not None:
        close()
    current = Extract.objects.filter(current=True).first()
    if current is not None and current.sha256 == sha:
        final.unlink(missing_ok=True)
        raise UploadRefused(
            {"file": [ALREADY_CURRENT.format(source=current.source, day=_dmy(current.extract_date))]},
            code="refused",
        )
    return final


@transaction.atomic
def civil_extract_create(
    *,
    uploaded,
    source: str | None,
    extract_date: date | None,
    actor,
    ip: str | None = None,
    idempotency_key: str | None = None,
) -> Extract:
    """Check and store an uploaded extract and queue its load. All or nothing: a refusal stores no
    file and no row. With an `idempotency_key`, the same key again answers the same extract."""
    if getattr(actor, "role", None) not in UPLOADERS:
        raise PermissionDenied("Hanya petugas Pusdatin yang dapat memuat ekstrak Dukcapil.")
    claim = idempotency_claim(scope="civil_extract.upload", actor=actor, key=idempotency_key)
    if claim.replayed:
        return Extract.objects.get(pk=claim.object_id)
    errors = extract_input_errors(uploaded=uploaded, source=source, extract_date=extract_date)
    if errors:
        raise ValidationError(errors)
    tmp, sha, size = store_upload(uploaded)
    try:
        final = _check_file(tmp, sha)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fmt = final.suffix.lstrip(".")
    try:
        extract = Extract.objects.create(
            source=source.strip(),
            extract_date=extract_date,
            file_name=display_name(getattr(uploaded, "name", "")),
            stored_name=final.name,
            sha256=sha,
            progress="Menunggu giliran dimuat…",
            actor=actor.get_username(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="civil.extract_upload",
            object_type="civil.extract",
            object_id=extract.pk,
            ip=ip,
            detail={"source": extract.source, "extract_date": extract_date.isoformat(), "format": fmt,
                    "bytes": size, "sha256": sha},
        )  # fmt: skip
        claim.answer(extract.pk)
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    from .tasks import extract_load

    extract_load.delay_on_commit(extract.pk)
    return extract


def _touch(extract_id: int) -> None:
    Extract.objects.filter(pk=extract_id).update(updated_at=timezone.now())


def civil_extract_run(*, extract_id: int) -> str:
    """Load a queued (or interrupted) uploaded extract: the task's body. Returns what happened:
    "loaded", "same" (the file is the current extract), "failed", "busy" (another load holds the
    loader's lock; the extract stays queued and is sent again), or "skipped" (nothing to do). An
    unexpected error leaves the extract failed (the loader's doing) and is raised for the task's log.
    Every status change is a transition of the extract with its audit row (dtks/civil/loading.py).

    A load interrupted by a dead worker is run again from the file: its partial rows (a generation
    that never became current, invisible to readers) are removed first."""
    extract = Extract.objects.filter(pk=extract_id).first()
    if extract is None or extract.status not in RUNNING or not extract.stored_name:
        return "skipped"
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK])
        if not cur.fetchone()[0]:
            return "busy"
        try:
            extract.refresh_from_db()
            if extract.status not in RUNNING:
                return "skipped"
            if extract.status == Extract.Status.LOADING:
                CivilPerson.objects.filter(extract_id=extract.pk).delete()
                ExtractError.objects.filter(extract_id=extract.pk).delete()
            _touch(extract.pk)
            return _load(extract)
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])


def _load(extract: Extract) -> str:
    path = extract_path(extract.stored_name)
    try:
        result = civil_extract_load(
            path=path,
            source=extract.source,
            extract_date=extract.extract_date,
            actor=extract.actor,
            extract=extract,
            progress=lambda _message: _touch(extract.pk),
        )
    except (FileRefused, ExtractRefused, UploadRefused, OSError) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        civil_extract_fail(extract_id=extract.pk, actor=SYSTEM_ACTOR, message=message)
        logger.warning("civil extract %s refused: %s", extract.pk, message)
        return "failed"
    except Exception:
        # The loader marked it failed and removed its rows (an error before its first step: failed
        # here); the task fails with the trace.
        civil_extract_fail(extract_id=extract.pk, actor=SYSTEM_ACTOR, message=LOAD_BROKE)
        raise
    if result.already_loaded:
        return "same"
    from .reconciliation import reconciliation_request

    reconciliation_request(extract_id=result.extract.pk, actor=SYSTEM_ACTOR)
    return "loaded"


def civil_extracts_resume(*, stale_seconds: int | None = None) -> list[int]:
    """Uploaded extracts still queued or loading whose row was not touched for a while (a worker died,
    or another load held the lock): sent to a worker again. A live load holds the loader's lock, so
    sending it again changes nothing."""
    stale = settings.DTKS_CIVIL_STALE_SECONDS if stale_seconds is None else stale_seconds
    before = timezone.now() - timedelta(seconds=stale)
    ids = list(
        Extract.objects.filter(status__in=RUNNING, updated_at__lte=before)
        .exclude(stored_name="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    from .tasks import extract_load

    for pk in ids:
        extract_load.delay(pk)
    return ids
