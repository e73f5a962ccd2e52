"""dtks.core.uploads.check_xlsx_package: every member of an XLSX, whatever its name, is read through for
DTD/entity declarations; the zip checks (bombs, member count, encryption, not a workbook) still hold;
the baseline loader's XLSX path (dtks/registry/reading.py) runs the same check."""

import io
import os
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dtks.core.uploads import CHUNK, UploadRefused, check_xlsx_package
from dtks.registry.loading import registry_baseline_load
from dtks.registry.models import Batch
from dtks.registry.reading import TEMPLATE_COLUMNS, FileRefused, open_sheet

from .factories import row

SHARED_STRINGS = "xl/sharedStrings.xml"


def workbook_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(list(TEMPLATE_COLUMNS))
    ws.append([row().get(c) for c in TEMPLATE_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rebuilt(changes: dict[str, bytes] | None = None, *, drop=()) -> bytes:
    """The clean workbook with members replaced or added (`changes`) or removed (`drop`)."""
    changes = dict(changes or {})
    src = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = changes.pop(info.filename, None)
            z.writestr(info, src.read(info) if data is None else data)
        for name, data in changes.items():
            z.writestr(name, data)
    return buf.getvalue()


def flagged_encrypted(data: bytes, name: str) -> bytes:
    """`data` with member `name` marked encrypted (bit 0 of its flags) in its local header and in the
    central directory, as a password-protected zip marks it."""
    out = bytearray(data)
    out[zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset + 6] |= 0x1
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        length = int.from_bytes(out[pos + 28 : pos + 30], "little")
        if out[pos + 46 : pos + 46 + length] == name.encode():
            out[pos + 8] |= 0x1
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def write(tmp_path, content: bytes, name: str = "berkas.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def refused(tmp_path, content: bytes) -> str:
    with pytest.raises(UploadRefused) as exc:
        check_xlsx_package(write(tmp_path, content))
    assert list(exc.value.message_dict) == ["file"]
    return " ".join(exc.value.messages)


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e;</t></si></sst>'
DOCTYPE = b"<!DOCTYPE sst [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"


# --- accepted ------------------------------------------------------------------------------------------


def test_a_clean_workbook_is_accepted_and_read(tmp_path):
    path = write(tmp_path, workbook_bytes())
    check_xlsx_package(path)
    sheet = open_sheet(path)
    assert sum(1 for _ in sheet.rows) == 1


def test_entity_references_and_the_word_doctype_in_text_are_not_declarations(tmp_path):
    text = b'<?xml version="1.0" encoding="UTF-8"?><sst><si><t>&amp; DOCTYPE &lt;!x</t></si></sst>'
    check_xlsx_package(write(tmp_path, rebuilt({SHARED_STRINGS: text})))


# --- the DTD/entity scan -------------------------------------------------------------------------------


def test_a_dtd_after_a_100_kb_comment_is_refused(tmp_path):
    # The old check read the first 64 KB of a part only; the comment holds element-like text so the
    # part still looks like XML in its first chunk.
    comment = b"<!-- " + b"<row>isi</row> " * (100 * 1024 // 15) + b" -->"
    part = b'<?xml version="1.0"?>' + comment + DOCTYPE + SST
    assert len(part) > 100 * 1024
    assert "DTD/entitas" in refused(tmp_path, rebuilt({SHARED_STRINGS: part}))


@pytest.mark.parametrize(
    "name", ["xl/custom.bin", "customXml/item1", "docProps/thumbnail.jpeg", "XL/STYLES.XML"]
)
def test_a_dtd_in_a_part_of_any_name_is_refused(tmp_path, name):
    assert "DTD/entitas" in refused(tmp_path, rebuilt({name: b'<?xml version="1.0"?>' + DOCTYPE + SST}))


@pytest.mark.parametrize("split", [1, 4, 7])
def test_an_entity_split_across_a_chunk_boundary_is_refused(tmp_path, split):
    """`<!EnTiTy` (any case) with its first `split` bytes at the end of one chunk, the rest in the next."""
    token = b"<!EnTiTy e 'x'>"
    head = b"<a>" + b"x" * (CHUNK - 3 - split)
    part = head + token + b"</a>"
    assert part[CHUNK - split : CHUNK] == token[:split]
    assert "DTD/entitas" in refused(tmp_path, rebuilt({"xl/worksheets/sheet9.xml": part}))


def test_a_doctype_split_across_two_later_chunks_is_refused(tmp_path):
    part = b"<a>" + b"y" * (3 * CHUNK - 3 - 5) + b"<!doctype a []><a/>"
    assert "DTD/entitas" in refused(tmp_path, rebuilt({"xl/worksheets/sheet9.xml": part}))


def test_the_dtd_at_the_start_of_the_workbook_part_is_refused(tmp_path):
    """As tests/proposals/test_import_files.py's hostile workbook puts it."""
    workbook = zipfile.ZipFile(io.BytesIO(workbook_bytes())).read("xl/workbook.xml")
    assert "DTD/entitas" in refused(tmp_path, rebuilt({"xl/workbook.xml": DOCTYPE + workbook}))


@pytest.mark.parametrize(
    "part",
    [
        ('<?xml version="1.0" encoding="UTF-16"?>' + DOCTYPE.decode() + SST.decode()).encode("utf-16"),
        ("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>").encode("utf-16-le"),
        ("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>").encode("utf-16-be"),
        b'<?xml version="1.0" encoding="cp037"?>'
        + "<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>".encode("cp037"),
        b'<?xml version="1.0" encoding="UTF-7"?><a>+ADw-!DOCTYPE</a>',
    ],
    ids=["utf16-bom", "utf16le", "utf16be", "ebcdic", "utf7"],
)
def test_xml_that_a_byte_scan_cannot_read_is_refused(tmp_path, part):
    assert "pengodean selain UTF-8" in refused(tmp_path, rebuilt({"xl/custom.bin": part}))


def test_an_odd_xml_part_is_still_refused(tmp_path):
    assert "tidak wajar" in refused(tmp_path, rebuilt({SHARED_STRINGS: b"bukan xml sama sekali"}))


# --- the zip checks ------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused(tmp_path):
    bomb = b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>"
    assert "bom zip" in refused(tmp_path, rebuilt({"xl/worksheets/sheet1.xml": bomb}))


def test_one_member_compressed_too_well_is_refused(tmp_path):
    # The archive as a whole is under the ratio (an incompressible part), one member is far over it.
    noise = os.urandom(400 * 1024)
    big = b"<a>" + b"0" * (2 * 1024 * 1024) + b"</a>"
    assert "bom zip" in refused(
        tmp_path, rebuilt({"xl/media/image1.png": noise, "xl/worksheets/sheet2.xml": big})
    )


def test_too_many_members_are_refused(tmp_path, settings):
    settings.DTKS_IMPORT_XLSX_MAX_MEMBERS = 5
    assert "terlalu banyak bagian" in refused(tmp_path, workbook_bytes())


def test_an_encrypted_member_is_refused(tmp_path):
    content = flagged_encrypted(workbook_bytes(), "xl/worksheets/sheet1.xml")
    assert zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml").flag_bits & 0x1
    assert "kata sandi" in refused(tmp_path, content)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path):
    assert "bukan buku kerja XLSX" in refused(tmp_path, rebuilt(drop=("xl/workbook.xml",)))


@pytest.mark.parametrize("content", [b"PK\x03\x04" + b"\xff" * 200, b""])
def test_a_damaged_zip_is_refused(tmp_path, content):
    assert "rusak" in refused(tmp_path, content)


def test_a_member_with_a_bad_checksum_is_refused(tmp_path):
    good = bytearray(rebuilt({"xl/worksheets/sheet9.xml": b"<a>" + b"q" * 5000 + b"</a>"}))
    raw = zipfile.ZipFile(io.BytesIO(bytes(good)))
    info = raw.getinfo("xl/worksheets/sheet9.xml")
    # Flip one byte of the member's compressed data (after its local header and name).
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    good[data_start + info.compress_size // 2] ^= 0xFF
    assert "rusak" in refused(tmp_path, bytes(good))


def test_the_limits_come_from_the_settings(tmp_path, settings):
    settings.DTKS_IMPORT_XLSX_MAX_UNCOMPRESSED = 1000
    assert "bom zip" in refused(tmp_path, workbook_bytes())


# --- the baseline loader reads through the same check ----------------------------------------------


@pytest.mark.django_db
def test_the_baseline_load_refuses_a_dtd_in_any_part(tmp_path):
    path = write(tmp_path, rebuilt({"xl/custom.bin": DOCTYPE + SST}), "ekstrak.xlsx")
    with pytest.raises(FileRefused, match="DTD/entitas"):
        open_sheet(path)
    with pytest.raises(FileRefused, match="DTD/entitas"):
        registry_baseline_load(path=path, period=date(2026, 10, 1), actor="test")
    with pytest.raises(CommandError, match="DTD/entitas"):
        call_command("load_registry", str(path), period="2026-10")
    assert not Batch.objects.exists()
