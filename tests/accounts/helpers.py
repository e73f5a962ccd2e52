"""Helpers shared by the accounts tests: a known password, region codes, real TOTP tokens."""

from django.conf import settings
from django.shortcuts import resolve_url
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import Role

PASSWORD = "Kopi-Tubruk-Pagi-7"
VILLAGE = "3371011003"  # Kota Magelang
OTHER_VILLAGE = "3371011007"
REGENCY = "3371"
PROVINCE = "33"
OTHER_REGENCY_VILLAGE = "3404012001"  # Sleman

REGION_OF = {
    Role.VILLAGE_OPERATOR: VILLAGE,
    Role.REGENCY_VERIFIER: REGENCY,
    Role.REGENCY_SUPERVISOR: REGENCY,
    Role.PROVINCE_OFFICER: PROVINCE,
}


def token_for(device: TOTPDevice, drift: int = 0) -> str:
    """A real TOTP token for `device`, computed the way an authenticator app does."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):0{device.digits}d}"


def dashboard_url() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def login(client, username, password=PASSWORD, **extra):
    return client.post("/akun/masuk/", {"username": username, "password": password}, **extra)
