"""Loading a Dukcapil extract: COPY staging, per-row refusals, atomic replacement, the same file twice."""

import pytest
from django.db import connection

from dtks.audit.models import AuditEvent
from dtks.civil.loading import ExtractRefused, civil_extract_load
from dtks.civil.models import CivilPerson, Extract, ExtractError
from dtks.registry.reading import FileRefused

from .factories import extract_row, load, write_extract

pytestmark = pytest.mark.django_db


def test_load_writes_rows_and_reports_refusals_per_row(tmp_path):
    rows = [
        extract_row(),
        extract_row(
            nik="3371015708850002", nama="Siti Aminah", jenis_kelamin="PEREMPUAN", tanggal_lahir="17/08/1985"
        ),
        extract_row(nik="12345"),  # format
        extract_row(nik="3371011505800003", jenis_kelamin="X"),  # unknown sex
        extract_row(nik="3371011505800004", kode_wilayah="9999999999"),  # unknown village
        extract_row(nik="3371011505800005", tanggal_lahir="31-02-1980"),  # no such date
        extract_row(nik="3371011505800001", nama="DUPLIKAT"),  # the first row's NIK again
        extract_row(nik="3371011505800006", nama=""),  # name required
    ]
    result = load(write_extract(tmp_path / "x.csv", rows))
    e = result.extract
    assert (e.rows_read, e.persons, e.rows_refused, e.current, e.status) == (8, 2, 6, True, "done")
    refused = {(r.row, r.field, r.code) for r in ExtractError.objects.filter(extract=e)}
    assert refused == {
        (4, "nik", "format"),
        (5, "jenis_kelamin", "unknown"),
        (6, "kode_wilayah", "region_unknown"),
        (7, "tanggal_lahir", "date"),
        (8, "nik", "duplicate"),
        (9, "nama", "required"),
    }
    messages = {r.field: r.message for r in ExtractError.objects.filter(extract=e)}
    assert "L atau P" in messages["jenis_kelamin"]
    siti = CivilPerson.objects.get(extract=e, nik="3371015708850002")
    assert (siti.jenis_kelamin, str(siti.tanggal_lahir), siti.nama) == ("P", "1985-08-17", "Siti Aminah")
    assert AuditEvent.objects.filter(action="civil.extract_loaded", object_id=str(e.pk)).exists()


def test_office_spellings_of_the_columns_are_accepted(tmp_path):
    header = ["NIK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "NO_KK", "Kode Desa", "ALAMAT"]
    result = load(write_extract(tmp_path / "x.csv", [extract_row()], header=header))
    assert result.extract.persons == 1


def test_a_file_without_the_columns_is_refused_whole(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("nik,nama\n3371011505800001,BUDI\n")
    with pytest.raises(FileRefused, match="tanggal_lahir"):
        load(path)
    assert not Extract.objects.exists()


def test_the_same_file_twice_is_a_no_op(tmp_path):
    path = write_extract(tmp_path / "x.csv", [extract_row()])
    first = load(path)
    again = load(path)
    assert again.already_loaded and again.extract.pk == first.extract.pk
    assert Extract.objects.count() == 1 and CivilPerson.objects.count() == 1


def test_a_new_extract_replaces_the_old_one_and_the_previous_generation_stays_until_the_next(tmp_path):
    one = load(write_extract(tmp_path / "1.csv", [extract_row()])).extract
    two = load(write_extract(tmp_path / "2.csv", [extract_row(nama="BUDI S")])).extract
    assert list(Extract.objects.filter(current=True)) == [two]
    # A reader that resolved generation one a moment ago still finds all its rows.
    assert CivilPerson.objects.filter(extract=one).count() == 1
    three = load(write_extract(tmp_path / "3.csv", [extract_row(nama="BUDI SAN")])).extract
    assert CivilPerson.objects.filter(extract=one).count() == 0
    assert {p.extract_id for p in CivilPerson.objects.all()} == {two.pk, three.pk}


def test_a_failed_load_leaves_the_current_extract_untouched(tmp_path, monkeypatch):
    one = load(write_extract(tmp_path / "1.csv", [extract_row()])).extract
    import dtks.civil.loading as loading

    def boom(cur, extract):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "_make_current", boom)
    with pytest.raises(RuntimeError):
        load(write_extract(tmp_path / "2.csv", [extract_row(nama="LAIN")]))
    failed = Extract.objects.exclude(pk=one.pk).get()
    assert failed.status == "failed" and "disk full" in failed.error_message and not failed.current
    assert Extract.objects.get(current=True) == one
    assert CivilPerson.objects.filter(extract=failed).count() == 0
    with connection.cursor() as cur:  # the lock is released
        cur.execute("SELECT pg_try_advisory_lock(hashtext('dtks.civil.extract_load'))")
        assert cur.fetchone()[0]
        cur.execute("SELECT pg_advisory_unlock(hashtext('dtks.civil.extract_load'))")


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ExtractRefused):
        civil_extract_load(path=tmp_path / "none.csv", source="x", extract_date=None, actor="t")


def test_an_xlsx_extract_loads_like_a_csv(tmp_path):
    from openpyxl import Workbook

    from dtks.civil.loading import EXTRACT_COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([c.upper() for c in EXTRACT_COLUMNS])
    ws.append([extract_row()[c] for c in EXTRACT_COLUMNS])
    ws.append([extract_row(nik=3371011505800002)[c] for c in EXTRACT_COLUMNS])  # a number: Excel lost it
    path = tmp_path / "x.xlsx"
    wb.save(path)
    e = load(path).extract
    assert (e.persons, e.rows_refused) == (1, 1)
    assert ExtractError.objects.get(extract=e).message.startswith("NIK tertulis sebagai angka oleh Excel")


