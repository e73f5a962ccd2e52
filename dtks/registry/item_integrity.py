"""Integrity engine, per-item form (DESIGN.md §7): one proposal item checked on entry.

    item_findings(item: Mapping, *, actor=None, rules: Collection[str] | None = None) -> list[dict]

`item` is plain data with the field names of proposals.models.ProposalItem / ProposalPerson:

    {"id": int | None,            # the saved item being re-checked (excluded from "other items")
     "pair_id": int | None,       # the other half of a replacement/transfer (never a duplicate of it)
     "kind", "channel", "village_code", "no_kk", "rt", "rw", "alamat",
     "house": {"status_kepemilikan", "atap", "dinding", "lantai", "sumber_air_minum",
               "penerangan", "fasilitas_bab"},
     "target_family_id", "target_person_id": int | None,  # the determined record it concerns
     "persons": [{"position", "nik", "nama", "tempat_lahir", "tanggal_lahir" (date or YYYY-MM-DD),
                  "jenis_kelamin", "status_perkawinan", "hubungan_keluarga",
                  "target_person_id": int | None}, ...]}

Returns the findings in a fixed order (item-level first, then by person position, then rule):

    [{"rule": "NIK_MISMATCH", "fields": ["tanggal_lahir"], "person": 0, "message": "…"}, ...]

`person` is the person's `position` (None for an item-level finding); messages are Bahasa Indonesia,
name the field and the fix, and are stored with the item as they are. A finding with rule
`NIK_INVALID` blocks saving (`blocks_saving(findings)`): the caller refuses the item with the
messages. Every other finding is stored with the item (`ProposalItem.findings`).

`actor` decides what a duplicate may reveal: another record in the actor's own scope is named
(registry person/family id, proposal item number, member position); one outside it only says
"sudah terdaftar di wilayah lain". No actor (public self-registration, a system task) → nothing is
named. `rules` overrides the configuration (IntegrityRule rows that are enabled) — tests only.

Rule semantics shared with the set-based form (`dtks.registry.integrity_items`, parity-tested):
- an item is a **family** when it has a `no_kk` or more than one person; otherwise an individual;
- a deletion carries no proposed content and gets no findings;
- a person without NIK is `NIK_PENDING` as an individual or in a ministry proposal, else `NIK_INVALID`
  ("NIK wajib");
- national rules compare valid NIKs with current registry persons and with the persons of other
  **open** items (not withdrawn/rejected/excluded/determined, not deletions, not the item's pair):
  `DUPLICATE_NIK` for another person with the NIK (a registry person targeted by the row's, the
  item's or its pair's `target_person_id`, or a member of the family the item or its pair targets, is
  the same person, not a duplicate); `MEMBER_OVERLAP`, for members of a family
  item, when the NIK is active in another registry family (other than the family the item or its pair
  targets) or is a member of another open family item.

Cost: one query for the rule configuration and at most one for the national lookups
(`nik = ANY(…)` over the indexed NIK columns), whatever the family's size.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import connection

from dtks.accounts.scope import REGION_LENGTH, ROLE_SCOPE, ScopeKind

from .identity import IdCheck, check_kk, check_nik, nik_mismatch, normalise_id
from .integrity import FAMILY_REQUIRED, PERSON_REQUIRED, enabled_rules

# The canonical order of rules within one person (or the item).
RULE_ORDER = (
    "NIK_INVALID",
    "NIK_PENDING",
    "NIK_MISMATCH",
    "DUPLICATE_NIK",
    "MEMBER_OVERLAP",
    "FAMILY_NOT_A_SET",
    "INCOMPLETE",
)
SAVE_BLOCKING = frozenset({"NIK_INVALID"})

# Items that still propose something: their persons count as "already proposed" elsewhere.
CLOSED_STATES = ("withdrawn", "rejected", "excluded", "determined")
DELETION = "deletion"
MINISTRY_CHANNEL = "ministry"
HEAD = "KEPALA KELUARGA"
HOUSE_FIELDS = (
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
)

LABELS = {
    "nik": "NIK",
    "no_kk": "Nomor KK",
    "nama": "Nama",
    "tempat_lahir": "Tempat lahir",
    "tanggal_lahir": "Tanggal lahir",
    "jenis_kelamin": "Jenis kelamin",
    "status_perkawinan": "Status perkawinan",
    "hubungan_keluarga": "Hubungan keluarga",
    "alamat": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "status_kepemilikan": "Status kepemilikan bangunan",
    "atap": "Atap",
    "dinding": "Dinding",
    "lantai": "Lantai",
    "sumber_air_minum": "Sumber air minum",
    "penerangan": "Penerangan",
    "fasilitas_bab": "Fasilitas BAB",
    "persons": "Anggota keluarga",
}
SEX = {"L": "laki-laki", "P": "perempuan"}
MAX_REFS = 5


# -- shared by both forms ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """Another record carrying the same valid NIK as one person of the checked item.

    src: "anggota" (another person of the same item; ref = position), "registri" (a current registry
    person; ref = person_id), "usulan" (a person of another open item; ref = item id).
    """

    src: str
    ref: int
    village_code: str = ""
    is_target: bool = False  # registri: the registry person the row, the item or its pair targets
    family_id: int | None = None  # registri: the person's active family
    family_village: str = ""
    family_excluded: bool = False  # registri: the family the item (or its pair) targets — its
    # members are the same persons (a correction, a family's transfer), not duplicates
    other_is_family: bool = False  # usulan: the other item is a family


def scope_prefixes(actor) -> tuple[str, ...] | None:
    """The region-code prefixes `actor` may see (None = everything), as `dtks.accounts.scope`."""
    if actor is None or isinstance(actor, str):
        return ()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return ()
    kind = ROLE_SCOPE.get(actor.role)
    code = actor.region_code or ""
    if kind == ScopeKind.NATIONAL:
        return None
    if kind in REGION_LENGTH:
        return (code,) if len(code) == REGION_LENGTH[kind] else ()
    if kind == ScopeKind.ASSIGNED_VILLAGES:
        return tuple(actor.assigned_villages.values_list("village_code", flat=True))
    return ()


def _visible(prefixes: tuple[str, ...] | None, village: str) -> bool:
    return prefixes is None or any(village and village.startswith(p) for p in prefixes)


def _refs_text(refs: list[tuple[str, int]]) -> str:
    names = {
        "anggota": "anggota urutan {} dalam usulan ini",
        "registri": "orang di registri (ID {})",
        "keluarga": "keluarga di registri (ID {})",
        "usulan": "usulan #{}",
    }
    shown = [names[k].format(v) for k, v in refs[:MAX_REFS]]
    more = len(refs) - MAX_REFS
    return ", ".join(shown) + (f" dan {more} lainnya" if more > 0 else "")


_KIND_ORDER = {"anggota": 0, "registri": 1, "keluarga": 2, "usulan": 3}


def national_findings(
    *, position: int, is_family: bool, matches: Iterable[Match], prefixes, rules: Collection[str]
) -> list[tuple]:
    """DUPLICATE_NIK and MEMBER_OVERLAP of one person from its matches (both forms call this)."""
    matches = list(matches)
    dup: set[tuple[str, int]] = set()
    dup_elsewhere = False
    over: set[tuple[str, int]] = set()
    over_elsewhere = False
    # A registry person is the same person when any of its rows is targeted or in a targeted family.
    same = {m.ref for m in matches if m.src == "registri" and (m.is_target or m.family_excluded)}
    for m in matches:
        if m.src == "anggota":
            dup.add(("anggota", m.ref))
            continue
        if m.src == "registri":
            if m.ref not in same:
                if _visible(prefixes, m.village_code):
                    dup.add(("registri", m.ref))
                else:
                    dup_elsewhere = True
            if is_family and m.family_id is not None and not m.family_excluded:
                if _visible(prefixes, m.family_village or m.village_code):
                    over.add(("keluarga", m.family_id))
                else:
                    over_elsewhere = True
            continue
        # another open item
        visible = _visible(prefixes, m.village_code)
        if visible:
            dup.add(("usulan", m.ref))
        else:
            dup_elsewhere = True
        if is_family and m.other_is_family:
            if visible:
                over.add(("usulan", m.ref))
            else:
                over_elsewhere = True
    out = []
    key = lambda r: (_KIND_ORDER[r[0]], r[1])  # noqa: E731
    if "DUPLICATE_NIK" in rules and (dup or dup_elsewhere):
        out.append(
            ("DUPLICATE_NIK", position, ["nik"], {"refs": sorted(dup, key=key), "elsewhere": dup_elsewhere})
        )
    if "MEMBER_OVERLAP" in rules and (over or over_elsewhere):
        out.append(
            (
                "MEMBER_OVERLAP",
                position,
                ["no_kk"],
                {"refs": sorted(over, key=key), "elsewhere": over_elsewhere},
            )
        )
    return out


def _ddmmyy(d: date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year % 100:02d}"


def render(rule: str, fields: list[str], detail: Mapping) -> str:
    """The message of one finding, from its rule, fields and detail (both forms call this)."""
    if rule == "NIK_INVALID":
        if detail["code"] == "required_in_family":
            return (
                "NIK wajib diisi untuk anggota keluarga; hanya individu di luar keluarga atau usulan "
                "Kementerian Sosial yang boleh tanpa NIK (NIK_PENDING). Isi 16 digit NIK sesuai KTP/KK."
            )
        return IdCheck(field="nik", value=detail.get("value")).message(detail["code"])
    if rule == "NIK_PENDING":
        return (
            "NIK belum ada: usulan boleh disimpan, tetapi orang ini tidak dapat ditetapkan sebelum NIK-nya "
            "dicatat. Isi NIK segera setelah terbit."
        )
    if rule == "NIK_MISMATCH":
        nik = detail["nik"]
        day = int(nik[6:8])
        sex = "P" if day > 40 else "L"
        nik_date = f"{day - 40 if day > 40 else day:02d}-{nik[8:10]}-{nik[10:12]}"
        parts = []
        if "tanggal_lahir" in fields:
            born = date.fromisoformat(detail["tanggal_lahir"])
            parts.append(
                f"Tanggal lahir ({_ddmmyy(born)}) tidak cocok dengan NIK: digit 7–12 NIK ({nik[6:12]}) "
                f"menunjukkan {nik_date} (perempuan: tanggal + 40)."
            )
        if "jenis_kelamin" in fields:
            parts.append(
                f"Jenis kelamin ({detail['jenis_kelamin']}) tidak cocok dengan NIK: digit 7–8 NIK "
                f"({nik[6:8]}) menunjukkan {SEX[sex]} (perempuan: tanggal + 40)."
            )
        return " ".join(parts) + " Periksa tanggal lahir/jenis kelamin atau NIK-nya."
    if rule == "INCOMPLETE":
        names = ", ".join(LABELS.get(f, f) for f in fields)
        return f"Data belum lengkap: {names} wajib diisi."
    if rule == "FAMILY_NOT_A_SET":
        reason = detail["reason"]
        if reason.startswith("no_kk:"):
            return IdCheck(field="no_kk", value=detail.get("value")).message(reason.partition(":")[2])
        if reason == "no_members":
            return "Keluarga tanpa anggota: tambahkan anggota keluarga sesuai KK."
        if reason == "no_head":
            return (
                "Keluarga tanpa kepala keluarga: isi Hubungan keluarga salah satu anggota dengan "
                "KEPALA KELUARGA."
            )
        return (
            f"Keluarga dengan {detail['heads']} kepala keluarga: tepat satu anggota boleh berhubungan "
            "keluarga KEPALA KELUARGA; perbaiki Hubungan keluarga yang lain."
        )
    if rule in ("DUPLICATE_NIK", "MEMBER_OVERLAP"):
        refs = [tuple(r) for r in detail["refs"]]
        if rule == "DUPLICATE_NIK":
            head = "NIK ini sudah dipakai"
            fix = "Periksa NIK-nya; bila orang yang sama, ajukan perbaikan data, bukan penambahan."
            elsewhere = "sudah terdaftar di wilayah lain"
        else:
            head = "Orang ini masih anggota aktif keluarga lain"
            fix = (
                "Pastikan orang ini dikeluarkan dari keluarga lain itu (usulan perbaikan atau perpindahan), "
                "atau periksa NIK-nya."
            )
            elsewhere = "masih anggota aktif keluarga lain di wilayah lain"
        if refs:
            text = f"{head}: {_refs_text(refs)}."
            if detail["elsewhere"]:
                text += f" NIK ini juga {elsewhere}."
            return f"{text} {fix}"
        return f"NIK ini {elsewhere}. {fix}"
    raise ValueError(rule)


def finalise(raw: Iterable[tuple]) -> list[dict]:
    """(rule, position|None, fields, detail) tuples → findings in the canonical order."""
    rows = sorted(
        raw,
        key=lambda f: (-1 if f[1] is None else f[1], RULE_ORDER.index(f[0]), f[2]),
    )
    return [{"rule": r, "fields": list(fl), "person": p, "message": render(r, fl, d)} for r, p, fl, d in rows]


def blocks_saving(findings: Iterable[Mapping]) -> bool:
    return any(f["rule"] in SAVE_BLOCKING for f in findings)


# -- the per-item form ------------------------------------------------------------------------------


WHITESPACE = " \t\r\n"  # what the SQL form's btrim removes


def _text(value) -> str:
    return "" if value is None else str(value).strip(WHITESPACE)


def _code(value) -> str:
    return _text(value).upper().replace("_", " ")


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


_NATIONAL_SQL = """
SELECT 'registri', r.nik, r.person_id, r.village_code, m.family_id, coalesce(f.village_code, ''), false
FROM registry_personversion r
LEFT JOIN registry_membershipversion m ON m.person_id = r.person_id AND m.published AND m.valid_to IS NULL
LEFT JOIN registry_familyversion f ON f.family_id = m.family_id AND f.published AND f.valid_to IS NULL
WHERE r.published AND r.valid_to IS NULL AND r.nik = ANY(%(niks)s)
UNION ALL
SELECT 'usulan', op.nik, o.id, o.village_code, NULL, '',
       btrim(o.no_kk) <> '' OR (SELECT count(*) FROM proposals_proposalperson c WHERE c.item_id = o.id) > 1
