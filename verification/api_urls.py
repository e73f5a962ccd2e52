"""The verification stage's API operations, collected into the shared `api` namespace (dtks/api/urls.py)."""

from django.urls import path

from . import apis
from .urls import VervalIdConverter  # noqa: F401 - registers the `verval_id` converter

urlpatterns: list = [
    path("verval/usulan/<verval_id:pk>/keputusan/", apis.DecisionApi.as_view(), name="verval-decide"),
    path("verval/keputusan-massal/", apis.BulkApi.as_view(), name="verval-bulk"),
    path("verval/keputusan-massal/<verval_id:pk>/", apis.BulkDetailApi.as_view(), name="verval-bulk-detail"),
]
