"""Every read of registry rows goes through these selectors: scoped by the user's region on the
stored `village_code` column (dtks.accounts.scope.region_q), current period only unless asked."""

from django.db.models import QuerySet

from dtks.accounts.scope import NOTHING, region_q, sees_registry

from .models import FamilyVersion, MembershipVersion, PersonVersion


def persons_visible_to(*, user) -> QuerySet[PersonVersion]:
    qs = PersonVersion.objects.current()
    return qs.filter(region_q(user) if sees_registry(user) else NOTHING)


def families_visible_to(*, user) -> QuerySet[FamilyVersion]:
    qs = FamilyVersion.objects.current()
    return qs.filter(region_q(user) if sees_registry(user) else NOTHING)


def family_members(*, user, family_id: int) -> QuerySet[PersonVersion]:
    """The current members of a family the user may see (empty if the family is out of scope)."""
    if not families_visible_to(user=user).filter(family_id=family_id).exists():
        return PersonVersion.objects.none()
    member_ids = MembershipVersion.objects.current().filter(family_id=family_id).values("person_id")
    return PersonVersion.objects.current().filter(person_id__in=member_ids)
