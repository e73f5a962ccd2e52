"""Django's discovery point for the models of stage 1; each lives with its part of the app:
the proposal item (`proposals.item`), the musyawarah (`proposals.musyawarah`) and the spreadsheet
import (`proposals.imports`). Import them from here or from their part."""

from proposals.imports.models import ImportJob, ImportRow, ImportStageRow
from proposals.item.models import DECIDED_STATES, ProposalItem, ProposalItemHistory, ProposalPerson
from proposals.musyawarah.models import Musyawarah

__all__ = [
    "DECIDED_STATES",
    "ImportJob",
    "ImportRow",
    "ImportStageRow",
    "Musyawarah",
    "ProposalItem",
    "ProposalItemHistory",
    "ProposalPerson",
]
