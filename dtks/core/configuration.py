"""Configuration tables in Django's admin, for the admin role: audited edits, and import (a preview,
then a confirm step) and export through django-import-export (docs/decisions.md, issue 12).

Every stage registers its configuration tables the same way:

    class ThingResource(ConfigurationResource):
        class Meta:
            model = Thing
            import_id_fields = ("code",)      # how a row finds its stored record
            fields = ("code", "label", "active")

    @admin.register(Thing)
    class ThingAdmin(ConfigurationAdmin):
        audit_action = "stage.thing"
        resource_classes = [ThingResource]

What the admin form refuses, an import refuses, because the resource asks the same ModelAdmin: a new
row needs `has_add_permission`, a changed row `has_change_permission`, and a field the admin shows
read-only for that record (`get_readonly_fields(request, obj)`) or does not show at all cannot change.
Nothing is ever deleted. One refused row refuses the whole file: the preview lists every refusal by
row and field and offers no confirm; the confirm step rolls everything back if a row fails there.
Every row an import adds or changes writes one audit row like an edit in the form — the same action,
the old and new values — marked `"via": "impor"`.

Exports escape cells a spreadsheet would run as a formula (docs/security.md #8), and an import strips that
escape again, so an exported file imports back unchanged.
"""

import io
import re

from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.forms.models import model_to_dict
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm

from dtks.accounts.auth import client_ip
from dtks.audit.services import audit_record

from .uploads import UploadRefused, check_xlsx_package

# Cells a spreadsheet treats as a formula (or that smuggle one in after a tab or line break).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX cell cannot hold (openpyxl's list): replaced on export instead of failing it.
_ILLEGAL_XLSX = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# A configuration table is small; a larger file is a mistake, not a table.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
CONFIRM_SALT = "dtks.core.configuration.confirm"
CONFIRM_MAX_AGE = 60 * 60  # a preview left for an hour is uploaded again


