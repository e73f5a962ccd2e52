"""The permission table: every URL pattern and API operation with the roles allowed (docs/security.md #3).

Enforced at runtime by `PermissionTableMiddleware`: a route missing here answers 403 (deny by
default). `tests/core/test_permission_table.py` walks the URL resolver and fails when a route is
missing or an entry no longer matches a route. Keys are view names (`namespace:name`); a key ending
in `*` covers a namespace (used only for Django's admin, which is admin-only as a whole).

The core's own routes are below; each stage (settings.DTKS_STAGES) keeps the rows of its routes in its
own `permissions.py` (`ROUTES`), which this module collects — the core never names a stage's module.
"""

from functools import cache
from importlib import import_module

from django.conf import settings
from django.utils.module_loading import module_has_submodule

from dtks.accounts.models import Role
from dtks.accounts.scope import REGISTRY_ROLES

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user

ALL_ROLES = frozenset(Role)
# The OpenAPI schema and its docs: staff who build or run integrations (Pusdatin, administrators).
API_DOCS_ROLES = frozenset({Role.MINISTRY_DATA_OFFICER, Role.ADMIN})
# The civil-registry check (dtks/civil, docs/civil_registry.md "Pages"): the ministry's data unit loads
# extracts; the administrator, who configures the source, may read its page; regencies, provinces and
# the ministry read the reconciliation in their scope (the selectors scope it).
CIVIL_LOADERS = frozenset({Role.MINISTRY_DATA_OFFICER})
CIVIL_OVERVIEW = frozenset({Role.MINISTRY_DATA_OFFICER, Role.ADMIN})
CIVIL_RECONCILIATION = frozenset(
    {Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR, Role.PROVINCE_OFFICER, Role.MINISTRY_DATA_OFFICER}
)

CORE_ROUTES: dict[str, str | frozenset[str]] = {
    # Public (docs/security.md #3): home, health, language switch, the region picker.
    "home": PUBLIC,
    "health": PUBLIC,
    "set_language": PUBLIC,
    "regions:picker": PUBLIC,
    "regions:children": PUBLIC,
    # Sign-in (dtks/accounts, docs/authentication.md): login and first-login activation are public;
    # the TOTP steps need the password step done first.
    "accounts:login": PUBLIC,
    "accounts:activate": PUBLIC,
    "accounts:logout": SIGNED_IN,
    "accounts:otp_setup": SIGNED_IN,
    "accounts:otp_verify": SIGNED_IN,
    # Every signed-in role lands on its own dashboard; the registry pages only for the roles whose
    # work needs the registry (docs/design.md §2; scope and masking are the selectors' and views' business).
    "dashboard": SIGNED_IN,
    "notifications": SIGNED_IN,  # the inbox: each user reads what is addressed to its role and region
    "registry:families": frozenset(REGISTRY_ROLES),
    "registry:family": frozenset(REGISTRY_ROLES),
    "registry:persons": frozenset(REGISTRY_ROLES),
    "registry:person": frozenset(REGISTRY_ROLES),
    # The API (dtks/api, docs/api.md): the same roles as the registry pages; anonymous → 401.
    "api:family-list": frozenset(REGISTRY_ROLES),
    "api:family-detail": frozenset(REGISTRY_ROLES),
    "api:person-list": frozenset(REGISTRY_ROLES),
    "api:person-detail": frozenset(REGISTRY_ROLES),
    "api:person-search": frozenset(REGISTRY_ROLES),
    "api:region-list": PUBLIC,  # reference data the public region picker also shows
    "api:token": SIGNED_IN,  # issuing also needs a TOTP-verified session (dtks/api/apis.py)
    "api:schema": API_DOCS_ROLES,
    "api:docs": API_DOCS_ROLES,
    # The Dukcapil pages and API (dtks/civil). The extract pages show refused rows, which may quote a
    # NIK: the data unit's only. The recompute is a POST of the data unit.
    "civil:overview": CIVIL_OVERVIEW,
    "civil:extract_upload": CIVIL_LOADERS,
    "civil:extract": CIVIL_LOADERS,
    "civil:extract_progress": CIVIL_LOADERS,
    "civil:extract_refusals": CIVIL_LOADERS,
    "civil:reconciliation": CIVIL_RECONCILIATION,
    "civil:reconciliation_xlsx": CIVIL_RECONCILIATION,
    "civil:reconciliation_recompute": CIVIL_LOADERS,
    "api:civil-reconciliation": CIVIL_RECONCILIATION,
    "api:civil-extract-upload": CIVIL_LOADERS,
    "api:civil-extract-detail": CIVIL_LOADERS,
    # Django's admin: TOTP-verified administrators only (users and configuration). Its login page
    # only redirects to accounts:login.
    "admin:login": PUBLIC,
    "admin:logout": SIGNED_IN,
    "admin:*": frozenset({Role.ADMIN}),
}


@cache
def routes() -> dict[str, str | frozenset[str]]:
    """The whole table: the core's rows and every stage's. A route named twice is a mistake."""
    table = dict(CORE_ROUTES)
    for app in settings.DTKS_STAGES:
        package = import_module(app)
        if not module_has_submodule(package, "permissions"):
            continue
        rows = import_module(f"{app}.permissions").ROUTES
        twice = sorted(set(table) & set(rows))
        if twice:
            raise ValueError(f"{app}.permissions names routes the table already has: {twice}")
        table.update(rows)
    return table


def __getattr__(name: str):
    # `dtks.permissions.ROUTES` is the whole table, collected on first use (the stages' modules import
    # this one for PUBLIC and SIGNED_IN, so it cannot collect them while it is being imported).
    if name == "ROUTES":
        return routes()
    raise AttributeError(name)


def rule_for(view_name: str | None) -> str | frozenset[str] | None:
    if not view_name:
        return None
    table = routes()
    if view_name in table:
        return table[view_name]
    for key, rule in table.items():
        if key.endswith("*") and view_name.startswith(key[:-1]):
            return rule
    return None


def allowed(user, rule: str | frozenset[str]) -> bool:
    if rule == PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if rule == SIGNED_IN:
        return True
    return user.role in rule or (user.is_superuser and Role.ADMIN in rule)
