"""The ministry's assessment (issue 16, docs/determination.md "Assessment"): the queue of items the
province forwarded and of the items the ministry verifies itself, and the data officer's decisions.

The queue is the verval queue's machinery (verification/selectors.py: `Queue`) with its own rows and
tabs — the same filters, counts, keyset paging, NIK/KK search (POST only), review and export:

- tab `penilaian`: items the provinces forwarded (`forwarded`), assessed against the integrity
  criteria after the engine ran again on them (determination/tasks.py);
- tab `verval`: self-registrations and ministry proposals the ministry verifies itself (`submitted`
  with the ministry as verifier).

Decisions go through the item's public interface (`proposals.item`): one item with
`assessment_decide`, many with `assessment_accept_bulk` (the one bulk-transition service). Each writes
an `Assessment` row beside the item's history and audit rows, in the same transaction.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dtks.accounts.models import Role
from dtks.accounts.scope import scoped_selector
from dtks.core.idempotency import idempotency_claim
from dtks.registry.models import Finding
from proposals.item import (
    DECIDED_STATES,
    AlreadyDecided,
    ProposalItem,
    proposal_item_transition,
    proposal_items_bulk_transition,
    proposal_items_visible_to,
)
from verification.selectors import Queue, QueueFilters, queue_rows
from verification.services import (
    HAS_FINDINGS,
    clean_overrides,
    ids_of,
    locked_item,
    missing_overrides,
    refuse_missing_overrides,
)

from .models import (
    ACCEPTING,
    FORWARDED_DECISIONS,
    OWN_DECISIONS,
    TRANSITION_OF,
    Assessment,
    AssessmentDecision,
)

S = ProposalItem.State
TAB_ASSESS = "penilaian"
TAB_OWN = "verval"
FORWARDED_Q = Q(state=S.FORWARDED)
OWN_Q = Q(state=S.SUBMITTED, verifier=ProposalItem.Verifier.MINISTRY)
# A bulk acceptance runs in the request, in chunks of this many items (each its own transaction); a
# larger selection is refused with the advice to narrow the filter.
BULK_CHUNK = 2000
BULK_MAX = 10_000
NOTE_MAX = 4000
NOTE_REQUIRED = {
    AssessmentDecision.SEND_TO_QA: "Tulis alasan pengiriman ke penjaminan kualitas.",
    AssessmentDecision.REJECT: "Tulis alasan penolakan; kabupaten/kota dan pendaftar membacanya.",
}


@scoped_selector
def assessment_items_visible_to(*, user) -> QuerySet[ProposalItem]:
    """Every item the ministry decides now, in both tabs, in the user's scope."""
    return proposal_items_visible_to(user=user).filter(FORWARDED_Q | OWN_Q)


ASSESSMENT = Queue(
    items=assessment_items_visible_to,
    tabs={TAB_ASSESS: FORWARDED_Q, TAB_OWN: OWN_Q},
    region_param="wilayah",
    region_len=4,  # a national queue is filtered and counted by regency
)


@scoped_selector
def assessment_queue_visible_to(*, user, filters: QueueFilters | None = None) -> QuerySet[ProposalItem]:
    """The assessment queue's rows in the user's scope with `filters` applied."""
    return queue_rows(user=user, filters=filters or QueueFilters(queue=ASSESSMENT))


@scoped_selector
def assessments_of_item(*, user, item_id: int) -> QuerySet[Assessment]:
    """The ministry's decisions on one item the user may see, newest first."""
    items = proposal_items_visible_to(user=user).filter(pk=item_id)
    return Assessment.objects.filter(item__in=items).select_related("decided_by").order_by("-decided_at")


# ---- one item ------------------------------------------------------------------------------------------


def _clean(decision: str, note: str, rule_codes, overrides) -> tuple[str, list[str], dict[str, str]]:
    errors: dict[str, str] = {}
    if decision not in AssessmentDecision.values:
        errors["decision"] = "Pilih keputusan: " + ", ".join(str(d.label) for d in AssessmentDecision) + "."
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = "Catatan paling panjang 4.000 karakter."
    if not isinstance(rule_codes, list | tuple) or not all(isinstance(r, str) for r in rule_codes):
        errors["rule_codes"] = "Kriteria berupa daftar kode aturan."
        rule_codes = []
    codes = sorted({r.strip() for r in rule_codes if r.strip()})
    unknown = [r for r in codes if r not in Finding.Rule.values]
    if unknown:
        errors["rule_codes"] = f"Kode aturan tidak dikenal: {', '.join(unknown)}."
    if decision == AssessmentDecision.RETURN:
        if not codes and "rule_codes" not in errors:
            errors["rule_codes"] = "Pilih paling sedikit satu kriteria yang tidak terpenuhi."
        if not note:
            errors["note"] = "Tulis catatan untuk kabupaten/kota: apa yang harus diperbaiki."
    elif codes:
        errors["rule_codes"] = "Kode aturan hanya untuk keputusan Kembalikan ke kabupaten/kota."
    if decision in NOTE_REQUIRED and not note:
        errors["note"] = NOTE_REQUIRED[decision]
    overrides = clean_overrides(overrides)
    if overrides and decision not in ACCEPTING:
        errors["overrides"] = "Alasan pengabaian hanya untuk keputusan menerima."
    if errors:
        raise ValidationError(errors)
    return note, codes, overrides


