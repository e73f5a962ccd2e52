"""The permission table: every URL pattern and API operation with the roles allowed (SECURITY.md #3).

Enforced at runtime by `PermissionTableMiddleware`: a route missing here answers 403 (deny by
default). `tests/core/test_permission_table.py` walks the URL resolver and fails when a route is
missing or an entry no longer matches a route. Keys are view names (`namespace:name`); a key ending
in `*` covers a namespace (used only for Django's admin, which is admin-only as a whole).
"""

from dtks.accounts.models import Role
from dtks.accounts.scope import REGISTRY_ROLES

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user

ALL_ROLES = frozenset(Role)
# The OpenAPI schema and its docs: staff who build or run integrations (Pusdatin, administrators).
API_DOCS_ROLES = frozenset({Role.MINISTRY_DATA_OFFICER, Role.ADMIN})
# Who reads musyawarah and proposal items (the registry roles less field officers, whose visits come
# with the verification stage), and who files and edits them from the village/regency pages.
PROPOSAL_READERS = frozenset(REGISTRY_ROLES) - {Role.FIELD_OFFICER}
PROPOSERS = frozenset({Role.VILLAGE_OPERATOR, Role.REGENCY_VERIFIER})

ROUTES: dict[str, str | frozenset[str]] = {
    # Public (SECURITY.md #3): home, health, language switch, the region picker.
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
    # work needs the registry (DESIGN.md §2; scope and masking are the selectors' and views' business).
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
    # Self-registration (proposals/public_views.py): public; the village sees its self-registrations
    # read-only; the ministry data unit files ministry proposals (proposals/ministry_views.py).
    "public:register": PUBLIC,
    "public:receipt": PUBLIC,
    "proposals:self_registrations": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:ministry_list": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "proposals:ministry_create": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "proposals:ministry_item": frozenset({Role.MINISTRY_DATA_OFFICER}),
    # The spreadsheet import of a musyawarah's proposals (proposals/import_views.py): its village's
    # operator only; a foreign musyawarah or import answers 404.
    "proposals:import_upload": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_job": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_progress": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_confirm": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_cancel": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_row_fix": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_template": frozenset({Role.VILLAGE_OPERATOR}),
    # The village operator's musyawarah and items, and the regency's minimal "return to village"
    # (proposals/views.py). Items and musyawarah are read by the roles that work on proposals; scope
    # is the selectors' (proposals/selectors.py); who may take which step is the state machine's.
    "proposals:musyawarah_list": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_new": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah": PROPOSAL_READERS,
    "proposals:musyawarah_minutes": PROPOSAL_READERS,
    "proposals:musyawarah_minutes_upload": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_hold": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_submit": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:item_new": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:returned": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:item": PROPOSAL_READERS,
    "proposals:item_edit": PROPOSERS,
    "proposals:item_transition": PROPOSERS,
    "proposals:regency": frozenset({Role.REGENCY_VERIFIER}),
    "proposals:regency_item_new": frozenset({Role.REGENCY_VERIFIER}),
    "api:musyawarah-list": PROPOSAL_READERS,
    "api:musyawarah-create": frozenset({Role.VILLAGE_OPERATOR}),
    "api:musyawarah-detail": PROPOSAL_READERS,
    "api:musyawarah-minutes": frozenset({Role.VILLAGE_OPERATOR}),
    "api:musyawarah-transition": frozenset({Role.VILLAGE_OPERATOR}),
    "api:item-list": PROPOSAL_READERS,
    "api:item-create": PROPOSERS,
    "api:item-detail": PROPOSAL_READERS,
    "api:item-transition": PROPOSERS,
    # The spreadsheet import through the API (proposals/import_apis.py), as on the pages: its
    # village's operator only; a foreign musyawarah or import answers 404.
    "api:import-upload": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-list": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-detail": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-rows": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-row-fix": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-confirm": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-cancel": frozenset({Role.VILLAGE_OPERATOR}),
    # The ministry data unit's proposals and the public self-registration (proposals/channel_apis.py).
    "api:ministry-proposal-list": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "api:self-registration": PUBLIC,
    # Django's admin: TOTP-verified administrators only (users and configuration). Its login page
    # only redirects to accounts:login.
    "admin:login": PUBLIC,
    "admin:logout": SIGNED_IN,
    "admin:*": frozenset({Role.ADMIN}),
}


def rule_for(view_name: str | None) -> str | frozenset[str] | None:
    if not view_name:
        return None
    if view_name in ROUTES:
        return ROUTES[view_name]
    for key, rule in ROUTES.items():
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
