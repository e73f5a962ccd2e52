"""Demo accounts of `seed_demo`: one per role per level, idempotent, and they sign in under local-like
settings (DTKS_DEMO_SKIP_OTP) straight to their dashboard."""

import stat
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.test import override_settings

from dtks.accounts.demo import DEMO_PASSWORD, LOGINS_FILE, demo_logins_text, demo_users_seed
from dtks.accounts.models import AssignedVillage, Organisation, OrganisationKind, Role, User
from dtks.accounts.scope import REGION_LENGTH, ROLE_SCOPE, TOTP_ROLES
from dtks.audit.models import AuditEvent
from dtks.regions.models import Level, Region
from dtks.registry.demo import demo_villages

from .helpers import dashboard_url, login

pytestmark = pytest.mark.django_db

PER_ROLE = {
    Role.VILLAGE_OPERATOR: 2,  # a Kota Magelang kelurahan, a Sleman desa
    Role.FIELD_OFFICER: 2,  # one of two villages, one of the operator's village
    Role.REGENCY_VERIFIER: 2,  # 3371, 3404
    Role.REGENCY_SUPERVISOR: 2,
    Role.PROVINCE_OFFICER: 2,  # 33, 34
    Role.MINISTRY_DATA_OFFICER: 1,
    Role.MINISTER_DELEGATE: 1,
    Role.DATA_OFFICIAL: 1,
    Role.PPID_OFFICER: 1,
    Role.PROGRAMME_OFFICER: 1,
    Role.QA_ASSESSOR: 1,
    Role.DATA_REQUESTER: 5,  # one per organisation kind, and an individual
    Role.ADMIN: 1,
}


def demo_users():
    return User.objects.filter(is_demo=True)


def test_one_user_per_role_per_level():
    result = demo_users_seed()
    assert Counter(demo_users().values_list("role", flat=True)) == PER_ROLE
    assert set(PER_ROLE) == set(Role), "every role has a demo user"
    assert len(result.created) == sum(PER_ROLE.values()) and not result.updated and not result.skipped

    regions = {u.role: set() for u in demo_users()}
    for user in demo_users():
        regions[user.role].add(user.region_code)
    assert regions[Role.REGENCY_VERIFIER] == regions[Role.REGENCY_SUPERVISOR] == {"3371", "3404"}
    assert regions[Role.PROVINCE_OFFICER] == {"33", "34"}
    demo_codes = {v.code for v in demo_villages()}
    operators = regions[Role.VILLAGE_OPERATOR]
    assert operators <= demo_codes and {c[:4] for c in operators} == {"3371", "3404"}
    for user in demo_users():
        kind = ROLE_SCOPE[user.role]
        assert len(user.region_code) == REGION_LENGTH.get(kind, 0), user.username
        assert user.is_staff == (user.role == Role.ADMIN) and not user.is_superuser
        validate_password(DEMO_PASSWORD, user)
        assert user.check_password(DEMO_PASSWORD)

    assigned = {
        officer.username: set(
            AssignedVillage.objects.filter(user=officer).values_list("village_code", flat=True)
        )
        for officer in demo_users().filter(role=Role.FIELD_OFFICER)
    }
    assert sorted(len(v) for v in assigned.values()) == [1, 2]
    villages = set().union(*assigned.values())
    assert villages <= demo_codes | operators
    assert Region.objects.filter(code__in=villages, level=Level.VILLAGE).count() == 3


def test_one_organisation_per_requester_kind():
    demo_users_seed()
    requesters = demo_users().filter(role=Role.DATA_REQUESTER)
    kinds = Counter(requesters.exclude(organisation=None).values_list("organisation__kind", flat=True))
    assert kinds == {kind: 1 for kind in OrganisationKind.values}
    assert requesters.filter(organisation=None).count() == 1  # a member of the public
    assert Organisation.objects.filter(name__endswith="(demo)").count() == len(OrganisationKind.values)


