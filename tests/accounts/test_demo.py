"""Demo users skip TOTP only where local settings turn it on; production refuses the switch."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from dtks.accounts.models import Role

from .helpers import dashboard_url, login

pytestmark = pytest.mark.django_db


@override_settings(DTKS_DEMO_SKIP_OTP=True)
def test_demo_user_skips_totp_when_the_setting_is_on(client, make_user):
    demo = make_user(Role.REGENCY_VERIFIER, is_demo=True)
    response = login(client, demo.username)
    assert response["Location"] == dashboard_url()
    assert client.get(dashboard_url()).status_code == 200
    from dtks.audit.models import AuditEvent

    assert AuditEvent.objects.get(action="auth.login").detail["otp"] == "demo_skip"


@override_settings(DTKS_DEMO_SKIP_OTP=True)
def test_a_real_user_still_needs_totp_with_the_setting_on(client, make_user):
    real = make_user(Role.REGENCY_VERIFIER)
    assert login(client, real.username)["Location"].startswith("/akun/totp/pasang/")


def test_demo_user_needs_totp_without_the_setting(client, make_user, settings):
    assert settings.DTKS_DEMO_SKIP_OTP is False, "the test settings leave it off"
    demo = make_user(Role.REGENCY_VERIFIER, is_demo=True)
    assert login(client, demo.username)["Location"].startswith("/akun/totp/pasang/")


def test_turning_the_setting_off_ends_the_skip(client, make_user, settings):
    settings.DTKS_DEMO_SKIP_OTP = True
    demo = make_user(Role.ADMIN, is_demo=True, is_staff=True)
    login(client, demo.username, follow=False)
    assert client.get("/admin/").status_code == 200
    settings.DTKS_DEMO_SKIP_OTP = False
    assert client.get("/admin/")["Location"].startswith("/akun/totp/pasang/")


def settings_value(module: str, **env) -> subprocess.CompletedProcess:
    code = (
        "import django; from django.conf import settings; django.setup(); print(settings.DTKS_DEMO_SKIP_OTP)"
    )
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "DJANGO_SECRET_KEY": "uji-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        **env,
    }
    full_env.pop("DTKS_DEMO_SKIP_OTP", None)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "module, env, expected",
    [
        ("dtks.settings.local", {}, "True"),
        ("dtks.settings.local", {"DTKS_DEMO_SKIP_OTP": "0"}, "False"),
        ("dtks.settings.test", {"DTKS_DEMO_SKIP_OTP": "1"}, "False"),
        ("dtks.settings.production", {}, "False"),
    ],
)
def test_only_local_settings_turn_it_on(module, env, expected):
    result = settings_value(module, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_production_refuses_the_switch():
    result = settings_value("dtks.settings.production", DTKS_DEMO_SKIP_OTP="1")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DTKS_DEMO_SKIP_OTP" in result.stderr
