"""The Dukcapil pages, mounted at /dukcapil/. Every name is in dtks/permissions.py with its roles."""

from django.urls import path

from . import converters, views  # noqa: F401  (converters registers `civil_id`)

app_name = "civil"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("ekstrak/", views.extract_upload, name="extract_upload"),
    path("ekstrak/<civil_id:pk>/", views.extract_detail, name="extract"),
    path("ekstrak/<civil_id:pk>/progres/", views.extract_progress, name="extract_progress"),
    path("ekstrak/<civil_id:pk>/ditolak.csv", views.extract_refusals, name="extract_refusals"),
    path("rekonsiliasi/", views.reconciliation, name="reconciliation"),
    path("rekonsiliasi/unduh.xlsx", views.reconciliation_xlsx, name="reconciliation_xlsx"),
    path("rekonsiliasi/hitung-ulang/", views.reconciliation_recompute, name="reconciliation_recompute"),
]
