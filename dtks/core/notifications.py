"""The in-app notification inbox every stage writes to (docs/design.md §4): one row per event,
addressed to a role within a region; the header shows the unread count, /notifikasi/ the list.

A stage writes with `notify` (or `notify_many` for one decision over several villages) and never
reads another stage's notifications: the inbox is the core's, so a village sees what a later stage
decided without importing it.
"""

from collections.abc import Iterable

from django.db.models import Max, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dtks.accounts.scope import scope_of, scoped_selector

from .models import Notification, NotificationSeen


def notify(*, role: str, region_code: str, kind: str, message: str, url: str = "", count: int = 1) -> None:
    Notification.objects.create(
        audience_role=role, region_code=region_code, kind=kind, message=message, url=url, count=count
    )


def notify_many(rows: Iterable[dict]) -> None:
    """Several events at once, e.g. one per village of a bulk decision: dicts of `notify`'s arguments."""
    Notification.objects.bulk_create(
        Notification(
            audience_role=r["role"],
            region_code=r["region_code"],
            kind=r["kind"],
            message=r["message"],
            url=r.get("url", ""),
            count=r.get("count", 1),
        )
        for r in rows
    )


@scoped_selector
def notifications_visible_to(*, user) -> QuerySet[Notification]:
    """The notifications addressed to the user's role, within the user's region (or national ones).

    The inbox's own scope: a notification names its audience, so one addressed to the country is for
    every user of that role; one addressed to a region follows the region rule of every other row."""
    scope = scope_of(user)
    if scope.kind is None:
        return Notification.objects.none()
    region = scope.region_q("region_code") if scope.sees_regions else Q(pk__in=[])
    return Notification.objects.filter(audience_role=user.role).filter(Q(region_code="") | region)


def unread_count(*, user) -> int:
    """One query: the notifications above the user's read mark."""
    seen = NotificationSeen.objects.filter(user=user).values("last_seen_id")[:1]
    return notifications_visible_to(user=user).filter(pk__gt=Coalesce(Subquery(seen), 0)).count()


def notifications_mark_seen(*, user) -> None:
    """Everything the user can see now counts as read (opening the inbox)."""
    last = notifications_visible_to(user=user).aggregate(m=Max("pk"))["m"]
    if last is not None:
        NotificationSeen.objects.update_or_create(user=user, defaults={"last_seen_id": last})
