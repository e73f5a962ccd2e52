"""The ProposalItem machine's rules that the FSM graph (proposals/item/models.py) does not carry, and the
two steps both transition services apply to every item (proposals/item/transitions.py):

- `check(item, name, actor, overrides)`: may this actor take this decision on this item now? The
  state, the permission (role and region), the reason, the overrides and the conditions, in that
  order, so a wrong role or region is told so even when a condition also fails;
- `apply(item, name, reason, overrides, params)`: the FSM transition method in memory (its body is
  the transition's side effects), then the reason and the overrides. `EFFECT_FIELDS` are what it may
  change; the services write exactly those columns.

Everything a transition means is therefore written once: the graph, permission and side effects on
the model, the words and the stage here.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from dtks.accounts.models import Role

from .models import DECIDED_STATES, ProposalItem

S = ProposalItem.State

# The columns a transition may change (besides `updated_at`): its state, the side effects the model's
# transition methods set, the decision's reason and the overrides.
EFFECT_FIELDS = ("state", "last_reason", "overrides", "ever_returned_to_regency", "determined_period")

# The columns `check` and `apply` read besides the id: the effect columns, what the permissions look at
# (the village; whether the item is a transfer's arrival half, whose pair's village is read with it) and
# what the conditions look at. The bulk service reads only these; a rule reading another column still
# gets it, with one query per item.
READ_FIELDS = (
    *EFFECT_FIELDS,
    "kind",
    "channel",
    "verifier",
    "village_code",
    "pair_id",
    "target_family_id",
    "target_person_id",
    "findings",
)

# The lifecycle stage each transition belongs to (docs/design.md §1), written into every history row's
# `detail` so a village's item page can say who decided without importing that stage.
STAGE = {
    "submit": "proposal",
    "withdraw": "proposal",
    "supersede": "proposal",
    "resubmit": "proposal",
    "dispute_by_village": "proposal",
    "verify": "verification",
    "return_to_village": "verification",
    "reject": "verification",
    "reject_by_ministry": "verification",
    "accept_direct": "verification",
    "approve_in_submission": "verification",
    "correct_after_return": "verification",
    "forward": "province",
    "dispute_by_province": "province",
    "qa_accept": "quality_assurance",
    "qa_exclude": "quality_assurance",
    "qa_back_to_regency": "quality_assurance",
    "qa_in_accept": "quality_assurance",
    "qa_in_exclude": "quality_assurance",
    "qa_in_back_to_regency": "quality_assurance",
    "accept": "assessment",
    "return_to_regency": "assessment",
    "send_to_qa": "assessment",
    "determine": "determination",
    "refuse_at_determination": "determination",
}
STAGE_LABELS = {
    "proposal": _("Usulan"),
    "verification": _("Verifikasi dan validasi"),
    "province": _("Provinsi"),
    "quality_assurance": _("Penjaminan kualitas"),
    "assessment": _("Penilaian Kementerian Sosial"),
    "determination": _("Penetapan"),
}

# How a transition reads in the item's history and in messages ("Usulan #12 dikembalikan …").
TRANSITION_LABELS = {
    "create": _("dicatat"),
    "import": _("diimpor dari berkas"),
    "ministry_propose": _("diusulkan Kementerian Sosial"),
    "self_register": _("didaftarkan warga (pendaftaran mandiri)"),
    "correct": _("diperbaiki isinya oleh verifikator"),
    "submit": _("diajukan"),
    "resubmit": _("diajukan kembali setelah diperbaiki"),
    "withdraw": _("ditarik"),
    "supersede": _("diganti versi baru pendaftaran mandiri"),
    "dispute_by_village": _("disanggah desa/kelurahan"),
    "verify": _("diverifikasi"),
    "return_to_village": _("dikembalikan ke desa/kelurahan"),
    "reject": _("ditolak kabupaten/kota"),
    "reject_by_ministry": _("ditolak Kementerian Sosial"),
    "accept_direct": _("diterima Kementerian Sosial (diverifikasi sendiri)"),
    "approve_in_submission": _("disahkan kepala dinas sosial"),
    "correct_after_return": _("diperbaiki kabupaten/kota setelah dikembalikan"),
    "forward": _("diteruskan provinsi"),
    "dispute_by_province": _("disanggah provinsi"),
    "qa_accept": _("diterima setelah penjaminan kualitas"),
    "qa_exclude": _("dikeluarkan setelah penjaminan kualitas"),
    "qa_back_to_regency": _("dikembalikan ke kabupaten/kota setelah penjaminan kualitas"),
    "qa_in_accept": _("diterima setelah penjaminan kualitas"),
    "qa_in_exclude": _("dikeluarkan setelah penjaminan kualitas"),
    "qa_in_back_to_regency": _("dikembalikan ke kabupaten/kota setelah penjaminan kualitas"),
    "accept": _("diterima Kementerian Sosial"),
    "return_to_regency": _("dikembalikan Kementerian Sosial ke kabupaten/kota"),
    "send_to_qa": _("dikirim ke penjaminan kualitas"),
    "determine": _("ditetapkan"),
    "refuse_at_determination": _("dikembalikan ke kabupaten/kota saat penetapan"),
}

# Decisions that must say why: the village (or the regency) reads the reason in the item's history.
REASON_REQUIRED = frozenset(
    {
        "withdraw",
        "supersede",
        "return_to_village",
        "reject",
        "reject_by_ministry",
        "dispute_by_village",
        "dispute_by_province",
        "return_to_regency",
        "send_to_qa",
        "qa_accept",
        "qa_exclude",
        "qa_back_to_regency",
        "qa_in_accept",
        "qa_in_exclude",
        "qa_in_back_to_regency",
        "refuse_at_determination",
    }
)
CONDITION_MESSAGES = {
    "findings_cleared": "Usulan ini memiliki temuan integritas: isi alasan pengabaian (override) untuk memutuskannya.",
    "verified_by_regency": "Usulan ini diverifikasi oleh Kementerian Sosial, bukan oleh kabupaten/kota.",
    "verified_by_ministry": "Usulan ini diverifikasi oleh kabupaten/kota.",
    "proposed_by_village": "Hanya usulan musyawarah desa/kelurahan yang dapat dikembalikan ke desa/kelurahan; "
    "pendaftaran mandiri, usulan Kementerian Sosial, dan usulan dinas sosial diverifikasi atau ditolak.",
    "self_registered": "Hanya pendaftaran mandiri yang diganti oleh versi barunya.",
    "failed_again_after_correction": "Penjaminan kualitas hanya untuk usulan yang gagal lagi setelah diperbaiki.",
    "has_nik_for_everyone": "Usulan ini belum dapat ditetapkan: masih ada orang tanpa NIK (NIK_PENDING).",
}


@dataclass(frozen=True)
class Notice:
    """Whom a transition tells, through the core's inbox (dtks/core/notifications.py)."""

    role: str
    kind: str
    message: str  # with %(n)d: the number of items of one event


