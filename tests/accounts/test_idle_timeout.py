"""Idle timeout: 15 minutes for the privileged (TOTP) roles, 30 for the others."""

import pytest
from django.conf import settings
from django.urls import reverse

from dtks.accounts.auth import LAST_ACTIVITY_KEY
from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent

from .helpers import dashboard_url

pytestmark = pytest.mark.django_db


def idle_for(client, minutes: int) -> None:
    """Pretend the last request was `minutes` ago (the stamp is seconds since the epoch)."""
    session = client.session
    session[LAST_ACTIVITY_KEY] -= minutes * 60
    session.save()


def test_privileged_session_ends_after_15_idle_minutes(client, make_user, otp_login):
    user = make_user(Role.REGENCY_VERIFIER)
    otp_login(client, user)
    assert client.get(dashboard_url()).status_code == 200
    idle_for(client, 14)
    assert client.get(dashboard_url()).status_code == 200, "14 minutes is within the limit"
    idle_for(client, 16)
    response = client.get(dashboard_url(), follow=True)
    assert response.redirect_chain[0][0].startswith("/akun/masuk/?next=")
    assert "tidak ada aktivitas" in response.content.decode()
    assert "_auth_user_id" not in client.session
    row = AuditEvent.objects.get(action="auth.logout")
    assert row.actor_id == user.pk and row.detail == {"reason": "idle_timeout"}


def test_other_roles_get_30_minutes(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    client.force_login(user)
    idle_for(client, 16)
    assert client.get(dashboard_url()).status_code == 200
    idle_for(client, 31)
    assert client.get(dashboard_url())["Location"].startswith("/akun/masuk/")


def test_expired_api_session_answers_401(client, make_user, otp_login):
    user = make_user(Role.REGENCY_VERIFIER)
    otp_login(client, user)
    idle_for(client, 16)
    response = client.get(reverse("api:family-list"))
    assert response.status_code == 401 and "tidak ada aktivitas" in response.json()["detail"]


def test_htmx_request_is_sent_to_the_login_page_as_a_whole(client, make_user):
    client.force_login(make_user(Role.VILLAGE_OPERATOR))
    idle_for(client, 31)
    response = client.get(dashboard_url(), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/akun/masuk/")


def test_session_settings():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.DTKS_IDLE_TIMEOUT_PRIVILEGED == 15 * 60 and settings.DTKS_IDLE_TIMEOUT == 30 * 60
