from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import dashboards  # noqa: F401 - registers the village operator's dashboard queues
