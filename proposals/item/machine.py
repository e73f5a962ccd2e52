"""The ProposalItem machine's rules that the FSM graph (proposals/item/models.py) does not carry: which
decisions must give a reason, what a failed condition tells the user, how each transition reads in
an item's history. The single and the bulk transition services both apply them
(proposals/item/transitions.py)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ProposalItem

# How a transition reads in the item's history and in messages ("Usulan #12 dikembalikan …").
TRANSITION_LABELS = {
    "submit": _("diajukan"),
    "resubmit": _("diajukan kembali setelah diperbaiki"),
    "withdraw": _("ditarik"),
    "return_to_village": _("dikembalikan ke desa/kelurahan"),
    "reject": _("ditolak"),
    "verify": _("diverifikasi"),
}


# Transitions that must say why: the village (or regency) reads the reason in the item's history.
REASON_REQUIRED = frozenset(
    {
        "withdraw",
        "return_to_village",
        "reject",
        "dispute_by_village",
        "dispute_by_province",
        "return_to_regency",
        "send_to_qa",
        "qa_accept",
        "qa_exclude",
        "qa_back_to_regency",
        "qa_in_accept",
        "qa_in_exclude",
    }
)


CONDITION_MESSAGES = {
    "findings_cleared": "Usulan ini memiliki temuan integritas: isi alasan pengabaian (override) untuk memutuskannya.",
    "verified_by_regency": "Usulan ini diverifikasi oleh Kementerian Sosial, bukan oleh kabupaten/kota.",
    "verified_by_ministry": "Usulan ini diverifikasi oleh kabupaten/kota.",
    "proposed_by_village": "Hanya usulan musyawarah desa/kelurahan yang dapat dikembalikan ke desa/kelurahan; "
    "pendaftaran mandiri, usulan Kementerian Sosial, dan usulan dinas sosial diverifikasi atau ditolak.",
    "failed_again_after_correction": "Penjaminan kualitas hanya untuk usulan yang gagal lagi setelah diperbaiki.",
    "has_nik_for_everyone": "Usulan ini belum dapat ditetapkan: masih ada orang tanpa NIK (NIK_PENDING).",
}


class AlreadyDecided(ValidationError):
    """A second, different decision on an item already decided (DESIGN.md §4)."""


def _by_name() -> dict[str, list]:
    by_name: dict[str, list] = {}
    for t in ProposalItem._meta.get_field("state").get_all_transitions(ProposalItem):
        by_name.setdefault(t.name, []).append(t)
    return by_name


TRANSITIONS = _by_name()


def check_reason(transition: str, reason: str) -> None:
    if transition in REASON_REQUIRED and not reason.strip():
        raise ValidationError({"reason": "Alasan wajib diisi untuk keputusan ini."})
