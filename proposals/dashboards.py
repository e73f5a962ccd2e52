"""The village operator's dashboard queues (dtks.core.dashboards): its musyawarah still open, and
the items the regency returned. Registered when the app is ready. Both queues are counted by one
query (a UNION ALL of two aggregates), kept on the request's user for the second provider."""

from django.db.models import CharField, Count, Min, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.core.dashboards import QueueState, queue_provider

from .models import Musyawarah
from .selectors import musyawarah_visible_to, returned_items

MEMO = "_proposal_queue_counts"


def _counts(user) -> dict:
    """{"musyawarah": (count, oldest), "returned": (count, oldest)} in one query."""
    memo = getattr(user, MEMO, None)
    if memo is None:

        def tag(name):
            return Value(name, output_field=CharField())

        open_ones = (
            musyawarah_visible_to(user=user)
            .exclude(state=Musyawarah.State.SUBMITTED)
            .order_by()
            .values(queue=tag("musyawarah"))
            .annotate(n=Count("pk"), at=Min("created_at"))
            .values_list("queue", "n", "at")
        )
        returned = (
            returned_items(user=user)
            .order_by()
            .values(queue=tag("returned"))
            .annotate(n=Count("pk"), at=Min("updated_at"))
            .values_list("queue", "n", "at")
        )
        memo = {queue: (n, at) for queue, n, at in open_ones.union(returned, all=True)}
        setattr(user, MEMO, memo)
    return memo


@queue_provider("musyawarah")
def open_musyawarah(*, user) -> QueueState:
    """Musyawarah not yet submitted (draft or held): the village's work in progress."""
    n, oldest = _counts(user).get("musyawarah", (0, None))
    return QueueState(
        count=n,
        caption=_("musyawarah belum diajukan"),
        oldest_since=oldest,
        oldest_label=str(_("musyawarah")) if oldest else "",
        url=reverse("proposals:musyawarah_list"),
    )


@queue_provider("returned_to_village")
def returned_to_village(*, user) -> QueueState:
    n, oldest = _counts(user).get("returned", (0, None))
    return QueueState(
        count=n,
        caption=_("usulan perlu diperbaiki"),
        oldest_since=oldest,
        oldest_label=str(_("usulan")) if oldest else "",
        url=reverse("proposals:returned"),
    )
