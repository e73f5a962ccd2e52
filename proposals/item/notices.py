"""What the item's decisions tell people through the core's inbox (dtks/core/notifications.py): the
notices of `machine.NOTIFY`, one row per event — for a decision over many items, one per village."""

from collections import Counter

from django.urls import reverse

from dtks.accounts.models import Role
from dtks.core.notifications import notify_many

from .machine import NOTIFY
from .models import ProposalItem

# Where each audience goes to act on what it was told.
LANDING = {Role.VILLAGE_OPERATOR: "proposals:returned", Role.REGENCY_VERIFIER: "proposals:regency"}


def notify(transition: str, items: list[ProposalItem], *, actor) -> None:
    notice = NOTIFY.get(transition)
    # Nobody is told of their own decision (a verifier submitting the regency's own filing).
    if notice is None or not items or getattr(actor, "role", None) == notice.role:
        return
    per_village = Counter(item.village_code for item in items)
    rows = []
    for village, n in sorted(per_village.items()):
        url = (
            reverse("proposals:item", args=[items[0].pk])
            if len(items) == 1
            else reverse(LANDING[notice.role])
        )
        rows.append(
            {
                "role": notice.role,
                "region_code": village,
                "kind": notice.kind,
                "message": notice.message % {"n": n},
                "url": url,
                "count": n,
            }
        )
    notify_many(rows)
