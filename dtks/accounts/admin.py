from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from .handover import handover_rows
from .models import ActivationCode, Organisation, User
from .services import activation_code_issue, otp_reset


def _codes_page(modeladmin, request, issued, title):
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "rows": handover_rows(issued),
        "activation_url": request.build_absolute_uri(reverse("accounts:activate")),
        "opts": modeladmin.model._meta,
    }
    response = TemplateResponse(request, "accounts/admin_codes_issued.html", context)
    # Shown once: never cached by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@admin.register(User)
class DtksUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Peran dan wilayah", {"fields": ("role", "region_code", "organisation", "is_demo")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "region_code", "organisation", "is_active")
    list_filter = ("role", "is_active", "is_demo")
    actions = ["reset_password", "reset_password_and_otp"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out superuser status or per-user permissions: an administrator
        # must not be able to lift anyone (or themselves) past the role model.
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, "is_superuser", "groups", "user_permissions")
        return fields

    def _run(self, request, queryset, service, title):
        try:
            issued = [service(user=user, actor=request.user) for user in queryset.order_by("username")]
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        return _codes_page(self, request, issued, title)

    @admin.action(description=gettext_lazy("Reset kata sandi: beri kode aktivasi baru (TOTP tetap)"))
    def reset_password(self, request, queryset):
        return self._run(request, queryset, activation_code_issue, _("Kode aktivasi baru (reset kata sandi)"))

    @admin.action(description=gettext_lazy("Reset kata sandi dan TOTP: beri kode aktivasi baru"))
    def reset_password_and_otp(self, request, queryset):
        return self._run(request, queryset, otp_reset, _("Kode aktivasi baru (reset kata sandi dan TOTP)"))

    def user_change_password(self, request, id, form_url=""):
        """An administrator never sets or learns a user's password (every change must be attributable
        to its owner): resets go through a one-time activation code instead."""
        self.message_user(
            request,
            _(
                "Kata sandi tidak diubah di sini. Pilih pengguna di daftar, lalu jalankan "
                "aksi “Reset kata sandi” untuk memberi kode aktivasi baru."
            ),
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[id]))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region_code", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    """Read-only: when codes were issued, by whom, and whether they were used. Never the code."""

    list_display = ("user", "created_at", "expires_at", "used_at", "revoked_at", "issued_by")
    list_filter = ("used_at", "revoked_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at", "expires_at", "used_at", "revoked_at", "issued_by")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-otp's own TOTP admin shows each device's secret key and QR code; an administrator must not
# be able to copy a user's second factor. Listed read-only, without the key.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
