"""Sign-in pages: login, first-login activation, TOTP enrolment and verification, logout."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from dtks.audit.models import Outcome

from .auth import (
    DEMO_OTP_SKIP_KEY,
    client_ip,
    confirmed_device,
    demo_skip_applies,
    is_verified,
    otp_mandatory_for,
    otp_required_for,
    otp_voluntary_for,
    record_username,
)
from .forms import (
    ActivationForm,
    LoginForm,
    TokenForm,
    bad_username_error,
    forget_typed_username,
    typed_username,
)
from .models import User
from .services import (
    InvalidActivationCode,
    login_attempt_record,
    otp_check,
    otp_device_for_enrolment,
    otp_enrol_confirm,
    user_activate,
)


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: anything else (a view name, a NUL) would reach redirect() as a name.
    if (
        url.startswith("/")
        and "\x00" not in url
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(view_name: str, next_url: str) -> str:
    return f"{reverse(view_name)}?{urlencode({'next': next_url})}"


def _after_login(request, user) -> tuple[HttpResponseRedirect, str]:
    """Where a freshly signed-in user goes: TOTP first for the roles that need it."""
    next_url = _next_url(request)
    required = otp_required_for(user)
    if demo_skip_applies(user):
        # Every demo user, so a demo village operator can show the API too; tokens issued from such a
        # session are marked and stop working when the skip is turned off (dtks/api/authentication.py).
        request.session[DEMO_OTP_SKIP_KEY] = True
        return redirect(next_url), "demo_skip" if required else "not_required"
    if not required:
        return redirect(next_url), "not_required"
    if confirmed_device(user):
        return redirect(_with_next("accounts:otp_verify", next_url)), "verify"
    return redirect(_with_next("accounts:otp_setup", next_url)), "enrol"


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): 429 with the rule in plain words."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/locked.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def _refused_username_attempt(request, form, *, step: str) -> HttpResponse | None:
    """A username no account can have (too long, control characters) was refused by the form, so
    authenticate() never ran: count the attempt for django-axes' lockout of (username as typed,
    made storable, IP) and audit it. Returns the lockout page once the pair is locked."""
    username = record_username(typed_username(form))
    credentials = {"username": username}
    ip = client_ip(request)
    locked = AxesProxyHandler.is_locked(request, credentials)
    if not locked:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        locked = getattr(request, "axes_locked_out", False)
    detail = {"reason": "invalid_username"}
    if locked:
        # As the other lockout rows: an activation's says which step it was.
        lockout_detail = detail if step == "login" else {**detail, "step": step}
        login_attempt_record(
            user=None,
            username=username,
            ip=ip,
            outcome=Outcome.DENIED,
            action="auth.lockout",
            detail=lockout_detail,
        )
        return lockout_response(request)
    action = "auth.login" if step == "login" else "account.activate"
    login_attempt_record(
        user=None, username=username, ip=ip, outcome=Outcome.DENIED, action=action, detail=detail
    )
    forget_typed_username(form)
    return None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.method == "POST":
        # The form validates first: nothing below reads request.POST itself.
        form = LoginForm(request, data=request.POST)
        if form.is_valid():
            user = form.get_user()
            auth_login(request, user)  # cycles the session key: a fixated session id is useless
            response, otp_step = _after_login(request, user)
            login_attempt_record(
                user=user,
                username=user.username,
                ip=client_ip(request),
                outcome=Outcome.OK,
                detail={"otp": otp_step},
            )
            return response
        if bad_username_error(form):
            refused = _refused_username_attempt(request, form, step="login")
            if refused is not None:
                return refused
        else:
            username = form.cleaned_data.get("username") or ""
            user = User.objects.filter(username=username).first() if username else None
            if getattr(request, "axes_locked_out", False):
                login_attempt_record(
                    user=user,
                    username=username,
                    ip=client_ip(request),
                    outcome=Outcome.DENIED,
                    action="auth.lockout",
                )
                return lockout_response(request)
            if username:
                login_attempt_record(
                    user=user, username=username, ip=client_ip(request), outcome=Outcome.DENIED
                )
    else:
        if request.user.is_authenticated:
            return redirect(_next_url(request))
        form = LoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request):
    user = request.user
    login_attempt_record(
        user=user,
        username=user.get_username(),
        ip=client_ip(request),
        outcome=Outcome.OK,
        action="auth.logout",
    )
    auth_logout(request)
    messages.success(request, _("Anda sudah keluar."))
    return redirect("accounts:login")


@sensitive_post_parameters("code", "password1", "password2")
@csrf_protect
@never_cache
def activate_view(request):
    """First login: username + one-time code → new password → (TOTP enrolment if the role needs it)."""
    if request.method == "POST":
        form = ActivationForm(request.POST)
        if bad_username_error(form):
            refused = _refused_username_attempt(request, form, step="activation")
            if refused is not None:
                return refused
        elif form.is_valid():
            username = form.cleaned_data["username"].strip()
            credentials = {"username": username}
            ip = client_ip(request)
            # The code is a secret like a password: the same lockout per (username, IP) guards it.
            if AxesProxyHandler.is_locked(request, credentials):
                login_attempt_record(
                    user=None,
                    username=username,
                    ip=ip,
                    outcome=Outcome.DENIED,
                    action="auth.lockout",
                    detail={"step": "activation"},
                )
                return lockout_response(request)
            try:
                user = user_activate(
                    username=username,
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password1"],
                    ip=ip,
                )
            except InvalidActivationCode as error:
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    login_attempt_record(
                        user=None,
                        username=username,
                        ip=ip,
                        outcome=Outcome.DENIED,
                        action="auth.lockout",
                        detail={"step": "activation"},
                    )
                    return lockout_response(request)
                form.add_error("code", error)
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Kata sandi Anda sudah tersimpan."))
                response, _step = _after_login(request, user)
                return response
    else:
        form = ActivationForm()
    return render(request, "accounts/activate.html", {"form": form})


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@never_cache
def otp_setup_view(request):
    user = request.user
    next_url = _next_url(request)
    # Mandatory roles enrol before anything else; the voluntary ones (village operators, field
    # officers, data requesters) may enrol here of their own accord, for API tokens.
    voluntary = otp_voluntary_for(user)
    if is_verified(request) or not (otp_mandatory_for(user) or voluntary):
        return redirect(next_url)
    try:
        device = otp_device_for_enrolment(user=user)
    except PermissionDenied:
        return redirect(_with_next("accounts:otp_verify", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = otp_enrol_confirm(user=user, token=form.cleaned_data["token"], ip=client_ip(request))
        if confirmed:
            otp_login(request, confirmed)
            request.session.cycle_key()  # a new session id for the now fully signed-in session
            messages.success(
                request, _("TOTP sudah terpasang. Setiap kali masuk, Anda akan diminta kodenya.")
            )
            return redirect(next_url)
        form.add_error(
            "token",
            _(
                "Kode TOTP salah atau sudah kedaluwarsa. Tunggu kode berikutnya di aplikasi, "
                "lalu ketik 6 angkanya."
            ),
        )
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": next_url,
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "qr_svg": qr.svg_inline(
            scale=5,
            border=2,
            dark="#000000",
            light="#ffffff",
            omitsize=True,
            svgclass="otp-qr",
            title=_("Kode QR untuk aplikasi autentikator"),
        ),
        "issuer": settings.OTP_TOTP_ISSUER,
        "voluntary": voluntary,
    }
    return render(request, "accounts/otp_setup.html", context)


@never_cache
def otp_verify_view(request):
    user = request.user
    next_url = _next_url(request)
    if not otp_required_for(user) or is_verified(request):
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:
        return redirect(_with_next("accounts:otp_setup", next_url))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token",
                _(
                    "Terlalu banyak kode salah berturut-turut. Tunggu beberapa detik, "
                    "lalu ketik kode terbaru dari aplikasi."
                ),
            )
        else:
            verified = otp_check(user=user, token=form.cleaned_data["token"], ip=client_ip(request))
            if verified:
                otp_login(request, verified)
                request.session.cycle_key()
                return redirect(next_url)
            form.add_error(
                "token",
                _(
                    "Kode TOTP salah atau sudah kedaluwarsa. Ketik kode terbaru dari aplikasi "
                    "autentikator; pastikan jam ponsel Anda tepat."
                ),
            )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})
