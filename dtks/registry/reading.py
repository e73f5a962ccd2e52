"""Reading DTKS template files (CSV/XLSX, docs/design.md §6) into rows of text for a staging COPY.

The reader only deals with representation: encodings, BOMs, delimiters, ragged or empty rows, Excel
cell types and date spellings. Validation is set-based SQL on the staging table. A well-formed CSV is
not read here at all: the loader streams its bytes to `COPY … (FORMAT csv)` (`Sheet.csv` says how),
and falls back to these rows only when the server's CSV parser refuses the file.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from dtks.core.uploads import UploadRefused, check_xlsx_package

from .fields import HOUSE_FIELDS, MULTI_VALUED

REQUIRED_COLUMNS = (
    "no_kk",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "kode_wilayah",
    "rt",
    "rw",
    "alamat",
)
OPTIONAL_COLUMNS = ("kategori", *MULTI_VALUED, *HOUSE_FIELDS)
TEMPLATE_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DATE_COLUMNS = ("tanggal_lahir",)
ID_COLUMNS = ("nik", "no_kk")


@dataclass(frozen=True)
class Template:
    """The columns a kind of file has: the DTKS import template, or another extract read the same way
    (the civil-registry extract, dtks/civil/loading.py)."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    hint: str  # what to use instead, for the message refusing a file


DTKS_TEMPLATE = Template(TEMPLATE_COLUMNS, REQUIRED_COLUMNS, "Gunakan templat impor DTKS")

# Office spellings of the column names (the ministry's forms, spreadsheets typed by hand, Dukcapil's
# own exports: NAMA_LGKP, TGL_LHR, …).
ALIASES = {
    "nomor_kk": "no_kk",
    "no_kartu_keluarga": "no_kk",
    "kk": "no_kk",
    "nokk": "no_kk",
    "nama_lengkap": "nama",
    "tgl_lahir": "tanggal_lahir",
    "jk": "jenis_kelamin",
    "status_kawin": "status_perkawinan",
    "hubungan": "hubungan_keluarga",
    "shdk": "hubungan_keluarga",
    "kode_desa": "kode_wilayah",
    "kode_kelurahan": "kode_wilayah",
    "kode_wilayah_desa": "kode_wilayah",
    "nama_lgkp": "nama",
    "tmpt_lhr": "tempat_lahir",
    "tempat_lhr": "tempat_lahir",
    "tgl_lhr": "tanggal_lahir",
    "jenis_klmin": "jenis_kelamin",
    "jns_kelamin": "jenis_kelamin",
    "jns_klmin": "jenis_kelamin",
    "alamat_lengkap": "alamat",
}


class FileRefused(Exception):
    """The whole file cannot be read (not a row problem); the message is for the user."""


def header_key(name: object) -> str:
    key = re.sub(r"[\s\-/.]+", "_", str(name or "").strip().lstrip("\ufeff").lower()).strip("_")
    return ALIASES.get(key, key)


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.0+)?$")
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw: object) -> date | None:
    """YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, an Excel serial, or a spreadsheet date cell.

    Returns None when the text is not one of these or not a real date; the caller reports it.
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float):
        raw = str(raw)
    text = str(raw).strip()
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if _SERIAL.match(text):
            serial = int(float(text))
            if 1 <= serial <= 80000:
                return EXCEL_EPOCH + timedelta(days=serial)
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class CsvSource:
    """How to hand a CSV file to the server's own parser: the file, its encoding and delimiter."""

    path: Path
    encoding: str  # PostgreSQL's name: UTF8 or WIN1252
    delimiter: str


@dataclass
class Sheet:
    """Rows as lists aligned to `columns` (template names; None for columns we do not use)."""

    columns: list[str | None]
    rows: Iterator[tuple[int, list[object]]]
    warnings: list[str] = field(default_factory=list)
    csv: CsvSource | None = None
    template: Template = DTKS_TEMPLATE


