"""Registry configuration in Django's admin (the admin role; docs/design.md §2 and §7).

Only configuration is registered here — which integrity rules run and the code lists (welfare
criteria, programmes, …) — never registry data: the admin role does not read the registry. Every
change, in the form or by an import (preview, then confirm; CSV or XLSX), writes one audit row with the
old and new values (dtks/core/configuration.py). Nothing is deleted: a rule is switched off and a code
deactivated, so findings and records that name them keep their meaning.
"""

from django.contrib import admin
from django.utils.translation import gettext as _

from dtks.core.configuration import ConfigurationAdmin, ConfigurationResource

from .models import Code, IntegrityRule


class IntegrityRuleResource(ConfigurationResource):
    class Meta:
        model = IntegrityRule
        import_id_fields = ("code",)
        fields = ("code", "label", "description", "enabled", "blocking")


class CodeResource(ConfigurationResource):
    class Meta:
        model = Code
        import_id_fields = ("list", "code")
        fields = ("list", "code", "label", "sort", "active")


@admin.register(IntegrityRule)
class IntegrityRuleAdmin(ConfigurationAdmin):
    """The rules of docs/design.md §7 are code; their switches are data."""

    audit_action = "registry.integrity_rule"
    resource_classes = [IntegrityRuleResource]
    list_display = ("code", "label", "enabled", "blocking")
    list_filter = ("enabled", "blocking")
    fields = ("code", "label", "description", "enabled", "blocking")

    def has_add_permission(self, request):
        # A rule without an implementation would do nothing: rules arrive with code and a migration.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = ["code"]
        if obj is not None and obj.code == "NIK_INVALID":
            fields.append("enabled")  # a format error always blocks saving
        return fields

    def import_refusal(self, field, obj):
        if field == "enabled" and obj.code == "NIK_INVALID":
            return _("NIK_INVALID tidak dapat dimatikan: kesalahan format NIK selalu menahan penyimpanan")
        return None


@admin.register(Code)
class CodeAdmin(ConfigurationAdmin):
    """Code lists, among them the welfare criteria ("kriteria"): the ministry adds and deactivates."""

    audit_action = "registry.code"
    resource_classes = [CodeResource]
    list_display = ("list", "code", "label", "sort", "active")
    list_filter = ("list", "active")
    search_fields = ("code", "label")

    def get_readonly_fields(self, request, obj=None):
        # Stored records refer to the code: only its label, order and activity change afterwards.
        return ("list", "code") if obj is not None else ()
