"""The verification stage's pages, mounted at /verval/ (dtks/urls.py)."""

from django.urls import path

from . import (
    converters,  # noqa: F401 - registers `verval_id`
    decision_views,
    province_views,
    submission_views,
    views,
    visit_views,
)

app_name = "verification"
urlpatterns: list = [
    path("", views.queue, name="queue"),
    path("unduh/", views.queue_xlsx, name="queue_xlsx"),
    path("usulan/<verval_id:pk>/", views.review, name="review"),
    path("usulan/<verval_id:pk>/putuskan/", decision_views.decide, name="decide"),
    path("keputusan-massal/", decision_views.bulk, name="bulk"),
    path("keputusan-massal/<verval_id:pk>/", decision_views.bulk_progress, name="bulk_progress"),
    path("pengajuan/", submission_views.submissions, name="submissions"),
    path("pengajuan/kumpulkan/", submission_views.gather, name="submission_gather"),
    path("pengajuan/<verval_id:pk>/", submission_views.submission, name="submission"),
    path("pengajuan/<verval_id:pk>/sahkan/", submission_views.sign, name="submission_sign"),
    path("pengajuan/<verval_id:pk>/kirim/", submission_views.send, name="submission_send"),
    path("pengajuan/<verval_id:pk>/teruskan/", submission_views.forward, name="submission_forward"),
    path("pengajuan/<verval_id:pk>/sanggah/", submission_views.dispute, name="submission_dispute"),
    path("provinsi/", province_views.province, name="province"),
    path("pengajuan/<verval_id:pk>/surat/", submission_views.letter, name="submission_letter"),
    path("pengajuan/<verval_id:pk>/rekap/", submission_views.recap, name="submission_recap"),
    path("prelist/", visit_views.prelists, name="prelists"),
    path("prelist/<verval_id:pk>/", visit_views.prelist, name="prelist"),
    path("prelist/<verval_id:pk>/pdf/", visit_views.prelist_pdf_view, name="prelist_pdf"),
    path("prelist/<verval_id:pk>/xlsx/", visit_views.prelist_xlsx_view, name="prelist_xlsx"),
    path("lapangan/", visit_views.field, name="field"),
    path("lapangan/sw.js", visit_views.field_sw, name="field_sw"),
    path("lapangan/prelist/<verval_id:pk>/", visit_views.field_prelist, name="field_prelist"),
    path("lapangan/prelist/<verval_id:pk>/kunjungan/", visit_views.visit_new, name="visit_new"),
    path("foto/<verval_id:pk>/", visit_views.visit_photo, name="visit_photo"),
]
