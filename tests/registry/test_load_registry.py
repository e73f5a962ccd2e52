"""Baseline load: real office files, per-row refusals, findings, idempotency (docs/design.md §5–§7)."""

import json
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dtks.registry.loading import BaselineRefused, registry_baseline_load
from dtks.registry.models import Batch, FamilyVersion, Finding, LoadError, MembershipVersion, PersonVersion
from dtks.registry.reading import TEMPLATE_COLUMNS

from .factories import MAGELANG_VILLAGE, PERIOD, row, write_csv

pytestmark = pytest.mark.django_db


def load(path, **kw):
    return registry_baseline_load(path=path, period=kw.pop("period", PERIOD), actor="test", **kw)


def errors_by_row() -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for e in LoadError.objects.order_by("row", "field"):
        out.setdefault(e.row, []).append((e.field, e.code))
    return out


def family_rows():
    return [
        row(),
        row(
            nik="3371015708830002",
            nama="Siti Aminah",
            tanggal_lahir="17/08/1983",
            jenis_kelamin="p ",
            hubungan_keluarga="istri",
            status_perkawinan=" kawin",
            kode_wilayah="33.71.01.1003",
        ),
        row(
            nik="3371014101100003",
            nama="Rina",
            tanggal_lahir="01-01-2010",
            jenis_kelamin="P",
            hubungan_keluarga="ANAK",
            status_perkawinan="BELUM KAWIN",
        ),
    ]


def test_valid_family_and_individual_load_as_published_period(tmp_path):
    rows = family_rows() + [
        row(
            no_kk="",
            nik="",
            nama="Tanpa NIK",
            hubungan_keluarga="",
            tanggal_lahir="1950-01-01",
            jenis_kelamin="P",
            status_perkawinan="CERAI MATI",
            kode_wilayah="3371011007",
        ),
    ]
    result = load(write_csv(tmp_path / "a.csv", rows))
    assert (result.rows_read, result.rows_refused, result.persons, result.families) == (4, 0, 4, 1)
    fam = FamilyVersion.objects.current().get()
    assert (fam.no_kk, fam.rt, fam.rw, fam.atap) == ("3371011201100003", "001", "002", "GENTENG_TANAH_LIAT")
    assert MembershipVersion.objects.current().filter(family_id=fam.family_id).count() == 3
    wife = PersonVersion.objects.current().get(nama="Siti Aminah")
    assert (wife.tanggal_lahir, wife.jenis_kelamin, wife.status_perkawinan) == (
        date(1983, 8, 17),
        "P",
        "KAWIN",
    )
    assert wife.village_code == MAGELANG_VILLAGE
    loner = PersonVersion.objects.current().get(nama="Tanpa NIK")
    assert loner.nik is None
    assert not MembershipVersion.objects.filter(person_id=loner.person_id).exists()
    assert list(Finding.objects.values_list("rule", "person_id")) == [("NIK_PENDING", loner.person_id)]
    b = Batch.objects.get()
    assert b.published_at is not None and b.period == PERIOD and b.persons == 4


def test_bad_rows_are_refused_with_field_messages_and_the_rest_loads(tmp_path):
    rows = family_rows() + [
        row(nik="3.37101E+15", nama="Excel"),  # 5
        row(nik="3371011505800002", tanggal_lahir="30/02/1980"),  # 6
        row(nik="3371011505800003", kode_wilayah="3371019999"),  # 7
        row(nik="3371011505800004", jenis_kelamin="X"),  # 8
        row(nik="", nama="Anggota tanpa NIK"),  # 9: a family member needs a NIK
        row(no_kk="3371013202100003", nik="3371011505800005"),  # 10: KK with 32 February
        row(nik="3371011505800006", rt="1a"),  # 11
    ]
    result = load(write_csv(tmp_path / "b.csv", rows))
    assert (result.rows_read, result.rows_refused, result.persons) == (10, 7, 3)
    assert errors_by_row() == {
        5: [("nik", "excel")],
        6: [("tanggal_lahir", "date")],
        7: [("kode_wilayah", "region_unknown")],
        8: [("jenis_kelamin", "unknown")],
        9: [("nik", "required_in_family")],
        10: [("no_kk", "date")],
        11: [("rt", "format")],
    }
    messages = dict(LoadError.objects.values_list("row", "message"))
    assert "format kolom NIK sebagai Teks" in messages[5]
    assert messages[6].startswith("Tanggal lahir")
    assert messages[8].startswith('Jenis kelamin "X"')
    assert all(not m.isascii() or " " in m for m in messages.values())


