"""Stage 1 — the musyawarah desa/kelurahan (docs/design.md §1.1): recorded by the village operator,
held once its minutes are uploaded, submitted with its draft items (one bulk transition)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from dtks.accounts.scope import region_q
from dtks.audit.services import audit_record
from dtks.core.documents import document_check, document_name
from dtks.core.idempotency import idempotency_claim
from proposals.item.models import ProposalItem
from proposals.item.transitions import BulkResult, proposal_items_bulk_transition

from .models import Musyawarah


@transaction.atomic
def musyawarah_hold(*, musyawarah_id: int, actor, ip: str | None = None):
    """Draft → held: the minutes are uploaded (the caller stored the file on the row)."""

    m = Musyawarah.objects.select_for_update(no_key=True).get(pk=musyawarah_id)
    if not can_proceed(m.hold, check_conditions=False):
        raise ValidationError("Musyawarah ini sudah tercatat terlaksana.")
    if not m.hold._django_fsm.has_transition_perm(m, m.state, actor):
        raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat mencatat musyawarah.")
    if not can_proceed(m.hold):
        raise ValidationError({"minutes": "Unggah notulen musyawarah (PDF atau gambar) terlebih dahulu."})
    m.hold()
    m.save()
    audit_record(
        actor=actor,
        action="musyawarah.hold",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=ip,
    )
    return m


def musyawarah_submit_check(m: Musyawarah, *, actor, drafts: int) -> None:
    """Refuses submitting `m` with its `drafts` draft items now (ValidationError, PermissionDenied).
    The service runs it on the locked row; the page that asks for confirmation runs it first, so it
    says the same refusal before anything is posted."""
    if not can_proceed(m.submit, check_conditions=False):
        raise ValidationError("Musyawarah harus berstatus terlaksana (notulen diunggah) sebelum diajukan.")
    if not m.submit._django_fsm.has_transition_perm(m, m.state, actor):
        raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat mengajukan musyawarah.")
    if not drafts:
        raise ValidationError("Musyawarah ini belum memiliki usulan draf untuk diajukan.")


@transaction.atomic
def musyawarah_submit(*, musyawarah_id: int, actor, ip: str | None = None) -> BulkResult:
    """Held → submitted, and its draft items with it (one bulk transition)."""

    m = Musyawarah.objects.select_for_update(no_key=True).get(pk=musyawarah_id)
    draft_ids = list(m.items.filter(state=ProposalItem.State.DRAFT).values_list("pk", flat=True))
    musyawarah_submit_check(m, actor=actor, drafts=len(draft_ids))
    m.submit()
    m.save()
    audit_record(
        actor=actor,
        action="musyawarah.submit",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=ip,
        detail={"items": len(draft_ids)},
    )
    return proposal_items_bulk_transition(item_ids=draft_ids, transition="submit", actor=actor, ip=ip)


@transaction.atomic
def musyawarah_create(
    *,
    actor,
    held_on,
    place: str,
    led_by: str,
    attendee_count: int,
    attendee_names: str = "",
    input_sources: list[str] | None = None,
    idempotency_key: str | None = None,
    ip: str | None = None,
):
    """A village operator records a musyawarah of its village (draft until its minutes are in)."""
    from dtks.accounts.models import Role

    if actor.role != Role.VILLAGE_OPERATOR or len(actor.region_code or "") != 10:
        raise PermissionDenied("Hanya operator desa/kelurahan yang dapat mencatat musyawarah.")
    claim = idempotency_claim(scope="musyawarah.create", actor=actor, key=idempotency_key)
    if claim.replayed:
        return Musyawarah.objects.get(pk=claim.object_id)
    errors: dict[str, str] = {}
    sources = list(dict.fromkeys(input_sources or []))
    if any(s not in Musyawarah.Source.values for s in sources):
        errors["input_sources"] = "Sumber masukan tidak dikenal; pilih dari daftar."
    if not sources:
        errors["input_sources"] = "Pilih paling sedikit satu sumber masukan musyawarah."
    if held_on and held_on > timezone.localdate():
        errors["held_on"] = "Tanggal musyawarah tidak boleh di masa depan."
    if not (place or "").strip():
        errors["place"] = "Tempat musyawarah wajib diisi."
    if not (led_by or "").strip():
        errors["led_by"] = "Pemimpin musyawarah wajib diisi."
    if attendee_count is None or attendee_count < 1:
        errors["attendee_count"] = "Jumlah peserta paling sedikit 1."
    if errors:
        raise ValidationError(errors)
    m = Musyawarah.objects.create(
        village_code=actor.region_code,
        held_on=held_on,
        place=place.strip(),
        led_by=led_by.strip(),
        attendee_count=attendee_count,
        attendee_names=(attendee_names or "").strip(),
        input_sources=sources,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="musyawarah.create",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=ip,
    )
    claim.answer(m.pk)
    return m


@transaction.atomic
def musyawarah_minutes_attach(*, musyawarah_id: int, actor, upload, ip: str | None = None):
    """Stores the minutes (checked by content, size-capped, generated name) before it is held."""
    m = (
        Musyawarah.objects.filter(region_q(actor))
        .select_for_update(no_key=True)
        .filter(pk=musyawarah_id)
        .first()
    )
    if m is None or not m.is_operator(actor):
        raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat mengunggah notulen.")
    if m.state == Musyawarah.State.SUBMITTED:
        raise ValidationError({"minutes": "Musyawarah ini sudah diajukan; notulennya tidak dapat diganti."})
    mime = document_check(upload, field="minutes", noun=_("notulen"))
    old = m.minutes.name if m.minutes else ""
    m.minutes.save(document_name(mime), upload, save=False)
    m.save(update_fields=["minutes"])
    if old:
        transaction.on_commit(lambda: m.minutes.storage.delete(old))
    audit_record(
        actor=actor,
        action="musyawarah.minutes_upload",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=ip,
        detail={"type": mime, "bytes": upload.size},
    )
    return m
