"""The verification stage's writes (docs/design.md §3): the regency verifier's decision on one item
and on many. Each calls the `proposals.item` services for the item's content and state — the only
writers of an item — and writes its own record (`VervalDecision`, `BulkDecision`) in the same
transaction. A bulk decision's status changes only through its transitions (`verval_bulk_step`),
each with an audit row."""

from collections.abc import Iterable, Mapping
from contextlib import suppress

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Func, JSONField, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from dtks.accounts.models import Role
from dtks.audit.services import audit_record
from dtks.core.idempotency import idempotency_claim
from dtks.core.lookups import int_array
from dtks.core.notifications import notify_many
from dtks.registry.models import Finding
from proposals.item import (
    DECIDED_STATES,
    AlreadyDecided,
    ProposalItem,
    ProposalItemHistory,
    proposal_item_correct,
    proposal_item_transition,
    proposal_items_bulk_transition,
    proposal_items_visible_to,
)

from .models import (
    RETURNED_DECISIONS,
    TRANSITION_OF,
    BulkDecision,
    DecisionKind,
    RejectReason,
    VervalDecision,
)
from .selectors import TAB_QUEUE, VERVAL, Queue, QueueFilters, items_to_decide

# Above this many items a bulk decision runs as a Celery task, in chunks of BULK_CHUNK items, each
# its own transaction with one progress update of the job row.
BULK_ASYNC_THRESHOLD = 500
BULK_CHUNK = 2000
# Decisions that may be taken on many items at once (a correction is one item's business).
BULK_DECISIONS = (DecisionKind.VERIFY, DecisionKind.RETURN, DecisionKind.REJECT)
HAS_FINDINGS = "memiliki temuan integritas; putuskan satu per satu dengan alasan pengabaian"
FILTER_REFUSED = "Nilai saringan ini tidak dikenal; saring ulang di halaman antrean, lalu putuskan lagi."
FILTER_NUMBER = (
    "NIK atau nomor KK bukan saringan keputusan massal; cari dengan formulir Cari NIK atau nomor KK."
)
FILTER_TAB = "Keputusan massal hanya untuk usulan di tab Antrean keputusan."
# A bulk decision's run is a system step (the items' own transitions are the verifier's).
SYSTEM_ACTOR = "sistem:verval"
# The audit action of each transition of a bulk decision (models.BulkDecision).
BULK_ACTIONS = {"start": "verval.bulk_start", "finish": "verval.bulk_done", "fail": "verval.bulk_failed"}


class ItemNotFound(ObjectDoesNotExist):
    """The item does not exist or is outside the actor's scope (callers answer 404)."""


def _clean_request(
    *, decision: str, reason: str, reason_code: str, note: str, bulk: bool = False
) -> tuple[str, str]:
    """Refuses bad input before anything is read; returns (decision, the reason the village reads)."""
    errors: dict[str, str] = {}
    allowed = BULK_DECISIONS if bulk else DecisionKind.values
    if decision not in allowed:
        errors["decision"] = (
            "Pilih keputusan: " + ", ".join(str(DecisionKind(d).label) for d in allowed) + "."
        )
    reason = (reason or "").strip()
    if len(reason) > 2000:
        errors["reason"] = "Alasan paling panjang 2.000 karakter."
    if len(note or "") > 4000:
        errors["note"] = "Catatan paling panjang 4.000 karakter."
    if decision == DecisionKind.RETURN and not reason:
        errors["reason"] = "Tulis alasan pengembalian; desa/kelurahan membacanya untuk memperbaiki usulan."
    if decision == DecisionKind.REJECT:
        if reason_code not in RejectReason.values:
            errors["reason_code"] = "Pilih alasan penolakan dari daftar."
        elif reason_code == RejectReason.OTHER and not reason:
            errors["reason"] = "Tulis alasan penolakan untuk pilihan Lainnya."
    elif reason_code:
        errors["reason_code"] = "Kode alasan hanya untuk keputusan Tolak."
    if errors:
        raise ValidationError(errors)
    if decision == DecisionKind.REJECT:
        label = str(RejectReason(reason_code).label)
        reason = f"{label}: {reason}" if reason else label
    return decision, reason


