"""Ministry proposals (/usulan/kementerian/) and the village's list of self-registrations
(/usulan/pendaftaran-mandiri/); roles in dtks/permissions.py."""

from django.urls import path

from . import ministry_views, self_registration_views

urlpatterns = [
    path("kementerian/", ministry_views.ministry_list, name="ministry_list"),
    path("kementerian/baru/", ministry_views.ministry_create, name="ministry_create"),
    path("kementerian/<int:pk>/", ministry_views.ministry_item, name="ministry_item"),
    path("pendaftaran-mandiri/", self_registration_views.self_registrations, name="self_registrations"),
]
