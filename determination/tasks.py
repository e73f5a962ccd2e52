"""Celery tasks of the assessment and determination stages: they take ids and call one service
(determination/services.py)."""

from celery import shared_task


@shared_task(name="determination.assessment_recheck")
def assessment_recheck(item_ids: list[int] | None = None) -> int:
    """The integrity re-run at the ministry's assessment. Without ids (beat, nightly): every forwarded
    item, one task per chunk; with more ids than a chunk: one task per chunk; else this chunk's items,
    checked again. Returns the tasks queued, or how many items' findings changed."""
    from .services import (
        CHUNK,
        assessment_recheck_chunk,
        assessment_recheck_forwarded,
        assessment_recheck_items,
    )

    if item_ids is None:
        return assessment_recheck_forwarded()
    if len(item_ids) > CHUNK:
        return assessment_recheck_items(item_ids=item_ids)
    return assessment_recheck_chunk(item_ids=item_ids)


@shared_task(name="determination.assessment_recheck_arrived")
def assessment_recheck_arrived() -> int:
    """Every few minutes (beat): the items forwarded since their last check, one task per chunk."""
    from .services import assessment_recheck_arrived as queue_arrived

    return queue_arrived()
