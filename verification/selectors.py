"""The verification stage's scoped reads, built on the proposals selectors and the scope rule."""

from django.db.models import QuerySet

from dtks.accounts.scope import region_q, scoped_selector
from proposals.item import ProposalItem, proposal_items_visible_to

from .models import BulkDecision, VervalDecision


# Not registered with @scoped_selector (its filters are not the registry's test arguments); it starts
# from the scoped `proposal_items_visible_to`.
def items_to_decide(*, user, village: str = "", channel: str = "", kind: str = "") -> QuerySet[ProposalItem]:
    """The submitted items in the user's scope, narrowed by a village (or district) code prefix, a
    channel and a kind: the "whole filter result" a bulk decision may take."""
    qs = proposal_items_visible_to(user=user).filter(state=ProposalItem.State.SUBMITTED)
    if village:
        qs = qs.filter(village_code__startswith=village)
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@scoped_selector
def bulk_decisions_visible_to(*, user) -> QuerySet[BulkDecision]:
    """Bulk decisions taken in the user's region (by the region of whoever took them)."""
    return BulkDecision.objects.filter(region_q(user, field="region_code"))


@scoped_selector
def decisions_of_item(*, user, item_id: int) -> QuerySet[VervalDecision]:
    """The verval decisions on one item the user may see, newest first."""
    items = proposal_items_visible_to(user=user).filter(pk=item_id)
    return VervalDecision.objects.filter(item__in=items).select_related("decided_by").order_by("-decided_at")
