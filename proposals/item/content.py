"""The content of a proposal item: what a family or an individual proposes, checked before it is saved.

Item content arrives as plain data (from a page's forms, the API's serializers or a channel's form),
is checked here (format errors and NIK_INVALID block saving, named per field; the integrity engine's
other findings are stored with the item) and is written with its persons. Keys of ValidationError
dicts name the field: "no_kk", "persons.2.nik", "house.atap", "target", ….
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from dtks.registry.fields import FAMILY_FIELDS, HEAD, HOUSE_FIELDS, PERSON_FIELDS

from .models import OPEN_STATES, ProposalItem


def _item_findings(*, item: ProposalItem, persons: list[dict], actor) -> list[dict]:
    """Findings of the per-item integrity engine (proposals/item/integrity.py) for unsaved content."""
    from .integrity import item_data, item_findings

    return item_findings(item_data(item, persons), actor=actor)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _codes(list_name: str) -> set[str]:
    from dtks.registry.models import Code

    return set(Code.objects.filter(list=list_name, active=True).values_list("code", flat=True))


class _Errors(dict):
    """Messages per field key ("no_kk", "persons.2.nik", "house.atap"), as ValidationError takes them."""

    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)


def clean_content(
    *, family: dict | None, persons: list[dict], allow_pending_nik: bool
) -> tuple[dict, list[dict]]:
    """Format checks that block saving (docs/design.md §7): each error names its field and the fix."""
    errors = _Errors()
    fam, house, in_family = _clean_family(family, errors)
    if not persons:
        errors.add("persons", "Tambahkan paling sedikit satu orang.")
    context = {
        "in_family": in_family,
        "allow_pending_nik": allow_pending_nik,
        "marital": _codes("status_perkawinan"),
        "relations": _codes("hubungan_keluarga"),
        "today": timezone.localdate(),
        "seen": {},
    }
    cleaned = [_clean_person(i, raw, errors=errors, **context) for i, raw in enumerate(persons)]
    if errors:
        raise ValidationError(dict(errors))
    fam["house"] = house if in_family else {}
    if not in_family:
        fam["no_kk"] = ""
    return fam, cleaned


def _clean_family(family: dict | None, errors: _Errors) -> tuple[dict, dict, bool]:
    from dtks.registry.identity import check_kk

    fam = {k: (str((family or {}).get(k) or "")).strip() for k in FAMILY_FIELDS}
    house = {k: (str(((family or {}).get("house") or {}).get(k) or "")).strip() for k in HOUSE_FIELDS}
    wants_family = bool(family) and bool(family.get("is_family", True))
    in_family = wants_family and not _blank(family.get("no_kk"))
    if wants_family and _blank(family.get("no_kk")):
        errors.add("no_kk", "Nomor KK wajib diisi untuk usulan keluarga (16 digit).")
    if fam["no_kk"]:
        kk = check_kk(fam["no_kk"])
        for m in kk.messages if kk.errors else []:
            errors.add("no_kk", m)
        if not kk.errors:
            fam["no_kk"] = kk.value or ""
    for key in ("rt", "rw"):
        v = fam[key]
        if v and not (v.isdigit() and len(v) <= 3):
            errors.add(key, f"{key.upper()} harus angka, paling banyak 3 digit (misalnya 003).")
        elif v:
            fam[key] = v.zfill(3)
    if len(fam["alamat"]) > 255:
        errors.add("alamat", "Alamat paling panjang 255 karakter.")
    for key, value in house.items():
        if value and value not in _codes(key):
            errors.add(f"house.{key}", f"Pilihan {key.replace('_', ' ')} tidak dikenal; pilih dari daftar.")
    return fam, house, in_family


TEXT_PERSON_FIELDS = tuple(
    f for f in PERSON_FIELDS if f not in ("tanggal_lahir", "kriteria", "disabilitas", "program")
)


def _clean_person(
    i: int, raw: dict, *, errors: _Errors, in_family: bool, relations: set, marital: set, **context
) -> dict:
    key = f"persons.{i}"
    p = {k: raw.get(k) for k in PERSON_FIELDS}
    for k in TEXT_PERSON_FIELDS:
        p[k] = "" if p[k] is None else str(p[k]).strip()
    for k in ("kriteria", "disabilitas", "program"):
        p[k] = [str(c) for c in (p[k] or [])]
    p["nik"] = _clean_nik(p["nik"], key=key, index=i, errors=errors, in_family=in_family, **context)
    if not p["nama"]:
        errors.add(f"{key}.nama", "Nama wajib diisi.")
    elif len(p["nama"]) > 150:
        errors.add(f"{key}.nama", "Nama paling panjang 150 karakter.")
    p["tanggal_lahir"] = _clean_birth(p["tanggal_lahir"], key=key, errors=errors, today=context["today"])
    if p["jenis_kelamin"] and p["jenis_kelamin"].upper() not in ("L", "P"):
        errors.add(f"{key}.jenis_kelamin", "Jenis kelamin harus L (laki-laki) atau P (perempuan).")
    p["jenis_kelamin"] = p["jenis_kelamin"].upper()
    if p["status_perkawinan"] and p["status_perkawinan"] not in marital:
        errors.add(f"{key}.status_perkawinan", "Status perkawinan tidak dikenal; pilih dari daftar.")
    if in_family and p["hubungan_keluarga"] and p["hubungan_keluarga"] not in relations:
        errors.add(f"{key}.hubungan_keluarga", "Hubungan keluarga tidak dikenal; pilih dari daftar.")
    if not in_family:
        p["hubungan_keluarga"] = ""
    p["target_person_id"] = raw.get("target_person_id")
    return p


def _clean_nik(
    nik: str,
    *,
    key: str,
    index: int,
    errors: _Errors,
    in_family: bool,
    allow_pending_nik: bool,
    seen: dict,
    **_context,
) -> str:
    """The NIK normalised; one NIK twice in an item, or a family member without one, is an error."""
    from dtks.registry.identity import check_nik

    if not nik:
        if in_family or not allow_pending_nik:
            errors.add(f"{key}.nik", "NIK wajib diisi untuk anggota keluarga (16 digit).")
        return nik
    check = check_nik(nik)
    if check.errors:
        for m in check.messages:
            errors.add(f"{key}.nik", m)
        return nik
    if check.value in seen:
        errors.add(
            f"{key}.nik", f"NIK ini sudah dipakai orang ke-{seen[check.value] + 1} dalam usulan yang sama."
        )
    seen[check.value] = index
    return check.value


def _clean_birth(born, *, key: str, errors: _Errors, today: date) -> date | None:
    if isinstance(born, str) and born:
        try:
            born = date.fromisoformat(born)
        except ValueError:
            errors.add(f"{key}.tanggal_lahir", "Tanggal lahir harus tanggal yang ada (YYYY-MM-DD).")
            return None
    if isinstance(born, date) and born > today:
        errors.add(f"{key}.tanggal_lahir", "Tanggal lahir tidak boleh di masa depan.")
    return born or None


class TargetNotFound(ValidationError):
    """The record named is not in the actor's scope (or does not exist): the API answers 404."""


