"""The village operator's musyawarah and items, and the regency's minimal "return to village" page.
Every name is in dtks/permissions.py with its roles."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.musyawarah_list, name="musyawarah_list"),
    path("musyawarah/baru/", views.musyawarah_new, name="musyawarah_new"),
    path("musyawarah/<int:pk>/", views.musyawarah_detail, name="musyawarah"),
    path("musyawarah/<int:pk>/notulen/", views.musyawarah_minutes, name="musyawarah_minutes"),
    path(
        "musyawarah/<int:pk>/notulen/unggah/",
        views.musyawarah_minutes_upload,
        name="musyawarah_minutes_upload",
    ),
    path("musyawarah/<int:pk>/terlaksana/", views.musyawarah_hold, name="musyawarah_hold"),
    path("musyawarah/<int:pk>/ajukan/", views.musyawarah_submit, name="musyawarah_submit"),
    path("musyawarah/<int:pk>/tambah/<slug:kind>/", views.item_new, name="item_new"),
    path("dikembalikan/", views.returned, name="returned"),
    path("item/<int:pk>/", views.item_detail, name="item"),
    path("item/<int:pk>/ubah/", views.item_edit, name="item_edit"),
    path("item/<int:pk>/keputusan/", views.item_transition, name="item_transition"),
    path("kabupaten/", views.regency, name="regency"),
    path("kabupaten/tambah/<slug:kind>/", views.regency_item_new, name="regency_item_new"),
]
