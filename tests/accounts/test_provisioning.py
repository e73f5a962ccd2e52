"""Bulk provisioning from a CSV: all or nothing, per-row errors in Indonesian, printable codes."""

import csv
import io
import stat

import pytest
from django.core.management import CommandError, call_command

from dtks.accounts.models import ActivationCode, AssignedVillage, Organisation, OrganisationKind, Role, User
from dtks.accounts.services import code_hash
from dtks.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = "nama,username,peran,wilayah,organisasi,desa_tugas\n"
GOOD = HEADER + (
    "Siti Aminah,op.magelang1,village_operator,33.71.01.1003,,\n"
    "Budi Santoso,verif.magelang,regency_verifier,3371,,\n"
    "Rina Wati,pendamping1,field_officer,33.71,,33.71.01.1003; 3371011007\n"
    "Agus Salim,prov.jateng,province_officer,33,,\n"
    "Dewi Lestari,pusdatin1,ministry_data_officer,,,\n"
    "Bappeda Magelang,pemohon1,data_requester,,Bappeda Kota Magelang,\n"
    "Warga Biasa,pemohon2,data_requester,,,\n"
)


@pytest.fixture
def organisation():
    return Organisation.objects.create(
        name="Bappeda Kota Magelang", kind=OrganisationKind.LOCAL_GOVERNMENT, region_code="3371"
    )


def write(tmp_path, text, name="pengguna.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, out):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "provision_users",
        str(path),
        "--keluaran",
        str(out),
        "--alamat",
        "https://dtks.contoh.go.id",
        stdout=stdout,
        stderr=stderr,
    )
    return stdout.getvalue(), stderr.getvalue()


