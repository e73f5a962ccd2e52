"""Django's admin behind the same door as every other page: sign in at accounts:login, and an
administrator must be TOTP-verified (django-otp) before the admin answers."""

from urllib.parse import quote

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from .auth import is_verified


class DtksAdminSite(admin.AdminSite):
    site_header = "DTKS — administrasi"
    site_title = "DTKS"
    index_title = "Pengguna dan konfigurasi"

    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request)

    def login(self, request, extra_context=None):
        """The admin has no login form of its own: the role-aware login (with TOTP) is the only one."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={quote(next_url)}")
