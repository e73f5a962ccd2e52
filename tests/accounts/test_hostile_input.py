"""Sign-in pages never answer 500: an over-long username, one with NUL or other control characters,
and odd values in every other field get a message naming the field; refused usernames are still
counted by the lockout of (username as typed, IP) and audited (issue 12)."""

import re

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.auth import axes_username, record_username
from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent

from .helpers import dashboard_url, login

pytestmark = pytest.mark.django_db

IP_A, IP_B = "192.0.2.31", "192.0.2.32"
LONG = "a" * 256
BAD_USERNAMES = {
    "256 characters": (LONG, "terlalu panjang: 256 karakter, paling banyak 150"),
    "NUL": ("operator\x00desa", "karakter tak terlihat atau karakter kendali"),
    "bell": ("operator\x07desa", "karakter tak terlihat atau karakter kendali"),
    "zero-width space": ("operator\u200bdesa", "karakter tak terlihat atau karakter kendali"),
    "right-to-left override": ("operator\u202edesa", "karakter tak terlihat atau karakter kendali"),
}
ODD_VALUES = ["\x00", "a\x00b", "x" * 100_000, "\u202e\u200b", "%00", "../../etc/passwd", "' OR 1=1 --"]


def username_input(html: str) -> str:
    return re.search(r'<input[^>]*name="username"[^>]*>', html).group(0)


def test_record_username_is_storable_and_idempotent():
    assert record_username("op.desa") == "op.desa"
    assert record_username("a\x00b\u200bc") == "a\\x00b\\u200bc"
    assert len(record_username(LONG)) == 150
    for raw in ("a\x00b", LONG, "\x07" * 400):
        once = record_username(raw)
        assert record_username(once) == once and "\x00" not in once


@pytest.mark.parametrize("case", list(BAD_USERNAMES))
def test_login_refuses_the_username_with_a_message_and_counts_it(client, case):
    username, message = BAD_USERNAMES[case]
    response = login(client, username, "Apa-Saja-Sandinya-1", REMOTE_ADDR=IP_A)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "Nama pengguna" in html
    # The refused value is not sent back into the page.
    assert 'value="' not in username_input(html)
    assert "_auth_user_id" not in client.session

    recorded = record_username(username)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (recorded, IP_A, 1)
    row = AuditEvent.objects.get(action="auth.login")
    assert (row.outcome, row.ip, row.actor_id) == ("denied", IP_A, None)
    assert row.detail == {"username": recorded, "reason": "invalid_username"}


def test_refused_usernames_lock_out_that_username_and_ip_after_five(client):
    username = "op\x00desa"
    for attempt in range(1, 5):
        assert login(client, username, f"keliru-{attempt}", REMOTE_ADDR=IP_A).status_code == 200
    fifth = login(client, username, "keliru-5", REMOTE_ADDR=IP_A)
    assert fifth.status_code == 429 and "dikunci selama 15 menit" in fifth.content.decode()
    assert login(client, username, "keliru-6", REMOTE_ADDR=IP_A).status_code == 429
    # Another address, or another typed value, keeps its own counter.
    assert login(client, username, "keliru-7", REMOTE_ADDR=IP_B).status_code == 200
    assert login(client, LONG, "keliru-8", REMOTE_ADDR=IP_A).status_code == 200

    lockouts = AuditEvent.objects.filter(action="auth.lockout")
    assert lockouts.count() == 2
    assert {(r.ip, r.detail["username"], r.detail["reason"]) for r in lockouts} == {
        (IP_A, "op\\x00desa", "invalid_username")
    }
    assert AuditEvent.objects.filter(action="auth.login", outcome="denied").count() == 6


def test_a_real_user_is_unaffected_by_a_look_alike_username(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR, username="op.desa")
    for attempt in range(5):
        login(client, "op.desa\u200b", f"keliru-{attempt}", REMOTE_ADDR=IP_A)
    assert login(client, user.username, REMOTE_ADDR=IP_A)["Location"] == dashboard_url()


