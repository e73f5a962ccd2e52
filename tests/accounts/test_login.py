"""Login, logout, session rotation, lockout per (username, IP), and their audit rows."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent

from .helpers import PASSWORD, dashboard_url, login

pytestmark = pytest.mark.django_db

IP_A, IP_B = "192.0.2.10", "192.0.2.20"


def test_login_page_is_public_and_in_indonesian(client):
    response = client.get("/akun/masuk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">Nama pengguna' in html
    assert '<label for="id_password">Kata sandi' in html
    assert 'action="/akun/masuk/"' in html and 'href="/akun/aktivasi/"' in html


def test_nav_points_at_accounts_login_and_logout(client, make_user):
    assert 'href="/akun/masuk/"' in client.get("/").content.decode()
    client.force_login(make_user(Role.VILLAGE_OPERATOR))
    assert 'action="/akun/keluar/"' in client.get("/").content.decode()


def test_village_operator_signs_in_without_totp(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"] == dashboard_url()
    assert client.get(dashboard_url()).status_code == 200
    row = AuditEvent.objects.get(action="auth.login")
    assert (row.actor_id, row.outcome, row.detail["otp"]) == (user.pk, "ok", "not_required")


def test_session_key_rotates_at_login(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    session = client.session
    session["before_login"] = True
    session.save()
    old_key = session.session_key
    assert client.cookies["sessionid"].value == old_key
    login(client, user.username)
    new_key = client.cookies["sessionid"].value
    assert new_key and new_key != old_key
    assert not SessionStore().exists(old_key), "the pre-login session id is gone"
    assert client.session.get("before_login") is True, "rotated, not thrown away"


def test_failed_login_is_audited_without_the_password(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    response = login(client, user.username, "salah-sekali-123")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    row = AuditEvent.objects.get(action="auth.login")
    assert (row.actor_id, row.outcome, row.detail["username"]) == (user.pk, "denied", user.username)
    login(client, "tidak-ada", "salah-lagi-456")
    unknown = AuditEvent.objects.get(action="auth.login", detail__username="tidak-ada")
    assert unknown.actor_id is None and unknown.outcome == "denied"
    dump = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "salah-sekali-123" not in dump and "salah-lagi-456" not in dump


def test_lockout_after_five_failures_for_that_username_and_ip_only(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    other = make_user(Role.VILLAGE_OPERATOR)
    for attempt in range(1, 5):
        response = login(client, user.username, f"keliru-{attempt}", REMOTE_ADDR=IP_A)
        assert response.status_code == 200, attempt
    fifth = login(client, user.username, "keliru-5", REMOTE_ADDR=IP_A)
    assert fifth.status_code == 429
    assert "dikunci selama 15 menit" in fifth.content.decode()

    # Locked: even the right password from the same address is refused.
    refused = login(client, user.username, PASSWORD, REMOTE_ADDR=IP_A)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session

    # Another user from the same address, and the same user from another address, are not locked.
    assert login(client, other.username, PASSWORD, REMOTE_ADDR=IP_A).status_code == 302
    client.logout()
    assert login(client, user.username, PASSWORD, REMOTE_ADDR=IP_B).status_code == 302

    lockouts = AuditEvent.objects.filter(action="auth.lockout", actor=user)
    assert lockouts.count() == 2 and {r.ip for r in lockouts} == {IP_A}
    assert AuditEvent.objects.filter(action="auth.login", actor=user, outcome="denied").count() == 4


def test_lockout_ends_after_the_cool_off(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    for attempt in range(5):
        login(client, user.username, f"keliru-{attempt}", REMOTE_ADDR=IP_A)
    assert login(client, user.username, PASSWORD, REMOTE_ADDR=IP_A).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, user.username, PASSWORD, REMOTE_ADDR=IP_A).status_code == 302


def test_logout_is_post_only_and_audited(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    login(client, user.username)
    assert client.get("/akun/keluar/").status_code == 405
    response = client.post("/akun/keluar/")
    assert response.status_code == 302 and response["Location"] == "/akun/masuk/"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", actor=user, outcome="ok").exists()


def test_next_outside_the_site_is_ignored(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    response = client.post(
        "/akun/masuk/",
        {"username": user.username, "password": PASSWORD, "next": "https://contoh.invalid/curi"},
    )
    assert response["Location"] == dashboard_url()
    client.logout()
    response = client.post(
        "/akun/masuk/", {"username": user.username, "password": PASSWORD, "next": "/wilayah/"}
    )
    assert response["Location"] == "/wilayah/"


def test_anonymous_page_redirects_to_the_new_login(client):
    response = client.get(dashboard_url())
    assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/?next=")


def test_admin_login_redirects_to_accounts_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/akun/masuk/?next=/admin/"
