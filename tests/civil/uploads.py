"""Extract files and the bad uploads the page and the API must refuse alike (tests/civil/test_pages.py,
test_api.py)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from dtks.civil.loading import EXTRACT_COLUMNS
from tests.proposals.test_import_files import xml_entities, zip_bomb


def csv_bytes(rows: list[dict], *, header: list[str] | None = None) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header or list(EXTRACT_COLUMNS))
    for r in rows:
        w.writerow([r.get(c, "") for c in (header or EXTRACT_COLUMNS)])
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(EXTRACT_COLUMNS))
    for r in rows:
        ws.append([r.get(c) or None for c in EXTRACT_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def body(content: bytes | None, *, name: str = "ekstrak.csv", **fields) -> dict:
    data = {"sumber": "Dukcapil Kota Magelang", "tanggal_ekstrak": "2026-11-30", **fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return data


def future() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


GOOD_ROW = {
    "nik": "3371011505800001",
    "nama": "BUDI SANTOSO",
    "tempat_lahir": "MAGELANG",
    "tanggal_lahir": "1980-05-15",
    "jenis_kelamin": "L",
    "no_kk": "3371011201100003",
    "kode_wilayah": "3371011003",
    "alamat": "JL. SUDIRMAN 1",
}
GOOD = csv_bytes([GOOD_ROW])

# (id, body builder, field, words the message must contain)
BAD = [
    pytest.param(lambda: body(None), "file", "Pilih berkas ekstrak Dukcapil", id="no-file"),
    pytest.param(lambda: body(b""), "file", "Berkas kosong", id="empty-file"),
    pytest.param(lambda: body(b"MZ\x90\x00\x03" + b"\x00" * 300), "file", "bukan CSV atau XLSX", id="binary"),
    pytest.param(lambda: body(b"%PDF-1.4\n1 0 obj<<>>endobj\n"), "file", "bukan CSV atau XLSX", id="pdf"),
    pytest.param(lambda: body(zip_bomb(), name="x.xlsx"), "file", "bom zip", id="zip-bomb"),
    pytest.param(lambda: body(xml_entities(), name="x.xlsx"), "file", "DTD", id="xml-entities"),
    pytest.param(
        lambda: body(b"nik,nama\n3371011505800001,BUDI\n"),
        "file",
        "Kolom wajib tidak ada",
        id="missing-columns",
    ),
    pytest.param(lambda: body(GOOD, sumber=""), "sumber", "Sumber ekstrak wajib diisi", id="no-source"),
    pytest.param(lambda: body(GOOD, sumber="   "), "sumber", "Sumber ekstrak wajib diisi", id="blank-source"),
    pytest.param(lambda: body(GOOD, sumber="x" * 201), "sumber", "paling banyak 200", id="long-source"),
    pytest.param(
        lambda: body(GOOD, tanggal_ekstrak=""), "tanggal_ekstrak", "Tanggal ekstrak wajib", id="no-date"
    ),
    pytest.param(
        lambda: body(GOOD, tanggal_ekstrak="31/13/2026"), "tanggal_ekstrak", "bukan tanggal", id="bad-date"
    ),
    pytest.param(
        lambda: body(GOOD, tanggal_ekstrak=future()), "tanggal_ekstrak", "belum tiba", id="future-date"
    ),
]