def test_findings_are_recorded_for_loaded_rows(tmp_path):
    rows = [
        row(),
        row(nik="3371011505800009", nama="", hubungan_keluarga="ANAK", tempat_lahir=""),  # INCOMPLETE
        # Second family without a head, sharing a NIK with the first family's head.
        row(no_kk="3371011201100004", nik="3371011505800001", hubungan_keluarga="ANAK", atap=""),
        # NIK says a woman born 15-05-80; the row says a man born 16-05-80.
        row(no_kk="", nik="3371015505800007", hubungan_keluarga="", tanggal_lahir="1980-05-16"),
    ]
    result = load(write_csv(tmp_path / "c.csv", rows))
    assert result.rows_refused == 0
    assert result.findings == {
        "NIK_PENDING": 0,
        "NIK_MISMATCH": 1,
        "DUPLICATE_NIK": 2,
        "MEMBER_OVERLAP": 0,
        "FAMILY_NOT_A_SET": 1,
        "INCOMPLETE": 2,
    }
    mismatch = Finding.objects.get(rule="NIK_MISMATCH")
    assert mismatch.fields == ["tanggal_lahir", "jenis_kelamin"]
    incomplete = {tuple(f.fields) for f in Finding.objects.filter(rule="INCOMPLETE")}
    assert incomplete == {("nama", "tempat_lahir"), ("atap",)}
    not_a_set = Finding.objects.get(rule="FAMILY_NOT_A_SET")
    assert not_a_set.detail == {"reason": "no_head", "heads": 0}
    assert Finding.objects.filter(rule="DUPLICATE_NIK", detail__count=2).count() == 2


def test_office_csv_quirks(tmp_path):
    """Semicolons, a BOM, padded and ragged rows, Excel date serials, empty trailing rows."""
    rows = family_rows()
    rows[2]["tanggal_lahir"] = "40179"  # Excel serial for 2010-01-01
    path = write_csv(tmp_path / "d.csv", rows, delimiter=";", bom=True, trailer=";;;;\n;;;;;;;;;;\n\n")
    text = path.read_text(encoding="utf-8").replace("Budi Santoso", "  Budi Santoso  ")
    path.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
    result = load(path)
    assert (result.rows_read, result.rows_refused, result.persons) == (3, 0, 3)
    assert PersonVersion.objects.filter(nama="Budi Santoso").exists()
    assert PersonVersion.objects.get(nama="Rina").tanggal_lahir == date(2010, 1, 1)


def test_xlsx_with_several_sheets_number_nik_and_date_cells(tmp_path):
    wb = Workbook()
    wb.active.title = "Petunjuk"
    wb.active.append(["Isi lembar Data; kolom NIK dan KK sebagai Teks."])
    ws = wb.create_sheet("Data")
    ws.append(list(TEMPLATE_COLUMNS))
    for r in family_rows():
        ws.append([r.get(c) for c in TEMPLATE_COLUMNS])
    number_nik = row(nik=3371011505800008)  # a NIK cell Excel holds as a number
    ws.append([number_nik.get(c) for c in TEMPLATE_COLUMNS])
    ws["E2"] = datetime(1980, 5, 15)  # a real date cell
    ws.append([None] * len(TEMPLATE_COLUMNS))
    path = tmp_path / "e.xlsx"
    wb.save(path)
    result = load(path)
    assert (result.rows_read, result.rows_refused, result.persons) == (4, 1, 3)
    assert errors_by_row() == {5: [("nik", "excel")]}
    assert PersonVersion.objects.get(nama="Budi Santoso").tanggal_lahir == date(1980, 5, 15)


def test_missing_columns_refuse_the_file(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("nik,nama\n3371011505800001,Budi\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_registry", str(path), period="2026-10")
    assert "Kolom wajib tidak ada" in str(exc.value) and "no_kk" in str(exc.value)
    assert not Batch.objects.exists()


def test_same_file_twice_adds_nothing_and_another_baseline_is_refused(tmp_path):
    path = write_csv(tmp_path / "g.csv", family_rows())
    first = load(path)
    again = load(path)
    assert again.already_loaded and again.batch_id == first.batch_id
    assert PersonVersion.objects.count() == 3 and Batch.objects.count() == 1
    other = write_csv(tmp_path / "h.csv", family_rows()[:1])
    with pytest.raises(BaselineRefused, match="sudah berisi muat awal"):
        load(other)
    assert PersonVersion.objects.count() == 3


def test_command_reports_and_validates_period(tmp_path, capsys):
    path = write_csv(tmp_path / "i.csv", family_rows() + [row(nik="123")])
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("load_registry", str(path), period="10-2026")
    report = tmp_path / "kesalahan.csv"
    call_command("load_registry", str(path), period="2026-10", report=str(report))
    out = capsys.readouterr().out
    assert "3 orang dan 1 keluarga dimuat, 1 baris ditolak" in out
    assert "baris 5, nik: NIK harus 16 digit angka" in out
    assert report.read_text(encoding="utf-8").splitlines()[1].startswith("5,nik,format,")


def test_publication_writes_exactly_one_audit_row(tmp_path):
    from dtks.audit.models import AuditEvent

    path = write_csv(tmp_path / "j.csv", family_rows())
    result = load(path)
    load(path)  # already loaded: no state change, no audit row
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id, event.actor_label) == (
        "registry.baseline_published",
        str(result.batch_id),
        "test",
    )
    assert event.detail["persons"] == 3 and "nik" not in str(event.detail)


