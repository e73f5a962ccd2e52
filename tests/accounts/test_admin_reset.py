"""An administrator resets a password (and TOTP) by issuing a new one-time code; no e-mail."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import ActivationCode, Role
from dtks.accounts.services import activation_code_issue, code_hash, otp_reset
from dtks.audit.models import AuditEvent

from .helpers import PASSWORD, dashboard_url, login

pytestmark = pytest.mark.django_db


def run_action(client, action, *users):
    return client.post("/admin/accounts/user/", {"action": action, "_selected_action": [u.pk for u in users]})


def test_reset_password_and_totp_from_the_admin(client, make_user, otp_login):
    from django.test import Client

    admin = make_user(Role.ADMIN, is_staff=True)
    otp_login(client, admin)
    user = make_user(Role.REGENCY_VERIFIER)
    TOTPDevice.objects.create(user=user, name="DTKS", confirmed=True)
    users_browser = Client()
    otp_login(users_browser, user)
    assert users_browser.get(dashboard_url()).status_code == 200

    page = run_action(client, "reset_password_and_otp", user)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    code = re.search(r"<code>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</code>", html).group(1)
    assert "hanya ditampilkan sekali" in html
    assert ActivationCode.objects.get(user=user).code_hash == code_hash(code)

    user.refresh_from_db()
    assert not user.has_usable_password() and not TOTPDevice.objects.filter(user=user).exists()
    assert users_browser.get(dashboard_url())["Location"].startswith("/akun/masuk/"), "open sessions end"
    assert login(Client(), user.username, PASSWORD).status_code == 200, "the old password no longer works"

    row = AuditEvent.objects.get(action="account.otp_reset")
    assert row.actor_id == admin.pk and row.object_id == str(user.pk) and code not in str(row.detail)
    assert len(mail.outbox) == 0

    # The user activates again and must enrol TOTP anew.
    fresh = Client()
    response = fresh.post(
        "/akun/aktivasi/",
        {
            "username": user.username,
            "code": code,
            "password1": "Daun-Pisang-Hijau-8",
            "password2": "Daun-Pisang-Hijau-8",
        },
    )
    assert response["Location"].startswith("/akun/totp/pasang/")


def test_password_only_reset_keeps_totp(client, make_user, otp_login):
    admin = make_user(Role.ADMIN, is_staff=True)
    otp_login(client, admin)
    user = make_user(Role.PROVINCE_OFFICER)
    TOTPDevice.objects.create(user=user, name="DTKS", confirmed=True)
    page = run_action(client, "reset_password", user)
    code = re.search(r"<code>([A-Z2-9-]{14})</code>", page.content.decode()).group(1)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    from django.test import Client

    fresh = Client()
    response = fresh.post(
        "/akun/aktivasi/",
        {
            "username": user.username,
            "code": code,
            "password1": "Daun-Pisang-Hijau-8",
            "password2": "Daun-Pisang-Hijau-8",
        },
    )
    assert response["Location"].startswith("/akun/totp/verifikasi/")
    assert AuditEvent.objects.filter(action="account.activation_code_issue", actor=admin).count() == 1


def test_a_new_code_revokes_the_previous_one(make_user):
    admin = make_user(Role.ADMIN, is_staff=True)
    user = make_user(Role.VILLAGE_OPERATOR)
    first = activation_code_issue(user=user, actor=admin)
    second = activation_code_issue(user=user, actor=admin)
    old = ActivationCode.objects.get(code_hash=code_hash(first.code))
    assert old.revoked_at is not None and not old.usable()
    assert ActivationCode.objects.get(code_hash=code_hash(second.code)).usable()


def test_only_administrators_may_reset(make_user):
    verifier = make_user(Role.REGENCY_VERIFIER)
    user = make_user(Role.VILLAGE_OPERATOR)
    with pytest.raises(PermissionDenied):
        otp_reset(user=user, actor=verifier)
    with pytest.raises(PermissionDenied):
        activation_code_issue(user=user, actor=verifier)
    assert not ActivationCode.objects.exists() and not AuditEvent.objects.exists()


def test_admin_cannot_set_a_password_directly(client, make_user, otp_login):
    admin = make_user(Role.ADMIN, is_staff=True)
    otp_login(client, admin)
    user = make_user(Role.VILLAGE_OPERATOR)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "Admin-Tahu-Sandi-1", "password2": "Admin-Tahu-Sandi-1"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_admin_role_cannot_grant_superuser(client, make_user, otp_login):
    admin = make_user(Role.ADMIN, is_staff=True)
    otp_login(client, admin)
    page = client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="role"' in page
    assert not make_user(Role.REGENCY_VERIFIER, is_staff=True).has_perm("accounts.change_user")
    assert admin.has_perm("accounts.change_user") and not admin.has_perm("registry.view_family")
