"""Who must pass TOTP, how long a session may sit idle, and the small request helpers the login
views and middleware share (SECURITY.md #5, docs/authentication.md)."""

import time

from django.conf import settings
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .scope import TOTP_ROLES

# Session keys. The last-activity stamp is seconds since the epoch (the session stores JSON).
LAST_ACTIVITY_KEY = "dtks_last_activity"
DEMO_OTP_SKIP_KEY = "dtks_demo_otp_skip"
DEMO_DEVICE_NAME = "demo (tanpa TOTP)"


def client_ip(request: HttpRequest) -> str | None:
    """The address django-axes counts failures against. Behind a proxy, the proxy must set
    REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips); a client-sent header is never trusted."""
    return request.META.get("REMOTE_ADDR") or None


def otp_required_for(user) -> bool:
    """Roles DESIGN.md §2 marks for TOTP, and anyone who can enter Django's admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in TOTP_ROLES or user.is_staff or user.is_superuser


def is_verified(request: HttpRequest) -> bool:
    """True when the session passed TOTP (or the demo skip of local settings applies)."""
    user = request.user
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def demo_skip_applies(user) -> bool:
    return bool(settings.DTKS_DEMO_SKIP_OTP and getattr(user, "is_demo", False))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def idle_timeout_for(user) -> int:
    """Seconds a signed-in session may stay idle: shorter for the privileged (TOTP) roles."""
    if otp_required_for(user):
        return settings.DTKS_IDLE_TIMEOUT_PRIVILEGED
    return settings.DTKS_IDLE_TIMEOUT


def touch(request: HttpRequest) -> None:
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
