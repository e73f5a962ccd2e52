"""Stage 2's rows of the permission table (dtks/permissions.py collects every stage's): each page and
API operation of `verification` with the roles allowed (docs/security.md #3). Who may take which step on
an item is the item machine's (proposals.item); what a role sees is the scoped selectors'."""

from dtks.accounts.models import Role

VERIFIERS = frozenset({Role.REGENCY_VERIFIER})
REGENCY = frozenset({Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR})

ROUTES: dict[str, str | frozenset[str]] = {
    # The verval queue, its export and the item review (verification/views.py, apis.py): the regency
    # reads them; deciding is the verifier's (the decisions' own routes).
    "verification:queue": REGENCY,
    "verification:queue_xlsx": REGENCY,
    "verification:review": REGENCY,
    "api:verval-queue": REGENCY,
    "api:verval-search": REGENCY,
    "api:verval-review": REGENCY,
    # Decisions (issue 14): the regency verifier decides; the supervisor may read a bulk decision's
    # progress and result. An item or bulk decision outside the caller's scope answers 404.
    "verification:decide": VERIFIERS,
    "verification:bulk": VERIFIERS,
    "verification:bulk_progress": REGENCY,
    "api:verval-decide": VERIFIERS,
    "api:verval-bulk": VERIFIERS,
    "api:verval-bulk-detail": REGENCY,
}
