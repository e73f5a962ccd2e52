from datetime import timedelta

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dtks.accounts.auth import totp_offer
from dtks.api.exceptions import error_body

from .dashboards import dashboard_context
from .middleware import is_api
from .models import WorkerHeartbeat
from .notifications import notifications_mark_seen, notifications_visible_to, unread_count

INBOX_PAGE = 25

WORKER_FRESH = timedelta(minutes=3)


@require_GET
@never_cache
def health(request):
    """200 when the database answers; `?worker=1` also requires a worker heartbeat in the last 3 minutes."""
    body: dict[str, object] = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except DatabaseError:
        return JsonResponse({"database": "error"}, status=503)
    worker_ok = last is not None and timezone.now() - last < WORKER_FRESH
    body["worker"] = "ok" if worker_ok else "stale"
    body["worker_seen_at"] = last.isoformat() if last else None
    status = 503 if request.GET.get("worker") == "1" and not worker_ok else 200
    return JsonResponse(body, status=status)


def home(request):
    return render(request, "core/home.html")


@require_GET
@never_cache
def dashboard(request):
    """Where every role lands after signing in: its queues and, for registry roles, its scope's counts."""
    context = dashboard_context(user=request.user)
    # Roles without mandatory TOTP are offered it here, for API tokens (docs/authentication.md).
    context["totp_offer"] = totp_offer(request)
    return render(request, "dashboards/dashboard.html", context)


@require_GET
@never_cache
def notifications(request):
    """The inbox: what came back to the user or awaits them, newest first; opening it marks all read."""
    user = request.user
    unread = unread_count(user=user)
    page = Paginator(notifications_visible_to(user=user).order_by("-pk"), INBOX_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    notifications_mark_seen(user=user)
    return render(request, "core/notifications.html", {"page": page, "rows": rows, "unread": unread})


# Error handlers (dtks/urls.py): an API client gets the API's one error shape (dtks/api/exceptions.py)
# also where no DRF view answers — a path matching no route, an error outside a view — never the HTML
# page meant for a browser.


def not_found(request, exception=None):
    if is_api(request):
        return JsonResponse(
            error_body(_("Alamat API ini tidak ada; daftar operasinya ada di /api/v1/docs/.")), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return JsonResponse(
            error_body(_("Terjadi kesalahan pada server. Kejadian ini sudah dicatat; coba lagi nanti.")),
            status=500,
        )
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if is_api(request):
        return JsonResponse(error_body(_("Permintaan tidak dapat diproses.")), status=400)
    return defaults.bad_request(request, exception)
