"""Django-admin permissions that follow from the role, not from per-user permission rows."""

from .models import Role

# What the admin role manages (DESIGN.md §2: users and configuration, no registry reading): the
# accounts app, TOTP devices (read-only there) and django-axes' lockout records. Configuration apps of
# later stages add their app label here.
ADMIN_APP_LABELS = frozenset({"accounts", "otp_totp", "axes"})


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
        return self._admin(user_obj) and perm.split(".", 1)[0] in ADMIN_APP_LABELS

    def has_module_perms(self, user_obj, app_label):
        return self._admin(user_obj) and app_label in ADMIN_APP_LABELS
