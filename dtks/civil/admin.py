"""The civil-registry configuration in Django's admin (the admin role; docs/civil_registry.md).

`Settings` is one row — which source answers the CIVIL_REGISTRY_* rules and how names are compared —
edited through the audited configuration admin (dtks/core/configuration.py): every change writes one
audit row with the old and new values; it is never added twice and never deleted. The extracts are
listed read-only, so the administrator sees what the ministry's data unit loaded (never their rows:
those are personal data).
"""

from django.contrib import admin
from django.db import models

from dtks.core.configuration import ConfigurationAdmin, ConfigurationResource

from .models import Extract, Settings

SETTINGS_FIELDS = ("source", "name_threshold", "titles", "patronyms", "http_url", "http_label")


class SettingsResource(ConfigurationResource):
    class Meta:
        model = Settings
        import_id_fields = ("id",)
        fields = ("id", *SETTINGS_FIELDS)


@admin.register(Settings)
class SettingsAdmin(ConfigurationAdmin):
    audit_action = "civil.settings"
    resource_classes = [SettingsResource]
    list_display = ("__str__", "source", "name_threshold", "updated_at")
    fields = SETTINGS_FIELDS
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        # The one row (pk = 1, a check constraint): it exists from the first read on.
        return super().has_add_permission(request) and not Settings.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(Extract)
class ExtractAdmin(admin.ModelAdmin):
    """Read-only: extracts are loaded on the Dukcapil page (or by `load_civil_registry`)."""

    list_display = ("pk", "source", "extract_date", "status", "current", "rows_read", "rows_refused",
                    "persons", "created_at", "finished_at")  # fmt: skip
    list_filter = ("status", "current")
    ordering = ("-pk",)
    fields = ("source", "extract_date", "file_name", "sha256", "status", "progress", "error_message", "current",
              "rows_read", "rows_refused", "persons", "actor", "created_by", "created_at", "finished_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
