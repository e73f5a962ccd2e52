from django.apps import AppConfig


class CivilConfig(AppConfig):
    name = "dtks.civil"
    label = "civil"
    verbose_name = "Dukcapil (pencocokan data kependudukan)"

    def ready(self):
        from . import demo  # noqa: F401 - registers the demo extract's seeder (dtks/core/demo.py)
