"""Stage 1 — proposals (usulan): musyawarah, items and their one state machine (DESIGN.md §1.1, §4).
Every ProposalItem transition of every stage goes through one of the two services below."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import can_proceed

from dtks.accounts.scope import region_q
from dtks.audit.services import audit_record

from .models import DECIDED_STATES, Musyawarah, ProposalItem, ProposalItemHistory

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


def _transitions() -> dict[str, list]:
    by_name: dict[str, list] = {}
    for t in ProposalItem._meta.get_field("state").get_all_transitions(ProposalItem):
        by_name.setdefault(t.name, []).append(t)
    return by_name


TRANSITIONS = _transitions()


def _check_reason(transition: str, reason: str) -> None:
    if transition in REASON_REQUIRED and not reason.strip():
        raise ValidationError({"reason": "Alasan wajib diisi untuk keputusan ini."})


@transaction.atomic
def proposal_item_transition(
    *,
    item_id: int,
    transition: str,
    actor,
    reason: str = "",
    override_reason: str = "",
    ip: str | None = None,
) -> ProposalItem:
    """Run one transition on one item: lock, check permission and conditions, save, history, audit.

    Retrying the same transition on an item already in its target state is harmless (returns the
    item unchanged); a different decision on a decided item raises AlreadyDecided.
    """
    if transition not in TRANSITIONS:
        raise ValidationError({"transition": f"Transisi tidak dikenal: {transition}."})
    _check_reason(transition, reason)
    item = ProposalItem.objects.select_for_update(no_key=True).get(pk=item_id)
    method = getattr(item, transition)
    targets = {t.target for t in TRANSITIONS[transition]}
    if not can_proceed(method, check_conditions=False):
        if item.state in targets:
            return item  # the same decision again (a retried request)
        if item.state in DECIDED_STATES:
            raise AlreadyDecided(
                f"Usulan ini sudah diputuskan ({item.get_state_display()}).", code="already_decided"
            )
        raise ValidationError(
            f"Keputusan ini tidak berlaku untuk usulan berstatus {item.get_state_display()}.",
            code="invalid_state",
        )
    # django_fsm.has_transition_perm also requires the conditions; permission is checked on its own
    # first so that a wrong role or region is told so even when a condition also fails.
    if not method._django_fsm.has_transition_perm(item, item.state, actor):
        raise PermissionDenied("Peran atau wilayah Anda tidak berhak mengambil keputusan ini.")
    if override_reason:
        item.override_reason = override_reason.strip()
    failed = [
        c.__name__
        for t in TRANSITIONS[transition]
        if t.source == item.state
        for c in t.conditions
        if not c(item)
    ]
    if failed:
        raise ValidationError([CONDITION_MESSAGES.get(name, name) for name in failed], code="condition")
    from_state = item.state
    method()
    if reason:
        item.last_reason = reason.strip()
    item.save()
    ProposalItemHistory.objects.create(
        item=item,
        transition=transition,
        from_state=from_state,
        to_state=item.state,
        actor=actor,
        actor_label=actor.get_username(),
        reason=reason.strip(),
    )
    audit_record(
        actor=actor,
        action=f"proposal_item.{transition}",
        object_type="proposals.item",
        object_id=item.pk,
        region_code=item.village_code,
        ip=ip,
        detail={"from": from_state, "to": item.state},
    )
    return item


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def proposal_items_bulk_transition(
    *, item_ids: Iterable[int], transition: str, actor, reason: str = "", ip: str | None = None
) -> BulkResult:
    """The one bulk-transition service of the ProposalItem machine (DESIGN.md §4).

    Permission is checked once for the actor's role; scope is part of the SQL; each row's
    conditions are evaluated on the selected rows, streamed; then one UPDATE … RETURNING changes
    the states and the same statement writes the history and audit rows.
    """
    if transition not in TRANSITIONS:
        raise ValidationError({"transition": f"Transisi tidak dikenal: {transition}."})
    _check_reason(transition, reason)
    rules = TRANSITIONS[transition]
    roles = set().union(*(getattr(t.permission, "roles", frozenset()) for t in rules))
    if actor.role not in roles:
        raise PermissionDenied("Peran Anda tidak berhak mengambil keputusan ini.")
    ids = sorted({int(i) for i in item_ids})
    result = BulkResult()
    by_source = {t.source: t for t in rules}
    with transaction.atomic():
        rows = (
            ProposalItem.objects.filter(pk__in=ids)
            .filter(region_q(actor))
            .select_for_update(no_key=True)
            .order_by("pk")
        )
        ok: list[int] = []
        seen: set[int] = set()
        for item in rows.iterator(chunk_size=2000):
            seen.add(item.pk)
            rule = by_source.get(item.state)
            if rule is None:
                result.skipped[item.pk] = (
                    "sudah diputuskan"
                    if item.state in DECIDED_STATES
                    else f"status {item.get_state_display()}"
                )
                continue
            failed = [c.__name__ for c in rule.conditions if not c(item)]
            if failed:
                result.skipped[item.pk] = CONDITION_MESSAGES.get(failed[0], failed[0])
                continue
            ok.append(item.pk)
        for missing in set(ids) - seen:
            result.skipped[missing] = "tidak ditemukan"
        if not ok:
            return result
        # str(): psycopg would dump an Enum member by its name, not its value.
        targets = {str(t.source): str(t.target) for t in rules}
        with connection.cursor() as cur:
            cur.execute(
                """
                WITH target(source, target) AS (SELECT * FROM unnest(%(sources)s::text[], %(targets)s::text[])),
                old AS (
                    SELECT p.id, p.state, p.village_code FROM proposals_proposalitem p
                    WHERE p.id = ANY(%(ids)s) AND p.state = ANY(%(sources)s)
                ),
                upd AS (
                    UPDATE proposals_proposalitem p
                    SET state = t.target, updated_at = now(),
                        last_reason = CASE WHEN %(reason)s <> '' THEN %(reason)s ELSE p.last_reason END,
                        ever_returned_to_regency = p.ever_returned_to_regency OR t.target = 'returned_to_regency'
                    FROM old JOIN target t ON t.source = old.state
                    WHERE p.id = old.id
                    RETURNING p.id, old.state AS from_state, p.state AS to_state, p.village_code
                ),
                hist AS (
                    INSERT INTO proposals_proposalitemhistory
                        (item_id, transition, from_state, to_state, actor_id, actor_label, reason, at)
                    SELECT id, %(transition)s, from_state, to_state, %(actor)s, %(label)s, %(reason)s, now() FROM upd
                ),
                aud AS (
                    INSERT INTO audit_auditevent
                        (occurred_at, actor_id, actor_label, action, object_type, object_id, region_code, ip,
                         outcome, detail)
                    SELECT now(), %(actor)s, %(label)s, %(action)s, 'proposals.item', id::text, village_code,
                           %(ip)s, 'ok', jsonb_build_object('from', from_state, 'to', to_state, 'bulk', true)
                    FROM upd
                )
                SELECT id FROM upd ORDER BY id
                """,
                {
                    "ids": ok,
                    "sources": list(targets),
                    "targets": list(targets.values()),
                    "reason": reason.strip(),
                    "transition": transition,
                    "actor": actor.pk,
                    "label": actor.get_username(),
                    "action": f"proposal_item.{transition}",
                    "ip": ip,
                },
            )
            result.changed = [r[0] for r in cur.fetchall()]
    return result


@transaction.atomic
def musyawarah_hold(*, musyawarah_id: int, actor, ip: str | None = None):
    """Draft → held: the minutes are uploaded (the caller stored the file on the row)."""
    from .models import Musyawarah

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


@transaction.atomic
def musyawarah_submit(*, musyawarah_id: int, actor, ip: str | None = None) -> BulkResult:
    """Held → submitted, and its draft items with it (one bulk transition)."""
    from .models import Musyawarah

    m = Musyawarah.objects.select_for_update(no_key=True).get(pk=musyawarah_id)
    if not can_proceed(m.submit, check_conditions=False):
        raise ValidationError("Musyawarah harus berstatus terlaksana (notulen diunggah) sebelum diajukan.")
    if not m.submit._django_fsm.has_transition_perm(m, m.state, actor):
        raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat mengajukan musyawarah.")
    draft_ids = list(m.items.filter(state=ProposalItem.State.DRAFT).values_list("pk", flat=True))
    if not draft_ids:
        raise ValidationError("Musyawarah ini belum memiliki usulan draf untuk diajukan.")
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


# --- the village operator's flow: musyawarah and its items (and the regency's own filings) --------
#
# Item content arrives as plain data (from a page's forms or the API's serializers), is checked here
# (format errors and NIK_INVALID block saving, named per field; the integrity engine's other findings
# are stored with the item), and is written with its persons in one transaction with an audit row.
# Keys of ValidationError dicts name the field: "no_kk", "persons.2.nik", "target", "minutes", ….

PERSON_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "kategori",
    "kriteria",
    "disabilitas",
    "program",
)
HOUSE_FIELDS = (
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
)
FAMILY_FIELDS = ("no_kk", "rt", "rw", "alamat")
# Items still open: a second item on the same determined record is refused while one of these exists.
OPEN_STATES = frozenset(
    {
        ProposalItem.State.DRAFT,
        ProposalItem.State.SUBMITTED,
        ProposalItem.State.RETURNED_TO_VILLAGE,
        ProposalItem.State.VERIFIED,
        ProposalItem.State.REGENCY_APPROVED,
        ProposalItem.State.FORWARDED,
        ProposalItem.State.DISPUTED,
        ProposalItem.State.RETURNED_TO_REGENCY,
        ProposalItem.State.IN_QA,
        ProposalItem.State.ACCEPTED,
    }
)
EDITABLE_STATES = frozenset({ProposalItem.State.DRAFT, ProposalItem.State.RETURNED_TO_VILLAGE})
REGENCY_KINDS = frozenset(
    {ProposalItem.Kind.CORRECTION, ProposalItem.Kind.DELETION, ProposalItem.Kind.TRANSFER}
)
HEAD = "KEPALA KELUARGA"


def _item_findings(*, item: ProposalItem, persons: list[dict], actor) -> list[dict]:
    """Findings of the per-item integrity engine (dtks/registry/item_integrity.py) for unsaved content."""
    from dtks.registry.item_integrity import item_data, item_findings

    return item_findings(item_data(item, persons), actor=actor)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _codes(list_name: str) -> set[str]:
    from dtks.registry.models import Code

    return set(Code.objects.filter(list=list_name, active=True).values_list("code", flat=True))


def _clean_content(
    *, family: dict | None, persons: list[dict], allow_pending_nik: bool
) -> tuple[dict, list[dict]]:
    """Format checks that block saving (DESIGN.md §7): each error names its field and the fix."""
    from dtks.registry.identity import check_kk, check_nik

    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    fam = {k: (str((family or {}).get(k) or "")).strip() for k in FAMILY_FIELDS}
    house = {k: (str(((family or {}).get("house") or {}).get(k) or "")).strip() for k in HOUSE_FIELDS}
    in_family = bool(family) and bool(family.get("is_family", True)) and not _blank(family.get("no_kk"))
    if family and family.get("is_family", True) and _blank(family.get("no_kk")):
        err("no_kk", "Nomor KK wajib diisi untuk usulan keluarga (16 digit).")
    if fam["no_kk"]:
        kk = check_kk(fam["no_kk"])
        if kk.errors:
            for m in kk.messages:
                err("no_kk", m)
        else:
            fam["no_kk"] = kk.value or ""
    for key in ("rt", "rw"):
        v = fam[key]
        if v and not (v.isdigit() and len(v) <= 3):
            err(key, f"{key.upper()} harus angka, paling banyak 3 digit (misalnya 003).")
        elif v:
            fam[key] = v.zfill(3)
    if len(fam["alamat"]) > 255:
        err("alamat", "Alamat paling panjang 255 karakter.")
    for key, value in house.items():
        if value and value not in _codes(key):
            err(f"house.{key}", f"Pilihan {key.replace('_', ' ')} tidak dikenal; pilih dari daftar.")
    if not persons:
        err("persons", "Tambahkan paling sedikit satu orang.")
    seen: dict[str, int] = {}
    cleaned = []
    marital, relations = _codes("status_perkawinan"), _codes("hubungan_keluarga")
    today = timezone.localdate()
    for i, raw in enumerate(persons):
        p = {k: raw.get(k) for k in PERSON_FIELDS}
        for k in (
            "nik",
            "nama",
            "tempat_lahir",
            "jenis_kelamin",
            "status_perkawinan",
            "hubungan_keluarga",
            "kategori",
        ):
            p[k] = "" if p[k] is None else str(p[k]).strip()
        for k in ("kriteria", "disabilitas", "program"):
            p[k] = [str(c) for c in (p[k] or [])]
        key = f"persons.{i}"
        if p["nik"]:
            check = check_nik(p["nik"])
            if check.errors:
                for m in check.messages:
                    err(f"{key}.nik", m)
            else:
                p["nik"] = check.value
                if p["nik"] in seen:
                    err(
                        f"{key}.nik",
                        f"NIK ini sudah dipakai orang ke-{seen[p['nik']] + 1} dalam usulan yang sama.",
                    )
                seen[p["nik"]] = i
        elif in_family or not allow_pending_nik:
            err(f"{key}.nik", "NIK wajib diisi untuk anggota keluarga (16 digit).")
        if not p["nama"]:
            err(f"{key}.nama", "Nama wajib diisi.")
        elif len(p["nama"]) > 150:
            err(f"{key}.nama", "Nama paling panjang 150 karakter.")
        born = p["tanggal_lahir"]
        if isinstance(born, str) and born:
            try:
                born = date.fromisoformat(born)
            except ValueError:
                err(f"{key}.tanggal_lahir", "Tanggal lahir harus tanggal yang ada (YYYY-MM-DD).")
                born = None
        if isinstance(born, date) and born > today:
            err(f"{key}.tanggal_lahir", "Tanggal lahir tidak boleh di masa depan.")
        p["tanggal_lahir"] = born or None
        if p["jenis_kelamin"] and p["jenis_kelamin"].upper() not in ("L", "P"):
            err(f"{key}.jenis_kelamin", "Jenis kelamin harus L (laki-laki) atau P (perempuan).")
        p["jenis_kelamin"] = p["jenis_kelamin"].upper()
        if p["status_perkawinan"] and p["status_perkawinan"] not in marital:
            err(f"{key}.status_perkawinan", "Status perkawinan tidak dikenal; pilih dari daftar.")
        if in_family and p["hubungan_keluarga"] and p["hubungan_keluarga"] not in relations:
            err(f"{key}.hubungan_keluarga", "Hubungan keluarga tidak dikenal; pilih dari daftar.")
        if not in_family:
            p["hubungan_keluarga"] = ""
        p["target_person_id"] = raw.get("target_person_id")
        cleaned.append(p)
    if errors:
        raise ValidationError(errors)
    fam["house"] = house if in_family else {}
    if not in_family:
        fam["no_kk"] = ""
    return fam, cleaned


class TargetNotFound(ValidationError):
    """The record named is not in the actor's scope (or does not exist): the API answers 404."""


