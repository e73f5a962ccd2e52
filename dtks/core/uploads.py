"""Checks on uploaded files before any parser reads them (docs/security.md #7), shared by every import.

`check_xlsx_package(path)` looks at an XLSX as the zip it is: the directory (member count, sizes and
compression ratios against zip bombs, encrypted members, the two parts every workbook has) and the
bytes of *every* member, whatever its name, refusing any DTD or entity declaration. Names do not
protect: a workbook's relationships can point a parser at a part called `xl/custom.bin`, and a
declaration can sit after 100 KB of comment. So each member is streamed through in chunks, the end of
one chunk kept in front of the next so a `<!ENTITY` split across the boundary is still seen, and
compared case-insensitively. XML in another encoding than UTF-8 (UTF-16, or a declared EBCDIC/UTF-7)
would hide the same markup from a byte scan, and Excel never writes it: refused as well.

Refusals are `UploadRefused`, a `ValidationError({"file": [message]})`: forms and the API show the
message under the file field; the message says what to do.
"""

import re
import zipfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

CHUNK = 64 * 1024
# What the scan refuses, lower-case (the chunk is lowered before the search).
DECLARATIONS = (b"<!doctype", b"<!entity")
_KEEP = max(len(token) for token in DECLARATIONS) - 1
# Parts named as XML must start an element early (the first chunk); anything else is not a workbook part.
XML_SUFFIXES = (".xml", ".rels", ".vml")
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")
# Byte-order marks and the first bytes by which expat recognises UTF-16 without a declaration.
_WIDE_STARTS = (b"\xfe\xff", b"\xff\xfe", b"<\x00", b"\x00<")
_DECLARED_ENCODING = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']", re.I
)
# Encodings in which the declarations above are the same bytes as in ASCII (expat's own, UTF-8 first).
ASCII_COMPATIBLE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})

DAMAGED = "Berkas XLSX rusak (arsip zip tidak terbaca); simpan ulang dari Excel."
TOO_MANY_PARTS = "Berkas XLSX berisi terlalu banyak bagian; simpan ulang hanya lembar datanya."
NOT_A_WORKBOOK = (
    "Berkas ini arsip zip, bukan buku kerja XLSX (mungkin dokumen lain yang diganti namanya); "
    "unggah templat impor DTKS."
)
BOMB = "Berkas XLSX terlalu besar setelah dibuka (bom zip?); pecah menjadi beberapa berkas."
ENCRYPTED = "Berkas XLSX terkunci kata sandi; simpan ulang tanpa kata sandi."
DTD = "Berkas XLSX berisi deklarasi DTD/entitas XML yang tidak diizinkan; simpan ulang dari Excel."
ODD_XML = "Berkas XLSX berisi bagian XML yang tidak wajar; simpan ulang dari Excel."
WIDE_XML = "Berkas XLSX berisi bagian XML dengan pengodean selain UTF-8; simpan ulang dari Excel."


class UploadRefused(ValidationError):
    """The uploaded file is refused before any parsing; the message names the fix."""


def refuse(message: str) -> UploadRefused:
    return UploadRefused({"file": [message]}, code="refused")


def check_xlsx_package(path: Path | str) -> None:
    """Refuse (UploadRefused) an XLSX that is no workbook, a zip bomb, encrypted, or that declares a
    DTD or entity in any member. Reads the zip directory, then streams each member once."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(DAMAGED) from exc
    with zf:
        infos = zf.infolist()
        _check_directory(infos)
        for info in infos:
            try:
                with zf.open(info) as member:
                    _check_member(info, member)
            except UploadRefused:
                raise
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                OSError,
                NotImplementedError,
                ValueError,
            ) as exc:
                # A bad CRC, a truncated stream, a compression method Python does not read.
                raise refuse(DAMAGED) from exc


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > settings.DTKS_IMPORT_XLSX_MAX_MEMBERS:
        raise refuse(TOO_MANY_PARTS)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise refuse(NOT_A_WORKBOOK)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    ratio = settings.DTKS_IMPORT_XLSX_MAX_RATIO
    if total > settings.DTKS_IMPORT_XLSX_MAX_UNCOMPRESSED or total / packed > ratio:
        raise refuse(BOMB)
    for info in infos:
        if info.flag_bits & 0x1:
            raise refuse(ENCRYPTED)
        if info.file_size > (1 << 20) and info.file_size / max(info.compress_size, 1) > ratio:
            raise refuse(BOMB)


def _check_member(info: zipfile.ZipInfo, member) -> None:
    first = member.read(CHUNK)
    if first.startswith(_WIDE_STARTS):
        raise refuse(WIDE_XML)
    declared = _DECLARED_ENCODING.match(first[:512])
    if declared and declared[1].strip().lower().decode("ascii", "replace") not in ASCII_COMPATIBLE:
        raise refuse(WIDE_XML)
    tail = b""
    chunk = first
    while chunk:
        window = tail + chunk.lower()
        if any(token in window for token in DECLARATIONS):
            raise refuse(DTD)
        tail = window[-_KEEP:]
        chunk = member.read(CHUNK)
    # After the scan, so a part that is both says the more precise thing (its declaration).
    if info.filename.lower().endswith(XML_SUFFIXES) and first.strip() and not _ROOT_ELEMENT.search(first):
        raise refuse(ODD_XML)
