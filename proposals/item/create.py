"""Creating and editing proposal items: one service per kind, the update of a draft or returned item.
Every write runs in one transaction, checks the content (proposals/item/content.py) and writes an
audit row."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dtks.accounts.scope import region_q
from dtks.audit.services import audit_record
from dtks.core.idempotency import idempotency_claim
from proposals.musyawarah.models import Musyawarah

from .content import (
    FAMILY_FIELDS,
    TargetNotFound,
    check_findings,
    clean_content,
    content_diff,
    corrected_content,
    deletion_reason_code,
    item_content,
    open_target,
    set_content,
    target_snapshot,
    write_persons,
)
from .history import write_created, write_event
from .models import EDITABLE_STATES, ProposalItem

Created = list[tuple[ProposalItem, dict]]  # the new items, each with what its history row adds


def _addition(*, actor, musyawarah_id, family, persons, note, **_ignored) -> Created:
    """A new family (with its members) or a new individual outside any family."""
    kind = ProposalItem.Kind.ADDITION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    fam, people = clean_content(family=family, persons=persons, allow_pending_nik=True)
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=m.village_code,
        note=note,
        family=fam,
        persons=people,
    )
    return [(item, {"persons": len(people)})]


def _deletion(
    *, actor, musyawarah_id, target_family_id, target_person_id, deletion_reason, note, **_ignored
) -> Created:
    """Deletion of a determined family or individual, with a reason code (alasan_penghapusan)."""
    kind = ProposalItem.Kind.DELETION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    reason = deletion_reason_code(deletion_reason, kind=kind)
    if reason == "LAINNYA" and not (note or "").strip():
        raise ValidationError({"note": 'Jelaskan alasan penghapusan pada catatan bila alasannya "Lainnya".'})
    snap = open_target(actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id)
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=snap["village_code"],
        note=note,
        target=snap,
        deletion_reason=reason,
    )
    return [(item, {"deletion_reason": reason})]


def _correction(
    *, actor, musyawarah_id, target_family_id, target_person_id, family, persons, note, **_ignored
) -> Created:
    """Correction of fields of a determined record: the new values, and the diff against the registry."""
    kind = ProposalItem.Kind.CORRECTION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    snap = open_target(actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id)
    fam, people = corrected_content(snap, family or {}, persons)
    diff = content_diff(snap["family"], fam, snap["persons"], people)
    if not diff:
        raise ValidationError({"__all__": "Tidak ada isian yang diubah; ubah paling sedikit satu isian."})
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=snap["village_code"],
        note=note,
        target=snap,
        family=fam,
        persons=people,
        diff=diff,
    )
    return [(item, {"fields": sorted(k for k in diff if k != "persons")})]


def _replacement(
    *,
    actor,
    musyawarah_id,
    target_family_id,
    target_person_id,
    deletion_reason,
    family,
    persons,
    note,
    **_ignored,
) -> Created:
    """A pair decided together: a determined record out, a new family or individual in."""
    kind = ProposalItem.Kind.REPLACEMENT
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    reason = deletion_reason_code(deletion_reason, kind=kind)
    snap = open_target(actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id)
    fam, people = clean_content(family=family, persons=persons, allow_pending_nik=True)
    common = {
        "actor": actor,
        "kind": kind,
        "channel": channel,
        "musyawarah": m,
        "village_code": m.village_code,
        "note": note,
    }
    out = _new_item(**common, target=snap, deletion_reason=reason)
    inn = _new_item(**common, family=fam, persons=people, pair=out)
    return _pair(out, inn, halves=("out", "in"))


def _transfer(
    *, actor, musyawarah_id, target_family_id, target_person_id, destination, note, **_ignored
) -> Created:
    """A pair: departure here (a deletion, reason PINDAH) and arrival in the destination village,
    whose regency verifies it. Applied only when both halves are accepted (determination)."""
    from dtks.regions.models import Level, Region

    kind = ProposalItem.Kind.TRANSFER
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    snap = open_target(actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id)
    dest = (destination or {}).get("kode_wilayah", "").replace(".", "").strip()
    if not Region.objects.filter(code=dest, level=Level.VILLAGE).exists():
        raise ValidationError(
            {"destination_village": "Pilih desa/kelurahan tujuan yang ada (kode 10 digit)."}
        )
    if dest == snap["village_code"]:
        raise ValidationError(
            {
                "destination_village": "Tujuan sama dengan asal; untuk pindah alamat di desa yang sama, usulkan perbaikan."
            }
        )
    arrival_family = {
        **snap["family"],
        **{k: (destination or {}).get(k, "") for k in ("rt", "rw", "alamat")},
        "is_family": bool(snap["family_id"]),
    }
    fam, people = clean_content(
        family=arrival_family, persons=snap["persons"], allow_pending_nik=not snap["family_id"]
    )
    if not fam["alamat"]:
        raise ValidationError({"alamat": "Alamat di tempat tujuan wajib diisi."})
    common = {"actor": actor, "kind": kind, "channel": channel, "musyawarah": m, "note": note}
    out = _new_item(**common, village_code=snap["village_code"], target=snap, deletion_reason="PINDAH")
    inn = _new_item(**common, village_code=dest, family=fam, persons=people, pair=out)
    return _pair(out, inn, halves=("departure", "arrival"), origin=snap["village_code"])


BUILDERS = {
    ProposalItem.Kind.ADDITION: _addition,
    ProposalItem.Kind.DELETION: _deletion,
    ProposalItem.Kind.CORRECTION: _correction,
    ProposalItem.Kind.REPLACEMENT: _replacement,
    ProposalItem.Kind.TRANSFER: _transfer,
}


@transaction.atomic
def proposal_item_create(
    *,
    actor,
    kind: str,
    musyawarah_id: int | None = None,
    target_family_id: int | None = None,
    target_person_id: int | None = None,
    family: dict | None = None,
    persons: list[dict] | None = None,
    deletion_reason: str = "",
    destination: dict | None = None,
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """The one entry point to create an item of any kind, for pages and the API alike, with its
    history and audit rows. A replacement or transfer creates its pair and returns the first half
    (the one that names the registered record). A retry with the same idempotency key returns the
    item the first request created.

    What each kind takes: addition — `family`, `persons`; deletion — a target, `deletion_reason`;
    correction — a target, `family`, `persons` (each with its `target_person_id`); replacement — a
    target, `deletion_reason`, `family`, `persons`; transfer — a target, `destination`
    (`kode_wilayah`, `rt`, `rw`, `alamat`).
    """
    build = BUILDERS.get(kind)
    if build is None:
        raise ValidationError({"kind": "Jenis usulan tidak dikenal."})
    claim = idempotency_claim(scope="proposal_item.create", actor=actor, key=idempotency_key)
    if claim.replayed:
        return ProposalItem.objects.get(pk=claim.object_id)
    created = build(
        actor=actor,
        musyawarah_id=musyawarah_id,
        target_family_id=target_family_id,
        target_person_id=target_person_id,
        family=family,
        persons=[dict(p) for p in persons or []],
        deletion_reason=deletion_reason,
        destination=destination,
        note=note,
    )
    write_created(
        [item for item, _ in created],
        event="create",
        actor=actor,
        ip=ip,
        detail={i.pk: d for i, d in created},
    )
    first = created[0][0]
    claim.answer(first.pk)
    return first


def may_edit(item: ProposalItem, actor) -> bool:
    from .models import PROPOSER, VILLAGE

    if item.state == ProposalItem.State.DRAFT:
        return PROPOSER(item, actor)
    if item.state == ProposalItem.State.RETURNED_TO_VILLAGE:
        return VILLAGE(item, actor)
    return False


@transaction.atomic
def proposal_item_update(
    *,
    item_id: int,
    actor,
    family: dict | None = None,
    persons: list[dict] | None = None,
    deletion_reason: str | None = None,
    note: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """Changes an item's content; only in draft or returned_to_village, by the proposer's side.
    The integrity findings (and a correction's diff) are computed again."""
    item = ProposalItem.objects.select_for_update(no_key=True).get(pk=item_id)
    if item.state not in EDITABLE_STATES:
        raise ValidationError(
            f"Usulan berstatus {item.get_state_display()} tidak dapat diubah; hanya draf atau yang dikembalikan."
        )
    if not may_edit(item, actor):
        raise PermissionDenied("Peran atau wilayah Anda tidak berhak mengubah usulan ini.")
    is_out_half = item.target_family_id is not None or item.target_person_id is not None
    if note is not None:
        item.note = note.strip()
    changed = ["note"]
    if (
        deletion_reason is not None
        and item.kind in (ProposalItem.Kind.DELETION, ProposalItem.Kind.REPLACEMENT)
        and is_out_half
    ):
        item.deletion_reason = deletion_reason_code(deletion_reason, kind=item.kind)
        changed.append("deletion_reason")
    if persons is not None and (item.kind == ProposalItem.Kind.CORRECTION or not is_out_half):
        if item.kind == ProposalItem.Kind.CORRECTION:
            snap = target_snapshot(
                actor=actor, target_family_id=item.target_family_id, target_person_id=item.target_person_id
            )
            fam, people = corrected_content(snap, family, persons)
            item.diff = content_diff(snap["family"], fam, snap["persons"], people)
            if not item.diff:
                raise ValidationError(
                    {"__all__": "Tidak ada isian yang diubah; ubah paling sedikit satu isian."}
                )
            changed.append("diff")
        else:
            is_family = bool(family) and family.get("is_family", True)
            fam, people = clean_content(
                family={**(family or {}), "is_family": is_family} if family else None,
                persons=persons,
                allow_pending_nik=True,
            )
        set_content(item, fam)
        check_findings(item, people, actor)
        write_persons(item, people)
        changed += [*FAMILY_FIELDS, "house", "findings"]
    item.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    audit_record(
        actor=actor,
        action="proposal_item.update",
        object_type="proposals.item",
        object_id=item.pk,
        region_code=item.village_code,
        ip=ip,
        detail={"state": item.state},
    )
    return item


@transaction.atomic
def proposal_item_correct(
    *,
    item_id: int,
    actor,
    family: dict | None = None,
    persons: list[dict],
    reason: str = "",
    ip: str | None = None,
) -> ProposalItem:
    """The verifier's corrected content of a submitted item (docs/design.md §4: verified as is, or
    corrected): written in place, its findings computed again, and what changed — proposed value and
    corrected value per field — recorded in the item's history (`detail.diff`). The verification
    stage then decides on it as on any other item.

    Only whoever verifies the item may correct it: the regency's verifier, or the ministry for the
    items it verifies itself."""
    from .models import MINISTRY, REGENCY

    item = (
        ProposalItem.objects.select_for_update(no_key=True, of=("self",))
        .select_related("pair")
        .get(pk=item_id)
    )
    if item.state not in (ProposalItem.State.SUBMITTED, ProposalItem.State.RETURNED_TO_REGENCY):
        raise ValidationError(
            "Hanya usulan berstatus Diajukan atau Dikembalikan ke kabupaten/kota yang dapat diperbaiki "
            f"verifikator (sekarang {item.get_state_display()})."
        )
    allowed = REGENCY if item.verified_by_regency() else MINISTRY
    if not allowed(item, actor):
        raise PermissionDenied("Peran atau wilayah Anda tidak berhak memperbaiki usulan ini.")
    if (item.target_family_id is not None or item.target_person_id is not None) and (
        item.kind != ProposalItem.Kind.CORRECTION
    ):
        raise ValidationError("Usulan ini menghapus data terdaftar; tidak ada isian yang dapat diperbaiki.")
    old_family, old_persons = item_content(item)
    if item.kind == ProposalItem.Kind.CORRECTION:
        snap = target_snapshot(
            actor=actor, target_family_id=item.target_family_id, target_person_id=item.target_person_id
        )
        fam, people = corrected_content(snap, family, persons)
        item.diff = content_diff(snap["family"], fam, snap["persons"], people)
    else:
        shape = {
            **(family or {}),
            "is_family": bool((family or {}).get("is_family", old_family["is_family"])),
        }
        fam, people = clean_content(
            family=shape if family is not None else None, persons=persons, allow_pending_nik=True
        )
    diff = content_diff(old_family, fam, old_persons, people, by="position")
    if not diff:
        raise ValidationError({"__all__": "Tidak ada isian yang diubah; ubah paling sedikit satu isian."})
    set_content(item, fam)
    check_findings(item, people, actor)
    write_persons(item, people)
    item.save(update_fields=[*FAMILY_FIELDS, "house", "findings", "diff", "updated_at"])
    write_event(
        item,
        event="correct",
        actor=actor,
        reason=reason,
        detail={"stage": "verification", "diff": diff},
        ip=ip,
    )
    return item


REGENCY_KINDS = frozenset(
    {ProposalItem.Kind.CORRECTION, ProposalItem.Kind.DELETION, ProposalItem.Kind.TRANSFER}
)


def _actor_context(*, actor, musyawarah_id: int | None, kind: str) -> tuple[str, Musyawarah | None]:
    """(channel, musyawarah) for a new item; refuses roles and musyawarah that cannot take it."""
    from dtks.accounts.models import Role

    if actor.role == Role.VILLAGE_OPERATOR:
        if not musyawarah_id:
            raise ValidationError({"musyawarah": "Pilih musyawarah yang menghasilkan usulan ini."})
        m = (
            Musyawarah.objects.filter(region_q(actor))
            .select_for_update(no_key=True)
            .filter(pk=musyawarah_id)
            .first()
        )
        if m is None:
            raise TargetNotFound({"musyawarah": "Musyawarah tidak ditemukan di desa/kelurahan Anda."})
        if m.state == Musyawarah.State.SUBMITTED:
            raise ValidationError(
                {"musyawarah": "Musyawarah ini sudah diajukan; catat usulan baru di musyawarah berikutnya."}
            )
        return ProposalItem.Channel.MUSYAWARAH, m
    if actor.role == Role.REGENCY_VERIFIER:
        if kind not in REGENCY_KINDS:
            raise PermissionDenied(
                "Dinas sosial kabupaten/kota hanya dapat mengusulkan perbaikan, penghapusan, atau perpindahan."
            )
        return ProposalItem.Channel.REGENCY, None
    raise PermissionDenied("Peran Anda tidak dapat mencatat usulan di sini.")


def _new_item(
    *,
    actor,
    kind,
    channel,
    musyawarah,
    village_code,
    note="",
    target: dict | None = None,
    family: dict | None = None,
    persons: list[dict] | None = None,
    **fields,
) -> ProposalItem:
    """Saves a new item with its content and persons.

    `target` is the snapshot of the record the item concerns. New content (`family`, `persons`)
    goes through the integrity engine before the row is written (NIK_INVALID blocks saving, other
    findings are stored); without it the item holds the target as registered, unchecked.
    """
    if target is not None:
        fields.update(target_family_id=target["family_id"], target_person_id=target["person_id"])
    item = ProposalItem(
        kind=kind,
        channel=channel,
        musyawarah=musyawarah,
        village_code=village_code,
        note=(note or "").strip(),
        created_by=actor,
        **fields,
    )
    if persons is None:
        family, persons = target["family"], target["persons"]
        item.save()  # the row first, then the registered content (an INSERT and an UPDATE)
        set_content(item, family)
    else:
        set_content(item, family)
        check_findings(item, persons, actor)
    item.save()
    write_persons(item, persons)
    return item


def _pair(out: ProposalItem, inn: ProposalItem, *, halves: tuple[str, str], **in_detail) -> Created:
    """Links the two halves of a pair; each half's history and audit rows name the other."""
    out.pair = inn
    out.save(update_fields=["pair"])
    return [
        (out, {"half": halves[0], "pair": inn.pk}),
        (inn, {"half": halves[1], "pair": out.pk, **in_detail}),
    ]