def _refuse_state(item: ProposalItem, decision: str) -> None:
    wanted_own = decision in OWN_DECISIONS
    in_own = item.state == S.SUBMITTED and item.verifier == ProposalItem.Verifier.MINISTRY
    if (item.state == S.FORWARDED and not wanted_own) or (in_own and wanted_own):
        return
    if item.state in DECIDED_STATES:
        raise AlreadyDecided(
            f"Usulan #{item.pk} sudah diputuskan ({item.get_state_display()}).", code="already_decided"
        )
    if item.state == S.FORWARDED or in_own:
        choices = FORWARDED_DECISIONS if item.state == S.FORWARDED else OWN_DECISIONS
        raise ValidationError(
            {"decision": "Untuk usulan ini pilih: " + ", ".join(str(d.label) for d in choices) + "."},
            code="invalid_state",
        )
    raise ValidationError(
        f"Usulan #{item.pk} tidak sedang menunggu penilaian Kementerian Sosial ({item.get_state_display()}).",
        code="invalid_state",
    )


@transaction.atomic
def assessment_decide(
    *,
    item_id: int,
    decision: str,
    actor,
    note: str = "",
    rule_codes: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> Assessment:
    """A ministry data officer's decision on one item, in one transaction: the `Assessment` row and the
    machine's transition (history and audit rows, the regency notified on a return).

    Refusals: verification.services.ItemNotFound (out of scope), AlreadyDecided (someone decided
    first), PermissionDenied (role), ValidationError naming the fields (input, missing override reasons,
    state, the machine's conditions — e.g. quality assurance only for an item failing again after a
    correction)."""
    note, codes, overrides = _clean(decision, note, list(rule_codes or ()), overrides)
    if getattr(actor, "role", None) != Role.MINISTRY_DATA_OFFICER:
        raise PermissionDenied("Hanya petugas Pusdatin Kementerian Sosial yang menilai usulan.")
    claim = idempotency_claim(
        scope="assessment.decide", actor=actor, key=idempotency_key, fingerprint=f"{item_id}:{decision}"
    )
    if claim.replayed:
        return Assessment.objects.get(pk=claim.object_id)
    item = locked_item(item_id, actor)
    _refuse_state(item, decision)
    if decision in ACCEPTING:
        missing = missing_overrides(item, overrides)
        if missing:
            refuse_missing_overrides(missing, to="menerima")
        found = {f.get("rule") for f in item.findings or []}
        unknown = sorted(set(overrides) - found)
        if unknown:
            raise ValidationError(
                {f"overrides.{rule}": f"Usulan ini tidak memiliki temuan {rule}." for rule in unknown}
            )
    record = Assessment.objects.create(
        item=item,
        decision=decision,
        rule_codes=codes,
        note=note,
        overrides=overrides,
        findings=item.findings or [],
        decided_by=actor,
    )
    detail: dict = {"assessment": record.pk, "decision": decision}
    if codes:
        detail["rule_codes"] = codes
    proposal_item_transition(
        item_id=item.pk,
        transition=TRANSITION_OF[decision],
        actor=actor,
        reason=note,
        overrides=overrides or None,
        detail=detail,
        ip=ip,
    )
    claim.answer(record.pk)
    return record


# ---- many items ----------------------------------------------------------------------------------------


@dataclass
class BulkAcceptance:
    key: str
    total: int = 0
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _any_finding(item: ProposalItem) -> str | None:
    """The bulk acceptance's rule on each locked row: an item with any finding — even one the regency
    overrode — is accepted one by one, with the ministry's own reason."""
    return HAS_FINDINGS if item.findings else None


_ASSESSMENTS_SQL = """
INSERT INTO determination_assessment
    (item_id, decision, rule_codes, note, overrides, findings, bulk_key, decided_by_id, decided_at)
SELECT u.item_id, %s, '[]'::jsonb, '', '{}'::jsonb, i.findings, %s, %s, %s
FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(item_id, n)
JOIN proposals_proposalitem i ON i.id = u.item_id
ORDER BY u.n
"""


def assessment_accept_bulk(
    *,
    actor,
    item_ids: Iterable[int] | None = None,
    filters: Mapping | None = None,
    ip: str | None = None,
) -> BulkAcceptance:
    """Accepts many forwarded items at once: a selection (`item_ids`) or the whole result of the
    assessment tab's filters (`filters`, its query-string parameters). Items with any finding — even
    one the regency overrode — are skipped with the reason (the data officer decides them one by one,
    with an override reason per finding); the rest go through the
    bulk-transition service in chunks, each chunk one transaction with its `Assessment` rows."""
    if getattr(actor, "role", None) != Role.MINISTRY_DATA_OFFICER:
        raise PermissionDenied("Hanya petugas Pusdatin Kementerian Sosial yang menilai usulan.")
    ids = ids_of(
        actor,
        item_ids,
        filters,
        queue=ASSESSMENT,
        tab=TAB_ASSESS,
        tab_message="Penerimaan massal hanya untuk usulan di tab Penilaian.",
    )
    if not ids:
        raise ValidationError({"item_ids": "Pilih paling sedikit satu usulan."})
    if len(ids) > BULK_MAX:
        raise ValidationError(
            {
                "item_ids": f"Paling banyak {BULK_MAX:,} usulan sekaligus; saring lebih sempit.".replace(
                    ",", "."
                )
            }
        )
    result = BulkAcceptance(key=uuid.uuid4().hex, total=len(ids))
    for start in range(0, len(ids), BULK_CHUNK):
        with transaction.atomic():
            done = proposal_items_bulk_transition(
                item_ids=ids[start : start + BULK_CHUNK],
                transition="accept",
                actor=actor,
                detail={"bulk_acceptance": result.key, "decision": AssessmentDecision.ACCEPT},
                ip=ip,
                refuse=_any_finding,
            )
            result.skipped.update(done.skipped)
            changed = list(done.changed)
            result.changed.extend(changed)
            if changed:
                with connection.cursor() as cursor:
                    cursor.execute(
                        _ASSESSMENTS_SQL,
                        [AssessmentDecision.ACCEPT, result.key, actor.pk, timezone.now(), changed],
                    )
    return result