def test_good_file_creates_users_with_codes_and_a_handover_sheet(tmp_path, organisation):
    out = tmp_path / "serah"
    stdout, _ = run(write(tmp_path, GOOD), out)
    assert "7 pengguna dibuat" in stdout

    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {
        "op.magelang1",
        "verif.magelang",
        "pendamping1",
        "prov.jateng",
        "pusdatin1",
        "pemohon1",
        "pemohon2",
    }
    assert all(not u.has_usable_password() for u in users.values())
    assert users["op.magelang1"].region_code == "3371011003"
    assert users["op.magelang1"].first_name == "Siti Aminah"
    assert users["verif.magelang"].role == Role.REGENCY_VERIFIER
    assert users["pendamping1"].region_code == "3371"
    assert set(
        AssignedVillage.objects.filter(user=users["pendamping1"]).values_list("village_code", flat=True)
    ) == {"3371011003", "3371011007"}
    assert users["pemohon1"].organisation == organisation and users["pemohon2"].organisation is None
    assert users["pusdatin1"].region_code == ""

    sheet = list(csv.DictReader((out / "kode-aktivasi.csv").open(encoding="utf-8")))
    assert [row["username"] for row in sheet] == [
        "op.magelang1",
        "verif.magelang",
        "pendamping1",
        "prov.jateng",
        "pusdatin1",
        "pemohon1",
        "pemohon2",
    ]
    for row in sheet:
        code = ActivationCode.objects.get(user__username=row["username"])
        assert code.code_hash == code_hash(row["kode_aktivasi"]) and code.code_hash != row["kode_aktivasi"]
    html = (out / "kode-aktivasi.html").read_text(encoding="utf-8")
    assert sheet[0]["kode_aktivasi"] in html and "https://dtks.contoh.go.id/akun/aktivasi/" in html
    for name in ("kode-aktivasi.csv", "kode-aktivasi.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600

    rows = AuditEvent.objects.filter(action="account.provision")
    assert rows.count() == 7 and {r.actor_label for r in rows} == {"sistem:provision_users"}
    assert not any(row["kode_aktivasi"] in str(r.detail) for r in rows for row in sheet)


def test_bad_rows_are_all_reported_and_nothing_is_saved(tmp_path, organisation):
    User.objects.create_user("sudah.ada", role=Role.VILLAGE_OPERATOR, region_code="3371011003")
    bad = HEADER + (
        "Siti Aminah,op.baik,village_operator,3371011003,,\n"  # a good row: still not saved
        "Tanpa Peran,op.x,kepala_suku,3371,,\n"
        "Salah Tingkat,op.y,village_operator,3371,,\n"
        "Wilayah Fiktif,op.z,regency_verifier,9999,,\n"
        "Nasional,pusat.x,ministry_data_officer,33,,\n"
        ",sudah.ada,village_operator,3371011003,,\n"
        "Dobel,op.baik,village_operator,3371011003,,\n"
        "Desa Luar,pendamping.x,field_officer,3371,,3404012001\n"
        "Tanpa Desa,pendamping.y,field_officer,3371,,\n"
        "Organisasi Fiktif,pemohon.x,data_requester,,Dinas Entah,\n"
        "Bukan Pemohon,op.w,village_operator,3371011003,Bappeda Kota Magelang,\n"
        "Spasi Nama,nama pakai spasi,village_operator,3371011003,,\n"
    )
    out = tmp_path / "serah"
    with pytest.raises(CommandError, match="Tidak ada pengguna yang disimpan"):
        run(write(tmp_path, bad), out)
    assert list(User.objects.values_list("username", flat=True)) == ["sudah.ada"]
    assert not out.exists() and not ActivationCode.objects.exists() and not AuditEvent.objects.exists()


def test_row_errors_name_line_column_and_fix(tmp_path, organisation):
    from dtks.accounts.services import ProvisioningError, user_provision

    rows = [
        {"line": 2, "nama": "A", "username": "a1", "peran": "kepala_suku"},
        {"line": 3, "nama": "B", "username": "b1", "peran": "village_operator", "wilayah": "3371"},
        {"line": 4, "nama": "C", "username": "c1", "peran": "regency_verifier", "wilayah": "99.99"},
        {"line": 5, "nama": "D", "username": "d1", "peran": "ministry_data_officer", "wilayah": "33"},
        {"line": 6, "nama": "", "username": "a1", "peran": "admin"},
        {
            "line": 7,
            "nama": "E",
            "username": "e1",
            "peran": "field_officer",
            "wilayah": "3371",
            "desa_tugas": "3404012001;3371011003",
        },
        {"line": 8, "nama": "F", "username": "f1", "peran": "data_requester", "organisasi": "Dinas Entah"},
    ]
    with pytest.raises(ProvisioningError) as error:
        user_provision(rows=rows, actor="sistem:uji")
    found = {(e.line, e.column): e.message for e in error.value.errors}
    assert "bukan kode peran" in found[(2, "peran")]
    assert "desa/kelurahan (10 angka)" in found[(3, "wilayah")]
    assert "tidak ada dalam daftar wilayah" in found[(4, "wilayah")]
    assert "tidak memakai wilayah" in found[(5, "wilayah")]
    assert "wajib diisi" in found[(6, "nama")]
    assert "baris 2" in found[(6, "username")]
    assert "tidak berada di wilayah" in found[(7, "desa_tugas")]
    assert "belum terdaftar" in found[(8, "organisasi")]
    assert str(error.value.errors[0]).startswith("baris 2, kolom peran:")


def test_semicolon_separated_file_with_bom(tmp_path):
    text = "\ufeffnama;username;peran;wilayah\nSiti;op.bom;village_operator;3371011003\n"
    stdout, _ = run(write(tmp_path, text), tmp_path / "serah")
    assert "1 pengguna dibuat" in stdout
    assert User.objects.get(username="op.bom").region_code == "3371011003"


def test_missing_required_column_is_refused(tmp_path):
    with pytest.raises(CommandError, match="kolom wajib tidak ada: peran"):
        run(write(tmp_path, "nama,username\nSiti,op.a\n"), tmp_path / "serah")


def test_provisioning_by_a_non_admin_is_refused(tmp_path):
    User.objects.create_user("operator", role=Role.VILLAGE_OPERATOR, region_code="3371011003")
    with pytest.raises(Exception, match="Hanya administrator"):
        call_command(
            "provision_users",
            str(write(tmp_path, GOOD.splitlines()[0] + "\nA,b.c,admin,,,\n")),
            "--oleh",
            "operator",
            "--keluaran",
            str(tmp_path / "x"),
        )
    assert not User.objects.filter(username="b.c").exists()


def test_formula_in_a_name_is_escaped_in_the_csv(tmp_path):
    out = tmp_path / "serah"
    run(write(tmp_path, HEADER + "=HYPERLINK(1),op.f,village_operator,3371011003,,\n"), out)
    sheet = list(csv.DictReader((out / "kode-aktivasi.csv").open(encoding="utf-8")))
    assert sheet[0]["nama"] == "'=HYPERLINK(1)"
