from django.apps import AppConfig


class CivilConfig(AppConfig):
    name = "dtks.civil"
    label = "civil"
    verbose_name = "Dukcapil (pencocokan data kependudukan)"
