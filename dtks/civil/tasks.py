"""Celery tasks of the civil-registry check (docs/civil_registry.md); both run on beat
(CELERY_BEAT_SCHEDULE) and are safe to run at any time, twice, or not at all for a while."""

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