def spreadsheet_text(value):
    """A text cell as a spreadsheet must show it: a leading formula character escaped with `'`."""
    if isinstance(value, str):
        value = _ILLEGAL_XLSX.sub("\N{REPLACEMENT CHARACTER}", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def unescaped(value):
    """`spreadsheet_text` undone: what an export wrote as `'=x` imports as `=x`."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def changed_values(before: dict, after: dict) -> dict:
    """{field: [old, new]} of what differs; the audit detail of an edit or an imported row."""
    return {k: [before.get(k), v] for k, v in after.items() if k != "id" and before.get(k) != v}


# --- formats ----------------------------------------------------------------------------------------


class CheckedXLSX(base_formats.XLSX):
    """XLSX through the same package check as every upload before openpyxl reads it."""

    def create_dataset(self, in_stream):
        check_xlsx_package(io.BytesIO(in_stream))
        return super().create_dataset(in_stream)


FORMATS = (base_formats.CSV, CheckedXLSX)


# --- resource ---------------------------------------------------------------------------------------


class ConfigurationResource(resources.ModelResource):
    """Import/export of one configuration table with the refusals of its ModelAdmin (see the module
    docstring). The admin passes itself and the request (`ConfigurationAdmin.get_resource_kwargs`)."""

    class Meta:
        skip_unchanged = True  # an unchanged row is neither saved nor audited
        report_skipped = True  # the preview still lists it
        clean_model_instances = True  # choices and lengths checked as the form checks them
        use_transactions = True

    def __init__(self, *, model_admin=None, request=None, **kwargs):
        super().__init__(**kwargs)
        self.model_admin = model_admin
        self.request = request

    # -- import

    def before_import_row(self, row, **kwargs):
        for key in list(row):
            row[key] = unescaped(row[key])

    def for_delete(self, row, instance):
        return False  # configuration is switched off or deactivated, never deleted

    def import_instance(self, instance, row, **kwargs):
        new = instance.pk is None
        instance._config_before = {} if new else model_to_dict(instance)
        errors: dict = {}
        # What the admin would refuse, asked before the row's values are set (the record as stored).
        readonly, shown = set(), None
        if self.model_admin is not None:
            obj = None if new else instance
            readonly = set(self.model_admin.get_readonly_fields(self.request, obj))
            shown = set(self.model_admin.get_fields(self.request, obj))
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        errors.update(self._refusals(instance, new, readonly, shown))
        if errors:
            raise ValidationError(errors)

    def _refusals(self, instance, new: bool, readonly: set, shown: set | None) -> dict:
        opts = instance._meta
        admin_ = self.model_admin
        if admin_ is not None and new and not admin_.has_add_permission(self.request):
            attrs = [self.fields[f].attribute for f in self.get_import_id_fields()]
            keys = ", ".join(f"{opts.get_field(a).verbose_name} “{getattr(instance, a)}”" for a in attrs)
            return {
                self.get_import_id_fields()[0]: [
                    _(
                        "Tidak ada %(model)s dengan %(keys)s, dan %(model)s baru tidak dapat ditambahkan "
                        "di sini; perbaiki isiannya agar sama dengan yang tersimpan, atau hapus baris ini."
                    )
                    % {"model": opts.verbose_name, "keys": keys}
                ]
            }
        if admin_ is not None and not new and not admin_.has_change_permission(self.request, instance):
            return {
                "__all__": [
                    _("%(model)s ini tidak dapat diubah; hapus baris ini.")
                    % {"model": capfirst(opts.verbose_name)}
                ]
            }
        errors: dict = {}
        before = instance._config_before
        for field in self.get_import_fields():
            name = field.attribute
            if not name:
                continue
            value = getattr(instance, name, None)
            if isinstance(value, str) and "\x00" in value:
                errors[name] = [_("Isian ini memuat karakter NUL; hapus karakter itu lalu unggah lagi.")]
                continue
            if new:
                continue
            locked = name in readonly or (shown is not None and name not in shown)
            if locked and before.get(name) != value:
                reason = admin_.import_refusal(name, instance) if admin_ is not None else None
                errors[name] = [
                    _(
                        "Isian ini tidak dapat diubah (tersimpan “%(old)s”, di berkas “%(new)s”)%(why)s; "
                        "kembalikan ke nilai tersimpan."
                    )
                    % {"old": before.get(name), "new": value, "why": f": {reason}" if reason else ""}
                ]
        return errors

    def after_save_instance(self, instance, row, **kwargs):
        if kwargs.get("dry_run") or self.model_admin is None:
            return  # the preview writes nothing, its audit neither
        before = instance._config_before
        action = self.model_admin.audit_action
        audit_record(
            actor=self.request.user,
            action=f"{action}.{'changed' if before else 'added'}",
            object_type=action,
            object_id=instance.pk,
            ip=client_ip(self.request),
            detail={
                "changed": changed_values(before, model_to_dict(instance)),
                "via": "impor",
                "berkas": str(kwargs.get("file_name") or "")[:255],
            },
        )

    # -- export

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_text(super().export_field(field, instance, **kwargs))


# --- admin ------------------------------------------------------------------------------------------


class AuditedAdmin(admin.ModelAdmin):
    """Every save in the form writes one audit row with the old and new values; nothing is deleted."""

    audit_action = ""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{self.audit_action}.{'changed' if change else 'added'}",
            object_type=self.audit_action,
            object_id=obj.pk,
            ip=client_ip(request),
            detail={"changed": changed_values(before, model_to_dict(obj))},
        )

    def import_refusal(self, field: str, obj) -> str | None:
        """Why `field` of `obj` cannot change (shown with an import's refusal); None: no reason given."""
        return None


class ConfigurationImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _(
                    "Berkas terlalu besar (lebih dari %(mb)s MB) untuk tabel konfigurasi; unggah tabelnya saja."
                )
                % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload


class ConfigurationConfirmForm(ConfirmImportForm):
    """The confirm step names the previewed file by a signed value bound to the user who previewed it:
    no other file of the server's temporary folder, nobody else's preview, no stale one."""

    def __init__(self, *args, user_pk=None, formats=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_pk, self.formats = user_pk, formats

    def clean_import_file_name(self):
        try:
            signed = signing.loads(
                self.cleaned_data["import_file_name"], salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE
            )
        except signing.BadSignature as exc:
            raise ValidationError(
                _("Pratinjau ini tidak berlaku lagi; unggah berkasnya sekali lagi.")
            ) from exc
        if signed.get("u") != self.user_pk:
            raise ValidationError(_("Pratinjau ini tidak berlaku lagi; unggah berkasnya sekali lagi."))
        self.cleaned_data["import_file_name"] = signed["n"]
        return super().clean_import_file_name()

    def clean_format(self):
        value = self.cleaned_data["format"]
        if not (value.isdigit() and int(value) < self.formats):
            raise ValidationError(_("Format berkas tidak dikenal; unggah berkasnya sekali lagi."))
        return value

    def clean_resource(self):
        value = self.cleaned_data.get("resource") or ""
        if value not in ("", "0"):
            raise ValidationError(_("Sumber data tidak dikenal; unggah berkasnya sekali lagi."))
        return value


class ConfigurationExportForm(SelectableFieldsExportForm):
    def _get_field_label(self, resource, field_name: str) -> str:
        # The column checkboxes carry the model's (Indonesian) field names, not the attribute's title.
        field = resource.fields.get(field_name)
        try:
            return capfirst(resource._meta.model._meta.get_field(field.attribute).verbose_name)
        except (AttributeError, FieldDoesNotExist):  # a resource field that is no model field
            return super()._get_field_label(resource, field_name)


class ConfigurationAdmin(ImportExportMixin, AuditedAdmin):
    """A configuration table in the admin with import (preview, then confirm) and export, CSV or XLSX."""

    formats = FORMATS
    import_form_class = ConfigurationImportForm
    confirm_form_class = ConfigurationConfirmForm
    export_form_class = ConfigurationExportForm
    skip_import_confirm = False  # the preview is the point: the admin sees every change first

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        kwargs.pop("form", None)
        return {**kwargs, "model_admin": self, "request": request}

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        # One refused row refuses the file also at the confirm step (the file could have changed).
        return {**kwargs, "rollback_on_validation_errors": True}

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        return {**kwargs, "user_pk": request.user.pk, "formats": len(self.get_import_formats())}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if initial.get("import_file_name"):
            initial["import_file_name"] = signing.dumps(
                {"n": initial["import_file_name"], "u": request.user.pk}, salt=CONFIRM_SALT
            )
        return initial

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadRefused):
            form.add_error("import_file", " ".join(e.messages))
            return
        form.add_error(
            "import_file",
            _(
                "Berkas tidak dapat dibaca sebagai format yang dipilih; pilih CSV atau XLSX yang sesuai berkasnya."
            ),
        )

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            self.message_user(
                request,
                _("Berkas pratinjau tidak ada lagi (sudah diimpor?); unggah berkasnya sekali lagi."),
                messages.ERROR,
            )
            return HttpResponseRedirect(self._import_url())

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Rolled back: nothing was saved, so nothing is logged or reported as imported.
            self.message_user(
                request,
                _("Impor dibatalkan: ada baris yang ditolak; tidak ada yang disimpan."),
                messages.ERROR,
            )
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    def _import_url(self) -> str:
        app_label, model_name = self.get_model_info()
        return reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
