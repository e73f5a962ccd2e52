"""The verification stage's pages, mounted at /verval/ (dtks/urls.py)."""

from django.urls import path

from . import (
    converters,  # noqa: F401 - registers `verval_id`
    decision_views,
    views,
)

app_name = "verification"
urlpatterns: list = [
    path("", views.queue, name="queue"),
    path("unduh/", views.queue_xlsx, name="queue_xlsx"),
    path("usulan/<verval_id:pk>/", views.review, name="review"),
    path("usulan/<verval_id:pk>/putuskan/", decision_views.decide, name="decide"),
    path("keputusan-massal/", decision_views.bulk, name="bulk"),
    path("keputusan-massal/<verval_id:pk>/", decision_views.bulk_progress, name="bulk_progress"),
]
