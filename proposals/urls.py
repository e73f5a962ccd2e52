"""Stage 1 pages, mounted at /usulan/ (staff); the public self-registration is public_urls.py. Every
name is in proposals/permissions.py with its roles."""

from django.urls import path

from .channels import ministry_views, self_registration_views
from .imports import views as imports
from .item import editing
from .item import views as items
from .musyawarah import views as musyawarah

app_name = "proposals"
urlpatterns = [
    # The village operator's musyawarah (proposals/musyawarah/views.py).
    path("", musyawarah.musyawarah_list, name="musyawarah_list"),
    path("musyawarah/baru/", musyawarah.musyawarah_new, name="musyawarah_new"),
    path("musyawarah/<int:pk>/", musyawarah.musyawarah_detail, name="musyawarah"),
    path("musyawarah/<int:pk>/notulen/", musyawarah.musyawarah_minutes, name="musyawarah_minutes"),
    path(
        "musyawarah/<int:pk>/notulen/unggah/",
        musyawarah.musyawarah_minutes_upload,
        name="musyawarah_minutes_upload",
    ),
    path("musyawarah/<int:pk>/terlaksana/", musyawarah.musyawarah_hold, name="musyawarah_hold"),
    path("musyawarah/<int:pk>/ajukan/", musyawarah.musyawarah_submit, name="musyawarah_submit"),
    # Items (proposals/item/): created in a musyawarah or by the regency, edited, decided.
    path("musyawarah/<int:pk>/tambah/<slug:kind>/", editing.item_new, name="item_new"),
    path("kabupaten/tambah/<slug:kind>/", editing.regency_item_new, name="regency_item_new"),
    path("item/<int:pk>/ubah/", editing.item_edit, name="item_edit"),
    path("item/<int:pk>/", items.item_detail, name="item"),
    path("item/<int:pk>/keputusan/", items.item_transition, name="item_transition"),
    path("dikembalikan/", items.returned, name="returned"),
    path("kabupaten/", items.regency, name="regency"),
    # The spreadsheet import of a musyawarah (proposals/imports/).
    path("musyawarah/<int:musyawarah_id>/impor/", imports.upload, name="import_upload"),
    path("impor/<int:job_id>/", imports.job_detail, name="import_job"),
    path("impor/<int:job_id>/progres/", imports.progress, name="import_progress"),
    path("impor/<int:job_id>/konfirmasi/", imports.confirm, name="import_confirm"),
    path("impor/<int:job_id>/batal/", imports.cancel, name="import_cancel"),
    path("impor/<int:job_id>/baris/<int:row_no>/perbaiki/", imports.row_fix, name="import_row_fix"),
    path("impor/templat.<str:fmt>", imports.template, name="import_template"),
    # The channels outside the musyawarah (proposals/channels/).
    path("kementerian/", ministry_views.ministry_list, name="ministry_list"),
    path("kementerian/baru/", ministry_views.ministry_create, name="ministry_create"),
    path("kementerian/<int:pk>/", ministry_views.ministry_item, name="ministry_item"),
    path("pendaftaran-mandiri/", self_registration_views.self_registrations, name="self_registrations"),
]
