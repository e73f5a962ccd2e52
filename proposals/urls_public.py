"""Public self-registration (pendaftaran mandiri), mounted at /daftar/ — PUBLIC in dtks/permissions.py."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("", public_views.register, name="register"),
    path("tanda-terima/<str:token>/", public_views.receipt, name="receipt"),
]