def _actor_context(*, actor, musyawarah_id: int | None, kind: str) -> tuple[str, Musyawarah | None]:
    """(channel, musyawarah) for a new item; refuses roles and musyawarah that cannot take it."""
    from dtks.accounts.models import Role

    from .models import Musyawarah

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


def _target_snapshot(*, actor, target_family_id: int | None, target_person_id: int | None) -> dict:
    """The determined record an item concerns, as the actor may see it: a family with its members,
    or an individual outside any family. Scoped by the registry selectors."""
    from dtks.registry.models import MembershipVersion
    from dtks.registry.selectors import families_visible_to, family_members, persons_visible_to

    not_found = TargetNotFound({"target": "Data terdaftar ini tidak ditemukan dalam cakupan wilayah Anda."})
    if bool(target_family_id) == bool(target_person_id):
        raise ValidationError({"target": "Pilih satu keluarga atau satu individu yang sudah ditetapkan."})
    person_cols = ("person_id", *[f for f in PERSON_FIELDS if f != "hubungan_keluarga"])
    if target_family_id:
        fam = families_visible_to(user=actor).filter(family_id=target_family_id).first()
        if fam is None:
            raise not_found
        relation = dict(
            MembershipVersion.objects.current()
            .filter(family_id=target_family_id)
            .values_list("person_id", "hubungan_keluarga")
        )
        members = (
            family_members(user=actor, family_id=target_family_id).order_by("person_id").values(*person_cols)
        )
        persons = []
        for m in members:
            m["target_person_id"] = m.pop("person_id")
            m["hubungan_keluarga"] = relation.get(m["target_person_id"], "")
            persons.append(m)
        persons.sort(key=lambda p: (p["hubungan_keluarga"] != HEAD, p["target_person_id"]))
        family = {k: getattr(fam, k) for k in FAMILY_FIELDS}
        family["house"] = {k: getattr(fam, k) for k in HOUSE_FIELDS}
        return {
            "village_code": fam.village_code,
            "family_id": target_family_id,
            "person_id": None,
            "family": family,
            "persons": persons,
        }
    in_family = MembershipVersion.objects.current().filter(person_id=target_person_id).exists()
    person = persons_visible_to(user=actor).filter(person_id=target_person_id).first()
    if person is None:
        raise not_found
    if in_family:
        raise ValidationError(
            {
                "target": "Orang ini anggota sebuah keluarga: usulkan perubahan untuk keluarganya (satu usulan = satu keluarga)."
            }
        )
    p = {k: getattr(person, k) for k in person_cols}
    p["target_person_id"] = p.pop("person_id")
    p["hubungan_keluarga"] = ""
    family = {"no_kk": "", "rt": person.rt, "rw": person.rw, "alamat": person.alamat, "house": {}}
    return {
        "village_code": person.village_code,
        "family_id": None,
        "person_id": target_person_id,
        "family": family,
        "persons": [p],
    }


