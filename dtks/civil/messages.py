"""The civil-registry findings' messages (Bahasa Indonesia; the reader's language is the item page's
business). Both engines render a finding from its detail with these, so the texts agree."""

from collections.abc import Mapping
from datetime import date

from dtks.registry.fields import label_id

UNAVAILABLE_REASONS = {
    "no_extract": "belum ada ekstrak Dukcapil yang dimuat",
    "timeout": "layanan tidak menjawab dalam batas waktu",
    "down": "layanan tidak dapat dihubungi",
    "server_error": "layanan menjawab dengan galat",
    "malformed": "jawaban layanan tidak dapat dibaca",
    "wrong_nik": "jawaban layanan untuk NIK lain",
    "breaker_open": "layanan sedang gangguan; pemeriksaan ditunda",
    "queued": "NIK masuk antrean pemeriksaan",
    "rejected": "layanan menolak permintaan",
    "not_configured": "alamat layanan verifikasi NIK belum diatur",
}


def _dmy(iso: str | None) -> str:
    if not iso:
        return "—"
    d = date.fromisoformat(iso)
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def source_text(source: Mapping) -> str:
    label = source.get("label") or (
        "ekstrak Dukcapil" if source.get("kind") == "extract" else "layanan Dukcapil"
    )
    return f"{label}, {_dmy(source['date'])}" if source.get("date") else label


def _part_text(p: Mapping) -> str:
    part = p["part"]
    if part == "nama":
        return f"Nama «{p['ours']}» ↔ «{p['theirs']}» (kemiripan {p['score']}%)"
    if part == "tanggal_lahir":
        text = f"Tanggal lahir {_dmy(p['ours'])} ↔ {_dmy(p['theirs'])}"
        return text + (" (hari dan bulan tertukar)" if p.get("swapped") else "")
    if part == "kode_wilayah":
        return f"Desa/kelurahan alamat {p['ours']} ↔ {p['theirs']}"
    return f"{label_id(part)} {p['ours']} ↔ {p['theirs']}"


def render(rule: str, fields: list[str], detail: Mapping) -> str:
    source = source_text(detail.get("source") or {})
    if rule == "CIVIL_REGISTRY_UNAVAILABLE":
        reason = UNAVAILABLE_REASONS.get(detail.get("reason"), detail.get("reason") or "")
        return (
            f"Dukcapil belum dapat mencocokkan NIK ini ({reason}). Ini bukan ketidakcocokan: "
            "pemeriksaan diulang otomatis begitu sumbernya dapat menjawab."
        )
    parts = detail["parts"]
    kinds = {p["part"] for p in parts}
    if "not_found" in kinds:
        return (
            f"NIK tidak ditemukan di data Dukcapil ({source}). Cocokkan NIK dengan KTP/KK; bila sudah "
            "benar, minta warga memastikan datanya di Dukcapil."
        )
    if "other_person" in kinds:
        return (
            f"Di data Dukcapil ({source}) NIK ini milik orang lain. Cocokkan NIK dengan KTP/KK orang ini "
            "dan perbaiki NIK-nya."
        )
    listed = "; ".join(_part_text(p) for p in parts)
    return (
        f"Berbeda dengan data Dukcapil ({source}) — data ini ↔ Dukcapil: {listed}. Periksa KTP/KK lalu "
        "perbaiki data ini, atau minta warga memperbarui datanya di Dukcapil."
    )