def target_snapshot(*, actor, target_family_id: int | None, target_person_id: int | None) -> dict:
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


def open_target(*, actor, m, target_family_id: int | None, target_person_id: int | None) -> dict:
    """`target_snapshot` of a record an item may still be filed on: in the musyawarah's village
    (if any) and without another item open on it."""
    snap = target_snapshot(actor=actor, target_family_id=target_family_id, target_person_id=target_person_id)
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


def deletion_reason_code(reason: str, *, kind: str) -> str:
    reason = (reason or "").strip().upper()
    if reason not in _codes("alasan_penghapusan"):
        raise ValidationError({"deletion_reason": "Pilih alasan penghapusan dari daftar."})
    if reason == "PINDAH" and kind == ProposalItem.Kind.DELETION:
        raise ValidationError(
            {"deletion_reason": "Untuk warga yang pindah, catat usulan perpindahan (bukan penghapusan)."}
        )
    return reason


def write_persons(item: ProposalItem, persons: list[dict]) -> None:
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


def set_content(item: ProposalItem, family: dict) -> None:
    for k in FAMILY_FIELDS:
        setattr(item, k, family.get(k) or "")
    item.house = family.get("house") or {}


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


def content_diff(
    old_family: dict,
    new_family: dict,
    old_persons: list[dict],
    new_persons: list[dict],
    *,
    by: str = "target_person_id",
) -> dict:
    """{"field": [old, new]} per changed family field, person fields under "persons" keyed by `by`
    (the registry person id of a correction; the position within the item for a verifier's
    correction of proposed content, where persons added or removed are listed as such)."""
    diff: dict = {}
    for k in FAMILY_FIELDS:
        if (old_family.get(k) or "") != (new_family.get(k) or ""):
            diff[k] = [old_family.get(k) or "", new_family.get(k) or ""]
    for k in HOUSE_FIELDS:
        old, new = (old_family.get("house") or {}).get(k) or "", (new_family.get("house") or {}).get(k) or ""
        if old != new:
            diff[k] = [old, new]
    persons = _persons_diff(old_persons, new_persons, by=by)
    if persons:
        diff["persons"] = persons
    return diff


def _persons_diff(old_persons: list[dict], new_persons: list[dict], *, by: str) -> dict:
    def key(index: int, p: dict):
        return index if by == "position" else p.get(by)

    before_by_key = {key(i, p): p for i, p in enumerate(old_persons)}
    persons: dict = {}
    for i, p in enumerate(new_persons):
        before = before_by_key.get(key(i, p))
        if before is None:
            if by == "position":
                persons[str(i)] = {"added": p.get("nama") or ""}
            continue
        changed = {
            k: [_plain(before.get(k)), _plain(p.get(k))]
            for k in PERSON_FIELDS
            if (before.get(k) or None) != (p.get(k) or None)
        }
        if changed:
            persons[str(key(i, p))] = changed
    if by == "position":
        for i in range(len(new_persons), len(old_persons)):
            persons[str(i)] = {"removed": old_persons[i].get("nama") or ""}
    return persons


def item_content(item: ProposalItem) -> tuple[dict, list[dict]]:
    """An item's proposed content as the services take it: (family, persons)."""
    family = {k: getattr(item, k) for k in FAMILY_FIELDS}
    family["house"] = dict(item.house or {})
    family["is_family"] = bool(item.no_kk) or item.persons.count() > 1
    persons = [
        {"target_person_id": p.target_person_id, **{k: getattr(p, k) for k in PERSON_FIELDS}}
        for p in item.persons.order_by("position")
    ]
    return family, persons


def check_findings(item: ProposalItem, persons: list[dict], actor) -> None:
    """NIK_INVALID blocks saving (named per person and field); other findings are stored."""
    from .integrity import blocks_saving

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


def corrected_content(snap: dict, family: dict | None, persons: list[dict]) -> tuple[dict, list[dict]]:
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
    return clean_content(family=merged, persons=new_persons, allow_pending_nik=not snap["family_id"])