def _open_target(*, actor, m, target_family_id: int | None, target_person_id: int | None) -> dict:
    """`_target_snapshot` of a record an item may still be filed on: in the musyawarah's village
    (if any) and without another item open on it."""
    snap = _target_snapshot(actor=actor, target_family_id=target_family_id, target_person_id=target_person_id)
    if m is not None and snap["village_code"] != m.village_code:
        raise ValidationError({"target": "Data ini bukan warga desa/kelurahan musyawarah ini."})
    qs = ProposalItem.objects.filter(state__in=OPEN_STATES)
    if snap["family_id"]:
        qs = qs.filter(target_family_id=snap["family_id"])
    else:
        qs = qs.filter(target_person_id=snap["person_id"])
    other = qs.values_list("pk", flat=True).first()
    if other:
        raise ValidationError(
            {"target": f"Sudah ada usulan yang masih berjalan untuk data ini (usulan #{other})."}
        )
    return snap


def _deletion_reason(reason: str, *, kind: str) -> str:
    reason = (reason or "").strip().upper()
    if reason not in _codes("alasan_penghapusan"):
        raise ValidationError({"deletion_reason": "Pilih alasan penghapusan dari daftar."})
    if reason == "PINDAH" and kind == ProposalItem.Kind.DELETION:
        raise ValidationError(
            {"deletion_reason": "Untuk warga yang pindah, catat usulan perpindahan (bukan penghapusan)."}
        )
    return reason


