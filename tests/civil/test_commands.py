"""`manage.py load_civil_registry` and `manage.py integrity_check`."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from dtks.civil.models import Extract
from tests.registry.factories import batch, family, member, person

from .factories import OTHER_VILLAGE, VILLAGE, extract_row, use_source, write_extract

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_command_reports_rows_and_is_a_no_op_the_second_time(tmp_path):
    path = write_extract(tmp_path / "x.csv", [extract_row(), extract_row(nik="1")])
    out, _ = run(
        "load_civil_registry", str(path), "--source", "Dukcapil Kota Magelang", "--date", "2026-11-30"
    )
    assert "1 dimuat, 1 ditolak" in out and "baris 3, nik:" in out
    assert "Rekonsiliasi dengan registri: 0 orang diperiksa, 0 berbeda." in out
    out, _ = run(
        "load_civil_registry", str(path), "--source", "Dukcapil Kota Magelang", "--date", "2026-11-30"
    )
    assert "tidak ada yang diubah" in out
    assert Extract.objects.count() == 1


def test_load_command_refuses_a_bad_date_and_a_file_without_columns(tmp_path):
    path = write_extract(tmp_path / "x.csv", [extract_row()])
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("load_civil_registry", str(path), "--source", "X", "--date", "30-11-2026")
    bad = tmp_path / "bad.csv"
    bad.write_text("nik\n1\n")
    with pytest.raises(CommandError, match="Kolom wajib"):
        run("load_civil_registry", str(bad), "--source", "X", "--date", "2026-11-30")


@pytest.fixture
def registry(tmp_path):
    b = batch()
    person(b, person_id=1, nik="3371011505800001", nama="Budi Santoso", tanggal_lahir=date(1980, 5, 15),
           jenis_kelamin="L", tempat_lahir="Magelang", status_perkawinan="KAWIN", alamat="Jl. A")  # fmt: skip
    person(b, person_id=2, nik=None, nama="Tanpa NIK", village_code=OTHER_VILLAGE)
    person(b, person_id=3, nik="3371010101900003", nama="Beda Tanggal", tanggal_lahir=date(1990, 2, 1))
    family(b, family_id=10, no_kk="3371011201100003")
    member(b, family_id=10, person_id=1, hubungan_keluarga="KEPALA KELUARGA")
    write = write_extract(tmp_path / "x.csv", [extract_row(nama="BUDI")])
    run("load_civil_registry", str(write), "--source", "Dukcapil", "--date", "2026-11-30")
    use_source("extract")


def test_integrity_check_prints_every_enabled_rule_as_json_lines(registry):
    out, err = run("integrity_check", "--format", "json")
    findings = [json.loads(line) for line in out.splitlines()]
    rules = {(f["rule"], f["person_id"] or f["family_id"]) for f in findings}
    assert ("NIK_PENDING", 2) in rules
    assert ("NIK_MISMATCH", 3) in rules
    assert ("CIVIL_REGISTRY_MISMATCH", 1) in rules  # BUDI vs Budi Santoso
    assert ("CIVIL_REGISTRY_MISMATCH", 3) in rules  # not in the extract
    assert ("INCOMPLETE", 10) in rules  # the family's house attributes
    civil = next(f for f in findings if f["rule"] == "CIVIL_REGISTRY_MISMATCH" and f["person_id"] == 1)
    assert civil["nik"] == "3371011505800001" and civil["detail"]["parts"][0]["part"] == "nama"
    assert "Temuan:" in err


def test_integrity_check_by_region_and_as_text(registry):
    out, _ = run("integrity_check", "--region", OTHER_VILLAGE)
    lines = out.splitlines()
    assert {line.split("\t")[1] for line in lines[:-1]} == {"orang 2 NIK —"}
    assert "NIK_PENDING\torang 2" in out and lines[-1] == "Temuan: INCOMPLETE: 1, NIK_PENDING: 1."
    out, _ = run("integrity_check", "--region", VILLAGE)
    assert "orang 2" not in out and "CIVIL_REGISTRY_MISMATCH\torang 1" in out
    with pytest.raises(CommandError, match="tidak ada"):
        run("integrity_check", "--region", "99")
