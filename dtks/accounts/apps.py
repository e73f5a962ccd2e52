from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dtks.accounts"
    label = "accounts"
    verbose_name = "Akun dan peran"