def _write_persons(item: ProposalItem, persons: list[dict]) -> None:
    from .models import ProposalPerson

    item.persons.all().delete()
    ProposalPerson.objects.bulk_create(
        ProposalPerson(
            item=item,
            position=i,
            target_person_id=p.get("target_person_id"),
            nik=p.get("nik") or None,
            **{
                k: (
                    p.get(k)
                    if p.get(k) is not None
                    else ([] if k in ("kriteria", "disabilitas", "program") else "")
                )
                for k in PERSON_FIELDS
                if k not in ("nik", "tanggal_lahir")
            },
            tanggal_lahir=p.get("tanggal_lahir"),
        )
        for i, p in enumerate(persons)
    )


def _set_content(item: ProposalItem, family: dict) -> None:
    for k in FAMILY_FIELDS:
        setattr(item, k, family.get(k) or "")
    item.house = family.get("house") or {}


def _replayed(*, actor, key: str | None) -> ProposalItem | None:
    """The item an earlier request with the same Idempotency-Key created (keys are per user), looked
    up under the key's lock, which is held to the end of the transaction."""
    _lock_key(actor, key)
    if not key:
        return None
    return ProposalItem.objects.filter(idempotency_key=_scoped_key(actor, key)).first()


def _scoped_key(actor, key: str) -> str:
    return f"{actor.pk}:{key.strip()[:64]}"


