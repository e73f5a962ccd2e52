from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Verifikasi dan validasi"

    def ready(self):
        from . import hooks  # noqa: F401 - registers with the core's registration points (verification/hooks.py)
