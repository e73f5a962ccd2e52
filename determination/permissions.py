"""The determination stage's rows of the permission table (dtks/permissions.py collects every stage's):
each page and API operation of `determination` with the roles allowed (docs/security.md #3). Who may
take which step on an item is the item machine's (proposals.item); what a role sees is the scoped
selectors'."""

from dtks.accounts.models import Role

MINISTRY = frozenset({Role.MINISTRY_DATA_OFFICER})

ROUTES: dict[str, str | frozenset[str]] = {
    # The assessment (issue 16): the ministry's data officers read the queue and the item review,
    # decide one item and accept many.
    "determination:queue": MINISTRY,
    "determination:queue_xlsx": MINISTRY,
    "determination:review": MINISTRY,
    "determination:decide": MINISTRY,
    "determination:bulk_accept": MINISTRY,
    "api:assessment-queue": MINISTRY,
    "api:assessment-search": MINISTRY,
    "api:assessment-review": MINISTRY,
    "api:assessment-decide": MINISTRY,
    "api:assessment-bulk-accept": MINISTRY,
}
