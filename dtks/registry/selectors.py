"""Every read of registry rows goes through these selectors: scoped by the user's region on the
stored `village_code` column (dtks.accounts.scope.visible_q), current period only unless asked."""

from django.db.models import Exists, OuterRef, QuerySet

from dtks.accounts.scope import region_q, scoped_selector

from .models import FamilyVersion, Finding, MembershipVersion, PersonVersion


@scoped_selector
def persons_visible_to(*, user) -> QuerySet[PersonVersion]:
    qs = PersonVersion.objects.current()
    return qs.filter(region_q(user))


@scoped_selector
def families_visible_to(*, user) -> QuerySet[FamilyVersion]:
    qs = FamilyVersion.objects.current()
    return qs.filter(region_q(user))


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