NOTIFY = {
    "return_to_village": Notice(
        Role.VILLAGE_OPERATOR,
        "returned_to_village",
        "%(n)d usulan dikembalikan dinas sosial untuk diperbaiki.",
    ),
    "reject": Notice(Role.VILLAGE_OPERATOR, "rejected", "%(n)d usulan ditolak dinas sosial kabupaten/kota."),
    "submit": Notice(
        Role.REGENCY_VERIFIER, "submitted", "%(n)d usulan baru diajukan dan menunggu verifikasi."
    ),
    "resubmit": Notice(
        Role.REGENCY_VERIFIER,
        "resubmitted",
        "%(n)d usulan diajukan kembali setelah diperbaiki desa/kelurahan.",
    ),
    "return_to_regency": Notice(
        Role.REGENCY_VERIFIER,
        "returned_to_regency",
        "%(n)d usulan dikembalikan Kementerian Sosial untuk diperbaiki.",
    ),
    "refuse_at_determination": Notice(
        Role.REGENCY_VERIFIER,
        "returned_to_regency",
        "%(n)d usulan dikembalikan saat penetapan untuk diperbaiki.",
    ),
    "qa_back_to_regency": Notice(
        Role.REGENCY_VERIFIER, "returned_to_regency", "%(n)d usulan dikembalikan setelah penjaminan kualitas."
    ),
    "qa_in_back_to_regency": Notice(
        Role.REGENCY_VERIFIER, "returned_to_regency", "%(n)d usulan dikembalikan setelah penjaminan kualitas."
    ),
}


class AlreadyDecided(ValidationError):
    """A second, different decision on an item already decided (docs/design.md §4)."""


class AlreadyDone(Exception):
    """The same decision again on an item already in its target state: a retry, harmless."""


