"""Integrity configuration as data (docs/design.md §7): rule switches and code lists in the admin, audited."""

import pytest

from dtks.accounts.models import Role, User
from dtks.audit.models import AuditEvent
from dtks.registry.integrity import enabled_rules
from dtks.registry.loading import registry_baseline_load
from dtks.registry.models import Code, IntegrityRule

from .factories import PERIOD, row, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, otp_login):
    admin = User.objects.create_user("admin-config", role=Role.ADMIN, is_staff=True)
    otp_login(client, admin)
    return client


def rule_form(rule: IntegrityRule, **kw) -> dict:
    data = {"label": rule.label, "description": rule.description, "blocking": "on" if rule.blocking else ""}
    if rule.enabled:
        data["enabled"] = "on"
    data.update(kw)
    return {k: v for k, v in data.items() if v != ""}


def test_admin_switches_a_rule_off_with_an_audit_row(admin_client):
    rule = IntegrityRule.objects.get(code="MEMBER_OVERLAP")
    assert "MEMBER_OVERLAP" in enabled_rules()
    assert admin_client.get("/admin/registry/integrityrule/").status_code == 200
    form = rule_form(rule)
    form.pop("enabled")
    response = admin_client.post(f"/admin/registry/integrityrule/{rule.pk}/change/", form)
    assert response.status_code == 302
    assert "MEMBER_OVERLAP" not in enabled_rules()
    event = AuditEvent.objects.get(action="registry.integrity_rule.changed")
    assert event.actor.username == "admin-config" and event.object_id == str(rule.pk)
    assert event.detail == {"changed": {"enabled": [True, False]}}


def test_nik_invalid_stays_on_and_rules_are_neither_added_nor_deleted(admin_client):
    rule = IntegrityRule.objects.get(code="NIK_INVALID")
    form = rule_form(rule)
    form.pop("enabled")
    assert admin_client.post(f"/admin/registry/integrityrule/{rule.pk}/change/", form).status_code == 302
    assert IntegrityRule.objects.get(code="NIK_INVALID").enabled  # the field is read-only
    assert admin_client.get("/admin/registry/integrityrule/add/").status_code == 403
    assert admin_client.get(f"/admin/registry/integrityrule/{rule.pk}/delete/").status_code == 403


def test_admin_adds_a_welfare_criterion_with_an_audit_row(admin_client):
    response = admin_client.post(
        "/admin/registry/code/add/",
        {
            "list": "kriteria",
            "code": "KORBAN_PERDAGANGAN_ORANG",
            "label": "Korban perdagangan orang",
            "sort": 9,
            "active": "on",
        },
    )
    assert response.status_code == 302
    code = Code.objects.get(list="kriteria", code="KORBAN_PERDAGANGAN_ORANG")
    event = AuditEvent.objects.get(action="registry.code.added")
    assert event.object_id == str(code.pk) and event.detail["changed"]["label"] == [
        None,
        "Korban perdagangan orang",
    ]
    # Deactivated, never deleted: records that carry the code keep their meaning.
    assert admin_client.get(f"/admin/registry/code/{code.pk}/delete/").status_code == 403


def test_admin_role_gets_configuration_not_registry_data():
    admin = User.objects.create_user("admin-perm", role=Role.ADMIN, is_staff=True)
    assert admin.has_perm("registry.change_integrityrule") and admin.has_perm("registry.add_code")
    assert not admin.has_perm("registry.view_personversion")
    assert not admin.has_perm("registry.view_finding")
    verifier = User.objects.create_user("verifier-perm", role=Role.REGENCY_VERIFIER, region_code="3371")
    assert not verifier.has_perm("registry.change_integrityrule")


def test_baseline_load_skips_disabled_rules(tmp_path):
    IntegrityRule.objects.filter(code="INCOMPLETE").update(enabled=False)
    rows = [row(), row(nik="3371011505800009", nama="", hubungan_keluarga="ANAK")]
    result = registry_baseline_load(path=write_csv(tmp_path / "a.csv", rows), period=PERIOD, actor="test")
    assert "INCOMPLETE" not in result.findings
    assert result.findings["NIK_MISMATCH"] == 0


def test_a_duplicate_code_in_the_form_is_a_form_error_not_a_database_error(admin_client):
    """registry_code's UNIQUE (list, code) is declared on the model, so the form says it."""
    response = admin_client.post(
        "/admin/registry/code/add/", {"list": "kriteria", "code": "KEMISKINAN", "label": "Lagi", "sort": 1}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Code.objects.filter(list="kriteria", code="KEMISKINAN").count() == 1