def _lock_key(actor, key: str | None) -> None:
    """Serialises requests carrying the same key, so two concurrent retries create one item."""
    if key:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_scoped_key(actor, key)])


def _diff(old_family: dict, new_family: dict, old_persons: list[dict], new_persons: list[dict]) -> dict:
    """{"field": [old, new]} per changed family field, person fields under "persons" by person id."""

    def plain(v):
        return v.isoformat() if isinstance(v, date) else v

    diff: dict = {}
    for k in FAMILY_FIELDS:
        if (old_family.get(k) or "") != (new_family.get(k) or ""):
            diff[k] = [old_family.get(k) or "", new_family.get(k) or ""]
    for k in HOUSE_FIELDS:
        old, new = (old_family.get("house") or {}).get(k) or "", (new_family.get("house") or {}).get(k) or ""
        if old != new:
            diff[k] = [old, new]
    by_id = {p["target_person_id"]: p for p in old_persons}
    persons: dict = {}
    for p in new_persons:
        before = by_id.get(p.get("target_person_id"))
        if before is None:
            continue
        changed = {
            k: [plain(before.get(k)), plain(p.get(k))]
            for k in PERSON_FIELDS
            if (before.get(k) or None) != (p.get(k) or None)
        }
        if changed:
            persons[str(p["target_person_id"])] = changed
    if persons:
        diff["persons"] = persons
    return diff


