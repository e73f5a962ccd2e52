"""Who sees which rows: every role's scope kind (DESIGN.md §2) and the one region filter.

Every selector that reads domain rows calls `region_q` on the row's stored, indexed region column.
There is no Python filtering, no recursive walk of the region tree, and no "no region = visible to
all": a user whose scope cannot be resolved sees nothing.
"""

from django.db.models import Q

from .models import Role


class ScopeKind:
    VILLAGE = "village"
    ASSIGNED_VILLAGES = "assigned_villages"
    REGENCY = "regency"
    PROVINCE = "province"
    NATIONAL = "national"
    PROGRAMMES = "programmes"
    ASSIGNED_CASES = "assigned_cases"
    OWN_REQUESTS = "own_requests"


ROLE_SCOPE: dict[str, str] = {
    Role.VILLAGE_OPERATOR: ScopeKind.VILLAGE,
    Role.FIELD_OFFICER: ScopeKind.ASSIGNED_VILLAGES,
    Role.REGENCY_VERIFIER: ScopeKind.REGENCY,
    Role.REGENCY_SUPERVISOR: ScopeKind.REGENCY,
    Role.PROVINCE_OFFICER: ScopeKind.PROVINCE,
    Role.MINISTRY_DATA_OFFICER: ScopeKind.NATIONAL,
    Role.MINISTER_DELEGATE: ScopeKind.NATIONAL,
    Role.DATA_OFFICIAL: ScopeKind.NATIONAL,
    Role.PPID_OFFICER: ScopeKind.NATIONAL,
    Role.PROGRAMME_OFFICER: ScopeKind.PROGRAMMES,
    Role.QA_ASSESSOR: ScopeKind.ASSIGNED_CASES,
    Role.DATA_REQUESTER: ScopeKind.OWN_REQUESTS,
    Role.ADMIN: ScopeKind.NATIONAL,
}

# Length of the granted region code each regional role must hold.
REGION_LENGTH = {ScopeKind.VILLAGE: 10, ScopeKind.REGENCY: 4, ScopeKind.PROVINCE: 2}

# Roles whose work needs the registry (DESIGN.md §2: the others do not see it).
REGISTRY_ROLES = frozenset(
    {
        Role.VILLAGE_OPERATOR,
        Role.FIELD_OFFICER,
        Role.REGENCY_VERIFIER,
        Role.REGENCY_SUPERVISOR,
        Role.PROVINCE_OFFICER,
        Role.MINISTRY_DATA_OFFICER,
    }
)
# Roles that may see a full NIK/KK on a detail view (each view is logged).
FULL_NIK_ROLES = REGISTRY_ROLES
# Roles that must pass TOTP (DESIGN.md §2); a data requester only to download (usage stage).
TOTP_ROLES = frozenset(Role) - {Role.VILLAGE_OPERATOR, Role.FIELD_OFFICER, Role.DATA_REQUESTER}
# The others may enrol TOTP of their own accord: each of them may call the API, and an API token is
# issued only from a TOTP-verified session. Once enrolled, their logins ask for it too.
VOLUNTARY_TOTP_ROLES = frozenset(Role) - TOTP_ROLES

NOTHING = Q(pk__in=[])


def region_q(user, *, field: str = "village_code") -> Q:
    """The filter on a row's stored region column for what `user` may see; NOTHING if unresolved."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    kind = ROLE_SCOPE.get(user.role)
    code = user.region_code or ""
    if kind == ScopeKind.NATIONAL:
        return Q()
    if kind == ScopeKind.VILLAGE and len(code) == 10:
        return Q(**{field: code})
    if kind in (ScopeKind.REGENCY, ScopeKind.PROVINCE) and len(code) == REGION_LENGTH[kind]:
        return Q(**{f"{field}__startswith": code})
    if kind == ScopeKind.ASSIGNED_VILLAGES:
        return Q(**{f"{field}__in": user.assigned_villages.values("village_code")})
    return NOTHING


def sees_registry(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in REGISTRY_ROLES


def in_scope(user, village_code: str) -> bool:
    """For one already-loaded object: the same rule as `region_q`, used by transition permissions.

    Lists and lookups never use this (they filter in SQL with `region_q`); a transition's
    permission check runs on the one row the service has locked.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active or not village_code:
        return False
    kind = ROLE_SCOPE.get(user.role)
    code = user.region_code or ""
    if kind == ScopeKind.NATIONAL:
        return True
    if kind == ScopeKind.VILLAGE:
        return len(code) == 10 and village_code == code
    if kind in (ScopeKind.REGENCY, ScopeKind.PROVINCE):
        return len(code) == REGION_LENGTH[kind] and village_code.startswith(code)
    if kind == ScopeKind.ASSIGNED_VILLAGES:
        return user.assigned_villages.filter(village_code=village_code).exists()
    return False