def _map_header(raw_header: list[object], template: Template) -> tuple[list[str | None], list[str]]:
    columns: list[str | None] = []
    seen: set[str] = set()
    ignored: list[str] = []
    for cell in raw_header:
        key = header_key(cell)
        if key in template.columns and key not in seen:
            columns.append(key)
            seen.add(key)
        else:
            columns.append(None)
            if key:
                ignored.append(str(cell).strip())
    missing = [c for c in template.required if c not in seen]
    if missing:
        raise FileRefused(
            "Kolom wajib tidak ada di baris judul: "
            + ", ".join(missing)
            + f". {template.hint} (baris pertama berisi nama kolom)."
        )
    warnings = [f"Kolom diabaikan (tidak dikenal): {', '.join(ignored)}."] if ignored else []
    return columns, warnings


def _head(path: Path, n: int) -> bytes:
    """The first n bytes (never the whole file: an import may be hundreds of megabytes)."""
    with path.open("rb") as fh:
        return fh.read(n)


def _csv_sheet(path: Path, template: Template) -> Sheet:
    raw = _head(path, 65536)
    try:
        raw.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multibyte character cut at the sample's end is still UTF-8.
        encoding = "utf-8-sig" if exc.start > len(raw) - 4 else "cp1252"
    fh = path.open(newline="", encoding=encoding, errors="replace")
    first = fh.readline()
    if not first.strip():
        raise FileRefused("Berkas kosong: baris pertama harus berisi nama kolom templat.")
    delimiter = max(",;\t|", key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))
    columns, warnings = _map_header(header, template)

    def rows() -> Iterator[tuple[int, list[object]]]:
        with fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for values in reader:
                yield reader.line_num + 1, values  # +1: the header line was read before

    source = CsvSource(path, "UTF8" if encoding == "utf-8-sig" else "WIN1252", delimiter)
    return Sheet(columns, rows(), warnings, csv=source, template=template)


def _xlsx_sheet(path: Path, template: Template) -> Sheet:
    from openpyxl import load_workbook

    try:
        # The same package check as an upload (zip bombs, DTD/entity declarations in any part), also
        # for files that never were uploaded: the baseline extract, a stored import read again.
        check_xlsx_package(path)
    except UploadRefused as exc:
        raise FileRefused(" ".join(exc.messages)) from exc
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileRefused(
            f"Berkas XLSX tidak dapat dibaca ({exc.__class__.__name__}); simpan ulang dari Excel."
        ) from exc
    for ws in wb.worksheets:
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None or "nik" not in {header_key(c) for c in header}:
            continue
        columns, warnings = _map_header(list(header), template)

        def rows(it=it) -> Iterator[tuple[int, list[object]]]:
            for n, values in enumerate(it, start=2):
                yield n, list(values)
            wb.close()

        return Sheet(columns, rows(), warnings, template=template)
    wb.close()
    raise FileRefused(f"Tidak ada lembar (sheet) dengan baris judul berkolom nik, nama, …. {template.hint}.")


def open_sheet(path: Path, template: Template = DTKS_TEMPLATE) -> Sheet:
    head = _head(path, 4096)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(path, template)
    if b"\x00" in head:
        raise FileRefused(f"Berkas bukan CSV atau XLSX. {template.hint}.")
    return _csv_sheet(path, template)


def cell_text(column: str, value: object) -> str | None:
    """One cell as staging text (None for empty)."""
    if value is None:
        return None
    if column in ID_COLUMNS and isinstance(value, int | float):
        # A spreadsheet number has lost the NIK's text form (and digits past the 15th).
        return f"{float(value):.6E}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def staged_rows(sheet: Sheet) -> Iterator[tuple]:
    """(row_no, *template columns) as text per non-empty row; ragged rows are padded. Dates stay
    as written: the loader parses each distinct spelling once with `parse_date`."""
    positions = [(i, c) for i, c in enumerate(sheet.columns) if c is not None]
    order = {c: k for k, c in enumerate(sheet.template.columns)}
    for row_no, values in sheet.rows:
        out: list[str | None] = [None] * len(sheet.template.columns)
        empty = True
        n = len(values)
        for i, c in positions:
            if i < n:
                text = cell_text(c, values[i])
                if text is not None:
                    out[order[c]] = text
                    empty = False
        if not empty:
            yield (row_no, *out)
