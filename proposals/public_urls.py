"""Public self-registration pages, mounted at /daftar/ (docs/security.md #3: public routes)."""

from django.urls import path

from .channels import self_registration_views as views

app_name = "public"
urlpatterns = [
    path("", views.register, name="register"),
    path("tanda-terima/<str:token>/", views.receipt, name="receipt"),
]
