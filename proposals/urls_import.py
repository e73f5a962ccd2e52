"""The spreadsheet import (proposals/import_views.py); every name is in dtks/permissions.py."""

from django.urls import path

from . import import_views as views

urlpatterns = [
    path("musyawarah/<int:musyawarah_id>/impor/", views.upload, name="import_upload"),
    path("impor/<int:job_id>/", views.job_detail, name="import_job"),
    path("impor/<int:job_id>/progres/", views.progress, name="import_progress"),
    path("impor/<int:job_id>/konfirmasi/", views.confirm, name="import_confirm"),
    path("impor/<int:job_id>/batal/", views.cancel, name="import_cancel"),
    path("impor/<int:job_id>/baris/<int:row_no>/perbaiki/", views.row_fix, name="import_row_fix"),
    path("impor/templat.<str:fmt>", views.template, name="import_template"),
]
