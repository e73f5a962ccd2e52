"""Upload safety for a Dukcapil extract (docs/security.md #7), the checks every import shares
(dtks/core/uploads.py): refused before any parsing when it is not a CSV or XLSX by content (never by
name), too big, or an XLSX that hides a zip or XML bomb; stored under a generated name in its own
folder, never under the user's file name.

The extract is not a proposal import, so it lives in a folder of its own (`DTKS_IMPORT_DIR/dukcapil`)
and has its own size cap: a regency's extract is a few hundred megabytes.
"""

import hashlib
import re
import uuid
from pathlib import Path

import filetype
from django.conf import settings

from dtks.core.uploads import UploadRefused, check_xlsx_package, refuse

CSV = "csv"
XLSX = "xlsx"
SUBFOLDER = "dukcapil"
# Control characters and lone surrogates never belong in a file name shown on a page.
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def extract_dir() -> Path:
    return Path(settings.DTKS_IMPORT_DIR) / SUBFOLDER


def extract_path(stored_name: str) -> Path:
    return extract_dir() / stored_name


def max_bytes() -> int:
    return int(settings.DTKS_CIVIL_EXTRACT_MAX_BYTES)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bita"


def too_big() -> UploadRefused:
    return refuse(
        f"Berkas lebih besar dari {_size(max_bytes())}; pecah ekstrak menjadi beberapa berkas per kabupaten/kota."
    )


def inspect_upload(path: Path) -> str:
    """'csv' or 'xlsx' from the content (never the name); UploadRefused otherwise."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip():
        raise refuse("Berkas kosong; unggah ekstrak Dukcapil berisi baris judul kolom dan data penduduk.")
    if head.startswith(b"PK\x03\x04"):
        check_xlsx_package(path)
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("Berkas Excel lama (.xls) tidak didukung; simpan sebagai .xlsx atau CSV.")
    kind = filetype.guess(head)
    if kind is not None or b"\x00" in head:
        label = kind.extension.upper() if kind is not None else "biner"
        raise refuse(f"Berkas ini bukan CSV atau XLSX (isinya {label}); unggah ekstrak Dukcapil CSV/XLSX.")
    return CSV


def store_upload(uploaded) -> tuple[Path, str, int]:
    """Write the upload under a generated name, counting the size while streaming (the cap holds
    whatever the client claimed); returns (path, sha256, bytes)."""
    directory = extract_dir()
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f"{uuid.uuid4().hex}.part"
    h = hashlib.sha256()
    size = 0
    limit = max_bytes()
    with tmp.open("wb") as out:
        for chunk in uploaded.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                tmp.unlink(missing_ok=True)
                raise too_big()
            h.update(chunk)
            out.write(chunk)
    return tmp, h.hexdigest(), size


def display_name(name: str) -> str:
    """The last part of the client's file name, for showing only."""
    return _UNSHOWABLE.sub("", re.split(r"[\\/]", name or "")[-1])[:255]
