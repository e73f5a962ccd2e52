from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "dtks.regions"
    label = "regions"
    verbose_name = "Wilayah"
