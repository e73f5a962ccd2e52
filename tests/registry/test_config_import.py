"""Import (preview, then confirm) and export of the configuration tables in Django's admin
(dtks/core/configuration.py, dtks/registry/admin.py): audited like an edit in the form, refused where
the form refuses, whole files or nothing, exports that no spreadsheet runs as formulas."""

import csv
import io
import os
import tempfile
import zipfile

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dtks.accounts.models import Role, User
from dtks.audit.models import AuditEvent
from dtks.core.configuration import CONFIRM_SALT
from dtks.registry.models import Code, IntegrityRule

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"
CODE_FIELDS = ("list", "code", "label", "sort", "active")
RULE_FIELDS = ("code", "label", "description", "enabled", "blocking")


@pytest.fixture
def admin_client(client, otp_login):
    otp_login(client, User.objects.create_user("admin-impor", role=Role.ADMIN, is_staff=True))
    return client


def export(client, model: str, fmt: str = CSV_FORMAT) -> bytes:
    resource, fields = (
        ("coderesource", CODE_FIELDS) if model == "code" else ("integrityruleresource", RULE_FIELDS)
    )
    data = {"format": fmt, "resource": "0", **{f"{resource}_{f}": "on" for f in fields}}
    response = client.post(f"/admin/registry/{model}/export/", data)
    assert response.status_code == 200, response.content[:500]
    assert "attachment" in response["Content-Disposition"]
    return response.content


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def csv_bytes(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def preview(client, model: str, content: bytes, fmt: str = CSV_FORMAT, name: str = "konfigurasi.csv"):
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        f"/admin/registry/{model}/import/", {"format": fmt, "resource": "0", "import_file": upload}
    )
    assert response.status_code == 200
    return response


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(f"/admin/registry/{model}/process_import/", {k: form.initial[k] for k in form.fields})


def refusals(response) -> list[str]:
    result = response.context["result"]
    return [str(m) for row in result.invalid_rows for msgs in row.error_dict.values() for m in msgs]


def code_rows(client) -> list[dict]:
    return csv_rows(export(client, "code"))


# --- the confirm flow ----------------------------------------------------------------------------------


def test_a_changed_code_label_is_previewed_then_written_with_its_audit_row(admin_client):
    code = Code.objects.get(list="kriteria", code="KEMISKINAN")
    old = code.label
    rows = code_rows(admin_client)
    assert len(rows) == Code.objects.count()
    for r in rows:
        if (r["list"], r["code"]) == ("kriteria", "KEMISKINAN"):
            r["label"] = "Kemiskinan (fakir miskin dan orang tidak mampu)"

    response = preview(admin_client, "code", csv_bytes(rows))
    assert response.context.get("confirm_form") is not None, refusals(response)
    result = response.context["result"]
    assert (result.totals["update"], result.totals["new"], result.totals["skip"]) == (1, 0, len(rows) - 1)
    # The preview saves nothing and audits nothing.
    assert Code.objects.get(pk=code.pk).label == old
    assert not AuditEvent.objects.filter(action__startswith="registry.code").exists()

    done = confirm(admin_client, "code", response)
    assert done.status_code == 302 and done["Location"] == "/admin/registry/code/"
    assert Code.objects.get(pk=code.pk).label == "Kemiskinan (fakir miskin dan orang tidak mampu)"
    event = AuditEvent.objects.get(action__startswith="registry.code")
    assert event.action == "registry.code.changed" and event.object_id == str(code.pk)
    assert event.actor.username == "admin-impor" and event.ip == "127.0.0.1"
    assert event.detail["changed"] == {"label": [old, "Kemiskinan (fakir miskin dan orang tidak mampu)"]}
    assert event.detail["via"] == "impor" and event.detail["berkas"] == "konfigurasi.csv"
    # Confirming the same preview again finds its file gone: nothing more happens.
    again = confirm(admin_client, "code", response)
    assert (
        again.status_code == 302
        and AuditEvent.objects.filter(action__startswith="registry.code").count() == 1
    )


