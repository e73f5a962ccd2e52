"""Upload safety for the spreadsheet import (docs/security.md #7): a file is refused before any parsing
when it is not what it claims (CSV or XLSX, recognised by content, never by name), too big, or an
XLSX that hides a zip or XML bomb; it is stored under a generated name."""

import hashlib
import re
import uuid
from pathlib import Path

import filetype
from django.conf import settings

from dtks.core.uploads import UploadRefused, check_xlsx_package

from .models import ImportJob


def refuse(message: str) -> UploadRefused:
    return UploadRefused({"file": [message]}, code="refused")


def inspect_upload(path: Path) -> str:
    """'csv' or 'xlsx' from the content (never the name); UploadRefused otherwise."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise refuse("Berkas kosong; unggah templat impor DTKS yang sudah diisi.")
    if head.startswith(b"PK\x03\x04"):
        check_xlsx_package(path)
        return ImportJob.Format.XLSX
    kind = filetype.guess(head)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("Berkas Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV.")
    if kind is not None or b"\x00" in head:
        label = kind.extension.upper() if kind is not None else "biner"
        raise refuse(f"Berkas ini bukan CSV atau XLSX (isinya {label}); unggah templat impor DTKS.")
    return ImportJob.Format.CSV


def store_upload(uploaded) -> tuple[Path, str, int]:
    """Write the upload under a generated name (the user's name never becomes a path)."""
    directory = Path(settings.DTKS_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{uuid.uuid4().hex}.part"
    h = hashlib.sha256()
    size = 0
    with tmp.open("wb") as out:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > settings.DTKS_IMPORT_MAX_BYTES:
                out.close()
                tmp.unlink(missing_ok=True)
                raise too_big()
            h.update(chunk)
            out.write(chunk)
    return tmp, h.hexdigest(), size


def too_big() -> UploadRefused:
    mb = settings.DTKS_IMPORT_MAX_BYTES // (1024 * 1024)
    return refuse(f"Berkas lebih besar dari {mb} MB; pecah menjadi beberapa berkas.")


def display_name(name: str) -> str:
    return re.split(r"[\\/]", name or "")[-1][:255]
