"""First login with a one-time activation code: password, then TOTP where the role needs it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import ActivationCode, Role, User
from dtks.accounts.services import user_provision
from dtks.audit.models import AuditEvent

from .helpers import REGENCY, VILLAGE, dashboard_url, login, token_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Bunga-Melati-Putih-3"


def provision(username, role, region):
    [issued] = user_provision(
        rows=[{"line": 2, "nama": "Pengguna Baru", "username": username, "peran": role, "wilayah": region}],
        actor="sistem:uji",
    )
    return issued.code


def activate(client, username, code, password=NEW_PASSWORD, confirm=None, **extra):
    return client.post(
        "/akun/aktivasi/",
        {"username": username, "code": code, "password1": password, "password2": confirm or password},
        **extra,
    )


def test_regency_verifier_end_to_end(client):
    code = provision("verif.baru", Role.REGENCY_VERIFIER, REGENCY)
    page = client.get("/akun/aktivasi/")
    assert page.status_code == 200 and '<label for="id_code">Kode aktivasi' in page.content.decode()

    # Lower case and without dashes is the same code: people type what they read.
    response = activate(client, "verif.baru", code.lower().replace("-", ""))
    assert response.status_code == 302 and response["Location"].startswith("/akun/totp/pasang/")
    assert client.get(dashboard_url())["Location"].startswith("/akun/totp/pasang/")

    client.get("/akun/totp/pasang/")
    device = TOTPDevice.objects.get(user__username="verif.baru")
    assert client.post("/akun/totp/pasang/", {"token": token_for(device)}).status_code == 302
    assert client.get(dashboard_url()).status_code == 200

    # Later logins: the new password, then a TOTP token (the next step's: the first one is spent).
    client.post("/akun/keluar/")
    assert login(client, "verif.baru", NEW_PASSWORD)["Location"].startswith("/akun/totp/verifikasi/")
    device.refresh_from_db()
    assert client.post("/akun/totp/verifikasi/", {"token": token_for(device, drift=1)}).status_code == 302
    assert client.get(dashboard_url()).status_code == 200

    actions = list(
        AuditEvent.objects.filter(actor__username="verif.baru")
        .order_by("id")
        .values_list("action", "outcome")
    )
    assert actions == [
        ("account.activate", "ok"),
        ("auth.otp_enrol", "ok"),
        ("auth.logout", "ok"),
        ("auth.login", "ok"),
        ("auth.otp_verify", "ok"),
    ]


def test_village_operator_goes_straight_to_the_dashboard(client):
    code = provision("op.baru", Role.VILLAGE_OPERATOR, VILLAGE)
    response = activate(client, "op.baru", code)
    assert response["Location"] == dashboard_url()
    assert client.get(dashboard_url()).status_code == 200
    assert User.objects.get(username="op.baru").check_password(NEW_PASSWORD)


def test_code_is_one_time(client):
    code = provision("op.sekali", Role.VILLAGE_OPERATOR, VILLAGE)
    activate(client, "op.sekali", code)
    client.post("/akun/keluar/")
    again = activate(client, "op.sekali", code, password="Bunga-Mawar-Merah-4")
    assert again.status_code == 200 and "sudah dipakai" in again.content.decode()
    assert User.objects.get(username="op.sekali").check_password(NEW_PASSWORD)


def test_expired_code_is_refused(client):
    code = provision("op.lama", Role.VILLAGE_OPERATOR, VILLAGE)
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = activate(client, "op.lama", code)
    assert "kedaluwarsa" in response.content.decode()
    assert not User.objects.get(username="op.lama").has_usable_password()


def test_wrong_code_is_audited_and_locks_out_after_five(client):
    code = provision("op.coba", Role.VILLAGE_OPERATOR, VILLAGE)
    for attempt in range(4):
        response = activate(client, "op.coba", f"AAAA-BBBB-CCC{attempt}", REMOTE_ADDR="192.0.2.5")
        assert response.status_code == 200
        assert "Nama pengguna atau kode aktivasi salah" in response.content.decode()
    assert activate(client, "op.coba", "AAAA-BBBB-CCC9", REMOTE_ADDR="192.0.2.5").status_code == 429
    # Locked: even the right code is not checked from that address.
    assert activate(client, "op.coba", code, REMOTE_ADDR="192.0.2.5").status_code == 429
    assert not User.objects.get(username="op.coba").has_usable_password()
    denied = AuditEvent.objects.filter(action="account.activate", outcome="denied")
    assert denied.count() == 5 and not any("AAAA" in str(r.detail) for r in denied)
    # From another address the code still works: it was never used up.
    assert activate(client, "op.coba", code, REMOTE_ADDR="192.0.2.6").status_code == 302


def test_password_errors_keep_the_code(client):
    code = provision("op.sandi", Role.VILLAGE_OPERATOR, VILLAGE)
    weak = activate(client, "op.sandi", code, password="17-08-1945")
    html = weak.content.decode()
    assert weak.status_code == 200 and "tidak boleh berupa tanggal" in html
    mismatch = activate(client, "op.sandi", code, confirm="Bunga-Lain-Sekali-5")
    assert "Kedua kata sandi tidak sama" in mismatch.content.decode()
    assert activate(client, "op.sandi", code).status_code == 302


def test_unknown_username_gets_the_same_answer(client):
    response = activate(client, "tidak.ada", "AAAA-BBBB-CCCC")
    assert "Nama pengguna atau kode aktivasi salah" in response.content.decode()
    row = AuditEvent.objects.get(action="account.activate")
    assert row.actor_id is None and row.outcome == "denied" and row.detail["reason"] == "unknown_user"
