from django.apps import AppConfig


class DeterminationConfig(AppConfig):
    name = "determination"
    default_auto_field = "django.db.models.BigAutoField"
