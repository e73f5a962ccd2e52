"""Extract files and settings for the civil-registry tests."""

import csv
from datetime import date
from pathlib import Path

from dtks.civil.loading import EXTRACT_COLUMNS, civil_extract_load
from dtks.civil.models import Settings

VILLAGE = "3371011003"  # Rejowinangun Selatan, Kota Magelang
OTHER_VILLAGE = "3371011007"  # Magersari, a sibling village


def extract_row(**kw) -> dict:
    base = {
        "nik": "3371011505800001",
        "nama": "BUDI SANTOSO",
        "tempat_lahir": "MAGELANG",
        "tanggal_lahir": "1980-05-15",
        "jenis_kelamin": "L",
        "no_kk": "3371011201100003",
        "kode_wilayah": VILLAGE,
        "alamat": "JL. SUDIRMAN 1",
    }
    base.update(kw)
    return base


def write_extract(path: Path, rows: list[dict], *, header: list[str] | None = None) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header or list(EXTRACT_COLUMNS))
        for r in rows:
            w.writerow([r.get(c, "") for c in EXTRACT_COLUMNS])
    return Path(path)


def load(path: Path, *, source: str = "Dukcapil Kota Magelang", day: date = date(2026, 11, 30)):
    return civil_extract_load(path=path, source=source, extract_date=day, actor="test")


def use_source(kind: str = "extract", **kw) -> Settings:
    s = Settings.load()
    s.source = kind
    for k, v in kw.items():
        setattr(s, k, v)
    s.save()
    return s
