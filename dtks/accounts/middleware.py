"""Session rules: TOTP before any other page for the roles that need it, and the idle timeout."""

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.audit.services import audit_record
from dtks.core.middleware import is_api

from .auth import (
    DEMO_DEVICE_NAME,
    DEMO_OTP_SKIP_KEY,
    LAST_ACTIVITY_KEY,
    client_ip,
    confirmed_device,
    demo_skip_applies,
    idle_timeout_for,
    is_verified,
    otp_mandatory_for,
    otp_required_for,
)

# Routes a signed-in user who still owes TOTP may open: the OTP steps themselves, leaving, and
# the few public helpers (language, health).
OTP_PENDING_ROUTES = frozenset(
    {
        "accounts:otp_setup",
        "accounts:otp_verify",
        "accounts:logout",
        "accounts:login",
        "accounts:activate",
        "set_language",
        "health",
    }
)
# Write the last-activity stamp at most this often, so a busy page does not save the session on
# every request; the timeout is minutes, so this slack is harmless.
TOUCH_EVERY = 30


class DtksOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (sets `request.user.otp_device` / `is_verified()`), plus the demo skip:
    a demo user who signed in while `DTKS_DEMO_SKIP_OTP` is on counts as verified through an unsaved
    stand-in device. The setting is read on every request, so turning it off ends the skip at once.
    """

    @staticmethod
    def _finalize_device(request, user, device):
        device = OTPMiddleware._finalize_device(request, user, device)
        if device is None and request.session.get(DEMO_OTP_SKIP_KEY) and demo_skip_applies(user):
            device = TOTPDevice(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
            # Tokens issued from this session record it (dtks.accounts.auth.otp_verified_by).
            device.dtks_demo_skip = True
        return device


class OTPRequiredMiddleware:
    """A user of a TOTP role who is signed in but not verified reaches only the OTP steps: pages
    redirect to enrolment (no device yet) or verification; the API answers 403 with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        # Verified first: otp_required_for costs a query for the voluntary roles.
        if not user.is_authenticated or is_verified(request) or not otp_required_for(user):
            return None
        match = request.resolver_match
        if match and match.view_name in OTP_PENDING_ROUTES:
            return None
        if is_api(request):
            if otp_mandatory_for(user):
                detail = _("Peran Anda wajib memakai TOTP: verifikasi kode TOTP di halaman masuk dahulu.")
            else:
                detail = _(
                    "Akun Anda sudah memasang TOTP, jadi setiap sesi perlu kode TOTP: verifikasi kode "
                    "TOTP di halaman masuk dahulu."
                )
            return JsonResponse({"detail": detail, "errors": {}}, status=403)
        target = "accounts:otp_verify" if confirmed_device(user) else "accounts:otp_setup"
        return HttpResponseRedirect(f"{reverse(target)}?next={quote(request.get_full_path())}")


class IdleTimeoutMiddleware:
    """Ends a session idle for longer than its role allows (15 min privileged, 30 min others)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > idle_timeout_for(user):
                return self._expire(request, user)
            if not isinstance(last, int) or now - last >= TOUCH_EVERY:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request, user):
        audit_record(
            actor=user,
            action="auth.logout",
            object_type="accounts.user",
            object_id=user.pk,
            ip=client_ip(request),
            detail={"reason": "idle_timeout"},
        )
        logout(request)
        message = _("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk kembali.")
        if is_api(request):
            return JsonResponse({"detail": message, "errors": {}}, status=401)
        messages.info(request, message)
        login_url = f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}"
        if request.headers.get("HX-Request") == "true":
            # htmx swaps fragments; ask it to load the login page as a whole instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)
