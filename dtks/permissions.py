"""The permission table: every URL pattern and API operation with the roles allowed (SECURITY.md #3).

Enforced at runtime by `PermissionTableMiddleware`: a route missing here answers 403 (deny by
default). `tests/core/test_permission_table.py` walks the URL resolver and fails when a route is
missing or an entry no longer matches a route. Keys are view names (`namespace:name`); a key ending
in `*` covers a namespace (used only for Django's admin, which is admin-only as a whole).
"""

from dtks.accounts.models import Role

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user

ALL_ROLES = frozenset(Role)

ROUTES: dict[str, str | frozenset[str]] = {
    # Public (SECURITY.md #3): home, health, language switch, the region picker.
    "home": PUBLIC,
    "health": PUBLIC,
    "set_language": PUBLIC,
    "regions:picker": PUBLIC,
    "regions:children": PUBLIC,
    # Django's admin: administrators only (users and configuration). Its login page is the way in
    # until Foundation II adds the role-aware login with TOTP.
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
