"""Stage 2's rows of the permission table (dtks/permissions.py collects every stage's): each page and
API operation of `verification` with the roles allowed (docs/security.md #3). Who may take which step on
an item is the item machine's (proposals.item); what a role sees is the scoped selectors'."""

from dtks.accounts.models import Role
from dtks.permissions import PUBLIC

VERIFIERS = frozenset({Role.REGENCY_VERIFIER})
REGENCY = frozenset({Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR})
SUPERVISOR = frozenset({Role.REGENCY_SUPERVISOR})
# A submission is read by its regency and, once sent, by its province (verification/submissions.py).
SUBMISSION_READERS = REGENCY | {Role.PROVINCE_OFFICER}
PROVINCE = frozenset({Role.PROVINCE_OFFICER})
FIELD = frozenset({Role.FIELD_OFFICER})
# A prelist and its visits' photos: the regency that drew it up and the officers of its village.
PRELIST_READERS = REGENCY | FIELD
# A visit's photos are the item's evidence: also read by the province and the ministry's assessment
# (the item review shows them), each in its scope.
PHOTO_READERS = PRELIST_READERS | {Role.PROVINCE_OFFICER, Role.MINISTRY_DATA_OFFICER}

ROUTES: dict[str, str | frozenset[str]] = {
    # The verval queue, its export and the item review (verification/views.py, apis.py): the regency
    # reads them; deciding is the verifier's (the decisions' own routes).
    "verification:queue": REGENCY,
    "verification:queue_xlsx": REGENCY,
    # The item review is also the province's item page (from a submission it received).
    "verification:review": SUBMISSION_READERS,
    "api:verval-queue": REGENCY,
    "api:verval-search": REGENCY,
    "api:verval-review": SUBMISSION_READERS,
    # Decisions (issue 14): the regency verifier decides; the supervisor may read a bulk decision's
    # progress and result. An item or bulk decision outside the caller's scope answers 404.
    "verification:decide": VERIFIERS,
    "verification:bulk": VERIFIERS,
    "verification:bulk_progress": REGENCY,
    "api:verval-decide": VERIFIERS,
    "api:verval-bulk": VERIFIERS,
    "api:verval-bulk-detail": REGENCY,
    # The regency submission (issue 14): the regency gathers its verified items; the head of the Dinas
    # Sosial signs it off with the regent's/mayor's letter and sends it; the province reads what was
    # sent to it (letter and recap downloads logged).
    "verification:submissions": SUBMISSION_READERS,
    "verification:submission_gather": REGENCY,
    "verification:submission": SUBMISSION_READERS,
    "verification:submission_sign": SUPERVISOR,
    "verification:submission_send": SUPERVISOR,
    "verification:submission_letter": SUBMISSION_READERS,
    "verification:submission_recap": SUBMISSION_READERS,
    "api:verval-submissions": SUBMISSION_READERS,
    "api:verval-submission-gather": REGENCY,
    "api:verval-submission": SUBMISSION_READERS,
    "api:verval-submission-sign": SUPERVISOR,
    "api:verval-submission-send": SUPERVISOR,
    # The province (issue 16): its summary of what the regencies sent it, and forwarding a submission's
    # items to the ministry or disputing them with a reason. A submission of another province is 404.
    "verification:province": PROVINCE,
    "verification:submission_forward": PROVINCE,
    "verification:submission_dispute": PROVINCE,
    "api:verval-province": PROVINCE,
    "api:verval-submission-forward": PROVINCE,
    "api:verval-submission-dispute": PROVINCE,
    # Field visits (issue 15): the regency draws up prelists and reads the evidence; field officers
    # record visits on the prelists assigned to them (the visit page works offline; its service
    # worker is a public static script). Photos only through the scoped, logged view.
    "verification:prelists": REGENCY,
    "verification:prelist": PRELIST_READERS,
    "verification:prelist_pdf": PRELIST_READERS,
    "verification:prelist_xlsx": PRELIST_READERS,
    "verification:field": FIELD,
    "verification:field_sw": PUBLIC,
    "verification:field_prelist": FIELD,
    "verification:visit_new": FIELD,
    "verification:visit_photo": PHOTO_READERS,
    "api:prelists": PRELIST_READERS,
    "api:prelist-create": REGENCY,
    "api:prelist": PRELIST_READERS,
    "api:field-visit": FIELD,
}
