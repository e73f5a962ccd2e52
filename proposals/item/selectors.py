"""Every read of proposal items goes through these selectors, scoped by the one helper
(dtks.accounts.scope.visible_q) on the stored `village_code` column.

The arrival half of a transfer lives in the destination village (its regency verifies it); the
origin's scope sees it too, through its departure half (`pair`), because the origin proposed it.
Only the roles whose work needs the registry see proposals at all.
"""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from dtks.accounts.scope import region_q, scoped_selector

from .models import ProposalItem, ProposalItemHistory, ProposalPerson


def _arrivals_of_own_departures(user) -> Q:
    return Q(
        kind=ProposalItem.Kind.TRANSFER,
        pair__isnull=False,
        target_family_id__isnull=True,
        target_person_id__isnull=True,
    ) & region_q(user, field="pair__village_code")


@scoped_selector
def proposal_items_visible_to(*, user) -> QuerySet[ProposalItem]:
    scope = region_q(user)
    if scope == Q():  # national: everything, no join needed
        return ProposalItem.objects.all()
    return ProposalItem.objects.filter(scope | _arrivals_of_own_departures(user))


@scoped_selector
def proposal_item_history(*, user, item_id: int) -> QuerySet[ProposalItemHistory]:
    """The history of an item the user may see (empty otherwise), oldest first."""
    visible = proposal_items_visible_to(user=user).filter(pk=item_id)
    return ProposalItemHistory.objects.filter(item__in=visible.values("pk")).order_by("at", "id")


@scoped_selector
def proposal_item_versions(*, user, item_id: int) -> QuerySet[ProposalItem]:
    """The other versions of the self-registration application the item belongs to — its first
    version and every later one (`application`), oldest first — that the user may see. Empty for an
    item the user may not see, and for an item with no other version (every other channel)."""
    visible = proposal_items_visible_to(user=user)
    row = visible.filter(pk=item_id).values("pk", "application_id").first()
    if row is None:
        return ProposalItem.objects.none()
    first = row["application_id"] or row["pk"]
    return visible.filter(Q(pk=first) | Q(application_id=first)).exclude(pk=item_id).order_by("pk")


@scoped_selector
def returned_items(*, user) -> QuerySet[ProposalItem]:
    """Items the regency sent back to the village, waiting for the village to fix them."""
    return proposal_items_visible_to(user=user).filter(state=ProposalItem.State.RETURNED_TO_VILLAGE)


@scoped_selector
def regency_submitted_items(*, user) -> QuerySet[ProposalItem]:
    """Submitted items the regency decides on (those the ministry verifies itself are not its)."""
    return ProposalItem.objects.filter(region_q(user)).filter(
        state=ProposalItem.State.SUBMITTED, verifier=ProposalItem.Verifier.REGENCY
    )


@scoped_selector
def proposal_items_of_channel(*, user, channel: str) -> QuerySet[ProposalItem]:
    """Items of one channel in the user's scope, newest first, with the first person's name and NIK
    (the applicant of a self-registration) and the number of persons."""
    first = ProposalPerson.objects.filter(item=OuterRef("pk")).order_by("position")
    return (
        ProposalItem.objects.filter(channel=channel)
        .filter(region_q(user))
        .annotate(
            first_nama=Subquery(first.values("nama")[:1]),
            first_nik=Subquery(first.values("nik")[:1]),
            person_count=Count("persons"),
        )
        .order_by("-created_at", "-pk")
    )


def listed_items(qs: QuerySet[ProposalItem]) -> QuerySet[ProposalItem]:
    """Items of an already scoped queryset decorated for a list: the first person's name and the
    number of persons (two subqueries), most recently changed first."""
    first = ProposalPerson.objects.filter(item=OuterRef("pk")).order_by("position").values("nama")[:1]
    count = (
        ProposalPerson.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("*"))
        .values("n")
    )
    return qs.annotate(first_name=Subquery(first), person_count=Subquery(count)).order_by(
        "-updated_at", "-pk"
    )