def clean_overrides(overrides) -> dict[str, str]:
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ValidationError({"overrides": "Alasan pengabaian berupa pasangan aturan dan alasan."})
    out = {}
    for rule, text in overrides.items():
        text = "" if text is None else str(text).strip()
        if len(text) > 2000:
            raise ValidationError({f"overrides.{rule}": "Alasan pengabaian paling panjang 2.000 karakter."})
        if text:
            out[str(rule)] = text
    return out


def missing_overrides(item: ProposalItem, overrides: Mapping[str, str]) -> list[str]:
    """The rules found on the item that neither the item nor this decision gives a reason for."""
    given = {**(item.overrides or {}), **overrides}
    rules = []
    for f in item.findings or []:
        rule = f.get("rule")
        if rule and not str(given.get(rule, "")).strip() and rule not in rules:
            rules.append(rule)
    return rules


def refuse_missing_overrides(rules: list[str], *, to: str = "memverifikasi") -> None:
    raise ValidationError(
        {
            f"overrides.{rule}": f"Usulan ini memiliki temuan {Finding.rule_label(rule)} ({rule}); "
            f"tulis alasan pengabaiannya untuk {to}."
            for rule in rules
        }
    )


def locked_item(item_id: int, actor) -> ProposalItem:
    if not proposal_items_visible_to(user=actor).filter(pk=item_id).exists():
        raise ItemNotFound("Usulan tidak ditemukan.")
    # Locked before anything is decided: a second verifier waits here, then reads the first's state.
    return ProposalItem.objects.select_for_update(no_key=True, of=("self",)).get(pk=item_id)


def _refuse_decided(item: ProposalItem, decision: str) -> None:
    if item.state == ProposalItem.State.RETURNED_TO_REGENCY:
        if decision not in RETURNED_DECISIONS:
            raise ValidationError(
                {
                    "decision": "Usulan yang dikembalikan Kementerian Sosial diperbaiki lalu diverifikasi lagi: "
                    "pilih Verifikasi sesuai usulan atau Verifikasi dengan perbaikan."
                },
                code="invalid_state",
            )
        return
    if item.state in DECIDED_STATES:
        raise AlreadyDecided(
            f"Usulan #{item.pk} sudah diputuskan ({item.get_state_display()}).", code="already_decided"
        )
    if item.state != ProposalItem.State.SUBMITTED:
        raise ValidationError(
            f"Hanya usulan berstatus Diajukan yang diputuskan di sini (sekarang {item.get_state_display()}).",
            code="invalid_state",
        )


def transition_of(item: ProposalItem, decision: str) -> str:
    """The item machine's transition a decision fires on this item."""
    if item.state == ProposalItem.State.RETURNED_TO_REGENCY:
        return "correct_after_return"
    return TRANSITION_OF[decision]


def _corrections(corrections) -> tuple[dict | None, list[dict]]:
    if not isinstance(corrections, Mapping) or not isinstance(corrections.get("persons"), list):
        raise ValidationError({"corrections": "Isi perbaikan: data keluarga dan daftar anggota."})
    family = corrections.get("family")
    if family is not None and not isinstance(family, Mapping):
        raise ValidationError({"corrections.family": "Data keluarga tidak terbaca."})
    persons = corrections["persons"]
    if not all(isinstance(p, Mapping) for p in persons):
        raise ValidationError({"corrections.persons": "Data anggota tidak terbaca."})
    return (dict(family) if family is not None else None), [dict(p) for p in persons]


def _prefixed(exc: ValidationError, prefix: str) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(
            {
                (prefix if key == "__all__" else f"{prefix}.{key}"): errors
                for key, errors in exc.error_dict.items()
            }
        )
    return ValidationError({prefix: exc.messages})


def _notify_corrected(item: ProposalItem, actor) -> None:
    # The village is told its proposal was verified with changes, and where to read them.
    if getattr(actor, "role", None) == Role.VILLAGE_OPERATOR:
        return
    notify_many(
        [
            {
                "role": Role.VILLAGE_OPERATOR,
                "region_code": item.village_code,
                "kind": "verified_corrected",
                "message": f"Usulan #{item.pk} diverifikasi dinas sosial dengan perbaikan; lihat perubahannya.",
                "url": reverse("proposals:item", args=[item.pk]),
                "count": 1,
            }
        ]
    )