def _by_name() -> dict[str, list]:
    by_name: dict[str, list] = {}
    for t in ProposalItem._meta.get_field("state").get_all_transitions(ProposalItem):
        by_name.setdefault(t.name, []).append(t)
    return by_name


TRANSITIONS = _by_name()
# Each transition's conditions by the state it leaves (one rule of a transition per source state).
CONDITIONS = {name: {t.source: tuple(t.conditions) for t in ts} for name, ts in TRANSITIONS.items()}


def roles_of(name: str) -> frozenset[str]:
    """The roles any rule of a transition lets act (the system actor's transitions have none)."""
    return frozenset().union(*(getattr(t.permission, "roles", frozenset()) for t in TRANSITIONS[name]))


def check_request(name: str, *, reason: str, overrides: Mapping[str, str] | None) -> None:
    """What can be refused before any item is read: an unknown decision, a missing reason, a blank
    override reason."""
    if name not in TRANSITIONS:
        raise ValidationError({"transition": f"Transisi tidak dikenal: {name}."})
    if name in REASON_REQUIRED and not (reason or "").strip():
        raise ValidationError({"reason": "Alasan wajib diisi untuk keputusan ini."})
    for rule, text in (overrides or {}).items():
        if not str(text or "").strip():
            raise ValidationError({f"overrides.{rule}": f"Isi alasan pengabaian temuan {rule}."})


def check(item: ProposalItem, name: str, actor, *, overrides: Mapping[str, str] | None = None) -> None:
    """Refuses this decision on this item now: AlreadyDone for a retry, AlreadyDecided,
    ValidationError (state, overrides, conditions) or PermissionDenied. Nothing is written; the given
    overrides are merged into the item in memory, as the conditions must see them."""
    method = getattr(item, name)
    if not can_proceed(method, check_conditions=False):
        if item.state in {t.target for t in TRANSITIONS[name]}:
            raise AlreadyDone
        if item.state in DECIDED_STATES:
            raise AlreadyDecided(
                f"Usulan ini sudah diputuskan ({item.get_state_display()}).", code="already_decided"
            )
        raise ValidationError(
            f"Keputusan ini tidak berlaku untuk usulan berstatus {item.get_state_display()}.",
            code="invalid_state",
        )
    state = item.state
    # django_fsm.has_transition_perm also requires the conditions; permission is checked on its own
    # first so that a wrong role or region is told so even when a condition also fails.
    if not method._django_fsm.has_transition_perm(item, state, actor):
        raise PermissionDenied("Peran atau wilayah Anda tidak berhak mengambil keputusan ini.")
    if overrides:
        found = {f.get("rule") for f in item.findings or []}
        unknown = sorted(set(overrides) - found)
        if unknown:
            raise ValidationError(
                {
                    "overrides": f"Usulan ini tidak memiliki temuan {', '.join(unknown)}; abaikan hanya temuan yang ada."
                }
            )
    # The overrides given now count for the conditions (the item is changed in memory only).
    item.overrides = _merged_overrides(item, overrides)
    failed = [c.__name__ for c in CONDITIONS[name].get(state, ()) if not c(item)]
    if failed:
        raise ValidationError([CONDITION_MESSAGES.get(n, n) for n in failed], code="condition")


def _merged_overrides(item: ProposalItem, overrides: Mapping[str, str] | None) -> dict[str, str]:
    return {**(item.overrides or {}), **{k: str(v).strip() for k, v in (overrides or {}).items()}}


def apply(
    item: ProposalItem,
    name: str,
    *,
    reason: str = "",
    overrides: Mapping[str, str] | None = None,
    params: Mapping | None = None,
) -> str:
    """Runs the transition on the item in memory (after `check`); returns the state it left."""
    from_state = item.state
    item.overrides = _merged_overrides(item, overrides)
    getattr(item, name)(**(params or {}))
    if reason.strip():
        item.last_reason = reason.strip()
    return from_state


def history_detail(name: str, *, overrides: Mapping[str, str] | None, detail: Mapping | None) -> dict:
    """The structured `detail` of a decision's history row: its stage, the rules it overrode, and
    whatever the deciding stage adds (its decision's id, rule codes, a link)."""
    out = {"stage": STAGE.get(name, "proposal")}
    if overrides:
        out["overrides"] = {k: str(v).strip() for k, v in overrides.items()}
    out.update(detail or {})
    return out
