"""Django-admin permissions that follow from the role, not from per-user permission rows."""

from .models import Role

# What the admin role manages (docs/design.md §2: users and configuration, no registry reading): the
# accounts app, TOTP devices (read-only there) and django-axes' lockout records. Configuration apps of
# later stages add their app label here.
ADMIN_APP_LABELS = frozenset({"accounts", "otp_totp", "axes"})
# Configuration models inside apps whose other models the admin role must not read: "app.model".
# The registry's integrity-rule switches and code lists (welfare criteria), never its data; the
# civil-registry source and the list of loaded extracts, never their rows.
ADMIN_MODELS = frozenset({"registry.integrityrule", "registry.code", "civil.settings", "civil.extract"})


class RolePermissionBackend:
    """Grants an active user of the admin role every permission of ADMIN_APP_LABELS. Authenticates
    nobody (ModelBackend does that)."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    @staticmethod
    def _admin(user_obj) -> bool:
        return bool(user_obj.is_active and getattr(user_obj, "role", "") == Role.ADMIN)

    def has_perm(self, user_obj, perm, obj=None):
        if not self._admin(user_obj):
            return False
        app_label, _, codename = perm.partition(".")
        model = codename.partition("_")[2]  # add_/change_/delete_/view_<model>
        return app_label in ADMIN_APP_LABELS or f"{app_label}.{model}" in ADMIN_MODELS

    def has_module_perms(self, user_obj, app_label):
        return self._admin(user_obj) and (
            app_label in ADMIN_APP_LABELS or any(m.startswith(f"{app_label}.") for m in ADMIN_MODELS)
        )
