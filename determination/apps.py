from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "determination"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Penilaian dan penetapan"

    def ready(self):
        from . import hooks  # noqa: F401 - registers with the core's registration points (determination/hooks.py)
