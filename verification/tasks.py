"""Celery tasks of the verification stage: they take ids and call one service."""

from celery import shared_task


@shared_task(name="verification.bulk_decide")
def bulk_decide(bulk_id: int) -> None:
    """Decide a large bulk decision's items, chunk by chunk (verification/services.py)."""
    from .services import verval_bulk_run

    verval_bulk_run(bulk_id=bulk_id)
