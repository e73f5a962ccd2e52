"""Every read of registry rows goes through these selectors: scoped by the user's region on the
stored `village_code` column (dtks.accounts.scope.visible_q), current period only unless asked.

The person and family lists (pages and API) are keyset-paged in one order each, by region code, then
name, then id: `PERSON_ORDER.page(qs, cursor, size=…)` on a scoped queryset. The indexes
`reg_person_list` / `reg_family_list` (models.py) are that order over the current versions, so a page
of a regency, or of the whole country, reads only its own rows."""

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dtks.accounts.scope import region_q, scoped_selector
from dtks.core.keyset import Keyset

from .fields import HEAD
from .models import FamilyVersion, Finding, MembershipVersion, PersonVersion

# The region code sorts in collation "C", as its index does (a region prefix is a range of it).
PERSON_ORDER = Keyset("village_code", "nama", "person_id", collations={"village_code": "C"})
FAMILY_ORDER = Keyset("village_code", "family_id", collations={"village_code": "C"})


@scoped_selector
def persons_visible_to(*, user) -> QuerySet[PersonVersion]:
    qs = PersonVersion.objects.current()
    return qs.filter(region_q(user))


@scoped_selector
def families_visible_to(*, user) -> QuerySet[FamilyVersion]:
    qs = FamilyVersion.objects.current()
    return qs.filter(region_q(user))


@scoped_selector
def person_list_visible_to(*, user) -> QuerySet[PersonVersion]:
    """The person list's rows (its page and benchmarks/bench_person_list.py): each person with the
    current family and relationship, in the list's order. Page it with `PERSON_ORDER.page`."""
    membership = MembershipVersion.objects.current().filter(person_id=OuterRef("person_id"))
    return (
        persons_visible_to(user=user)
        .annotate(
            hubungan=Subquery(membership.values("hubungan_keluarga")[:1]),
            family_id=Subquery(membership.values("family_id")[:1]),
        )
        .order_by(*PERSON_ORDER.ordering())
    )


@scoped_selector
def family_list_visible_to(*, user) -> QuerySet[FamilyVersion]:
    """The family list's rows: each family with its head's name and its number of members, in the
    list's order. Page it with `FAMILY_ORDER.page`."""
    memberships = MembershipVersion.objects.current()
    head = memberships.filter(family_id=OuterRef("family_id"), hubungan_keluarga=HEAD).annotate(
        nama=Subquery(
            PersonVersion.objects.current().filter(person_id=OuterRef("person_id")).values("nama")[:1]
        )
    )
    size = (
        memberships.filter(family_id=OuterRef("family_id"))
        .order_by()
        .values("family_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        families_visible_to(user=user)
        .annotate(head_name=Subquery(head.values("nama")[:1]), member_count=Coalesce(Subquery(size), 0))
        .order_by(*FAMILY_ORDER.ordering())
    )


@scoped_selector
def family_members(*, user, family_id: int) -> QuerySet[PersonVersion]:
    """The current members of a family the user may see (empty if the family is out of scope)."""
    if not families_visible_to(user=user).filter(family_id=family_id).exists():
        return PersonVersion.objects.none()
    member_ids = MembershipVersion.objects.current().filter(family_id=family_id).values("person_id")
    return PersonVersion.objects.current().filter(person_id__in=member_ids)


@scoped_selector
def findings_visible_to(*, user) -> QuerySet[Finding]:
    """Integrity findings in the user's scope about records as they currently are.

    A finding belongs to the batch that wrote a version; it is current while that version is the
    current one of its person or family. Scoped by the same region filter as the other selectors.
    """
    current_person = PersonVersion.objects.current().filter(
        person_id=OuterRef("person_id"), batch_id=OuterRef("batch_id")
    )
    current_family = FamilyVersion.objects.current().filter(
        family_id=OuterRef("family_id"), batch_id=OuterRef("batch_id")
    )
    return Finding.objects.filter(region_q(user)).filter(Exists(current_person) | Exists(current_family))
