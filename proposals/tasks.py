"""Celery tasks of stage 1: they take ids and call one service (proposals/imports/services.py)."""

import logging

from celery import shared_task
from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@shared_task(name="proposals.import_preview")
def import_preview(job_id: int) -> None:
    """Read and check an uploaded spreadsheet; the page shows the preview when it is done."""
    from .imports.services import import_job_preview

    import_job_preview(job_id=job_id)


@shared_task(name="proposals.import_run")
def import_run(job_id: int) -> None:
    """Write the valid items of a confirmed import (resumes after its last committed chunk)."""
    from .imports.services import import_job_run

    import_job_run(job_id=job_id)


@shared_task(name="proposals.imports_resume")
def imports_resume(stale_seconds: int | None = None) -> list[int]:
    """Beat (and worker start): send unfinished imports to a worker again; cancel previews left
    unconfirmed for too long."""
    from .imports.services import import_jobs_expire, import_jobs_resume

    import_jobs_expire()
    return import_jobs_resume(stale_seconds=stale_seconds)


@worker_ready.connect
def _resume_on_worker_start(**_kwargs) -> None:
    # A new message, not a redelivery: recovery never relies on the broker (docs/design.md §8).
    # At start every unfinished job is sent: a job still held by a live worker is skipped by its lock.
    imports_resume.delay(0)
