from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _

from dtks.permissions import PUBLIC, allowed, rule_for


def is_api(request) -> bool:
    return request.path.startswith("/api/")


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
                return JsonResponse({"detail": _("Masuk terlebih dahulu.")}, status=401)
            return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}")
        return self._forbidden(request, _("Peran Anda tidak berhak membuka halaman ini."))

    @staticmethod
    def _forbidden(request, message: str):
        if is_api(request):
            return JsonResponse({"detail": message}, status=403)
        return HttpResponseForbidden(message)
