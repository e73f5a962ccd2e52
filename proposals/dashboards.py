"""The village operator's dashboard queues (dtks.core.dashboards): its musyawarah still open, the
items the regency returned, and its spreadsheet imports not finished. Registered when the app is
ready. The three queues are counted by one query (a UNION ALL of three aggregates), kept on the
request's user for the other providers."""

from django.db.models import CharField, Count, Min, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.core.dashboards import QueueState, queue_provider

from .imports.selectors import import_jobs_visible_to
from .imports.services import OPEN_IMPORTS
from .item.selectors import returned_items
from .musyawarah.models import Musyawarah
from .musyawarah.selectors import musyawarah_visible_to

MEMO = "_proposal_queue_counts"


def _counts(user) -> dict:
    """{"musyawarah" | "returned" | "imports": (count, oldest, lowest pk)} in one query."""
    memo = getattr(user, MEMO, None)
    if memo is None:

        def tag(name):
            return Value(name, output_field=CharField())

        open_ones = (
            musyawarah_visible_to(user=user)
            .exclude(state=Musyawarah.State.SUBMITTED)
            .order_by()
            .values(queue=tag("musyawarah"))
            .annotate(n=Count("pk"), at=Min("created_at"), first=Min("pk"))
            .values_list("queue", "n", "at", "first")
        )
        returned = (
            returned_items(user=user)
            .order_by()
            .values(queue=tag("returned"))
            .annotate(n=Count("pk"), at=Min("updated_at"), first=Min("pk"))
            .values_list("queue", "n", "at", "first")
        )
        imports = (
            import_jobs_visible_to(user=user)
            .filter(status__in=OPEN_IMPORTS)
            .order_by()
            .values(queue=tag("imports"))
            .annotate(n=Count("pk"), at=Min("created_at"), first=Min("pk"))
            .values_list("queue", "n", "at", "first")
        )
        memo = {queue: (n, at, first) for queue, n, at, first in open_ones.union(returned, imports, all=True)}
        setattr(user, MEMO, memo)
    return memo


def _queue(user, key: str, *, caption, label, url) -> QueueState:
    """Queue `key` of `_counts`; `url(first)` is where its button goes, given its oldest entry's pk."""
    n, oldest, first = _counts(user).get(key, (0, None, None))
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(label) if oldest else "",
        url=url(first),
    )


@queue_provider("musyawarah")
def open_musyawarah(*, user) -> QueueState:
    """Musyawarah not yet submitted (draft or held): the village's work in progress."""
    return _queue(
        user,
        "musyawarah",
        caption=_("musyawarah belum diajukan"),
        label=_("musyawarah"),
        url=lambda _first: reverse("proposals:musyawarah_list"),
    )


@queue_provider("returned_to_village")
def returned_to_village(*, user) -> QueueState:
    return _queue(
        user,
        "returned",
        caption=_("usulan perlu diperbaiki"),
        label=_("usulan"),
        url=lambda _first: reverse("proposals:returned"),
    )


@queue_provider("imports")
def open_imports(*, user) -> QueueState:
    """Uploaded files not yet imported: a preview waiting for fixes or a confirm, or one running.
    The button opens the oldest."""
    return _queue(
        user,
        "imports",
        caption=_("impor berkas belum selesai"),
        label=_("impor"),
        url=lambda first: (
            reverse("proposals:import_job", args=[first]) if first else reverse("proposals:musyawarah_list")
        ),
    )