def _new_item(
    *,
    actor,
    kind,
    channel,
    musyawarah,
    village_code,
    note="",
    key=None,
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
        idempotency_key=_scoped_key(actor, key) if key else None,
        **fields,
    )
    if persons is None:
        family, persons = target["family"], target["persons"]
        item.save()  # the row first, then the registered content (an INSERT and an UPDATE)
        _set_content(item, family)
    else:
        _set_content(item, family)
        _check_findings(item, persons, actor)
    item.save()
    _write_persons(item, persons)
    return item


def _pair(out: ProposalItem, inn: ProposalItem, *, actor, ip, halves: tuple[str, str], **in_detail):
    """Links the two halves of a pair, then audits both."""
    out.pair = inn
    out.save(update_fields=["pair"])
    _audit_created(out, actor, ip, half=halves[0], pair=inn.pk)
    _audit_created(inn, actor, ip, half=halves[1], pair=out.pk, **in_detail)
    return out, inn


def _audit_created(item: ProposalItem, actor, ip, **detail) -> None:
    audit_record(
        actor=actor,
        action=f"proposal_item.create_{item.kind}",
        object_type="proposals.item",
        object_id=item.pk,
        region_code=item.village_code,
        ip=ip,
        detail={"channel": item.channel, **detail},
    )


def _check_findings(item: ProposalItem, persons: list[dict], actor) -> None:
    """NIK_INVALID blocks saving (named per person and field); other findings are stored."""
    from dtks.registry.item_integrity import blocks_saving

    findings = _item_findings(item=item, persons=persons, actor=actor)
    if blocks_saving(findings):
        errors: dict[str, list[str]] = {}
        for f in findings:
            if f["rule"] == "NIK_INVALID":
                field = (f.get("fields") or ["nik"])[0]
                key = f"persons.{f['person']}.{field}" if f.get("person") is not None else field
                errors.setdefault(key, []).append(f["message"])
        raise ValidationError(errors)
    item.findings = findings


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
    from dtks.audit.models import AuditEvent

    from .models import Musyawarah

    if actor.role != Role.VILLAGE_OPERATOR or len(actor.region_code or "") != 10:
        raise PermissionDenied("Hanya operator desa/kelurahan yang dapat mencatat musyawarah.")
    _lock_key(actor, idempotency_key)
    if idempotency_key:
        # The key lives in the audit row of the first request (no table of its own is needed).
        earlier = (
            AuditEvent.objects.filter(
                actor=actor, action="musyawarah.create", detail__idempotency_key=idempotency_key.strip()[:64]
            )
            .values_list("object_id", flat=True)
            .first()
        )
        if earlier:
            return Musyawarah.objects.get(pk=int(earlier))
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
    detail = {"idempotency_key": idempotency_key.strip()[:64]} if idempotency_key else None
    audit_record(
        actor=actor,
        action="musyawarah.create",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=ip,
        detail=detail,
    )
    return m


@transaction.atomic
def musyawarah_minutes_attach(*, musyawarah_id: int, actor, upload, ip: str | None = None):
    """Stores the minutes (checked by content, size-capped, generated name) before it is held."""
    from .minutes import minutes_check, minutes_name
    from .models import Musyawarah

    m = (
        Musyawarah.objects.filter(region_q(actor))
        .select_for_update(no_key=True)
        .filter(pk=musyawarah_id)
        .first()
    )
    if m is None or not m._operator(actor):
        raise PermissionDenied("Hanya operator desa/kelurahan ini yang dapat mengunggah notulen.")
    if m.state == Musyawarah.State.SUBMITTED:
        raise ValidationError({"minutes": "Musyawarah ini sudah diajukan; notulennya tidak dapat diganti."})
    mime = minutes_check(upload)
    old = m.minutes.name if m.minutes else ""
    m.minutes.save(minutes_name(mime), upload, save=False)
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


