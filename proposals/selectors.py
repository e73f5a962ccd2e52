"""Every read of musyawarah and proposal items goes through these selectors, scoped by the one region
filter (dtks.accounts.scope.region_q) on the stored `village_code` column.

The arrival half of a transfer lives in the destination village (its regency verifies it); the
origin's scope sees it too, through its departure half (`pair`), because the origin proposed it.
Only the roles whose work needs the registry see proposals at all.
"""

from django.db.models import Q, QuerySet

from dtks.accounts.scope import NOTHING, region_q, sees_registry

from .models import Musyawarah, ProposalItem


def musyawarah_visible_to(*, user) -> QuerySet[Musyawarah]:
    return Musyawarah.objects.filter(region_q(user) if sees_registry(user) else NOTHING)


def _arrivals_of_own_departures(user) -> Q:
    return Q(
        kind=ProposalItem.Kind.TRANSFER,
        pair__isnull=False,
        target_family_id__isnull=True,
        target_person_id__isnull=True,
    ) & region_q(user, field="pair__village_code")


def proposal_items_visible_to(*, user) -> QuerySet[ProposalItem]:
    if not sees_registry(user):
        return ProposalItem.objects.none()
    scope = region_q(user)
    if scope == Q():  # national: everything, no join needed
        return ProposalItem.objects.all()
    return ProposalItem.objects.filter(scope | _arrivals_of_own_departures(user))


def proposal_item_history(*, user, item_id: int):
    """The history of an item the user may see (empty otherwise), oldest first."""
    from .models import ProposalItemHistory

    visible = proposal_items_visible_to(user=user).filter(pk=item_id)
    return ProposalItemHistory.objects.filter(item__in=visible.values("pk")).order_by("at", "id")


def returned_items(*, user) -> QuerySet[ProposalItem]:
    """Items the regency sent back to the village, waiting for the village to fix them."""
    return proposal_items_visible_to(user=user).filter(state=ProposalItem.State.RETURNED_TO_VILLAGE)


def regency_submitted_items(*, user) -> QuerySet[ProposalItem]:
    """Submitted items the regency decides on (those the ministry verifies itself are not its)."""
    return ProposalItem.objects.filter(region_q(user) if sees_registry(user) else NOTHING).filter(
        state=ProposalItem.State.SUBMITTED, verifier=ProposalItem.Verifier.REGENCY
    )
