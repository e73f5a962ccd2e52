from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("keluar/", views.logout_view, name="logout"),
    path("aktivasi/", views.activate_view, name="activate"),
    path("totp/pasang/", views.otp_setup_view, name="otp_setup"),
    path("totp/verifikasi/", views.otp_verify_view, name="otp_verify"),
]
