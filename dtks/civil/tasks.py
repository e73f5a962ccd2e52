"""Celery tasks of the civil-registry check (docs/civil_registry.md): they take ids and call one service.
The beat tasks (CELERY_BEAT_SCHEDULE) are safe to run at any time, twice, or not at all for a while."""

from celery import shared_task


@shared_task(name="civil.http_drain")
def http_drain(limit: int | None = None) -> int:
    """Ask the HTTP service about queued NIKs, at most DTKS_CIVIL_HTTP_RATE a run."""
    from .http import http_queue_drain

    return http_queue_drain(limit=limit)


@shared_task(name="civil.recheck")
def recheck() -> dict[str, int]:
    """Check again what was found unavailable, once the source answers."""
    from .rechecks import civil_recheck

    return civil_recheck()


# While another extract loads, a queued one waits: asked again after this many seconds, and after
# that by the beat task (`civil.extracts_resume`).
BUSY_RETRY_SECONDS = 15
BUSY_RETRIES = 40


@shared_task(name="civil.extract_load", bind=True, max_retries=BUSY_RETRIES)
def extract_load(self, extract_id: int) -> str:
    """Load an uploaded extract (dtks/civil/services.py); its reconciliation is queued after it."""
    from .services import civil_extract_run

    outcome = civil_extract_run(extract_id=extract_id)
    if outcome == "busy":
        raise self.retry(countdown=BUSY_RETRY_SECONDS)
    return outcome


@shared_task(name="civil.reconciliation_compute")
def reconciliation_compute(extract_id: int) -> int | None:
    """Compare the registry with the extract and replace the reconciliation (dtks/civil/reconciliation.py)."""
    from .reconciliation import reconciliation_compute as compute

    rec = compute(extract_id=extract_id)
    return rec.pk if rec is not None else None


@shared_task(name="civil.extracts_resume")
def extracts_resume(stale_seconds: int | None = None) -> list[int]:
    """Beat: uploaded extracts left queued or loading (a dead worker, a busy lock) are sent again."""
    from .services import civil_extracts_resume

    return civil_extracts_resume(stale_seconds=stale_seconds)
