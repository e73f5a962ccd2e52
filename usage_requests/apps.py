from django.apps import AppConfig


class UsageRequestsConfig(AppConfig):
    name = "usage_requests"
    default_auto_field = "django.db.models.BigAutoField"