def test_usernames_are_readable():
    result = demo_users_seed()
    names = {a.username for a in result.accounts}
    assert {
        "operator.rejowinangun-selatan",
        "verifikator.magelang",
        "verifikator.sleman",
        "dinsos.jateng",
        "dinsos.diy",
        "pusdatin",
        "admin.demo",
    } <= names


def test_rerun_changes_nothing():
    demo_users_seed()
    before = (
        list(demo_users().order_by("pk").values_list("pk", "username", "password", "role", "region_code")),
        AuditEvent.objects.count(),
        AssignedVillage.objects.count(),
        Organisation.objects.count(),
    )
    again = demo_users_seed()
    assert (again.created, again.updated, again.skipped) == ([], [], [])
    after = (
        list(demo_users().order_by("pk").values_list("pk", "username", "password", "role", "region_code")),
        AuditEvent.objects.count(),
        AssignedVillage.objects.count(),
        Organisation.objects.count(),
    )
    assert after == before


def test_rerun_restores_an_altered_demo_user_and_audits_it():
    demo_users_seed()
    user = User.objects.get(username="verifikator.magelang")
    user.region_code = "34"
    user.set_password("Sesuatu-Yang-Lain-9")
    user.save()
    result = demo_users_seed()
    assert result.updated == ["verifikator.magelang"]
    user.refresh_from_db()
    assert user.region_code == "3371" and user.check_password(DEMO_PASSWORD)
    event = AuditEvent.objects.filter(action="account.demo_seed", object_id=str(user.pk)).latest("pk")
    assert set(event.detail["changed"]) == {"region_code", "password"}
    assert DEMO_PASSWORD not in str(event.detail)


def test_a_real_account_with_a_demo_username_is_left_alone():
    real = User.objects.create_user("pusdatin", password="Rahasia-Kantor-77", role=Role.PPID_OFFICER)
    result = demo_users_seed()
    assert result.skipped == ["pusdatin"]
    real.refresh_from_db()
    assert not real.is_demo and real.role == Role.PPID_OFFICER and real.check_password("Rahasia-Kantor-77")
    listed = [
        line.split()[0] for line in demo_logins_text(result).splitlines() if line.startswith("pusdatin")
    ]
    assert listed == []


@override_settings(DTKS_DEMO_SKIP_OTP=True)
def test_every_demo_user_signs_in_to_the_dashboard_under_local_settings(client):
    demo_users_seed()
    for user in demo_users():
        response = login(client, user.username, DEMO_PASSWORD)
        assert response.status_code == 302 and response["Location"] == dashboard_url(), user.username
        page = client.get(dashboard_url())
        assert page.status_code == 200, user.username
        client.post("/akun/keluar/")


def test_without_the_skip_demo_users_of_totp_roles_enrol_first(client, settings):
    assert settings.DTKS_DEMO_SKIP_OTP is False
    demo_users_seed()
    for username in ("verifikator.magelang", "pusdatin", "operator.rejowinangun-selatan"):
        user = User.objects.get(username=username)
        location = login(client, username, DEMO_PASSWORD)["Location"]
        if user.role in TOTP_ROLES:
            assert location.startswith("/akun/totp/pasang/"), username
        else:
            assert location == dashboard_url(), username
        client.post("/akun/keluar/")


def test_seed_demo_writes_the_logins_file(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    path = tmp_path / LOGINS_FILE
    total = sum(PER_ROLE.values())
    assert f"Akun demo: {total} ({total} baru, 0 dipulihkan)" in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for user in demo_users():
        line = next(line for line in text.splitlines() if line.startswith(user.username + " "))
        assert user.role in line and DEMO_PASSWORD in line, line
    assert "Rejowinangun Selatan, Kota Magelang" in text and "Jawa Tengah" in text
    assert "DTKS_DEMO_SKIP_OTP" in text and "docs/authentication.md" in text

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"Akun demo: {total} (0 baru, 0 dipulihkan)" in out.getvalue()
    assert path.read_text() == text
