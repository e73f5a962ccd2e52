"""The verification stage's API operations, collected into the shared `api` namespace (dtks/api/urls.py)."""

from django.urls import path

from . import (
    apis,
    converters,  # noqa: F401 - registers `verval_id`
    decision_apis,
    province_apis,
    submission_apis,
    visit_apis,
)

urlpatterns: list = [
    path("verval/", apis.VervalQueueApi.as_view(), name="verval-queue"),
    path("verval/cari/", apis.VervalSearchApi.as_view(), name="verval-search"),
    path("verval/usulan/<verval_id:pk>/", apis.VervalReviewApi.as_view(), name="verval-review"),
    path(
        "verval/usulan/<verval_id:pk>/keputusan/", decision_apis.DecisionApi.as_view(), name="verval-decide"
    ),
    path("verval/keputusan-massal/", decision_apis.BulkApi.as_view(), name="verval-bulk"),
    path(
        "verval/keputusan-massal/<verval_id:pk>/",
        decision_apis.BulkDetailApi.as_view(),
        name="verval-bulk-detail",
    ),
    path("verval/pengajuan/", submission_apis.SubmissionListApi.as_view(), name="verval-submissions"),
    path(
        "verval/pengajuan/kumpulkan/",
        submission_apis.SubmissionGatherApi.as_view(),
        name="verval-submission-gather",
    ),
    path(
        "verval/pengajuan/<verval_id:pk>/",
        submission_apis.SubmissionDetailApi.as_view(),
        name="verval-submission",
    ),
    path(
        "verval/pengajuan/<verval_id:pk>/sahkan/",
        submission_apis.SubmissionSignApi.as_view(),
        name="verval-submission-sign",
    ),
    path(
        "verval/pengajuan/<verval_id:pk>/kirim/",
        submission_apis.SubmissionSendApi.as_view(),
        name="verval-submission-send",
    ),
    path(
        "verval/pengajuan/<verval_id:pk>/teruskan/",
        submission_apis.SubmissionForwardApi.as_view(),
        name="verval-submission-forward",
    ),
    path(
        "verval/pengajuan/<verval_id:pk>/sanggah/",
        submission_apis.SubmissionDisputeApi.as_view(),
        name="verval-submission-dispute",
    ),
    path("verval/provinsi/", province_apis.ProvinceSummaryApi.as_view(), name="verval-province"),
    path("verval/prelist/", visit_apis.PrelistListApi.as_view(), name="prelists"),
    path("verval/prelist/baru/", visit_apis.PrelistCreateApi.as_view(), name="prelist-create"),
    path("verval/prelist/<verval_id:pk>/", visit_apis.PrelistDetailApi.as_view(), name="prelist"),
    path("lapangan/kunjungan/", visit_apis.VisitApi.as_view(), name="field-visit"),
]
