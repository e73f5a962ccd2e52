from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from dtks.permissions import PUBLIC, allowed, rule_for


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def enforces_table_after_auth(view_func) -> bool:
    """A DRF view whose permission classes apply the permission table to the authenticated user."""
    from dtks.api.permissions import InPermissionTable

    permission_classes = getattr(getattr(view_func, "cls", None), "permission_classes", None) or ()
    return any(isinstance(p, type) and issubclass(p, InPermissionTable) for p in permission_classes)


class PermissionTableMiddleware:
    """Deny by default: only routes in the permission table answer, and only to the roles listed.

    Anonymous → login redirect (pages) or 401 (API); wrong role or unlisted route → 403. Objects
    outside the user's scope are the selectors' business (→ 404).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        rule = rule_for(match.view_name if match else None)
        if rule is None:
            return self._forbidden(request, _("Halaman ini tidak terdaftar di tabel izin."))
        if rule == PUBLIC or allowed(request.user, rule):
            return None
        if not request.user.is_authenticated:
            if is_api(request):
                if request.headers.get("Authorization") and enforces_table_after_auth(view_func):
                    # A token is authenticated by DRF inside the view, which applies this same table
                    # to the token's user (dtks.api.permissions.InPermissionTable).
                    return None
                response = JsonResponse({"detail": _("Masuk terlebih dahulu."), "errors": {}}, status=401)
                response["WWW-Authenticate"] = "Token"
                return response
            return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}")
        return self._forbidden(request, _("Peran Anda tidak berhak membuka halaman ini."))

    @staticmethod
    def _forbidden(request, message: str):
        if is_api(request):
            # The API's one error shape (dtks/api/exceptions.py).
            return JsonResponse({"detail": message, "errors": {}}, status=403)
        return render(request, "403.html", {"message": message}, status=403)


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """docs/security.md #6: a CSP with no third-party origin on every response, and `no-store` on every
    response to a signed-in user (personal data must not stay in shared browser caches)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


def chosen_language(request) -> str:
    """The language the user chose with the language switch (Django's language cookie, written by
    `set_language`), else Bahasa Indonesia; an unknown cookie value counts as no choice."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Bahasa Indonesia for everyone; English only for a user who chose it (replaces Django's
    LocaleMiddleware). The browser's Accept-Language is ignored on purpose: an office PC with English
    Windows would otherwise show every page, the citizens' public form included, in English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # No `Vary: Accept-Language`: the answer does not depend on it (the cookie already varies).
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
