"""Voluntary TOTP (issue 12): the roles without a mandatory TOTP step — village operators, field
officers, data requesters — may enrol it for API tokens; once enrolled, their logins ask for it."""

import json

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.auth import idle_timeout_for
from dtks.accounts.models import Role
from dtks.api.models import ApiToken
from dtks.audit.models import AuditEvent

from .helpers import dashboard_url, login, token_for

pytestmark = pytest.mark.django_db

VOLUNTARY = [Role.VILLAGE_OPERATOR, Role.FIELD_OFFICER, Role.DATA_REQUESTER]
MUSYAWARAH = {
    "held_on": "2026-11-02",
    "place": "Balai desa",
    "led_by": "Kepala desa",
    "attendee_count": 12,
    "input_sources": ["RT_RW"],
}


def test_village_operator_enrols_gets_a_token_and_submits_through_the_api(client, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR)
    assert login(client, operator.username)["Location"] == dashboard_url()
    dashboard = client.get(dashboard_url()).content.decode()
    assert 'href="/akun/totp/pasang/"' in dashboard and "Pasang TOTP untuk token API" in dashboard
    # Before enrolment the session is not TOTP-verified: no token.
    refused = client.post("/api/v1/token/")
    assert refused.status_code == 403 and "TOTP" in refused.json()["detail"]

    page = client.get("/akun/totp/pasang/")
    html = page.content.decode()
    assert page.status_code == 200 and "TOTP tidak wajib untuk peran Anda" in html
    assert "Batal dan keluar" not in html, "a voluntary enrolment is left without signing out"
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    done = client.post("/akun/totp/pasang/", {"token": token_for(device)})
    assert done.status_code == 302 and done["Location"] == dashboard_url()
    assert "POST /api/v1/token/" in client.get(dashboard_url()).content.decode()

    issued = client.post("/api/v1/token/")
    assert issued.status_code == 201, issued.content
    token = ApiToken.objects.get(user=operator)
    assert token.verified_by == "totp"
    assert AuditEvent.objects.get(action="api.token_issue").detail["verified_by"] == "totp"

    # The village information system: the token alone, no session.
    system = Client(headers={"Authorization": f"Token {issued.json()['token']}"})
    created = system.post("/api/v1/musyawarah/baru/", json.dumps(MUSYAWARAH), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["kode_wilayah"].replace(".", "") == operator.region_code
    assert system.get("/api/v1/musyawarah/").status_code == 200


def test_once_enrolled_every_login_asks_for_totp(client, make_user):
    operator = make_user(Role.VILLAGE_OPERATOR)
    device = TOTPDevice.objects.create(user=operator, name="DTKS", confirmed=True)
    response = login(client, operator.username)
    assert response["Location"].startswith("/akun/totp/verifikasi/")
    assert AuditEvent.objects.get(action="auth.login").detail["otp"] == "verify"
    # Nothing else before the code: pages go to the verification step, the API answers 403.
    assert client.get(dashboard_url())["Location"].startswith("/akun/totp/verifikasi/?next=")
    api = client.post("/api/v1/token/")
    assert api.status_code == 403 and "sudah memasang TOTP" in api.json()["detail"]
    # Enrolment is not offered again (a stolen password must not replace the device).
    assert client.get("/akun/totp/pasang/")["Location"].startswith("/akun/totp/verifikasi/")

    assert client.post("/akun/totp/verifikasi/", {"token": token_for(device)}).status_code == 302
    assert client.get(dashboard_url()).status_code == 200
    assert client.post("/api/v1/token/").status_code == 201


def test_a_session_open_before_enrolment_must_verify_afterwards(make_user):
    operator = make_user(Role.VILLAGE_OPERATOR)
    laptop, phone = Client(), Client()
    login(laptop, operator.username)
    login(phone, operator.username)
    phone.get("/akun/totp/pasang/")
    device = TOTPDevice.objects.get(user=operator)
    phone.post("/akun/totp/pasang/", {"token": token_for(device)})
    assert laptop.get(dashboard_url())["Location"].startswith("/akun/totp/verifikasi/")


@pytest.mark.parametrize("role", VOLUNTARY)
def test_every_voluntary_role_is_offered_enrolment(client, make_user, role):
    user = make_user(role)
    login(client, user.username)
    assert "Pasang TOTP untuk token API" in client.get(dashboard_url()).content.decode()
    assert client.get("/akun/totp/pasang/").status_code == 200


def test_mandatory_roles_see_no_offer_and_the_mandatory_text(client, make_user):
    user = make_user(Role.REGENCY_VERIFIER)
    login(client, user.username)
    html = client.get("/akun/totp/pasang/").content.decode()
    assert "wajib memakai kode sekali pakai" in html and "Batal dan keluar" in html
    device = TOTPDevice.objects.get(user=user)
    client.post("/akun/totp/pasang/", {"token": token_for(device)})
    assert "Akses API" not in client.get(dashboard_url()).content.decode()


def test_voluntary_enrolment_keeps_the_roles_idle_timeout(make_user, settings):
    operator = make_user(Role.VILLAGE_OPERATOR)
    TOTPDevice.objects.create(user=operator, name="DTKS", confirmed=True)
    assert idle_timeout_for(operator) == settings.DTKS_IDLE_TIMEOUT
    assert idle_timeout_for(make_user(Role.REGENCY_VERIFIER)) == settings.DTKS_IDLE_TIMEOUT_PRIVILEGED
