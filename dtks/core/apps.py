from axes import apps as axes_apps
from django.apps import AppConfig
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class CoreConfig(AppConfig):
    name = "dtks.core"
    label = "core"
    verbose_name = "Inti"


# Third-party apps whose names Django's admin shows, relabelled in Bahasa Indonesia (INSTALLED_APPS
# names these classes instead of the apps' own configs; app labels, tables and migrations stay theirs).


class AxesConfig(axes_apps.AppConfig):
    verbose_name = "Penguncian masuk"


class TotpConfig(otp_totp_apps.DefaultConfig):
    verbose_name = "Verifikasi dua langkah (TOTP)"

    def ready(self):
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # Only the display names: `_meta.original_attrs`, which migrations read, keeps django-otp's
        # own, so no migration of a third-party app follows from this.
        TOTPDevice._meta.verbose_name = "perangkat TOTP"
        TOTPDevice._meta.verbose_name_plural = "perangkat TOTP"
