"""The Dukcapil API operations, mounted under /api/v1/ by dtks/api/urls.py (namespace `api`); the
core's own, so listed there directly. Every name is in dtks/permissions.py with its roles."""

from django.urls import path

from . import apis, converters  # noqa: F401  (converters registers `civil_id`)

urlpatterns = [
    path("dukcapil/rekonsiliasi/", apis.ReconciliationApi.as_view(), name="civil-reconciliation"),
    path("dukcapil/ekstrak/", apis.ExtractUploadApi.as_view(), name="civil-extract-upload"),
    path("dukcapil/ekstrak/<civil_id:pk>/", apis.ExtractDetailApi.as_view(), name="civil-extract-detail"),
]
