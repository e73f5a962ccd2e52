"""Registry configuration in Django's admin (the admin role; DESIGN.md §2 and §7).

Only configuration is registered here — which integrity rules run and the code lists (welfare
criteria, programmes, …) — never registry data: the admin role does not read the registry. Every
change writes one audit row with the old and new values. Nothing is deleted: a rule is switched off
and a code deactivated, so findings and records that name them keep their meaning.
"""

from django.contrib import admin
from django.forms.models import model_to_dict

from dtks.audit.services import audit_record

from .models import Code, IntegrityRule


class AuditedAdmin(admin.ModelAdmin):
    audit_action = ""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            before = model_to_dict(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj)
        changed = {k: [before.get(k), v] for k, v in after.items() if k != "id" and before.get(k) != v}
        audit_record(
            actor=request.user,
            action=f"{self.audit_action}.{'changed' if change else 'added'}",
            object_type=self.audit_action,
            object_id=obj.pk,
            ip=request.META.get("REMOTE_ADDR"),
            detail={"changed": changed},
        )


@admin.register(IntegrityRule)
class IntegrityRuleAdmin(AuditedAdmin):
    """The rules of DESIGN.md §7 are code; their switches are data."""

    audit_action = "registry.integrity_rule"
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


@admin.register(Code)
class CodeAdmin(AuditedAdmin):
    """Code lists, among them the welfare criteria ("kriteria"): the ministry adds and deactivates."""

    audit_action = "registry.code"
    list_display = ("list", "code", "label", "sort", "active")
    list_filter = ("list", "active")
    search_fields = ("code", "label")

    def get_readonly_fields(self, request, obj=None):
        # Stored records refer to the code: only its label, order and activity change afterwards.
        return ("list", "code") if obj is not None else ()
