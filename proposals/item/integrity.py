"""Integrity engine over proposal items, per-item form (docs/design.md §7): one item checked on entry.
The rules' configuration, the identity checks and the required attributes are the registry's
(dtks/registry/); what an open item is, and the SQL over the item tables, are this stage's.

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

Rule semantics shared with the set-based form (`proposals.item.integrity_set`, parity-tested):
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

from dtks.accounts.scope import scope_of
from dtks.civil.checking import RULES as CIVIL_RULES
from dtks.civil.checking import records_check
from dtks.civil.matching import Record
from dtks.civil.messages import render as civil_render
from dtks.registry.fields import HEAD, HOUSE_FIELDS, IDENTITY_FIELDS, label_id
from dtks.registry.identity import IdCheck, check_kk, check_nik, nik_mismatch, normalise_id
from dtks.registry.integrity import FAMILY_REQUIRED, PERSON_REQUIRED, enabled_rules

from .models import OPEN_STATES, ProposalItem

# The canonical order of rules within one person (or the item).
RULE_ORDER = (
    "NIK_INVALID",
    "NIK_PENDING",
    "NIK_MISMATCH",
    "DUPLICATE_NIK",
    "MEMBER_OVERLAP",
    "FAMILY_NOT_A_SET",
    "INCOMPLETE",
    "CIVIL_REGISTRY_MISMATCH",
    "CIVIL_REGISTRY_UNAVAILABLE",
)
SAVE_BLOCKING = frozenset({"NIK_INVALID"})
# Findings that keep their structured detail next to the message: the civil-registry comparison
# shows both values side by side (templates/civil/_comparison.html).
DETAILED = frozenset(CIVIL_RULES)

# Items that no longer propose anything; the persons of every other item count as "already
# proposed" elsewhere.
CLOSED_STATES = tuple(sorted(set(ProposalItem.State.values) - OPEN_STATES))
DELETION = ProposalItem.Kind.DELETION.value
MINISTRY_CHANNEL = ProposalItem.Channel.MINISTRY.value

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
    """The region-code prefixes `actor` may see (None = everything): the one scope rule's
    (dtks.accounts.scope), for naming duplicates; no actor or a system actor sees nothing."""
    if actor is None or isinstance(actor, str):
        return ()
    return scope_of(actor).prefixes


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


class _Refs:
    """The other records a finding names: those in the caller's scope by reference, the rest only as
    "elsewhere"."""

    def __init__(self, prefixes):
        self.prefixes, self.named, self.elsewhere = prefixes, set(), False

    def add(self, kind: str, ref: int, village: str) -> None:
        if _visible(self.prefixes, village):
            self.named.add((kind, ref))
        else:
            self.elsewhere = True

    def detail(self) -> dict:
        return {
            "refs": sorted(self.named, key=lambda r: (_KIND_ORDER[r[0]], r[1])),
            "elsewhere": self.elsewhere,
        }

    def __bool__(self) -> bool:
        return bool(self.named) or self.elsewhere


def national_findings(
    *, position: int, is_family: bool, matches: Iterable[Match], prefixes, rules: Collection[str]
) -> list[tuple]:
    """DUPLICATE_NIK and MEMBER_OVERLAP of one person from its matches (both forms call this)."""
    matches = list(matches)
    dup, over = _Refs(prefixes), _Refs(prefixes)
    # A registry person is the same person when any of its rows is targeted or in a targeted family.
    same = {m.ref for m in matches if m.src == "registri" and (m.is_target or m.family_excluded)}
    for m in matches:
        if m.src == "anggota":
            dup.named.add(("anggota", m.ref))
        elif m.src == "registri":
            if m.ref not in same:
                dup.add("registri", m.ref, m.village_code)
            if is_family and m.family_id is not None and not m.family_excluded:
                over.add("keluarga", m.family_id, m.family_village or m.village_code)
        else:  # another open item
            dup.add("usulan", m.ref, m.village_code)
            if is_family and m.other_is_family:
                over.add("usulan", m.ref, m.village_code)
    out = []
    if "DUPLICATE_NIK" in rules and dup:
        out.append(("DUPLICATE_NIK", position, ["nik"], dup.detail()))
    if "MEMBER_OVERLAP" in rules and over:
        out.append(("MEMBER_OVERLAP", position, ["no_kk"], over.detail()))
    return out


def _ddmmyy(d: date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year % 100:02d}"


def _render_nik_invalid(fields: list[str], detail: Mapping) -> str:
    if detail["code"] == "required_in_family":
        return (
            "NIK wajib diisi untuk anggota keluarga; hanya individu di luar keluarga atau usulan "
            "Kementerian Sosial yang boleh tanpa NIK (NIK_PENDING). Isi 16 digit NIK sesuai KTP/KK."
        )
    return IdCheck(field="nik", value=detail.get("value")).message(detail["code"])


def _render_nik_pending(fields: list[str], detail: Mapping) -> str:
    return (
        "NIK belum ada: usulan boleh disimpan, tetapi orang ini tidak dapat ditetapkan sebelum NIK-nya "
        "dicatat. Isi NIK segera setelah terbit."
    )


def _render_nik_mismatch(fields: list[str], detail: Mapping) -> str:
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


def _render_incomplete(fields: list[str], detail: Mapping) -> str:
    names = ", ".join(label_id(f) for f in fields)
    return f"Data belum lengkap: {names} wajib diisi."


def _render_family_not_a_set(fields: list[str], detail: Mapping) -> str:
    reason = detail["reason"]
    if reason.startswith("no_kk:"):
        return IdCheck(field="no_kk", value=detail.get("value")).message(reason.partition(":")[2])
    if reason == "no_members":
        return "Keluarga tanpa anggota: tambahkan anggota keluarga sesuai KK."
    if reason == "no_head":
        return (
            "Keluarga tanpa kepala keluarga: isi Hubungan keluarga salah satu anggota dengan KEPALA KELUARGA."
        )
    return (
        f"Keluarga dengan {detail['heads']} kepala keluarga: tepat satu anggota boleh berhubungan "
        "keluarga KEPALA KELUARGA; perbaiki Hubungan keluarga yang lain."
    )


# The national rules' message: (what is wrong, what to do, how a record outside the scope is named).
_NATIONAL_TEXT = {
    "DUPLICATE_NIK": (
        "NIK ini sudah dipakai",
        "Periksa NIK-nya; bila orang yang sama, ajukan perbaikan data, bukan penambahan.",
        "sudah terdaftar di wilayah lain",
    ),
    "MEMBER_OVERLAP": (
        "Orang ini masih anggota aktif keluarga lain",
        "Pastikan orang ini dikeluarkan dari keluarga lain itu (usulan perbaikan atau perpindahan), "
        "atau periksa NIK-nya.",
        "masih anggota aktif keluarga lain di wilayah lain",
    ),
}


def _national_renderer(rule: str):
    head, fix, elsewhere = _NATIONAL_TEXT[rule]

    def render_national(fields: list[str], detail: Mapping) -> str:
        refs = [tuple(r) for r in detail["refs"]]
        if not refs:
            return f"NIK ini {elsewhere}. {fix}"
        text = f"{head}: {_refs_text(refs)}."
        if detail["elsewhere"]:
            text += f" NIK ini juga {elsewhere}."
        return f"{text} {fix}"

    return render_national


RENDERERS = {
    "NIK_INVALID": _render_nik_invalid,
    "NIK_PENDING": _render_nik_pending,
    "NIK_MISMATCH": _render_nik_mismatch,
    "INCOMPLETE": _render_incomplete,
    "FAMILY_NOT_A_SET": _render_family_not_a_set,
    "DUPLICATE_NIK": _national_renderer("DUPLICATE_NIK"),
    "MEMBER_OVERLAP": _national_renderer("MEMBER_OVERLAP"),
    "CIVIL_REGISTRY_MISMATCH": lambda fields, detail: civil_render("CIVIL_REGISTRY_MISMATCH", fields, detail),
    "CIVIL_REGISTRY_UNAVAILABLE": lambda fields, detail: civil_render(
        "CIVIL_REGISTRY_UNAVAILABLE", fields, detail
    ),
}


def render(rule: str, fields: list[str], detail: Mapping) -> str:
    """The message of one finding, from its rule, fields and detail (both forms call this)."""
    if rule not in RENDERERS:
        raise ValueError(rule)
    return RENDERERS[rule](fields, detail)


def finalise(raw: Iterable[tuple]) -> list[dict]:
    """(rule, position|None, fields, detail) tuples → findings in the canonical order."""
    rows = sorted(
        raw,
        key=lambda f: (-1 if f[1] is None else f[1], RULE_ORDER.index(f[0]), f[2]),
    )
    return [
        {"rule": r, "fields": list(fl), "person": p, "message": render(r, fl, d)}
        | ({"detail": d} if r in DETAILED else {})
        for r, p, fl, d in rows
    ]


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
        raw.extend(
            _person_findings(p, item, valid=valid, is_family=is_family, ministry=ministry, rules=rules)
        )
    if is_family:
        raw.extend(_family_findings(item, persons, no_kk=no_kk, rules=rules))
    national = {"DUPLICATE_NIK", "MEMBER_OVERLAP"} & set(rules)
    if valid and national:
        raw.extend(
            _item_national_findings(item, persons, valid, is_family=is_family, actor=actor, rules=rules)
        )
    if valid and set(CIVIL_RULES) & set(rules):
        raw.extend(_civil_findings(item, persons, valid, rules=rules))
    return finalise(raw)


def _civil_findings(item: Mapping, persons: list[dict], valid: dict, *, rules) -> list:
    """CIVIL_REGISTRY_* of the persons with a valid NIK: one lookup in the configured source. The
    values are read as the set-based form reads them (`integrity_set._CIVIL_PROBE`)."""
    kk = normalise_id(item.get("no_kk")) or ""
    records = {
        p["position"]: Record(
            nik=valid[p["position"]],
            nama=_text(p.get("nama")),
            tanggal_lahir=_date(p.get("tanggal_lahir")),
            jenis_kelamin=_code(p.get("jenis_kelamin")),
            no_kk=kk,
            village_code=_text(item.get("village_code")),
            alamat=_text(item.get("alamat")),
        )
        for p in persons
        if p["position"] in valid
    }
    return [
        (rule, pos, fields, detail)
        for pos, (rule, fields, detail) in records_check(records, rules=rules).items()
    ]


def _person_findings(
    p: Mapping, item: Mapping, *, valid: dict, is_family: bool, ministry: bool, rules
) -> list:
    """The record rules of one person; a valid NIK is noted in `valid` for the national rules."""
    raw = []
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
            raw.extend(_mismatch(check, p, nik=nik, pos=pos, rules=rules))
    if "INCOMPLETE" in rules:
        missing = _person_missing(p, item, is_family=is_family)
        if missing:
            raw.append(("INCOMPLETE", pos, missing, {}))
    return raw


def _mismatch(check: IdCheck, p: Mapping, *, nik: str, pos: int, rules) -> list:
    born = _date(p.get("tanggal_lahir"))
    sex = _code(p.get("jenis_kelamin"))
    wrong = nik_mismatch(check, birth_date=born, sex=sex)
    if not wrong or "NIK_MISMATCH" not in rules:
        return []
    detail = {"nik": nik, "tanggal_lahir": born.isoformat() if born else None, "jenis_kelamin": sex}
    return [("NIK_MISMATCH", pos, wrong, detail)]


def _person_missing(p: Mapping, item: Mapping, *, is_family: bool) -> list[str]:
    def absent(f: str) -> bool:
        if f == "alamat":  # an individual's address is its item's; a family member's is the family's
            return not is_family and not _text(item.get("alamat"))
        if f == "tanggal_lahir":
            return _date(p.get(f)) is None
        return not _text(p.get(f))

    missing = [f for f in PERSON_REQUIRED if absent(f)]
    if is_family and not _text(p.get("hubungan_keluarga")):
        missing.append("hubungan_keluarga")
    return missing


def _family_findings(item: Mapping, persons: list[dict], *, no_kk: str, rules) -> list:
    raw = []
    if "FAMILY_NOT_A_SET" in rules:
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
    if "INCOMPLETE" in rules:
        house = item.get("house") or {}
        missing = [
            f for f in FAMILY_REQUIRED if not _text(house.get(f) if f in HOUSE_FIELDS else item.get(f))
        ]
        if missing:
            raw.append(("INCOMPLETE", None, missing, {}))
    return raw


def _item_national_findings(
    item: Mapping, persons: list[dict], valid: dict, *, is_family: bool, actor, rules
) -> list:
    """DUPLICATE_NIK and MEMBER_OVERLAP of the item's valid NIKs: one query for the other records."""
    rows = _national_rows(item, sorted(set(valid.values())))
    pair_rows = [r for r in rows if r[0] == "pair"]  # (…, target_family_id, …, target_person_id, …)
    excluded = {item.get("target_family_id")} | {r[2] for r in pair_rows}
    excluded.discard(None)
    item_targets = {item.get("target_person_id")} | {r[4] for r in pair_rows}
    item_targets.discard(None)
    prefixes = scope_prefixes(actor)
    targets = {p["position"]: p.get("target_person_id") for p in persons}
    raw = []
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
    return raw


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


ITEM_PERSON_FIELDS = (*IDENTITY_FIELDS, "target_person_id")


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
