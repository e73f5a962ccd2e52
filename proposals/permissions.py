"""Stage 1's rows of the permission table (dtks/permissions.py collects every stage's): each page and
API operation of `proposals` with the roles allowed (docs/security.md #3). Who may take which step on
an item is the state machine's; what a role sees is the scoped selectors'."""

from dtks.accounts.models import Role
from dtks.accounts.scope import REGISTRY_ROLES
from dtks.permissions import PUBLIC

# Who reads musyawarah and proposal items (the registry roles less field officers, whose visits come
# with the verification stage), and who files and edits them from the village/regency pages.
PROPOSAL_READERS = frozenset(REGISTRY_ROLES) - {Role.FIELD_OFFICER}
PROPOSERS = frozenset({Role.VILLAGE_OPERATOR, Role.REGENCY_VERIFIER})

ROUTES: dict[str, str | frozenset[str]] = {
    # Self-registration (proposals/channels/self_registration_views.py): public; the village sees its self-registrations
    # read-only; the ministry data unit files ministry proposals (proposals/channels/ministry_views.py).
    "public:register": PUBLIC,
    "public:receipt": PUBLIC,
    "proposals:self_registrations": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:ministry_list": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "proposals:ministry_create": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "proposals:ministry_item": frozenset({Role.MINISTRY_DATA_OFFICER}),
    # The spreadsheet import of a musyawarah's proposals (proposals/imports/views.py): its village's
    # operator only; a foreign musyawarah or import answers 404.
    "proposals:import_upload": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_job": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_progress": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_confirm": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_cancel": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_row_fix": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:import_template": frozenset({Role.VILLAGE_OPERATOR}),
    # The village operator's musyawarah and items, and the regency's minimal "return to village"
    # (proposals/musyawarah/views.py, proposals/item/). Items and musyawarah are read by the roles that work on proposals; scope
    # is the selectors' (proposals/item/selectors.py); who may take which step is the state machine's.
    "proposals:musyawarah_list": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_new": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah": PROPOSAL_READERS,
    "proposals:musyawarah_minutes": PROPOSAL_READERS,
    "proposals:musyawarah_minutes_upload": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_hold": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:musyawarah_submit": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:item_new": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:returned": frozenset({Role.VILLAGE_OPERATOR}),
    "proposals:item": PROPOSAL_READERS,
    "proposals:item_edit": PROPOSERS,
    "proposals:item_transition": PROPOSERS,
    "proposals:regency": frozenset({Role.REGENCY_VERIFIER}),
    "proposals:regency_item_new": frozenset({Role.REGENCY_VERIFIER}),
    "api:musyawarah-list": PROPOSAL_READERS,
    "api:musyawarah-create": frozenset({Role.VILLAGE_OPERATOR}),
    "api:musyawarah-detail": PROPOSAL_READERS,
    "api:musyawarah-minutes": frozenset({Role.VILLAGE_OPERATOR}),
    "api:musyawarah-transition": frozenset({Role.VILLAGE_OPERATOR}),
    "api:item-list": PROPOSAL_READERS,
    "api:item-create": PROPOSERS,
    "api:item-detail": PROPOSAL_READERS,
    "api:item-transition": PROPOSERS,
    # The spreadsheet import through the API (proposals/imports/apis.py), as on the pages: its
    # village's operator only; a foreign musyawarah or import answers 404.
    "api:import-upload": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-list": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-detail": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-rows": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-row-fix": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-confirm": frozenset({Role.VILLAGE_OPERATOR}),
    "api:import-cancel": frozenset({Role.VILLAGE_OPERATOR}),
    # The ministry data unit's proposals and the public self-registration (proposals/channels/apis.py).
    "api:ministry-proposal-list": frozenset({Role.MINISTRY_DATA_OFFICER}),
    "api:self-registration": PUBLIC,
}