@transaction.atomic
def verval_decide(
    *,
    item_id: int,
    decision: str,
    actor,
    reason: str = "",
    reason_code: str = "",
    note: str = "",
    overrides: Mapping[str, str] | None = None,
    corrections: Mapping | None = None,
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> VervalDecision:
    """The regency verifier's decision on one item, in one transaction: for a verification with
    corrections the corrected content first (`proposal_item_correct`: the diff goes into the item's
    history), then the machine's transition with the overrides, and the decision's record.

    Refusals: ItemNotFound (out of scope), AlreadyDecided (someone decided first), PermissionDenied
    (role or region), ValidationError naming the fields (input, missing override reasons, state)."""
    decision, village_reason = _clean_request(
        decision=decision, reason=reason, reason_code=reason_code, note=note
    )
    overrides = clean_overrides(overrides)
    fingerprint = f"{item_id}:{decision}"
    claim = idempotency_claim(
        scope="verval.decide", actor=actor, key=idempotency_key, fingerprint=fingerprint
    )
    if claim.replayed:
        return VervalDecision.objects.get(pk=claim.object_id)
    item = locked_item(item_id, actor)
    _refuse_decided(item, decision)
    transition = transition_of(item, decision)
    diff: dict = {}
    if decision == DecisionKind.VERIFY_CORRECTED:
        family, persons = _corrections(corrections)
        try:
            item = proposal_item_correct(
                item_id=item.pk, actor=actor, family=family, persons=persons, reason=village_reason, ip=ip
            )
        except ValidationError as exc:
            raise _prefixed(exc, "corrections") from exc
        row = (
            ProposalItemHistory.objects.filter(item_id=item.pk, transition="correct")
            .order_by("-pk")
            .values_list("detail", flat=True)
            .first()
        )
        diff = (row or {}).get("diff") or {}
    elif corrections:
        raise ValidationError({"corrections": "Perbaikan hanya untuk keputusan Verifikasi dengan perbaikan."})
    if transition in ("verify", "correct_after_return"):
        missing = missing_overrides(item, overrides)
        if missing:
            refuse_missing_overrides(missing)
        found = {f.get("rule") for f in item.findings or []}
        unknown = sorted(set(overrides) - found)
        if unknown:
            raise ValidationError(
                {f"overrides.{rule}": f"Usulan ini tidak memiliki temuan {rule}." for rule in unknown}
            )
    elif overrides:
        raise ValidationError({"overrides": "Alasan pengabaian hanya untuk keputusan verifikasi."})
    record = VervalDecision.objects.create(
        item=item,
        decision=decision,
        reason=village_reason,
        reason_code=reason_code or "",
        note=(note or "").strip(),
        overrides=overrides,
        diff=diff,
        decided_by=actor,
    )
    detail = {"verval_decision": record.pk, "decision": decision}
    if reason_code:
        detail["reason_code"] = reason_code
    proposal_item_transition(
        item_id=item.pk,
        transition=transition,
        actor=actor,
        reason=village_reason,
        overrides=overrides or None,
        detail=detail,
        ip=ip,
    )
    if decision == DecisionKind.VERIFY_CORRECTED:
        _notify_corrected(item, actor)
    claim.answer(record.pk)
    return record


# ---- many items -----------------------------------------------------------------------------------


def filter_result(
    actor, filters: Mapping, *, queue: Queue = VERVAL, tab: str = TAB_QUEUE, tab_message: str = ""
) -> QuerySet:
    """A queue's rows for its filter parameters (`queue.filter_params`: a form's POST, the API's
    `filter`), parsed and applied as the queue does; a value the queue would drop is refused, as is
    another tab than the one the bulk decision applies to (`tab`)."""
    f = QueueFilters.parse(filters, queue=queue)
    errors = {f"filter.{name}": FILTER_REFUSED for name in f.dropped(filters)}
    if "nomor" in f.errors:
        errors["filter.q"] = FILTER_NUMBER
    if f.tab != tab:
        errors["filter.tab"] = tab_message or FILTER_TAB
    if errors:
        raise ValidationError(errors)
    return items_to_decide(user=actor, filters=f)


def ids_of(actor, item_ids: Iterable[int] | None, filters: Mapping | None, **queue) -> list[int]:
    """The items a bulk decision takes: the given ids (checked as numbers; the bulk service reads them
    through the actor's scope) or the whole result of `filters` (`filter_result`, `queue` its options)."""
    if (item_ids is None) == (filters is None):
        raise ValidationError({"item_ids": "Pilih usulan: daftar nomor usulan atau hasil saringan."})
    if filters is not None:
        return list(filter_result(actor, filters, **queue).order_by("pk").values_list("pk", flat=True))
    try:
        ids = sorted({int(i) for i in item_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"item_ids": "Nomor usulan harus berupa angka."}) from exc
    if any(i <= 0 or i >= 2**63 for i in ids):
        raise ValidationError({"item_ids": "Nomor usulan di luar jangkauan."})
    return ids


def unresolved_findings(item: ProposalItem) -> str | None:
    """A bulk verval decision takes only items without findings, or whose every finding has a recorded
    reason; the others are decided one by one (a `refuse` rule of the bulk-transition service, checked
    on the locked row before the machine's rules)."""
    given = item.overrides or {}
    if any(not str(given.get(f.get("rule"), "")).strip() for f in item.findings or []):
        return HAS_FINDINGS
    return None


def verval_decide_bulk(
    *,
    actor,
    decision: str,
    item_ids: Iterable[int] | None = None,
    filters: Mapping | None = None,
    reason: str = "",
    reason_code: str = "",
    note: str = "",
    ip: str | None = None,
    idempotency_key: str | None = None,
) -> BulkDecision:
    """One decision on a selection (`item_ids`) or on the whole result of the queue's filters
    (`filters`: its query-string parameters, every page), through the item machine's bulk-transition
    service. Only items without findings are decided; the others are reported with the reason
    (`skipped`). Up to BULK_ASYNC_THRESHOLD items are decided at once; more run as a Celery task whose
    progress the returned `BulkDecision` carries."""
    decision, village_reason = _clean_request(
        decision=decision, reason=reason, reason_code=reason_code, note=note, bulk=True
    )
    if getattr(actor, "role", None) != Role.REGENCY_VERIFIER:
        raise PermissionDenied("Hanya verifikator kabupaten/kota yang memutuskan usulan.")
    ids = ids_of(actor, item_ids, filters)
    if not ids:
        raise ValidationError({"item_ids": "Pilih paling sedikit satu usulan."})
    with transaction.atomic():
        claim = idempotency_claim(
            scope="verval.decide_bulk",
            actor=actor,
            key=idempotency_key,
            fingerprint=f"{decision}:{len(ids)}:{ids[0]}:{ids[-1]}",
        )
        if claim.replayed:
            return BulkDecision.objects.get(pk=claim.object_id)
        job = BulkDecision.objects.create(
            decision=decision,
            reason=village_reason,
            reason_code=reason_code or "",
            note=(note or "").strip(),
            item_ids=ids,
            total=len(ids),
            region_code=getattr(actor, "region_code", "") or "",
            ip=ip,
            created_by=actor,
        )
        claim.answer(job.pk)
        if len(ids) > BULK_ASYNC_THRESHOLD:
            from .tasks import bulk_decide

            bulk_decide.delay_on_commit(job.pk)
            return job
    verval_bulk_run(bulk_id=job.pk)
    job.refresh_from_db()
    return job


def _decide_chunk(job: BulkDecision, ids: list[int], actor) -> tuple[list[int], dict[int, str]]:
    detail = {"bulk_decision": job.pk, "decision": job.decision}
    if job.reason_code:
        detail["reason_code"] = job.reason_code
    # Every id comes back changed or skipped with its reason (out of scope: "tidak ditemukan").
    result = proposal_items_bulk_transition(
        item_ids=ids,
        transition=TRANSITION_OF[job.decision],
        actor=actor,
        reason=job.reason,
        detail=detail,
        ip=job.ip,
        refuse=unresolved_findings,
    )
    changed = list(result.changed)
    _write_decisions(job, changed, actor)
    return changed, dict(result.skipped)


_DECISIONS_SQL = """
INSERT INTO verification_vervaldecision
    (item_id, decision, reason, reason_code, note, overrides, diff, bulk_id, decided_by_id, decided_at)
SELECT u.item_id, %s, %s, %s, %s, '{}'::jsonb, '{}'::jsonb, %s, %s, %s
FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(item_id, n)
ORDER BY u.n
"""


def _write_decisions(job: BulkDecision, item_ids: list[int], actor) -> None:
    """The `VervalDecision` rows of a chunk's changed items, in their order, in one `INSERT … SELECT`
    (the rows `bulk_create` would write: no overrides, no diff, one decision time)."""
    if not item_ids:
        return
    params = [
        job.decision,
        job.reason,
        job.reason_code,
        job.note,
        job.pk,
        actor.pk,
        timezone.now(),
        int_array(item_ids),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_DECISIONS_SQL, params)


class _JsonbConcat(Func):
    """`a || b` on jsonb: appends to an array, merges into an object (the right side's keys win)."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = JSONField()


def verval_bulk_step(*, bulk_id: int, transition: str, **fields) -> BulkDecision:
    """One transition of a bulk decision's status (`transition`, a name in BULK_ACTIONS), the row
    locked, with `fields` saved in the same UPDATE and its audit row (the system actor), in one
    transaction. TransitionNotAllowed from a state the machine does not leave that way."""
    action = BULK_ACTIONS[transition]
    with transaction.atomic():
        job = BulkDecision.objects.select_for_update().get(pk=bulk_id)
        before = job.status
        getattr(job, transition)()
        for name, value in fields.items():
            setattr(job, name, value)
        job.save(update_fields=["status", *fields])
        audit_record(
            actor=SYSTEM_ACTOR,
            action=action,
            object_type="verification.bulk_decision",
            object_id=job.pk,
            region_code=job.region_code,
            detail={"from": before, "to": job.status, "decision": job.decision, "total": job.total,
                    "done": job.done},
        )  # fmt: skip
    return job


def verval_bulk_run(*, bulk_id: int) -> None:
    """Decides a bulk decision's items chunk by chunk, each chunk its own transaction, recording the
    progress; a rerun continues after the last chunk written. Of two runs at once, the first to
    finish (or fail) sets the outcome."""
    job = BulkDecision.objects.select_related("created_by").get(pk=bulk_id)
    if not job.running:
        return
    actor = job.created_by
    if job.status == BulkDecision.Status.PENDING:
        with suppress(TransitionNotAllowed):  # another run started it
            verval_bulk_step(bulk_id=job.pk, transition="start")
    try:
        for start in range(job.done, len(job.item_ids), BULK_CHUNK):
            ids = job.item_ids[start : start + BULK_CHUNK]
            with transaction.atomic():
                # Lock the job row (a rerun waits here) and read only its progress; then one UPDATE
                # appends the chunk's outcome in the database instead of rewriting the lists.
                done = BulkDecision.objects.select_for_update().values_list("done", flat=True).get(pk=job.pk)
                if done > start:
                    continue
                changed, skipped = _decide_chunk(job, ids, actor)
                BulkDecision.objects.filter(pk=job.pk).update(
                    changed=_JsonbConcat(F("changed"), Value(changed, output_field=JSONField())),
                    skipped=_JsonbConcat(
                        F("skipped"),
                        Value({str(k): v for k, v in skipped.items()}, output_field=JSONField()),
                    ),
                    done=start + len(ids),
                )
    except Exception as exc:
        messages = getattr(exc, "messages", None) or ["Keputusan massal gagal; coba lagi."]
        with suppress(TransitionNotAllowed):  # another run finished it first
            verval_bulk_step(
                bulk_id=job.pk, transition="fail", error_message=messages[0], finished_at=timezone.now()
            )
        if not isinstance(exc, ValidationError):
            raise
        return
    with suppress(TransitionNotAllowed):  # another run finished it first
        verval_bulk_step(bulk_id=job.pk, transition="finish", finished_at=timezone.now())
