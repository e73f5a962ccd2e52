from django.apps import AppConfig


class CivilConfig(AppConfig):
    name = "dtks.civil"
    label = "civil"
    verbose_name = "Dukcapil (pencocokan data kependudukan)"

    def ready(self) -> None:
        # The HTTP adapter registers itself as the source "http" (dtks.civil.sources.SOURCES).
        from . import http  # noqa: F401
