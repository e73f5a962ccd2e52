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
    threshold: int = 85
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


def name_score(a: str, b: str, rules: NameRules) -> int:
    """Similarity 0–100 of two names after normalising (word order does not count)."""
    na, nb = normalise_name(a, rules), normalise_name(b, rules)
    if na == nb:
        return 100
    if not na or not nb:
        return 0
    return round(fuzz.token_sort_ratio(na, nb))


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
    if score < OTHER_PERSON_BELOW and born_or_sex:
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
