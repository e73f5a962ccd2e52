"""Upload safety for the spreadsheet import (docs/security.md #7): a file is refused before any parsing
when it is not what it claims (CSV or XLSX, recognised by content, never by name), too big, or an
XLSX that hides a zip or XML bomb; it is stored under a generated name."""

import hashlib
import re
import uuid
import zipfile
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError

from .models import ImportJob


class UploadRefused(ValidationError):
    """The uploaded file is refused before any parsing; the message names the fix."""


_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def refuse(message: str) -> UploadRefused:
    return UploadRefused({"file": [message]}, code="refused")


def _check_xlsx(path: Path) -> None:
    """Zip and XML bombs are refused from the zip directory and the XML prologs, before parsing."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse("Berkas XLSX rusak (arsip zip tidak terbaca); simpan ulang dari Excel.") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > settings.DTKS_IMPORT_XLSX_MAX_MEMBERS:
            raise refuse("Berkas XLSX berisi terlalu banyak bagian; simpan ulang hanya lembar datanya.")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise refuse(
                "Berkas ini arsip zip, bukan buku kerja XLSX (mungkin dokumen lain yang diganti namanya); "
                "unggah templat impor DTKS."
            )
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        ratio = settings.DTKS_IMPORT_XLSX_MAX_RATIO
        if total > settings.DTKS_IMPORT_XLSX_MAX_UNCOMPRESSED or total / packed > ratio:
            raise refuse(
                "Berkas XLSX terlalu besar setelah dibuka (bom zip?); pecah menjadi beberapa berkas."
            )
        for info in infos:
            if info.flag_bits & 0x1:
                raise refuse("Berkas XLSX terkunci kata sandi; simpan ulang tanpa kata sandi.")
            if info.file_size > (1 << 20) and info.file_size / max(info.compress_size, 1) > ratio:
                raise refuse(
                    "Berkas XLSX terlalu besar setelah dibuka (bom zip?); pecah menjadi beberapa berkas."
                )
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                with zf.open(info) as part:
                    head = part.read(65536)
                lowered = head.lower()
                if b"<!doctype" in lowered or b"<!entity" in lowered:
                    raise refuse(
                        "Berkas XLSX berisi deklarasi DTD/entitas XML yang tidak diizinkan; simpan ulang dari Excel."
                    )
                if head.strip() and not _ROOT_ELEMENT.search(head):
                    raise refuse("Berkas XLSX berisi bagian XML yang tidak wajar; simpan ulang dari Excel.")


def inspect_upload(path: Path) -> str:
    """'csv' or 'xlsx' from the content (never the name); UploadRefused otherwise."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise refuse("Berkas kosong; unggah templat impor DTKS yang sudah diisi.")
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path)
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
