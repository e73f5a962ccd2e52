from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "dtks.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"

    def ready(self):
        from . import signals  # noqa: F401


class DtksAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the OTP-aware site (INSTALLED_APPS uses this instead of django.contrib.admin)."""

    default = False
    default_site = "dtks.accounts.admin_site.DtksAdminSite"