@transaction.atomic
def musyawarah_submit_all(*, musyawarah_id: int, actor, ip: str | None = None) -> BulkResult:
    """`musyawarah_submit`, and the arrival halves of its transfers, which live in the destination
    village (outside the bulk statement's scope) and are submitted one by one through the pair."""
    result = musyawarah_submit(musyawarah_id=musyawarah_id, actor=actor, ip=ip)
    arrivals = ProposalItem.objects.filter(
        pk__in=list(result.skipped), musyawarah_id=musyawarah_id, state=ProposalItem.State.DRAFT
    )
    for item in arrivals:
        if item.is_transfer_arrival():
            proposal_item_transition(item_id=item.pk, transition="submit", actor=actor, ip=ip)
            result.skipped.pop(item.pk, None)
            result.changed.append(item.pk)
    return result


@transaction.atomic
def proposal_item_create_addition(
    *,
    actor,
    musyawarah_id: int | None,
    family: dict | None,
    persons: list[dict],
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """A new family (with its members) or a new individual outside any family."""
    if earlier := _replayed(actor=actor, key=idempotency_key):
        return earlier
    kind = ProposalItem.Kind.ADDITION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    fam, people = _clean_content(family=family, persons=persons, allow_pending_nik=True)
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=m.village_code,
        note=note,
        key=idempotency_key,
        family=fam,
        persons=people,
    )
    _audit_created(item, actor, ip, persons=len(people))
    return item


@transaction.atomic
def proposal_item_create_deletion(
    *,
    actor,
    musyawarah_id: int | None = None,
    target_family_id: int | None = None,
    target_person_id: int | None = None,
    deletion_reason: str,
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """Deletion of a determined family or individual, with a reason code (alasan_penghapusan)."""
    if earlier := _replayed(actor=actor, key=idempotency_key):
        return earlier
    kind = ProposalItem.Kind.DELETION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    reason = _deletion_reason(deletion_reason, kind=kind)
    if reason == "LAINNYA" and not (note or "").strip():
        raise ValidationError({"note": 'Jelaskan alasan penghapusan pada catatan bila alasannya "Lainnya".'})
    snap = _open_target(
        actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id
    )
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=snap["village_code"],
        note=note,
        key=idempotency_key,
        target=snap,
        deletion_reason=reason,
    )
    _audit_created(item, actor, ip, reason=reason)
    return item


