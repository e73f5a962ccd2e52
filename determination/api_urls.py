"""The determination stage's API operations, collected into the shared `api` namespace (dtks/api/urls.py)."""

from django.urls import path

from verification import converters  # noqa: F401 - registers `verval_id`

from . import apis

urlpatterns: list = [
    path("penilaian/", apis.AssessmentQueueApi.as_view(), name="assessment-queue"),
    path("penilaian/cari/", apis.AssessmentSearchApi.as_view(), name="assessment-search"),
    path("penilaian/usulan/<verval_id:pk>/", apis.AssessmentReviewApi.as_view(), name="assessment-review"),
    path(
        "penilaian/usulan/<verval_id:pk>/keputusan/",
        apis.AssessmentDecideApi.as_view(),
        name="assessment-decide",
    ),
    path("penilaian/terima-massal/", apis.AssessmentBulkAcceptApi.as_view(), name="assessment-bulk-accept"),
]