def test_an_xlsx_round_trip_deactivates_a_code_and_adds_a_criterion(admin_client):
    wb = load_workbook(io.BytesIO(export(admin_client, "code", XLSX_FORMAT)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    for cells in ws.iter_rows(min_row=2):
        values = dict(zip(header, cells, strict=True))
        if (values["list"].value, values["code"].value) == ("program", "PKH"):
            values["active"].value = 0
    ws.append(["kriteria", "KORBAN_PERDAGANGAN_ORANG", "Korban perdagangan orang", 20, 1])
    buf = io.BytesIO()
    wb.save(buf)

    response = preview(admin_client, "code", buf.getvalue(), XLSX_FORMAT, "kode.xlsx")
    assert response.context.get("confirm_form") is not None, refusals(response)
    assert confirm(admin_client, "code", response).status_code == 302
    assert not Code.objects.get(list="program", code="PKH").active
    added = Code.objects.get(list="kriteria", code="KORBAN_PERDAGANGAN_ORANG")
    actions = sorted(
        AuditEvent.objects.filter(action__startswith="registry.code").values_list("action", flat=True)
    )
    assert actions == ["registry.code.added", "registry.code.changed"]
    assert AuditEvent.objects.get(action="registry.code.added").object_id == str(added.pk)


def test_a_file_without_some_codes_deletes_nothing(admin_client):
    before = Code.objects.count()
    rows = code_rows(admin_client)[:3]
    rows[0]["label"] += " (ubah)"
    response = preview(admin_client, "code", csv_bytes(rows))
    assert confirm(admin_client, "code", response).status_code == 302
    assert Code.objects.count() == before


# --- refusals, whole files ----------------------------------------------------------------------------


def rule_rows(client) -> list[dict]:
    return csv_rows(export(client, "integrityrule"))


def test_adding_a_rule_is_refused_and_saves_nothing(admin_client):
    rows = rule_rows(admin_client)
    rows[0]["label"] += " (ubah)"
    rows.append({**rows[1], "code": "ATURAN_BARU", "label": "Aturan baru"})
    response = preview(admin_client, "integrityrule", csv_bytes(rows))
    assert response.context.get("confirm_form") is None
    messages = refusals(response)
    assert any("ATURAN_BARU" in m and "tidak dapat ditambahkan" in m for m in messages), messages
    assert IntegrityRule.objects.filter(label__endswith="(ubah)").count() == 0
    assert not IntegrityRule.objects.filter(code="ATURAN_BARU").exists()
    assert not AuditEvent.objects.exists()


def test_disabling_nik_invalid_is_refused_with_its_reason_and_saves_nothing(admin_client):
    rows = rule_rows(admin_client)
    for r in rows:
        if r["code"] in ("NIK_INVALID", "MEMBER_OVERLAP"):
            r["enabled"] = "0"
    response = preview(admin_client, "integrityrule", csv_bytes(rows))
    assert response.context.get("confirm_form") is None
    (message,) = refusals(response)
    assert "NIK_INVALID tidak dapat dimatikan" in message and "kembalikan ke nilai tersimpan" in message
    page = response.content.decode()
    assert "NIK_INVALID tidak dapat dimatikan" in page
    assert IntegrityRule.objects.get(code="NIK_INVALID").enabled
    assert IntegrityRule.objects.get(code="MEMBER_OVERLAP").enabled  # the valid row waits for the file
    assert not AuditEvent.objects.exists()


def test_switching_a_rule_off_by_import_is_audited_like_the_form(admin_client):
    rows = rule_rows(admin_client)
    for r in rows:
        if r["code"] == "MEMBER_OVERLAP":
            r["enabled"] = "0"
    response = preview(admin_client, "integrityrule", csv_bytes(rows))
    assert confirm(admin_client, "integrityrule", response).status_code == 302
    rule = IntegrityRule.objects.get(code="MEMBER_OVERLAP")
    assert not rule.enabled
    event = AuditEvent.objects.get(action="registry.integrity_rule.changed")
    assert event.object_id == str(rule.pk) and event.detail["changed"] == {"enabled": [True, False]}


def test_a_file_changed_after_its_preview_is_refused_at_the_confirm_step(admin_client):
    """The confirm step reads the stored preview again; a refused row there rolls the file back."""
    rows = rule_rows(admin_client)
    for r in rows:
        if r["code"] == "MEMBER_OVERLAP":
            r["enabled"] = "0"
    response = preview(admin_client, "integrityrule", csv_bytes(rows))
    stored = signing.loads(response.context["confirm_form"].initial["import_file_name"], salt=CONFIRM_SALT)[
        "n"
    ]
    for r in rows:
        if r["code"] == "NIK_INVALID":
            r["enabled"] = "0"
    with open(os.path.join(tempfile.gettempdir(), os.path.basename(stored)), "wb") as fh:
        fh.write(csv_bytes(rows))
    done = confirm(admin_client, "integrityrule", response)
    assert done.status_code == 302 and done["Location"] == "/admin/registry/integrityrule/import/"
    assert IntegrityRule.objects.get(code="MEMBER_OVERLAP").enabled
    assert IntegrityRule.objects.get(code="NIK_INVALID").enabled
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["", "tmpabcdef", "../../etc/passwd", signing.dumps({"n": "tmpabcdef", "u": -1}, salt=CONFIRM_SALT)],
)
def test_the_confirm_step_takes_only_the_users_own_preview(admin_client, name):
    response = admin_client.post(
        "/admin/registry/code/process_import/",
        {"import_file_name": name, "original_file_name": "x.csv", "format": CSV_FORMAT, "resource": "0"},
    )
    assert response.status_code == 200
    assert response.context["confirm_form"].errors
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(("fmt", "resource"), [("x", "0"), ("9", "0"), ("-1", "0"), ("0", "7"), ("0", "a")])
def test_a_forged_format_or_resource_at_the_confirm_step_is_a_form_error(admin_client, fmt, resource):
    name = signing.dumps(
        {"n": "tmpabcdef", "u": User.objects.get(username="admin-impor").pk}, salt=CONFIRM_SALT
    )
    response = admin_client.post(
        "/admin/registry/code/process_import/",
        {"import_file_name": name, "original_file_name": "x.csv", "format": fmt, "resource": resource},
    )
    assert response.status_code == 200 and response.context["confirm_form"].errors


def test_a_nul_in_a_label_is_refused_by_field(admin_client):
    rows = code_rows(admin_client)[:1]
    rows[0]["label"] = "Label\x00rusak"
    response = preview(admin_client, "code", csv_bytes(rows))
    assert response.context.get("confirm_form") is None
    assert any("NUL" in m for m in refusals(response))


def test_an_unknown_code_list_is_refused_by_the_models_choices(admin_client):
    response = preview(
        admin_client,
        "code",
        csv_bytes([{"list": "tidak_ada", "code": "X", "label": "X", "sort": "1", "active": "1"}]),
    )
    assert response.context.get("confirm_form") is None and refusals(response)
    assert not Code.objects.filter(code="X").exists()


def test_an_xlsx_with_a_dtd_is_refused_before_it_is_parsed(admin_client):
    content = export(admin_client, "code", XLSX_FORMAT)
    src = zipfile.ZipFile(io.BytesIO(content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("xl/custom.bin", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>")
    response = preview(admin_client, "code", buf.getvalue(), XLSX_FORMAT, "kode.xlsx")
    assert "DTD/entitas" in " ".join(response.context["form"].errors["import_file"])
    assert response.context.get("confirm_form") is None


def test_a_file_in_another_format_than_chosen_is_a_form_error(admin_client):
    response = preview(admin_client, "code", b"bukan xlsx", XLSX_FORMAT)
    assert response.context["form"].errors["import_file"]


# --- export: docs/security.md #8 ----------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://contoh.invalid","klik")', "+62-812", "-1+1", "@SUM(A1)", "\t=1"]


def test_exported_cells_never_start_a_formula(admin_client):
    for i, text in enumerate(FORMULAS):
        Code.objects.create(list="program", code=f"RUMUS_{i}", label=text, sort=90 + i)
    rows = {r["code"]: r["label"] for r in code_rows(admin_client) if r["code"].startswith("RUMUS_")}
    assert rows == {f"RUMUS_{i}": "'" + text for i, text in enumerate(FORMULAS)}

    ws = load_workbook(io.BytesIO(export(admin_client, "code", XLSX_FORMAT))).active
    labels = {
        row[1].value: row[2] for row in ws.iter_rows(min_row=2) if str(row[1].value).startswith("RUMUS_")
    }
    for i, text in enumerate(FORMULAS):
        cell = labels[f"RUMUS_{i}"]
        assert cell.data_type == "s" and cell.value == "'" + text


def test_an_exported_file_imports_back_unchanged(admin_client):
    Code.objects.create(list="program", code="RUMUS", label="=1+1", sort=99)
    response = preview(admin_client, "code", export(admin_client, "code"))
    result = response.context["result"]
    assert result.totals["update"] == 0 and result.totals["new"] == 0, refusals(response)
    assert confirm(admin_client, "code", response).status_code == 302
    assert Code.objects.get(code="RUMUS").label == "=1+1"
    assert not AuditEvent.objects.exists()


def test_other_roles_reach_neither_import_nor_export(client, otp_login):
    otp_login(
        client, User.objects.create_user("pusdatin-impor", role=Role.MINISTRY_DATA_OFFICER, is_staff=True)
    )
    for url in ("/admin/registry/code/import/", "/admin/registry/code/export/"):
        assert client.get(url).status_code == 403


def test_the_import_and_export_pages_are_indonesian(admin_client):
    """django-import-export ships no Indonesian: locale/id has its texts; the column choices are the
    model's field names."""
    page = admin_client.get("/admin/registry/code/import/").content.decode()
    assert "Berkas yang diimpor" in page and "File to import" not in page
    page = admin_client.get("/admin/registry/code/export/").content.decode()
    for label in ("Daftar", "Kode", "Urutan", "Aktif", "Pilih semua"):
        assert label in page
    assert "Select all" not in page
    rows = code_rows(admin_client)[:1]
    rows[0]["label"] += " (ubah)"
    response = preview(admin_client, "code", csv_bytes(rows))
    assert "Konfirmasi impor" in response.content.decode()
    confirm(admin_client, "code", response)
    listing = admin_client.get("/admin/registry/code/").content.decode()
    assert "Impor selesai: 0 baru, 1 diubah" in listing
