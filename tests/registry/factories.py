"""Small builders for registry rows and template files used across registry tests."""

import csv
import io
from datetime import date
from pathlib import Path

from dtks.registry.models import Batch, FamilyVersion, MembershipVersion, PersonVersion
from dtks.registry.reading import TEMPLATE_COLUMNS

PERIOD = date(2026, 10, 1)
MAGELANG_VILLAGE = "3371011003"  # Rejowinangun Selatan, Magelang Selatan


def batch(**kw) -> Batch:
    return Batch.objects.create(
        kind=kw.pop("kind", Batch.Kind.DETERMINATION), period=kw.pop("period", PERIOD), actor="test", **kw
    )


def person(b: Batch, *, person_id: int, published: bool = True, **kw) -> PersonVersion:
    kw.setdefault("nik", None)
    kw.setdefault("village_code", MAGELANG_VILLAGE)
    return PersonVersion.objects.create(
        batch=b, valid_from=b.period, published=published, person_id=person_id, **kw
    )


def family(b: Batch, *, family_id: int, no_kk: str, published: bool = True, **kw) -> FamilyVersion:
    kw.setdefault("village_code", MAGELANG_VILLAGE)
    return FamilyVersion.objects.create(
        batch=b, valid_from=b.period, published=published, family_id=family_id, no_kk=no_kk, **kw
    )


def member(b: Batch, *, family_id: int, person_id: int, published: bool = True, **kw) -> MembershipVersion:
    return MembershipVersion.objects.create(
        batch=b, valid_from=b.period, published=published, family_id=family_id, person_id=person_id, **kw
    )


def row(**kw) -> dict:
    """One template row for a complete, valid head of family in Kota Magelang."""
    base = {
        "no_kk": "3371011201100003",
        "nik": "3371011505800001",
        "nama": "Budi Santoso",
        "tempat_lahir": "Magelang",
        "tanggal_lahir": "1980-05-15",
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
        "kode_wilayah": MAGELANG_VILLAGE,
        "rt": "1",
        "rw": "2",
        "alamat": "Jl. Pahlawan 3",
        "status_kepemilikan": "MILIK_SENDIRI",
        "atap": "GENTENG_TANAH_LIAT",
        "dinding": "TEMBOK",
        "lantai": "KERAMIK",
        "sumber_air_minum": "LEDENG_METERAN",
        "penerangan": "LISTRIK_PLN",
        "fasilitas_bab": "SENDIRI",
    }
    base.update(kw)
    return base


def write_csv(
    path: Path,
    rows: list[dict],
    *,
    delimiter: str = ",",
    columns=TEMPLATE_COLUMNS,
    bom: bool = False,
    trailer: str = "",
) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), delimiter=delimiter, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buf.getvalue() + trailer, encoding="utf-8")
    return path
