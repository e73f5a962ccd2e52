"""The determination stage's pages, mounted at /penilaian/ (dtks/urls.py): the ministry's assessment
(issue 16)."""

from django.urls import path

from verification import converters  # noqa: F401 - registers `verval_id`

from . import views

app_name = "determination"
urlpatterns: list = [
    path("", views.queue, name="queue"),
    path("unduh/", views.queue_xlsx, name="queue_xlsx"),
    path("usulan/<verval_id:pk>/", views.review, name="review"),
    path("usulan/<verval_id:pk>/putuskan/", views.decide, name="decide"),
    path("terima-massal/", views.bulk_accept, name="bulk_accept"),
]
