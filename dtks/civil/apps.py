from django.apps import AppConfig


class CivilConfig(AppConfig):
    name = "dtks.civil"
    label = "civil"
    verbose_name = "Dukcapil (pencocokan data kependudukan)"

    def ready(self) -> None:
        # The HTTP adapter registers itself as the source "http" (dtks.civil.sources.SOURCES); the demo
        # extract's seeder registers with dtks/core/demo.py.
        from . import demo, http  # noqa: F401
