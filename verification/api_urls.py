"""The verification stage's API operations, collected into the shared `api` namespace (dtks/api/urls.py)."""

from django.urls import path

from . import (
    apis,
    converters,  # noqa: F401 - registers `verval_id`
)

urlpatterns: list = [
    path("verval/", apis.VervalQueueApi.as_view(), name="verval-queue"),
    path("verval/cari/", apis.VervalSearchApi.as_view(), name="verval-search"),
    path("verval/usulan/<verval_id:pk>/", apis.VervalReviewApi.as_view(), name="verval-review"),
]
