from datetime import timedelta

from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dtks.accounts.auth import totp_offer

from .dashboards import dashboard_context
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
