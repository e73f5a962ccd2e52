"""The proposal item's one public face (docs/proposals.md).

A `ProposalItem` is one family with its members, or one individual outside any family, proposed
for addition, deletion, replacement, correction or transfer (docs/design.md §4). It carries one state
machine from the village to the determination. Pages, APIs, the channels (musyawarah, ministry,
self-registration, import) and every later stage (verification, quality assurance, assessment,
determination) use the item through the names below and nothing else: import them from
`proposals.item`, never from its modules. An import-linter contract (pyproject.toml) holds the later
stages to it.

- Reading: `proposal_items_visible_to(user=…)` and the other selectors, scoped by region.
- Creating: `proposal_item_create(kind=…, …)`, one entry point for every kind; editing a draft or a
  returned item: `proposal_item_update`.
- Deciding: `proposal_item_transition` (one item) and `proposal_items_bulk_transition` (many),
  which apply the same rules and side effects and write the same history and audit rows.
- Labels: `TRANSITION_LABELS` (a transition as history reads it), `STAGE_LABELS` (the stage a
  history row's `detail` names), for later stages' pages showing an item's history.
- Where it is: `proposal_item_timeline(user=…, item=…)`, its path across stages from the history rows
  and where it waits now, which every item page shows (templates/proposals/_timeline.html).
- Checking again: `proposal_items_recheck` runs every enabled rule over saved items again and replaces
  their findings (the assessment stage calls it on forwarded items); `proposal_items_civil_recheck`
  stores the civil-registry findings of the open items that were saved while Dukcapil could not answer
  (the core's beat task calls it).
"""

from .content import TargetNotFound
from .create import REGENCY_KINDS, may_edit, proposal_item_correct, proposal_item_create, proposal_item_update
from .integrity_recheck import proposal_items_civil_recheck, proposal_items_recheck
from .machine import STAGE_LABELS, TRANSITION_LABELS, TRANSITIONS, AlreadyDecided
from .models import (
    DECIDED_STATES,
    EDITABLE_STATES,
    OPEN_STATES,
    ProposalItem,
    ProposalItemHistory,
    ProposalPerson,
)
from .selectors import (
    listed_items,
    proposal_item_history,
    proposal_item_versions,
    proposal_items_of_channel,
    proposal_items_visible_to,
    regency_submitted_items,
    returned_items,
)
from .timeline import Timeline, proposal_item_timeline
from .transitions import BulkResult, proposal_item_transition, proposal_items_bulk_transition

__all__ = [
    "DECIDED_STATES",
    "EDITABLE_STATES",
    "OPEN_STATES",
    "REGENCY_KINDS",
    "STAGE_LABELS",
    "TRANSITIONS",
    "TRANSITION_LABELS",
    "AlreadyDecided",
    "BulkResult",
    "ProposalItem",
    "ProposalItemHistory",
    "ProposalPerson",
    "TargetNotFound",
    "Timeline",
    "listed_items",
    "may_edit",
    "proposal_item_correct",
    "proposal_item_create",
    "proposal_item_history",
    "proposal_item_timeline",
    "proposal_item_transition",
    "proposal_item_update",
    "proposal_item_versions",
    "proposal_items_bulk_transition",
    "proposal_items_civil_recheck",
    "proposal_items_of_channel",
    "proposal_items_recheck",
    "proposal_items_visible_to",
    "regency_submitted_items",
    "returned_items",
]
