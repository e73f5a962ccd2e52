"""Who sees which rows: every role's scope kind (docs/design.md §2), resolved once per user, and the
one helper every scoped selector filters with.

A row carries its scope in a stored, indexed column: its village code (the region kinds), the user
who owns it (a requester's own requests), the assessor of its case (a QA assessor's cases), the
officer of its programme. A selector names the columns its rows carry — `visible_q(user,
region="village_code")` — and gets the filter for the user's scope kind; a row that carries no
column for that kind is invisible to the user. There is no Python filtering, no recursive walk of
the region tree, no "no region = visible to all": a user whose scope cannot be resolved sees nothing.

Region-scoped rows are the registry and the proposals flowing into it: only the roles whose work
needs the registry see them (`REGISTRY_ROLES`), whatever the breadth of their scope — an
administrator or a PPID officer, national as they are, sees none (tests/core/test_scope.py).
Selectors register with `@scoped_selector` so that test can call every one of them.
"""

from collections.abc import Callable

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
REGION_KINDS = frozenset(
    {
        ScopeKind.VILLAGE,
        ScopeKind.ASSIGNED_VILLAGES,
        ScopeKind.REGENCY,
        ScopeKind.PROVINCE,
        ScopeKind.NATIONAL,
    }
)

# Roles whose work needs the registry (docs/design.md §2: the others do not see it).
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
# Roles that must pass TOTP (docs/design.md §2); a data requester only to download (usage stage).
TOTP_ROLES = frozenset(Role) - {Role.VILLAGE_OPERATOR, Role.FIELD_OFFICER, Role.DATA_REQUESTER}
# The others may enrol TOTP of their own accord: each of them may call the API, and an API token is
# issued only from a TOTP-verified session. Once enrolled, their logins ask for it too.
VOLUNTARY_TOTP_ROLES = frozenset(Role) - TOTP_ROLES

NOTHING = Q(pk__in=[])
# The keyword of `visible_q` that names a row's column for each scope kind that is not a region.
KIND_FIELD = {
    ScopeKind.OWN_REQUESTS: "owner",
    ScopeKind.ASSIGNED_CASES: "case_assessor",
    ScopeKind.PROGRAMMES: "programme_officer",
}


class Scope:
    """One user's scope, resolved from the role and the granted region. A field officer's assigned
    villages stay a subquery in SQL filters and are read once, when a row is checked in Python."""

    def __init__(self, *, kind=None, code="", user=None, sees_regions=False):
        self.kind, self.code, self.user, self.sees_regions = kind, code, user, sees_regions
        self._villages: frozenset[str] | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def villages(self) -> frozenset[str]:
        if self._villages is None:
            rows = self.user.assigned_villages.values_list("village_code", flat=True) if self.user else []
            self._villages = frozenset(rows)
        return self._villages

    @property
    def regional(self) -> bool:
        """Sees region rows at all: a registry role whose granted region is well formed."""
        if not self.sees_regions:
            return False
        if self.kind in REGION_LENGTH:
            return len(self.code) == REGION_LENGTH[self.kind]
        return self.kind in (ScopeKind.NATIONAL, ScopeKind.ASSIGNED_VILLAGES)

    @property
    def prefixes(self) -> tuple[str, ...] | None:
        """Region-code prefixes of the region rows in scope: None = all of them, () = none."""
        if not self.regional:
            return ()
        if self.kind == ScopeKind.NATIONAL:
            return None
        if self.kind == ScopeKind.ASSIGNED_VILLAGES:
            return tuple(sorted(self.villages))
        return (self.code,)

    def region_q(self, field: str = "village_code") -> Q:
        if not self.regional:
            return NOTHING
        if self.kind == ScopeKind.NATIONAL:
            return Q()
        if self.kind == ScopeKind.ASSIGNED_VILLAGES:
            return Q(**{f"{field}__in": self.user.assigned_villages.values("village_code")})
        if self.kind == ScopeKind.VILLAGE:
            return Q(**{field: self.code})
        return Q(**{f"{field}__startswith": self.code})

    def covers(self, village_code: str) -> bool:
        """The same rule as `region_q`, for one already-loaded row (a transition's permission)."""
        if not village_code or not self.regional:
            return False
        if self.kind == ScopeKind.NATIONAL:
            return True
        if self.kind == ScopeKind.ASSIGNED_VILLAGES:
            return village_code in self.villages
        if self.kind == ScopeKind.VILLAGE:
            return village_code == self.code
        return village_code.startswith(self.code)


EMPTY = Scope()


def scope_of(user) -> Scope:
    """The user's scope, cached on the user object while its role and region stay the same (a field
    officer's villages are one query, once)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    key = (user.pk, user.role, user.region_code)
    cached = getattr(user, "_dtks_scope", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    scope = Scope(
        kind=ROLE_SCOPE.get(user.role),
        code=user.region_code or "",
        user=user,
        sees_regions=user.role in REGISTRY_ROLES,
    )
    user._dtks_scope = (key, scope)
    return scope


def visible_q(user, *, region: str | None = None, **fields: str) -> Q:
    """The filter of rows `user` may see. Name the columns the rows carry: `region` (their village
    code) for the region kinds, and `owner` / `case_assessor` / `programme_officer` (a user id column)
    for the kinds of the same meaning. A row without a column for the user's kind is not visible."""
    unknown = set(fields) - set(KIND_FIELD.values())
    if unknown:
        raise TypeError(f"unknown scope columns: {sorted(unknown)}")
    scope = scope_of(user)
    if scope.kind in REGION_KINDS:
        return scope.region_q(region) if region else NOTHING
    column = fields.get(KIND_FIELD.get(scope.kind, ""))
    if column and scope.user_id is not None:
        return Q(**{column: scope.user_id})
    return NOTHING


def region_q(user, *, field: str = "village_code") -> Q:
    """`visible_q` of rows that carry only a region."""
    return visible_q(user, region=field)


def sees_registry(user) -> bool:
    return scope_of(user).sees_regions


def in_scope(user, village_code: str) -> bool:
    """`region_q` for one already-loaded row: transition permissions run on the one row a service
    has locked. Lists and lookups never use this (they filter in SQL)."""
    return scope_of(user).covers(village_code)


# Every selector that scopes rows, registered so tests/core/test_scope.py can call each one for every
# role (name -> function(*, user) -> QuerySet).
SCOPED_SELECTORS: dict[str, Callable] = {}


def scoped_selector(fn: Callable) -> Callable:
    SCOPED_SELECTORS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn
