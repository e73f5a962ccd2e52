"""A civil-registry finding as a reader sees it: our value beside Dukcapil's, part by part
(templates/civil/_comparison.html). One function for every page that shows a finding — a proposal
item's page today, the verification stage's review page and the reconciliation list — so they all
say the same thing the same way.

    comparison(finding, *, full=False, regions=None) -> dict

`finding` is a stored finding (`{"rule", "detail": {"parts": [...], "source": {...}}}` or
`{"rule": "CIVIL_REGISTRY_UNAVAILABLE", "detail": {"reason", "source"}}`). `other_person` and
`not_found` are a sentence only: there is nothing of ours to compare, and the data of whoever holds the
NIK in Dukcapil is never shown. A KK is masked unless `full` (a detail page of a role entitled to it,
which audits the view itself). `regions` (code → "Village, District") lets a list name the villages
of a whole page with one query; without it, one query names this finding's.
"""

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dtks.regions.selectors import region_labels
from dtks.registry.fields import SEX_LABELS, label
from dtks.registry.masking import mask_id

from .checking import MISMATCH, UNAVAILABLE

UNAVAILABLE_REASONS = {
    "no_extract": gettext_lazy("belum ada ekstrak Dukcapil yang dimuat"),
    "timeout": gettext_lazy("layanan tidak menjawab dalam batas waktu"),
    "down": gettext_lazy("layanan tidak dapat dihubungi"),
    "server_error": gettext_lazy("layanan menjawab dengan galat"),
    "malformed": gettext_lazy("jawaban layanan tidak dapat dibaca"),
    "wrong_nik": gettext_lazy("jawaban layanan untuk NIK lain"),
    "breaker_open": gettext_lazy("layanan sedang gangguan; pemeriksaan ditunda"),
    "queued": gettext_lazy("NIK masuk antrean pemeriksaan"),
    "rejected": gettext_lazy("layanan menolak permintaan"),
}
CIVIL_RULES = (MISMATCH, UNAVAILABLE)


def is_civil(finding: Mapping) -> bool:
    return finding.get("rule") in CIVIL_RULES and isinstance(finding.get("detail"), Mapping)


def _dmy(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def _village(code: str, regions: Mapping[str, str]) -> str:
    if not code:
        return "–"
    name = regions.get(code, "")
    return f"{name} ({code})" if name and name != code else code


def region_codes(findings) -> set[str]:
    """The village codes a list of findings names (to label them all with one query)."""
    return {
        p.get(side) or ""
        for f in findings
        if is_civil(f)
        for p in (f["detail"].get("parts") or [])
        if p.get("part") == "kode_wilayah"
        for side in ("ours", "theirs")
    } - {""}


def _digits_differing(a: str, b: str) -> str:
    """ "berbeda pada digit ke-13–16" for two numbers of one length; "" when they cannot be lined up."""
    if len(a) != len(b) or a == b:
        return ""
    positions = [i + 1 for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    spans, start = [], positions[0]
    for prev, cur in zip(positions, [*positions[1:], None], strict=True):
        if cur != prev + 1:
            spans.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = cur
    return _("berbeda pada digit ke-%(digits)s") % {"digits": ", ".join(spans)}


def _rows(parts, *, full: bool, regions: Mapping[str, str]) -> list[dict]:
    rows = []
    for p in parts:
        part, ours, theirs = p.get("part"), p.get("ours"), p.get("theirs")
        note = ""
        if part == "nama":
            what = label("nama")
            note = _("kemiripan %(score)s%%") % {"score": p.get("score", "–")}
        elif part == "tanggal_lahir":
            what, ours, theirs = label("tanggal_lahir"), _dmy(ours), _dmy(theirs)
            note = _("hari dan bulan tertukar") if p.get("swapped") else ""
        elif part == "jenis_kelamin":
            what = label("jenis_kelamin")
            ours, theirs = str(SEX_LABELS.get(ours, ours or "–")), str(SEX_LABELS.get(theirs, theirs or "–"))
        elif part == "no_kk":
            what = label("no_kk")
            if not full:
                # Masked, two numbers may look alike: say where they differ, without the digits.
                note = _digits_differing(ours or "", theirs or "")
                ours, theirs = mask_id(ours), mask_id(theirs)
        elif part == "kode_wilayah":
            what = _("Desa/kelurahan alamat")
            ours, theirs = _village(ours or "", regions), _village(theirs or "", regions)
        else:
            continue
        rows.append({"part": part, "label": what, "ours": ours or "–", "theirs": theirs or "–", "note": note,
                     "differs": True})  # fmt: skip
        if part == "kode_wilayah":
            # Shown so the reader can tell which address is right; never compared (free text).
            rows.append({"part": "alamat", "label": _("Alamat (tidak dibandingkan)"),
                         "ours": p.get("ours_alamat") or "–", "theirs": p.get("theirs_alamat") or "–",
                         "note": "", "differs": False})  # fmt: skip
    return rows


def comparison(finding: Mapping, *, full: bool = False, regions: Mapping[str, str] | None = None) -> dict:
    """What templates/civil/_comparison.html shows for one finding (see the module docstring)."""
    detail = finding.get("detail") or {}
    source = detail.get("source") or {}
    out = {
        "kind": "",
        "sentence": "",
        "rows": [],
        "source_label": source.get("label")
        or (_("ekstrak Dukcapil") if source.get("kind") == "extract" else ""),
        "source_date": _dmy(source.get("date")) if source.get("date") else "",
    }
    if finding.get("rule") == UNAVAILABLE:
        reason = detail.get("reason") or ""
        out["kind"] = "unavailable"
        out["sentence"] = _(
            "Dukcapil belum dapat mencocokkan NIK ini (%(reason)s). Ini bukan ketidakcocokan: pemeriksaan "
            "diulang otomatis begitu sumbernya dapat menjawab."
        ) % {"reason": UNAVAILABLE_REASONS.get(reason, reason)}
        return out
    parts = detail.get("parts") or []
    kinds = {p.get("part") for p in parts}
    if "not_found" in kinds:
        out["kind"] = "not_found"
        out["sentence"] = _(
            "NIK ini tidak ditemukan di data Dukcapil. Cocokkan NIK dengan KTP/KK; bila sudah benar, minta "
            "warga memastikan datanya di Dukcapil."
        )
        return out
    if "other_person" in kinds:
        out["kind"] = "other_person"
        out["sentence"] = _(
            "Di data Dukcapil NIK ini milik orang lain (data orang itu tidak ditampilkan). Cocokkan NIK dengan "
            "KTP/KK orang ini dan perbaiki NIK-nya."
        )
        return out
    if regions is None:
        codes = {p.get(s) or "" for p in parts if p.get("part") == "kode_wilayah" for s in ("ours", "theirs")}
        regions = region_labels(codes - {""}) if codes - {""} else {}
    out["kind"] = "parts"
    out["rows"] = _rows(parts, full=full, regions=regions)
    return out
