"""The village operator's dashboard queues (dtks.core.dashboards): its musyawarah still open, the
items the regency returned, and its spreadsheet imports not finished. Registered when the app is
ready. The three queues are counted by one query (a UNION ALL of three aggregates), kept on the
request's user for the other providers."""

from django.db.models import CharField, Count, Min, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.core.dashboards import QueueState, queue_provider

from .importing import OPEN_IMPORTS, import_jobs_visible_to
from .models import Musyawarah
from .selectors import musyawarah_visible_to, returned_items

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


@queue_provider("musyawarah")
def open_musyawarah(*, user) -> QueueState:
    """Musyawarah not yet submitted (draft or held): the village's work in progress."""
    n, oldest, _first = _counts(user).get("musyawarah", (0, None, None))
    return QueueState(
        count=n,
        caption=_("musyawarah belum diajukan"),
        oldest_since=oldest,
        oldest_label=str(_("musyawarah")) if oldest else "",
        url=reverse("proposals:musyawarah_list"),
    )


@queue_provider("returned_to_village")
def returned_to_village(*, user) -> QueueState:
    n, oldest, _first = _counts(user).get("returned", (0, None, None))
    return QueueState(
        count=n,
        caption=_("usulan perlu diperbaiki"),
        oldest_since=oldest,
        oldest_label=str(_("usulan")) if oldest else "",
        url=reverse("proposals:returned"),
    )


@queue_provider("imports")
def open_imports(*, user) -> QueueState:
    """Uploaded files not yet imported: a preview waiting for fixes or a confirm, or one running.
    The button opens the oldest."""
    n, oldest, first = _counts(user).get("imports", (0, None, None))
    return QueueState(
        count=n,
        caption=_("impor berkas belum selesai"),
        oldest_since=oldest,
        oldest_label=str(_("impor")) if oldest else "",
        url=reverse("proposals:import_job", args=[first]) if first else reverse("proposals:musyawarah_list"),
    )