FROM proposals_proposalperson op
JOIN proposals_proposalitem o ON o.id = op.item_id
WHERE op.nik = ANY(%(niks)s) AND o.state <> ALL(%(closed)s) AND o.kind <> %(deletion)s
  AND o.id IS DISTINCT FROM %(self)s::bigint AND o.id IS DISTINCT FROM %(pair)s::bigint
  AND o.pair_id IS DISTINCT FROM %(self)s::bigint
UNION ALL
SELECT 'pair', NULL, target_family_id, '', target_person_id, '', false
FROM proposals_proposalitem
WHERE id = %(pair)s::bigint OR pair_id = %(self)s::bigint
"""


def item_findings(item: Mapping, *, actor=None, rules: Collection[str] | None = None) -> list[dict]:
    """The integrity findings of one proposal item (see the module docstring)."""
    rules = enabled_rules() if rules is None else frozenset(rules) | SAVE_BLOCKING
    if item.get("kind") == DELETION:
        return []
    persons = [
        {**p, "position": p.get("position", index)} for index, p in enumerate(item.get("persons") or [])
    ]
    no_kk = _text(item.get("no_kk"))
    is_family = bool(no_kk) or len(persons) > 1
    ministry = item.get("channel") == MINISTRY_CHANNEL
    raw: list[tuple] = []
    valid: dict[int, str] = {}  # position -> normalised valid NIK

    for p in persons:
        pos = p["position"]
        nik = normalise_id(p.get("nik"))
        if nik is None:
            if is_family and not ministry:
                raw.append(("NIK_INVALID", pos, ["nik"], {"code": "required_in_family", "value": None}))
            elif "NIK_PENDING" in rules:
                raw.append(("NIK_PENDING", pos, ["nik"], {}))
        else:
            check = check_nik(nik)
            if check.errors:
                raw.append(("NIK_INVALID", pos, ["nik"], {"code": check.errors[0], "value": nik}))
            else:
                valid[pos] = nik
                born = _date(p.get("tanggal_lahir"))
                sex = _code(p.get("jenis_kelamin"))
                wrong = nik_mismatch(check, birth_date=born, sex=sex)
                if wrong and "NIK_MISMATCH" in rules:
                    detail = {
                        "nik": nik,
                        "tanggal_lahir": born.isoformat() if born else None,
                        "jenis_kelamin": sex,
                    }
                    raw.append(("NIK_MISMATCH", pos, wrong, detail))
        if "INCOMPLETE" in rules:
            missing = []
            for f in PERSON_REQUIRED:
                if f == "alamat":
                    if not is_family and not _text(item.get("alamat")):
                        missing.append(f)
                elif f == "tanggal_lahir":
                    if _date(p.get(f)) is None:
                        missing.append(f)
                elif not _text(p.get(f)):
                    missing.append(f)
            if is_family and not _text(p.get("hubungan_keluarga")):
                missing.append("hubungan_keluarga")
            if missing:
                raw.append(("INCOMPLETE", pos, missing, {}))

    if is_family and "FAMILY_NOT_A_SET" in rules:
        kk = normalise_id(no_kk)
        kk_check = check_kk(kk)
        if kk is None:
            raw.append(("FAMILY_NOT_A_SET", None, ["no_kk"], {"reason": "no_kk:required", "value": None}))
        elif kk_check.errors:
            raw.append(
                ("FAMILY_NOT_A_SET", None, ["no_kk"], {"reason": f"no_kk:{kk_check.errors[0]}", "value": kk})
            )
        heads = sum(1 for p in persons if _code(p.get("hubungan_keluarga")) == HEAD)
        if not persons:
            raw.append(("FAMILY_NOT_A_SET", None, ["persons"], {"reason": "no_members", "heads": 0}))
        elif heads != 1:
            reason = "no_head" if heads == 0 else "several_heads"
            raw.append(("FAMILY_NOT_A_SET", None, ["hubungan_keluarga"], {"reason": reason, "heads": heads}))
    if is_family and "INCOMPLETE" in rules:
        house = item.get("house") or {}
        missing = [
            f for f in FAMILY_REQUIRED if not _text(house.get(f) if f in HOUSE_FIELDS else item.get(f))
        ]
        if missing:
            raw.append(("INCOMPLETE", None, missing, {}))

    national = {"DUPLICATE_NIK", "MEMBER_OVERLAP"} & set(rules)
    if valid and national:
        rows = _national_rows(item, sorted(set(valid.values())))
        pair_rows = [r for r in rows if r[0] == "pair"]  # (…, target_family_id, …, target_person_id, …)
        excluded = {item.get("target_family_id")} | {r[2] for r in pair_rows}
        excluded.discard(None)
        item_targets = {item.get("target_person_id")} | {r[4] for r in pair_rows}
        item_targets.discard(None)
        prefixes = scope_prefixes(actor)
        targets = {p["position"]: p.get("target_person_id") for p in persons}
        for pos, nik in valid.items():
            found = [Match("anggota", other) for other, n in valid.items() if n == nik and other != pos]
            for src, rnik, ref, village, family_id, family_village, other_is_family in rows:
                if rnik != nik:
                    continue
                if src == "registri":
                    found.append(
                        Match(
                            "registri",
                            ref,
                            village,
                            is_target=ref == targets[pos] or ref in item_targets,
                            family_id=family_id,
                            family_village=family_village,
                            family_excluded=family_id in excluded,
                        )
                    )
                elif src == "usulan":
                    found.append(Match("usulan", ref, village, other_is_family=bool(other_is_family)))
            raw.extend(
                national_findings(
                    position=pos, is_family=is_family, matches=found, prefixes=prefixes, rules=rules
                )
            )
    return finalise(raw)


def _national_rows(item: Mapping, niks: list[str]) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            _NATIONAL_SQL,
            {
                "niks": niks,
                "closed": list(CLOSED_STATES),
                "deletion": DELETION,
                "self": item.get("id"),
                "pair": item.get("pair_id"),
            },
        )
        return cur.fetchall()


ITEM_PERSON_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "target_person_id",
)


def item_data(item, persons: list[Mapping] | None = None) -> dict:
    """A ProposalItem as the plain data `item_findings` takes: with its saved persons, or with
    `persons` — content not saved yet, as dicts in their order."""
    if persons is None:
        people = [
            {"position": p.position, **{f: getattr(p, f) for f in ITEM_PERSON_FIELDS}}
            for p in item.persons.all()
        ]
    else:
        people = [{"position": i, **{f: p.get(f) for f in ITEM_PERSON_FIELDS}} for i, p in enumerate(persons)]
    return {
        "id": item.pk,
        "pair_id": item.pair_id,
        "kind": item.kind,
        "channel": item.channel,
        "village_code": item.village_code,
        "no_kk": item.no_kk,
        "rt": item.rt,
        "rw": item.rw,
        "alamat": item.alamat,
        "house": item.house or {},
        "target_family_id": item.target_family_id,
        "target_person_id": item.target_person_id,
        "persons": people,
    }
