"""Comparing a person with the civil registry's record of the same NIK (docs/civil_registry.md).

    compare(ours: Record, theirs: Record | None, rules: NameRules) -> list[dict]

returns the parts that differ, each with both values — an empty list is a match:

    [{"part": "nama", "ours": "Siti Aminah", "theirs": "SITI AMINA", "score": 82}, ...]

Parts: `not_found` (Dukcapil has no such NIK); `other_person` (the NIK belongs to somebody else in the
civil registry: the name is unlike and the birth date or sex differs too — only that is said, never that
person's data); `nama`; `tanggal_lahir` (with `"swapped": true` when day and month are swapped);
`jenis_kelamin`; `no_kk`; `kode_wilayah` (the village of the current address, with both free-text
addresses shown; never the NIK's own region, which may predate a region split).

An empty value on our side is not compared (INCOMPLETE already reports it). Both forms of the integrity
engine call this one function, so they agree (the set-based form first drops, in SQL, the rows whose
values are equal on every part, which this function would call a match).
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz import fuzz

# Below this similarity, with another birth date or sex as well, the NIK is somebody else's.
OTHER_PERSON_BELOW = 60

PARTS = ("not_found", "other_person", "nama", "tanggal_lahir", "jenis_kelamin", "no_kk", "kode_wilayah")
# The item's field each part is about (the finding's `fields`).
PART_FIELDS = {
    "not_found": "nik",
    "other_person": "nik",
    "nama": "nama",
    "tanggal_lahir": "tanggal_lahir",
    "jenis_kelamin": "jenis_kelamin",
    "no_kk": "no_kk",
    "kode_wilayah": "kode_wilayah",
}


@dataclass(frozen=True)
class Record:
    nik: str
    nama: str = ""
    tanggal_lahir: date | None = None
    jenis_kelamin: str = ""
    no_kk: str = ""
    village_code: str = ""
    alamat: str = ""
    tempat_lahir: str = ""


@dataclass(frozen=True)
class NameRules:
    threshold: int = 88
    titles: tuple[str, ...] = ()
    patronyms: tuple[str, ...] = ()


# -- names ---------------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['`’‘]")
_PUNCT = re.compile(r"[^\w\s]|_")


def _fold(text: str) -> str:
    """Upper case, accents and apostrophes dropped, other punctuation as a space, spaces collapsed.

    It starts from `" ".join(text.split()).upper()`, so two names equal in that form (what the
    set-based engine compares in SQL) are equal here too."""
    text = " ".join(str(text or "").split()).upper()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    return " ".join(_PUNCT.sub(" ", text).split())


def parse_list(text: str) -> tuple[str, ...]:
    """A configured comma-separated list, each entry folded like a name ("S.Pd." → "S PD")."""
    return tuple(
        sorted({f for f in (_fold(t) for t in str(text or "").split(",")) if f}, key=len, reverse=True)
    )


@lru_cache(maxsize=32)
def _title_pattern(titles: tuple[str, ...]) -> re.Pattern | None:
    if not titles:
        return None
    # Longest first, so "S PD I" goes before "S PD"; whole words only.
    alternatives = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    return re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")


def normalise_name(text: str, rules: NameRules) -> str:
    """The name as compared: folded, titles and honorifics dropped, and from bin/binti on cut off."""
    name = _fold(text)
    words = name.split()
    for i, w in enumerate(words):
        if i > 0 and w in rules.patronyms:
            words = words[:i]
            break
    name = " ".join(words)
    pattern = _title_pattern(rules.titles)
    if pattern is not None:
        stripped = " ".join(pattern.sub(" ", name).split())
        name = stripped or name  # a "name" that is only a title stays as written
    return name


# Spellings of one sound, rewritten one way on both sides before scoring (a word at a time, in this
# order): the old spelling (Soekarno, Djoko, Tjahjo, Jusuf, Sjamsiah), Arabic transliterations (Achmad,
# Khairul, Dhani, Fathimah, Ghofur, Syamsul, Qomariyah), the Sundanese p for f (Pebri, Yusup) and ai/ae
# (Zainal, Zaenal); then doubled letters once (Muhammad, Sitti, Abdurrahman).
_SPELLING = (
    ("OE", "U"), ("OO", "U"), ("DJ", "J"), ("TJ", "C"), ("J", "Y"), ("CH", "H"), ("KH", "H"), ("DH", "D"),
    ("TH", "T"), ("GH", "G"), ("SY", "S"), ("Q", "K"), ("F", "P"), ("V", "P"), ("AE", "E"), ("AI", "E"),
)  # fmt: skip
_DOUBLED = re.compile(r"(\w)\1+")
# Muhammad and its abbreviations, after the rewriting above: M., Moh., Moch., Muh., Mhd., Mohd., ….
_MUHAMMAD = frozenset({"MUHAMAD", "MOHAMAD", "MUHAMED", "MOHAMED", "MUHAMAT", "MOHAMAT", "MOH", "MUH", "MHD",
                       "MOHD", "MUHD", "MD", "MAMAD"})  # fmt: skip


@lru_cache(maxsize=4096)
def _spelling(word: str) -> str:
    for old, new in _SPELLING:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


def name_key(name: str) -> str:
    """A normalised name with one spelling per sound (see _SPELLING) and Muhammad in one form: what
    is scored. Two spellings a verifier reads as one name get one key."""
    words = [_spelling(w) for w in name.split()]
    if len(words) > 1:
        words = ["MUHAMAD" if w in _MUHAMMAD or (w == "M" and i < len(words) - 1) else w
                 for i, w in enumerate(words)]  # fmt: skip
    return " ".join(words)


# Two names whose letters, spaces left out, are this alike are one name split differently (Nur Aini,
# Nuraini; Abdurrahman, Abdul Rahman): their letters' similarity counts.
JOINED_SAME = 90


def _similarity(ka: str, kb: str) -> float:
    # Word order does not count (token_sort_ratio), nor where a name is split into words.
    joined = fuzz.ratio(ka.replace(" ", ""), kb.replace(" ", ""))
    words = fuzz.token_sort_ratio(ka, kb)
    return max(words, joined) if joined >= JOINED_SAME else words


def name_score(a: str, b: str, rules: NameRules) -> int:
    """Similarity 0–100 of two names after normalising and one spelling per sound (word order and
    word breaks do not count)."""
    na, nb = normalise_name(a, rules), normalise_name(b, rules)
    if na == nb:
        return 100
    if not na or not nb:
        return 0
    return round(_similarity(name_key(na), name_key(nb)))


def _own_names_score(a: str, b: str, rules: NameRules) -> int:
    """The similarity of what two names do not share: the given names of two members of one family
    (one marga, one family name) — Yohana Manurung, Rudolf Manurung. The full score when one side
    has nothing of its own."""
    ka, kb = (name_key(normalise_name(x, rules)).split() for x in (a, b))
    shared = set(ka) & set(kb)
    own_a, own_b = [w for w in ka if w not in shared], [w for w in kb if w not in shared]
    if not shared or not own_a or not own_b:
        return name_score(a, b, rules)
    return round(_similarity(" ".join(own_a), " ".join(own_b)))


# -- records -------------------------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _swapped(a: date, b: date) -> bool:
    return a.year == b.year and a.day == b.month and a.month == b.day and a.day != a.month


def compare(ours: Record, theirs: Record | None, rules: NameRules) -> list[dict]:
    """The parts in which `ours` differs from the civil registry's `theirs` (see the module docstring)."""
    if theirs is None:
        return [{"part": "not_found"}]
    parts: list[dict] = []
    score = name_score(ours.nama, theirs.nama, rules) if ours.nama.strip() else 100
    if score < rules.threshold:
        parts.append({"part": "nama", "ours": ours.nama, "theirs": theirs.nama, "score": score})
    if ours.tanggal_lahir and theirs.tanggal_lahir and ours.tanggal_lahir != theirs.tanggal_lahir:
        part = {
            "part": "tanggal_lahir",
            "ours": _iso(ours.tanggal_lahir),
            "theirs": _iso(theirs.tanggal_lahir),
        }
        if _swapped(ours.tanggal_lahir, theirs.tanggal_lahir):
            part["swapped"] = True
        parts.append(part)
    if ours.jenis_kelamin and theirs.jenis_kelamin and ours.jenis_kelamin != theirs.jenis_kelamin:
        parts.append({"part": "jenis_kelamin", "ours": ours.jenis_kelamin, "theirs": theirs.jenis_kelamin})
    born_or_sex = any(p["part"] in ("jenis_kelamin", "tanggal_lahir") and not p.get("swapped") for p in parts)
    if (
        born_or_sex
        and score < rules.threshold
        and (
            score < OTHER_PERSON_BELOW or _own_names_score(ours.nama, theirs.nama, rules) < OTHER_PERSON_BELOW
        )
    ):
        return [{"part": "other_person"}]
    if ours.no_kk and theirs.no_kk and ours.no_kk != theirs.no_kk:
        parts.append({"part": "no_kk", "ours": ours.no_kk, "theirs": theirs.no_kk})
    if ours.village_code and theirs.village_code and ours.village_code != theirs.village_code:
        parts.append(
            {
                "part": "kode_wilayah",
                "ours": ours.village_code,
                "theirs": theirs.village_code,
                "ours_alamat": ours.alamat,
                "theirs_alamat": theirs.alamat,
            }
        )
    return parts


def fields_of(parts: Iterable[dict]) -> list[str]:
    return sorted({PART_FIELDS[p["part"]] for p in parts})
