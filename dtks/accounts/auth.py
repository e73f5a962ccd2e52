"""Who must pass TOTP, how long a session may sit idle, and the small request helpers the login
views and middleware share (docs/security.md #5, docs/authentication.md)."""

import time
import unicodedata

from django.conf import settings
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .scope import TOTP_ROLES, VOLUNTARY_TOTP_ROLES

# Session keys. The last-activity stamp is seconds since the epoch (the session stores JSON).
LAST_ACTIVITY_KEY = "dtks_last_activity"
DEMO_OTP_SKIP_KEY = "dtks_demo_otp_skip"
DEMO_DEVICE_NAME = "demo (tanpa TOTP)"


def client_ip(request: HttpRequest) -> str | None:
    """The address django-axes counts failures against. Behind a proxy, the proxy must set
    REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips); a client-sent header is never trusted."""
    return request.META.get("REMOTE_ADDR") or None


# Longest username kept in the lockout counter and the audit trail: the model's own limit, so a
# real username is always kept whole (django-axes' column holds 255).
RECORDED_USERNAME_LENGTH = 150


def record_username(raw: object) -> str:
    """A typed username as it may be stored: control and format characters written as `\\xNN` /
    `\\uNNNN` (PostgreSQL refuses NUL in text and jsonb; the others would be invisible in the audit
    trail), then cut to RECORDED_USERNAME_LENGTH. Idempotent, so the lockout counter of one typed
    value stays one counter however often it passes through here."""
    text = "" if raw is None else str(raw)
    text = text[: RECORDED_USERNAME_LENGTH * 2]  # no need to look at more than can be kept
    escaped = "".join(
        (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs")
        else ch
        for ch in text
    )
    return escaped[:RECORDED_USERNAME_LENGTH]


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username django-axes counts failures for, made storable by
    `record_username`, so an over-long or NUL-bearing username is counted instead of failing the
    insert (that was a 500 without any count)."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "data", request.POST).get("username")
    return None if raw is None else record_username(raw)


def otp_mandatory_for(user) -> bool:
    """Roles docs/design.md §2 marks for TOTP, and anyone who can enter Django's admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role in TOTP_ROLES or user.is_staff or user.is_superuser


def otp_voluntary_for(user) -> bool:
    """A role without the mandatory step that may enrol TOTP of its own accord (for API tokens)."""
    if not getattr(user, "is_authenticated", False) or otp_mandatory_for(user):
        return False
    return user.role in VOLUNTARY_TOTP_ROLES


def otp_required_for(user) -> bool:
    """Whether the TOTP step stands between the password and every page: the mandatory roles, and a
    voluntary one once it has a confirmed device (a second factor that could be skipped would
    protect nothing). One indexed query, only for the voluntary roles."""
    if otp_mandatory_for(user):
        return True
    return otp_voluntary_for(user) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    """True when the session passed TOTP (or the demo skip of local settings applies)."""
    user = request.user
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def demo_skip_applies(user) -> bool:
    return bool(settings.DTKS_DEMO_SKIP_OTP and getattr(user, "is_demo", False))


# How a session passed TOTP, as recorded on the API tokens it issues (dtks.api.models.ApiToken).
VERIFIED_BY_DEVICE = "totp"
VERIFIED_BY_DEMO_SKIP = "demo_skip"


def otp_verified_by(request: HttpRequest) -> str | None:
    """VERIFIED_BY_DEVICE when the session passed TOTP with a real device, VERIFIED_BY_DEMO_SKIP when
    only the demo skip makes it verified (DtksOTPMiddleware's unsaved stand-in device), else None."""
    if not is_verified(request):
        return None
    device = getattr(request.user, "otp_device", None)
    if getattr(device, "dtks_demo_skip", False) or getattr(device, "pk", None) is None:
        return VERIFIED_BY_DEMO_SKIP
    return VERIFIED_BY_DEVICE


def totp_offer(request: HttpRequest) -> str:
    """What the dashboard offers a voluntary role: "enrol" (no TOTP yet: a link to the enrolment
    page), "token" (this session passed TOTP: how to get an API token), else "". An unverified
    session of a voluntary role has no confirmed device (the middleware would send it to the
    verification step), so no query is needed."""
    if not otp_voluntary_for(request.user):
        return ""
    return "token" if is_verified(request) else "enrol"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def idle_timeout_for(user) -> int:
    """Seconds a signed-in session may stay idle: shorter for the privileged (TOTP) roles. By role:
    a village operator who enrolled TOTP voluntarily keeps the longer timeout of the role."""
    if otp_mandatory_for(user):
        return settings.DTKS_IDLE_TIMEOUT_PRIVILEGED
    return settings.DTKS_IDLE_TIMEOUT


def touch(request: HttpRequest) -> None:
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