def _validated(path, *, server_csv: bool):
    """load_norm (without the drawn ids) and the refusals of a file staged one way or the other."""
    from django.db import connection, transaction

    from dtks.registry.loading import copy_csv, stage_drop, stage_refused, stage_sheet, stage_validate
    from dtks.registry.reading import open_sheet

    sheet = open_sheet(path)
    if not server_csv:
        sheet.csv = None
    with transaction.atomic(), connection.cursor() as cur:
        assert stage_sheet(cur, sheet) > 0
        if server_csv:  # the file really goes through the server's parser
            cur.execute("TRUNCATE load_raw")
            assert copy_csv(cur, open_sheet(path), [c or f"x{i}" for i, c in enumerate(sheet.columns)])
            stage_sheet(cur, open_sheet(path))
        stage_validate(cur, person_ids=False)
        cur.execute("SELECT to_jsonb(n) - 'person_id' FROM load_norm n ORDER BY row_no")
        norm = [json.loads(r[0]) for r in cur.fetchall()]  # Django hands jsonb back as text
        refused = stage_refused(cur, where="cardinality(n.errors) > 0")
        stage_drop(cur)
    return norm, refused


def test_server_csv_parser_and_row_reader_stage_the_same(tmp_path):
    """A CSV goes to the server's COPY parser; the row-by-row reader is the fallback (XLSX, ragged
    files). Both must give the validation the same rows: trimming, codes written as labels or in
    lower case, the three date spellings and serials, NBSP from Excel, and the refusals."""
    nbsp = "\u00a0"
    rows = family_rows() + [
        row(
            nik=" 3371011505800002 ",
            nama=f"{nbsp}Andi{nbsp}",
            jenis_kelamin=" l",
            tanggal_lahir=" 15/05/1980 ",
        ),
        row(
            nik="3371011505800003",
            status_perkawinan="belum_kawin",
            rt=" 7",
            rw="12 ",
            atap=" genteng keramik ",
        ),
        row(nik="3371011505800004", tanggal_lahir="29547", kriteria=" kemiskinan ; korban_kekerasan "),
        row(nik="3.37101E+15", nama="Excel"),
        row(
            nik="3371011505800005",
            tanggal_lahir="31/02/1980",
            rt="1a",
            jenis_kelamin="X",
            program="BOGUS; PKH",
        ),
        row(nik="3371011505800006", kode_wilayah=" 33.71.01.1003 ", lantai="\t"),
    ]
    path = write_csv(tmp_path / "same.csv", rows)
    server = _validated(path, server_csv=True)
    reader = _validated(path, server_csv=False)
    assert server == reader
    norm, refused = server
    assert len(norm) == len(rows)
    assert {code for _row, code, _v in refused} >= {"nik:excel", "tanggal_lahir:date", "rt:format"}
    assert {v for _r, c, v in refused if c == "program:unknown"} == {"BOGUS"}
    by_nik = {n["nik"]: n for n in norm}
    andi = by_nik["3371011505800002"]
    assert (andi["nama"], andi["jenis_kelamin"], andi["tanggal_lahir"]) == ("Andi", "L", "1980-05-15")
    coded = by_nik["3371011505800003"]
    assert (coded["status_perkawinan"], coded["rt"], coded["rw"], coded["atap"]) == (
        "BELUM KAWIN",
        "007",
        "012",
        "GENTENG_KERAMIK",
    )
    assert by_nik["3371011505800004"]["kriteria"] == ["KEMISKINAN", "KORBAN_KEKERASAN"]
    assert by_nik["3371011505800004"]["tanggal_lahir"] == "1980-11-22"  # Excel serial 29547
    assert by_nik["3371011505800006"]["village_code"] == "3371011003"
