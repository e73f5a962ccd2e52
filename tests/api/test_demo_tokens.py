"""A token records how its session passed TOTP; one issued while the demo's TOTP skip was on stops
working once the skip is off (issue 12). The skip's switch reads 0/false/no/off as off."""

import importlib
import sys

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from dtks.accounts.models import Role
from dtks.api.models import ApiToken
from tests.accounts.helpers import login

from .conftest import session_client

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "Demo-Sandi-Panjang-9"


def demo_user(make_user, role):
    user = make_user(role, is_demo=True)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def token_of(client) -> str:
    response = client.post("/api/v1/token/")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize("role", [Role.REGENCY_VERIFIER, Role.VILLAGE_OPERATOR])
def test_demo_skip_token_is_refused_once_the_skip_is_off(registry, make_user, role):
    user = demo_user(make_user, role)
    client = APIClient()
    with override_settings(DTKS_DEMO_SKIP_OTP=True):
        login(client, user.username, DEMO_PASSWORD)
        key = token_of(client)
        assert ApiToken.objects.get(user=user).verified_by == "demo_skip"
        assert with_token(key).get("/api/v1/orang/").status_code == 200

    with override_settings(DTKS_DEMO_SKIP_OTP=False):
        refused = with_token(key).get("/api/v1/orang/")
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == "Token"
        body = refused.json()
        assert body["errors"] == {} and "sesi demo tanpa TOTP" in body["detail"]
        assert "minta token baru" in body["detail"]


def test_demo_skip_token_is_refused_when_the_user_is_no_longer_a_demo_user(registry, make_user):
    user = demo_user(make_user, Role.REGENCY_VERIFIER)
    with override_settings(DTKS_DEMO_SKIP_OTP=True):
        client = APIClient()
        login(client, user.username, DEMO_PASSWORD)
        key = token_of(client)
        user.is_demo = False
        user.save()
        assert with_token(key).get("/api/v1/orang/").status_code == 401


def test_a_device_verified_token_outlives_the_skip(registry, make_user):
    user = demo_user(make_user, Role.REGENCY_VERIFIER)
    # A demo user who verified with a real device (the session carries the device, not the skip).
    with override_settings(DTKS_DEMO_SKIP_OTP=True):
        key = token_of(session_client(user))
        assert ApiToken.objects.get(user=user).verified_by == "totp"
    with override_settings(DTKS_DEMO_SKIP_OTP=False):
        assert with_token(key).get("/api/v1/orang/").status_code == 200


def test_an_unknown_verification_source_is_refused_by_the_service(make_user):
    from dtks.api.services import api_token_issue

    with pytest.raises(ValueError, match="verified_by"):
        api_token_issue(actor=make_user(Role.VILLAGE_OPERATOR), verified_by="sms")


# --- the switch in dtks.settings.local (production reads it the same way) --------------------------

OFF = ["0", "false", "False", "FALSE", "no", "NO", "off", "Off", " off ", ""]
ON = ["1", "true", "TRUE", "yes", "on", "anything-else"]


def fresh(module: str):
    """Executes a settings module anew with the current environment; the running (test) settings
    are untouched."""
    sys.modules.pop(module, None)
    return importlib.import_module(module)


@pytest.fixture(autouse=True)
def _forget_settings_modules():
    yield
    for module in ("dtks.settings.local", "dtks.settings.production"):
        sys.modules.pop(module, None)


def local_settings_with(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("DTKS_DEMO_SKIP_OTP", raising=False)
    else:
        monkeypatch.setenv("DTKS_DEMO_SKIP_OTP", value)
    return fresh("dtks.settings.local").DTKS_DEMO_SKIP_OTP


@pytest.mark.parametrize("value", OFF)
def test_local_reads_every_off_value_as_off(monkeypatch, value):
    assert local_settings_with(monkeypatch, value) is False


@pytest.mark.parametrize("value", [None, *ON])
def test_local_is_on_when_unset_or_set_to_anything_else(monkeypatch, value):
    assert local_settings_with(monkeypatch, value) is True


@pytest.mark.parametrize("value", OFF + ON)
def test_production_refuses_exactly_what_local_reads_as_on(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    local_on = local_settings_with(monkeypatch, value)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "uji-" + "x" * 50)
    if local_on:
        with pytest.raises(ImproperlyConfigured, match="DTKS_DEMO_SKIP_OTP"):
            fresh("dtks.settings.production")
    else:
        assert fresh("dtks.settings.production").DTKS_DEMO_SKIP_OTP is False