@transaction.atomic
def proposal_item_create_correction(
    *,
    actor,
    musyawarah_id: int | None = None,
    target_family_id: int | None = None,
    target_person_id: int | None = None,
    family: dict,
    persons: list[dict],
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """Correction of fields of a determined record: the new values, and the diff against the registry."""
    if earlier := _replayed(actor=actor, key=idempotency_key):
        return earlier
    kind = ProposalItem.Kind.CORRECTION
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    snap = _open_target(
        actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id
    )
    fam, people = _corrected_content(snap, family, persons)
    diff = _diff(snap["family"], fam, snap["persons"], people)
    if not diff:
        raise ValidationError({"__all__": "Tidak ada isian yang diubah; ubah paling sedikit satu isian."})
    item = _new_item(
        actor=actor,
        kind=kind,
        channel=channel,
        musyawarah=m,
        village_code=snap["village_code"],
        note=note,
        key=idempotency_key,
        target=snap,
        family=fam,
        persons=people,
        diff=diff,
    )
    _audit_created(item, actor, ip, fields=sorted(k for k in diff if k != "persons"))
    return item


def _corrected_content(snap: dict, family: dict | None, persons: list[dict]) -> tuple[dict, list[dict]]:
    """The corrected record: same members (matched by their registry person id), new values."""
    by_id = {p["target_person_id"]: p for p in snap["persons"]}
    new_persons = []
    for i, p in enumerate(persons):
        pid = p.get("target_person_id")
        try:
            pid = int(pid) if pid is not None else None
        except (TypeError, ValueError):
            pid = None
        if pid not in by_id:
            raise ValidationError(
                {f"persons.{i}": "Perbaikan hanya mengubah isian orang yang sudah terdaftar."}
            )
        new_persons.append(
            {**by_id[pid], **{k: v for k, v in p.items() if k in PERSON_FIELDS}, "target_person_id": pid}
        )
    if len(new_persons) != len(by_id):
        raise ValidationError(
            {"persons": "Perbaikan memuat semua anggota yang terdaftar (tanpa menambah atau menghapus)."}
        )
    base = dict(snap["family"])
    merged = {**base, **{k: v for k, v in (family or {}).items() if k in FAMILY_FIELDS}}
    merged["house"] = {**(base.get("house") or {}), **((family or {}).get("house") or {})}
    merged["is_family"] = bool(snap["family_id"])
    return _clean_content(family=merged, persons=new_persons, allow_pending_nik=not snap["family_id"])


@transaction.atomic
def proposal_item_create_replacement(
    *,
    actor,
    musyawarah_id: int | None,
    target_family_id: int | None = None,
    target_person_id: int | None = None,
    deletion_reason: str,
    family: dict | None,
    persons: list[dict],
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> tuple[ProposalItem, ProposalItem]:
    """A pair decided together: a determined record out, a new family or individual in."""
    if earlier := _replayed(actor=actor, key=idempotency_key):
        return earlier, earlier.pair
    kind = ProposalItem.Kind.REPLACEMENT
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    reason = _deletion_reason(deletion_reason, kind=kind)
    snap = _open_target(
        actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id
    )
    fam, people = _clean_content(family=family, persons=persons, allow_pending_nik=True)
    common = {
        "actor": actor,
        "kind": kind,
        "channel": channel,
        "musyawarah": m,
        "village_code": m.village_code,
        "note": note,
    }
    out = _new_item(**common, key=idempotency_key, target=snap, deletion_reason=reason)
    inn = _new_item(**common, family=fam, persons=people, pair=out)
    return _pair(out, inn, actor=actor, ip=ip, halves=("out", "in"))


@transaction.atomic
def proposal_item_create_transfer(
    *,
    actor,
    musyawarah_id: int | None = None,
    target_family_id: int | None = None,
    target_person_id: int | None = None,
    destination_village: str,
    rt: str = "",
    rw: str = "",
    alamat: str = "",
    note: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> tuple[ProposalItem, ProposalItem]:
    """A pair: departure here (a deletion, reason PINDAH) and arrival in the destination village,
    whose regency verifies it. Applied only when both halves are accepted (determination)."""
    from dtks.regions.models import Level, Region

    if earlier := _replayed(actor=actor, key=idempotency_key):
        return earlier, earlier.pair
    kind = ProposalItem.Kind.TRANSFER
    channel, m = _actor_context(actor=actor, musyawarah_id=musyawarah_id, kind=kind)
    snap = _open_target(
        actor=actor, m=m, target_family_id=target_family_id, target_person_id=target_person_id
    )
    dest = (destination_village or "").replace(".", "").strip()
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
        "rt": rt,
        "rw": rw,
        "alamat": alamat,
        "is_family": bool(snap["family_id"]),
    }
    fam, people = _clean_content(
        family=arrival_family, persons=snap["persons"], allow_pending_nik=not snap["family_id"]
    )
    if not fam["alamat"]:
        raise ValidationError({"alamat": "Alamat di tempat tujuan wajib diisi."})
    common = {"actor": actor, "kind": kind, "channel": channel, "musyawarah": m, "note": note}
    out = _new_item(
        **common,
        village_code=snap["village_code"],
        key=idempotency_key,
        target=snap,
        deletion_reason="PINDAH",
    )
    inn = _new_item(**common, village_code=dest, family=fam, persons=people, pair=out)
    return _pair(out, inn, actor=actor, ip=ip, halves=("departure", "arrival"), origin=snap["village_code"])


def _may_edit(item: ProposalItem, actor) -> bool:
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
    if not _may_edit(item, actor):
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
        item.deletion_reason = _deletion_reason(deletion_reason, kind=item.kind)
        changed.append("deletion_reason")
    if persons is not None and (item.kind == ProposalItem.Kind.CORRECTION or not is_out_half):
        if item.kind == ProposalItem.Kind.CORRECTION:
            snap = _target_snapshot(
                actor=actor, target_family_id=item.target_family_id, target_person_id=item.target_person_id
            )
            fam, people = _corrected_content(snap, family, persons)
            item.diff = _diff(snap["family"], fam, snap["persons"], people)
            if not item.diff:
                raise ValidationError(
                    {"__all__": "Tidak ada isian yang diubah; ubah paling sedikit satu isian."}
                )
            changed.append("diff")
        else:
            is_family = bool(family) and family.get("is_family", True)
            fam, people = _clean_content(
                family={**(family or {}), "is_family": is_family} if family else None,
                persons=persons,
                allow_pending_nik=True,
            )
        _set_content(item, fam)
        _check_findings(item, people, actor)
        _write_persons(item, people)
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