# -- the two-connection load (autocommit) against the single statement (inside a transaction) ----------

PIPE_ROWS = [
    extract_row(),
    extract_row(
        nik="3371015708850002", nama="Siti Aminah", jenis_kelamin="PEREMPUAN", tanggal_lahir="17/08/1985"
    ),
    extract_row(nik=" 12\\34\t5 "),  # format; the cell shown with its backslash and tab
    extract_row(nik="3371011505800003", jenis_kelamin=" X "),  # unknown sex
    extract_row(nik="3371011505800004", kode_wilayah="99\t99"),  # unknown village
    extract_row(nik="3371011505800005", tanggal_lahir="31-02-1980"),  # no such date
    extract_row(nik="3371011505800001", nama="DUPLIKAT"),  # the first row's NIK again
    extract_row(nik="3371.0115.0580.0001", nama="TITIK"),  # the same NIK, spelled with dots
    extract_row(nik="3371011505800006", nama="", no_kk="1234"),  # two errors in one row
    extract_row(nik="3371011505800007", jenis_kelamin="?"),  # refused: not the first valid row
    extract_row(nik="3371011505800007", nama="PERTAMA YANG BENAR"),
    extract_row(nik="3371011505800007", nama="KEDUA"),  # duplicate of the row above
    extract_row(nik="3371011505800008", tanggal_lahir="", alamat="A" * 300),
    extract_row(nik="3371011505800009", no_kk="", tempat_lahir=" "),
]


def _loaded(extract):
    persons = sorted(
        CivilPerson.objects.filter(extract=extract).values_list(
            "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "no_kk", "village_code", "alamat"
        )
    )
    errors = sorted(
        ExtractError.objects.filter(extract=extract).values_list("row", "field", "code", "message")
    )
    return persons, errors, (extract.rows_read, extract.rows_refused, extract.persons)


@pytest.mark.django_db(transaction=True)
def test_the_two_connection_load_gives_what_the_single_statement_gives(tmp_path, monkeypatch):
    import dtks.civil.loading as loading

    piped = []
    pipe_write = loading._pipe_write
    monkeypatch.setattr(loading, "_pipe_write", lambda *a: piped.append(1) or pipe_write(*a))
    try:
        monkeypatch.setattr(loading, "PIPELINE", False)
        one = load(write_extract(tmp_path / "1.csv", PIPE_ROWS)).extract
        assert not piped
        monkeypatch.setattr(loading, "PIPELINE", True)
        # The same rows; another file (LF line ends), so not a no-op.
        path = tmp_path / "2.csv"
        path.write_text((tmp_path / "1.csv").read_text().replace("\r\n", "\n"))
        two = load(path).extract
        assert piped
        assert _loaded(two) == _loaded(one)
        persons, errors, counts = _loaded(two)
        assert counts == (14, 10, 4)
        assert {(r, f, c) for r, f, c, _ in errors} == {
            (4, "nik", "format"),
            (5, "jenis_kelamin", "unknown"),
            (6, "kode_wilayah", "region_unknown"),
            (7, "tanggal_lahir", "date"),
            (8, "nik", "duplicate"),
            (9, "nik", "duplicate"),
            (10, "nama", "required"),
            (10, "no_kk", "format"),
            (11, "jenis_kelamin", "unknown"),
            (13, "nik", "duplicate"),
            (14, "tanggal_lahir", "required"),
            (14, "alamat", "too_long"),
        }
        messages = {(r, f): m for r, f, _, m in errors}
        # The cells as written (trimmed): a tab inside, the NIK with dots, 7 characters with the backslash.
        assert '"99\t99"' in messages[(6, "kode_wilayah")] and "3371.0115.0580.0001" in messages[(9, "nik")]
        assert "7 karakter" in messages[(4, "nik")]
        assert [p[1] for p in persons if p[0] == "3371011505800007"] == ["PERTAMA YANG BENAR"]
        assert Extract.objects.get(current=True) == two

        # A failure after the second connection committed: the generation is failed, its rows removed.
        def boom(cur, extract):
            raise RuntimeError("disk full")

        monkeypatch.setattr(loading, "_make_current", boom)
        with pytest.raises(RuntimeError):
            load(write_extract(tmp_path / "3.csv", [*PIPE_ROWS, extract_row(nik="3371011505800010")]))
        failed = Extract.objects.get(status="failed")
        assert CivilPerson.objects.filter(extract=failed).count() == 0
        assert Extract.objects.get(current=True) == two and _loaded(two)[0] == persons

        # A failure while the rows stream, some already forwarded: the writer's COPY is aborted.
        stream_sql = loading._stream_sql
        monkeypatch.setattr(loading, "PIPE_CHUNK", 1)
        monkeypatch.setattr(
            loading,
            "_stream_sql",
            lambda *a: stream_sql(*a).replace("coalesce(alamat, '')", "(1 / (row_no - 12))::text"),
        )
        with pytest.raises(Exception, match="division by zero"):
            load(write_extract(tmp_path / "4.csv", [*PIPE_ROWS, extract_row(nik="3371011505800011")]))
        assert not CivilPerson.objects.exclude(extract__in=[one, two]).exists()
        assert Extract.objects.get(current=True) == two
        with connection.cursor() as cur:  # the lock is released
            cur.execute("SELECT pg_try_advisory_lock(hashtext('dtks.civil.extract_load'))")
            assert cur.fetchone()[0]
            cur.execute("SELECT pg_advisory_unlock(hashtext('dtks.civil.extract_load'))")
    finally:
        # Not left for the next test (the flush removes the rows; the files are tmp_path's).
        CivilPerson.objects.all().delete()
        ExtractError.objects.all().delete()
        Extract.objects.all().delete()