def test_password_with_nul_is_a_wrong_password(client, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    response = login(client, user.username, "Kopi\x00Tubruk", REMOTE_ADDR=IP_A)
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()
    assert AccessAttempt.objects.get().username == user.username
    assert AuditEvent.objects.get(action="auth.login").actor_id == user.pk


def activate(client, username, code="ABCD-EFGH-JKMN", password="Sandi-Baru-Aman-2026", **extra):
    body = {"username": username, "code": code, "password1": password, "password2": password}
    return client.post("/akun/aktivasi/", body, **extra)


@pytest.mark.parametrize("case", list(BAD_USERNAMES))
def test_activation_refuses_the_username_with_a_message_and_counts_it(client, case):
    username, message = BAD_USERNAMES[case]
    response = activate(client, username, REMOTE_ADDR=IP_A)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'value="' not in username_input(html)
    recorded = record_username(username)
    assert AccessAttempt.objects.get().username == recorded
    row = AuditEvent.objects.get(action="account.activate")
    assert row.outcome == "denied" and row.detail == {"username": recorded, "reason": "invalid_username"}


def test_activation_locks_out_a_refused_username_after_five(client):
    for _attempt in range(4):
        assert activate(client, LONG, REMOTE_ADDR=IP_A).status_code == 200
    assert activate(client, LONG, REMOTE_ADDR=IP_A).status_code == 429
    row = AuditEvent.objects.get(action="auth.lockout")
    assert row.detail == {"username": "a" * 150, "reason": "invalid_username", "step": "activation"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "A\x00B", "Kode aktivasi berisi karakter kendali"),
        ("code", "A" * 300, "Kode aktivasi terlalu panjang"),
        ("password", "Sandi\x00Baru-Aman-2026", "Kata sandi baru berisi karakter kendali"),
    ],
)
def test_activation_names_the_field_of_other_odd_values(client, field, value, message):
    response = activate(client, "op.baru", **{field: value})
    assert response.status_code == 200 and message in response.content.decode()


@pytest.mark.parametrize("page", ["/akun/totp/pasang/", "/akun/totp/verifikasi/"])
@pytest.mark.parametrize("token", ["\x00\x00\x00\x00\x00\x00", "1" * 300, "12\x0034", "١٢٣٤٥x"])
def test_totp_pages_name_the_field_of_odd_tokens(client, make_user, page, token):
    user = make_user(Role.REGENCY_VERIFIER)
    if page.endswith("verifikasi/"):
        TOTPDevice.objects.create(user=user, name="DTKS", confirmed=True)
    login(client, user.username)
    response = client.post(page, {"token": token})
    assert response.status_code == 200
    assert "Kode TOTP terdiri dari 6 angka" in response.content.decode()


@pytest.mark.parametrize("value", ODD_VALUES)
def test_no_sign_in_page_answers_500_to_odd_values(client, make_user, value):
    """Every field and the `next` parameter of the four pages, anonymous and signed in: the test
    client re-raises any exception a view lets through, so a 500 fails here."""
    bodies = {
        "/akun/masuk/": {"username": value, "password": value, "next": value},
        "/akun/aktivasi/": {"username": value, "code": value, "password1": value, "password2": value},
    }
    for url, body in bodies.items():
        assert client.get(url, {"next": value}).status_code < 500
        assert client.post(url, body, REMOTE_ADDR=IP_B).status_code < 500
    user = make_user(Role.REGENCY_VERIFIER)
    login(client, user.username)
    for url in ("/akun/totp/pasang/", "/akun/totp/verifikasi/"):
        assert client.get(url, {"next": value}).status_code < 500
        assert client.post(f"{url}?next=%2F", {"token": value, "next": value}).status_code < 500
    TOTPDevice.objects.filter(user=user).update(confirmed=True)
    assert client.post("/akun/totp/verifikasi/", {"token": value, "next": value}).status_code < 500


def test_axes_username_reads_credentials_then_the_form(rf):
    request = rf.post("/akun/masuk/", {"username": "op\x00desa"})
    assert axes_username(request) == "op\\x00desa"
    assert axes_username(request, {"username": LONG}) == "a" * 150
    assert axes_username(rf.post("/akun/masuk/", {})) is None
