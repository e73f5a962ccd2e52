"""Where an item is: its path so far as a timeline, across stages, and where it waits now (issue 16,
docs/proposals.md "The timeline"). Built from the item's history rows only (who decided what, when,
why, at which stage), so every page that shows an item — the village's, the regency's review, the
province's and the ministry's — shows the same path from the same function and template
(templates/proposals/_timeline.html).

    proposal_item_timeline(*, user, item) -> Timeline   # empty steps for an item the user may not see
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from dtks.registry.fields import label
from dtks.registry.models import Finding

from .machine import STAGE, STAGE_LABELS, TRANSITION_LABELS
from .models import ProposalItem
from .selectors import proposal_item_history

S = ProposalItem.State

# Where an item in a state waits, and for whom: (stage, who acts next). A final state waits for no one.
WAITING: dict[str, tuple[str, Callable[[ProposalItem], str]]] = {
    S.DRAFT: ("proposal", lambda i: _("Desa/kelurahan: draf belum diajukan")),
    S.SUBMITTED: (
        "verification",
        lambda i: (
            _("Kementerian Sosial: verifikasi dan validasi")
            if i.verifier == ProposalItem.Verifier.MINISTRY
            else _("Dinas sosial kabupaten/kota: verifikasi dan validasi")
        ),
    ),
    S.RETURNED_TO_VILLAGE: ("proposal", lambda i: _("Desa/kelurahan: memperbaiki dan mengajukan kembali")),
    S.VERIFIED: ("verification", lambda i: _("Dinas sosial kabupaten/kota: pengesahan kepala dinas")),
    S.REGENCY_APPROVED: ("province", lambda i: _("Dinas sosial provinsi: diteruskan ke Kementerian Sosial")),
    S.FORWARDED: ("assessment", lambda i: _("Kementerian Sosial: penilaian kriteria integritas")),
    S.DISPUTED: ("quality_assurance", lambda i: _("Penjaminan kualitas: sanggahan menunggu keputusan")),
    S.RETURNED_TO_REGENCY: ("verification", lambda i: _("Dinas sosial kabupaten/kota: memperbaiki data")),
    S.IN_QA: ("quality_assurance", lambda i: _("Perguruan tinggi: penjaminan kualitas")),
    S.ACCEPTED: ("determination", lambda i: _("Kementerian Sosial: penetapan berikutnya")),
}


@dataclass
class Step:
    at: datetime
    transition: str
    label: str
    from_state: str
    to_state: str
    to_label: str
    stage: str
    stage_label: str
    actor: str
    reason: str
    overridden: list[str] = field(default_factory=list)
    rule_codes: list[str] = field(default_factory=list)  # the rules a return names (assessment)
    changed_fields: list[str] = field(default_factory=list)
    link: str = ""


@dataclass
class Timeline:
    created_at: datetime
    steps: list[Step]
    waiting_stage: str = ""  # the stage the item waits at now ("" when final)
    waiting_label: str = ""
    waiting_since: datetime | None = None

    @property
    def recorded_before(self) -> bool:
        """Whether the item was recorded before its first history row (a draft, shown as a first step)."""
        return not self.steps or bool(self.steps[0].from_state)

    @property
    def final(self) -> bool:
        return not self.waiting_stage


def _changed_fields(diff: dict) -> list[str]:
    """A correction's fields as the village reads them: "Alamat (Jl. A → Jl. B)" for the item's own
    fields (`content_diff`: {field: [old, new]}), and the members' label when persons changed."""
    shown = sorted(
        f"{label(k)} ({v[0] or '—'} → {v[1] or '—'})"
        if isinstance(v, list | tuple) and len(v) == 2
        else str(label(k))
        for k, v in diff.items()
        if k != "persons"
    )
    return shown + ([str(label("persons"))] if diff.get("persons") else [])


def _link(detail: dict) -> str:
    link = detail.get("link") or ""
    return link if link.startswith("/") and not link.startswith("//") else ""


def proposal_item_timeline(*, user, item: ProposalItem) -> Timeline:
    """The item's path so far, oldest first, and where it waits now (one query: its history rows
    through the user's scope)."""
    steps = []
    for h in proposal_item_history(user=user, item_id=item.pk):
        detail = h.detail or {}
        stage = detail.get("stage") or STAGE.get(h.transition, "proposal")
        steps.append(
            Step(
                at=h.at,
                transition=h.transition,
                label=str(TRANSITION_LABELS.get(h.transition, h.transition)),
                from_state=h.from_state,
                to_state=h.to_state,
                to_label=str(S(h.to_state).label) if h.to_state in S.values else h.to_state,
                stage=stage,
                stage_label=str(STAGE_LABELS.get(stage, "")),
                actor=h.actor_label,
                reason=h.reason,
                overridden=[Finding.rule_label(r) for r in (detail.get("overrides") or {})],
                rule_codes=[Finding.rule_label(r) for r in (detail.get("rule_codes") or [])],
                changed_fields=_changed_fields(detail.get("diff") or {}),
                link=_link(detail),
            )
        )
    timeline = Timeline(created_at=item.created_at, steps=steps)
    waiting = WAITING.get(item.state)
    if waiting is not None:
        timeline.waiting_stage = waiting[0]
        timeline.waiting_label = str(waiting[1](item))
        timeline.waiting_since = steps[-1].at if steps else item.created_at
    return timeline
