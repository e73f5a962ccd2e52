"""Fixing a bad row of an import's preview in place (proposals/imports/fix.py): the row is checked by the
preview's own SQL, the job's counts follow, the confirm imports it; only the village's operator, only
during the preview; the page's fix form (htmx and without JavaScript) and the API."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from dtks.accounts.models import Role
from dtks.api.services import api_token_issue
from dtks.audit.models import AuditEvent
from dtks.registry.models import Code
from dtks.registry.reading import TEMPLATE_COLUMNS
from proposals.demo import MINUTES_PDF
from proposals.imports import fix as import_fix
from proposals.imports import services as importing
from proposals.models import ImportJob, ImportRow, Musyawarah, ProposalItem, ProposalPerson
from proposals.musyawarah import services as musyawarah_services
from tests.conftest import otp_force_login
from tests.core.test_i18n import SAME_IN_BOTH, catalogue, untranslated
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, user
from tests.proposals.test_import_files import csv_bytes, family_rows, individual_row

pytestmark = pytest.mark.django_db


def preview(musyawarah, operator, rows: list[dict]) -> ImportJob:
    job = importing.import_job_create(
        musyawarah_id=musyawarah.pk,
        uploaded=SimpleUploadedFile("usulan.csv", csv_bytes(rows), "text/csv"),
        actor=operator,
    )
    job = importing.import_job_preview(job_id=job.pk)
    assert job.status == ImportJob.Status.PREVIEWED, job.error_message
    return job


def counts(job: ImportJob) -> tuple[int, ...]:
    job.refresh_from_db()
    return (job.rows_invalid, job.items_total, job.items_new, job.items_blocked, job.items_existing)


def errors_of(job: ImportJob, row_no: int) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in ImportRow.objects.get(job=job, row_no=row_no).errors]


def bad_nik_file() -> list[dict]:
    """Rows 2-4 a family, 5-6 individuals; row 6's NIK became an Excel number."""
    return family_rows(1) + [individual_row(1), individual_row(2, nik="3.37101E+15")]


GOOD_NIK = individual_row(2)["nik"]
# Job, musyawarah and row (locked), the loader's staging and validation (a fixed number of statements,
# dropping first and after), the two import checks, the row and the counts written back, the audit row.
MAX_FIX_QUERIES = 40


# -- the service ------------------------------------------------------------------------------------


def test_fixing_a_bad_nik_makes_the_row_valid_updates_the_counts_and_confirm_imports_it(
    import_dir, musyawarah, operator
):
    job = preview(musyawarah, operator, bad_nik_file())
    assert errors_of(job, 6) == [("nik", "excel")]
    assert counts(job) == (1, 3, 2, 1, 0)

    row = import_fix.import_row_fix(
        job_id=job.pk, row_no=6, values={"nik": GOOD_NIK}, actor=operator, ip="10.0.0.9"
    )
    assert (row.ok, row.errors, row.nik, row.group_key) == (True, [], GOOD_NIK, f"nik:{GOOD_NIK}")
    assert counts(job) == (0, 3, 3, 0, 0)
    # Only the fixed row changed; its other values are the ones the preview had stored.
    assert (row.nama, row.jenis_kelamin, row.tanggal_lahir) == ("Mbah Sendiri2", "P", date(1950, 3, 3))

    event = AuditEvent.objects.get(action="proposal_import.row_fix")
    assert (event.object_id, event.actor, event.region_code, event.ip) == (
        str(job.pk),
        operator,
        VILLAGE_A,
        "10.0.0.9",
    )
    assert event.detail == {"row": 6, "fields": ["nik"], "ok": True, "errors": []}
    assert GOOD_NIK not in json.dumps(event.detail)

    importing.import_job_confirm(job_id=job.pk, actor=operator)
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.items_done) == (ImportJob.Status.DONE, 3)
    assert ProposalPerson.objects.filter(nik=GOOD_NIK, item__musyawarah=musyawarah).count() == 1
    assert ProposalItem.objects.filter(musyawarah=musyawarah).count() == 3


def test_a_fix_still_wrong_keeps_the_row_bad_with_the_fields_new_message(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, family_rows(1) + [individual_row(1, jenis_kelamin="X")])
    before = counts(job)
    row = import_fix.import_row_fix(job_id=job.pk, row_no=5, values={"jenis_kelamin": "W"}, actor=operator)
    assert not row.ok
    assert [(e["field"], e["code"]) for e in row.errors] == [("jenis_kelamin", "unknown")]
    assert row.errors[0]["message"].startswith('Jenis kelamin "W" tidak ada di daftar kode')
    assert counts(job) == before

    # Fixing one column and breaking another: the row stays bad, now for the date only.
    row = import_fix.import_row_fix(
        job_id=job.pk, row_no=5, values={"jenis_kelamin": "p", "tanggal_lahir": "31/02/1950"}, actor=operator
    )
    assert [(e["field"], e["code"]) for e in row.errors] == [("tanggal_lahir", "date")]
    assert "31/02/1950" in row.errors[0]["message"]
    assert (row.jenis_kelamin, row.tanggal_lahir) == ("P", None)
    assert AuditEvent.objects.filter(action="proposal_import.row_fix").count() == 2
    last = AuditEvent.objects.filter(action="proposal_import.row_fix").latest("pk")
    assert last.detail["fields"] == ["tanggal_lahir", "jenis_kelamin"] and last.detail["ok"] is False


def test_a_malformed_fix_saves_nothing(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, family_rows(1) + [individual_row(1, jenis_kelamin="X", rt="1a")])
    stored = ImportRow.objects.get(job=job, row_no=5)
    with pytest.raises(ValidationError) as unknown:
        import_fix.import_row_fix(job_id=job.pk, row_no=5, values={"gender": "P"}, actor=operator)
    assert set(unknown.value.message_dict) == {"gender"}
    # Every column with an error must be sent: its stored value is not what the file said.
    with pytest.raises(ValidationError) as unsent:
        import_fix.import_row_fix(job_id=job.pk, row_no=5, values={"jenis_kelamin": "P"}, actor=operator)
    assert set(unsent.value.message_dict) == {"rt"}
    with pytest.raises(ValidationError):
        import_fix.import_row_fix(job_id=job.pk, row_no=5, values={}, actor=operator)
    with pytest.raises(ValidationError, match="kosong seluruhnya"):  # the reader skips an empty row
        import_fix.import_row_fix(
            job_id=job.pk, row_no=5, values=dict.fromkeys(TEMPLATE_COLUMNS, " "), actor=operator
        )
    again = ImportRow.objects.get(job=job, row_no=5)
    assert (again.errors, again.jenis_kelamin, again.rt) == (stored.errors, stored.jenis_kelamin, stored.rt)
    assert not AuditEvent.objects.filter(action="proposal_import.row_fix").exists()


def test_fixing_to_a_nik_of_another_row_is_a_duplicate_in_the_file(import_dir, musyawarah, operator):
    fam = family_rows(1)
    job = preview(musyawarah, operator, fam + [individual_row(1), individual_row(2, nik="3.37101E+15")])
    row = import_fix.import_row_fix(job_id=job.pk, row_no=6, values={"nik": fam[0]["nik"]}, actor=operator)
    assert [(e["field"], e["code"]) for e in row.errors] == [("nik", "duplicate_in_file")]
    assert "sudah ada di baris lain berkas ini" in row.errors[0]["message"]
    assert counts(job)[:4] == (1, 3, 2, 1)  # row 6's group (the head's NIK) is held back
    assert row.group_key == f"nik:{fam[0]['nik']}"


def test_the_first_row_of_a_nik_keeps_it_as_in_the_preview(import_dir, musyawarah, operator):
    """Two rows with one NIK: the later one is the duplicate. Fixing the earlier row's other error
    makes it valid; the later row stays the duplicate."""
    first = individual_row(1, tanggal_lahir="31/02/1950")
    job = preview(musyawarah, operator, [first, individual_row(2, nik=first["nik"])])
    assert (errors_of(job, 2), errors_of(job, 3)) == (
        [("tanggal_lahir", "date")],
        [("nik", "duplicate_in_file")],
    )
    row = import_fix.import_row_fix(
        job_id=job.pk, row_no=2, values={"tanggal_lahir": "1950-03-02"}, actor=operator
    )
    assert row.ok
    assert errors_of(job, 3) == [("nik", "duplicate_in_file")]
    # Re-sending the later row's NIK keeps it a duplicate (the earlier row is valid and has it).
    row3 = import_fix.import_row_fix(job_id=job.pk, row_no=3, values={"nik": first["nik"]}, actor=operator)
    assert [(e["field"], e["code"]) for e in row3.errors] == [("nik", "duplicate_in_file")]


def test_a_row_of_another_village_is_reported_by_its_message(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, [individual_row(1, jenis_kelamin="X")])
    row = import_fix.import_row_fix(
        job_id=job.pk, row_no=2, values={"jenis_kelamin": "P", "kode_wilayah": VILLAGE_B}, actor=operator
    )
    assert [(e["field"], e["code"]) for e in row.errors] == [("kode_wilayah", "other_village")]
    assert "bukan kelurahan/desa musyawarah ini" in row.errors[0]["message"]


def test_only_the_villages_operator_fixes_and_only_during_the_preview(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    fix = {"nik": GOOD_NIK}
    with pytest.raises(ImportJob.DoesNotExist):
        import_fix.import_row_fix(
            job_id=job.pk, row_no=6, values=fix, actor=user(Role.VILLAGE_OPERATOR, VILLAGE_B)
        )
    with pytest.raises(PermissionDenied):
        import_fix.import_row_fix(
            job_id=job.pk, row_no=6, values=fix, actor=user(Role.REGENCY_VERIFIER, "3371")
        )
    with pytest.raises(ImportRow.DoesNotExist):
        import_fix.import_row_fix(job_id=job.pk, row_no=99, values=fix, actor=operator)
    with pytest.raises(ImportRow.DoesNotExist):
        import_fix.import_row_fix(job_id=job.pk, row_no=2**40, values=fix, actor=operator)
    assert errors_of(job, 6) == [("nik", "excel")]

    importing.import_job_confirm(job_id=job.pk, actor=operator)  # importing: the rows are being written
    with pytest.raises(ValidationError, match="selama pratinjau"):
        import_fix.import_row_fix(job_id=job.pk, row_no=6, values=fix, actor=operator)
    cancelled = preview(musyawarah, operator, bad_nik_file())
    importing.import_job_cancel(job_id=cancelled.pk, actor=operator)
    with pytest.raises(ValidationError, match="Dibatalkan"):
        import_fix.import_row_fix(job_id=cancelled.pk, row_no=6, values=fix, actor=operator)
    assert not AuditEvent.objects.filter(action="proposal_import.row_fix").exists()


def test_a_submitted_musyawarah_takes_no_fix(import_dir, media, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    # Meanwhile the operator holds the musyawarah and submits the item already in it.
    item(musyawarah=musyawarah, created_by=operator)
    upload = SimpleUploadedFile("notulen.pdf", MINUTES_PDF, "application/pdf")
    musyawarah_services.musyawarah_minutes_attach(musyawarah_id=musyawarah.pk, actor=operator, upload=upload)
    musyawarah_services.musyawarah_hold(musyawarah_id=musyawarah.pk, actor=operator)
    musyawarah_services.musyawarah_submit(musyawarah_id=musyawarah.pk, actor=operator)
    musyawarah.refresh_from_db()
    assert musyawarah.state == Musyawarah.State.SUBMITTED
    with pytest.raises(ValidationError, match="sudah diajukan"):
        import_fix.import_row_fix(job_id=job.pk, row_no=6, values={"nik": GOOD_NIK}, actor=operator)


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block (the COPY of the one staged row aside).

    Counted with an execute wrapper, not `django_assert_max_num_queries`: that forces Django's
    debug cursor, whose `copy()` takes no `writer=` argument, and the loader's `stage_sheet` passes
    one (it would fail the same way with DEBUG on)."""
    from django.db import connection

    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def test_the_fix_runs_a_bounded_number_of_queries_whatever_the_file_size(import_dir, musyawarah, operator):
    ran = []
    for families in (1, 20):
        rows = [r for k in range(1, families + 1) for r in family_rows(k, size=4)]
        job = preview(musyawarah, operator, rows + [individual_row(families, nik="3.37101E+15")])
        with statements() as seen:
            row = import_fix.import_row_fix(
                job_id=job.pk,
                row_no=len(rows) + 2,
                values={"nik": individual_row(families)["nik"]},
                actor=operator,
            )
        assert row.ok and counts(job)[:3] == (0, families + 1, families + 1)
        ran.append(len(seen))
    assert ran[0] == ran[1] <= MAX_FIX_QUERIES, ran


def test_a_second_fix_in_the_same_connection_finds_no_temp_table_left(import_dir, musyawarah, operator):
    from django.db import connection

    job = preview(musyawarah, operator, bad_nik_file())
    import_fix.import_row_fix(job_id=job.pk, row_no=6, values={"nik": "123"}, actor=operator)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'load_%%'")
        assert cur.fetchone()[0] == 0
    row = import_fix.import_row_fix(job_id=job.pk, row_no=6, values={"nik": GOOD_NIK}, actor=operator)
    assert row.ok


# -- the page ---------------------------------------------------------------------------------------


def page_of(client, job) -> str:
    response = client.get(f"/usulan/impor/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def fix_form_values(job, row_no: int, **changes) -> dict:
    """What the fix form posts: every template column, pre-filled, with the operator's changes."""
    bad, other = import_fix.import_row_fix_fields(ImportRow.objects.get(job=job, row_no=row_no))
    return {**{f.name: f.value for f in bad + other}, **changes, "halaman": "1"}


def test_the_preview_page_has_a_fix_form_per_bad_row_with_messages_beside_their_fields(
    import_dir, client, musyawarah, operator
):
    job = preview(musyawarah, operator, bad_nik_file() + [individual_row(3, rt="1a")])
    client.force_login(operator)
    page = page_of(client, job)
    assert page.count('class="row-fix-form"') == 2
    assert f'action="/usulan/impor/{job.pk}/baris/6/perbaiki/"' in page
    # The NIK field of row 6 carries its message; the name field is pre-filled.
    assert 'id="baris-6-nik" name="nik" value="3.37101E+15"' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="baris-6-nik-galat' in page
    assert 'id="baris-6-nama" name="nama" value="Mbah Sendiri2"' in page
    assert 'id="baris-6-nik-galat"' in page and "format kolom NIK sebagai Teks" in page
    # A bad RT is not offered back cut to three characters.
    assert 'id="baris-7-rt" name="rt" value=""' in page
    assert '<datalist id="kode-jenis_kelamin">' in page


def test_without_javascript_a_fix_redirects_to_the_preview_opened_at_the_row(
    import_dir, client, musyawarah, operator
):
    job = preview(musyawarah, operator, bad_nik_file())
    client.force_login(operator)
    url = f"/usulan/impor/{job.pk}/baris/6/perbaiki/"
    still = client.post(url, fix_form_values(job, 6, nik="123"))
    assert still.status_code == 302 and still["Location"].endswith("?halaman=1&baris=6#baris-6")
    page = client.get(still["Location"]).content.decode()
    assert "masih bermasalah" in page and '<details class="row-fix" open>' in page
    done = client.post(url, fix_form_values(job, 6, nik=GOOD_NIK), follow=True)
    assert "sudah benar dan ikut diimpor" in done.content.decode()
    assert 'data-row="6"' not in done.content.decode()  # no longer a bad row
    assert counts(job)[:3] == (0, 3, 3)


def test_with_htmx_a_fix_answers_the_row_and_the_counts_out_of_band(import_dir, client, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    client.force_login(operator)
    url = f"/usulan/impor/{job.pk}/baris/6/perbaiki/"
    bad = client.post(url, fix_form_values(job, 6, nik="123"), HTTP_HX_REQUEST="true").content.decode()
    assert bad.lstrip().startswith('<tbody id="baris-6"')
    assert 'data-ok="0"' in bad and '<details class="row-fix" open>' in bad and " autofocus" in bad
    assert '<dl class="stats import-summary" id="import-summary" hx-swap-oob="true">' in bad
    good = client.post(url, fix_form_values(job, 6, nik=GOOD_NIK), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-ok="1"' in good and "Sudah diperbaiki" in good
    assert 'data-count="items_new">3<' in good and "Impor 3 usulan sah" in good
    assert 'id="import-actions" hx-swap-oob="true"' in good


def test_the_fix_answer_is_translated(import_dir, client, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    client.force_login(operator)
    url = f"/usulan/impor/{job.pk}/baris/6/perbaiki/"
    pages = []
    for lang in ("id", "en"):
        client.cookies["django_language"] = lang
        pages.append(
            client.post(url, fix_form_values(job, 6, nik="123"), HTTP_HX_REQUEST="true").content.decode()
        )
    # Data: the row's values and the loader's messages (Indonesian on every page, as in the preview).
    row = ImportRow.objects.get(job=job, row_no=6)
    words = set(SAME_IN_BOTH) | set(Code.objects.values_list("label", flat=True))
    # The preview's error list shows each column's name, then ": " and the message.
    data = {e["message"] for e in row.errors} | {f": {e['message']}" for e in row.errors} | {"nik"}
    data |= set(import_fix.import_row_values(row).values())
    with translation.override("en"):
        problems = untranslated(pages[0], pages[1], words=words, cat=catalogue())
    assert [p for p in problems if p not in data] == []
    assert "Fix row 6" in pages[1] and "Perbaiki baris 6" in pages[0]


def test_pages_answer_404_to_another_village_and_403_to_the_regency(import_dir, client, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    url = f"/usulan/impor/{job.pk}/baris/6/perbaiki/"
    client.force_login(user(Role.VILLAGE_OPERATOR, VILLAGE_B))
    assert client.post(url, fix_form_values(job, 6, nik=GOOD_NIK)).status_code == 404
    regency = Client()
    otp_force_login(regency, user(Role.REGENCY_VERIFIER, "3371"))
    assert regency.post(url, fix_form_values(job, 6, nik=GOOD_NIK)).status_code == 403
    assert errors_of(job, 6) == [("nik", "excel")]


# -- the API ----------------------------------------------------------------------------------------


def api(u) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(actor=u)[1]}"})


def patch(c, job, row_no, body):
    return c.patch(
        f"/api/v1/impor/{job.pk}/baris/{row_no}/", json.dumps(body), content_type="application/json"
    )


def test_api_fix_answers_the_row_and_the_counts(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    c = api(operator)
    still = patch(c, job, 6, {"nik": "337101"})
    assert still.status_code == 200
    body = still.json()
    assert body["ok"] is False and [e["code"] for e in body["errors"]] == ["format"]
    assert body["errors"][0]["field"] == "nik" and body["job"]["rows_invalid"] == 1
    fixed = patch(c, job, 6, {"nik": GOOD_NIK}).json()
    assert fixed["ok"] is True and fixed["errors"] == [] and fixed["values"]["nik"] == GOOD_NIK
    assert (fixed["job"]["items_new"], fixed["job"]["items_blocked"]) == (3, 0)


def test_api_refuses_unknown_columns_with_field_errors(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    c = api(operator)
    response = patch(c, job, 6, {"nik": GOOD_NIK, "nomor_induk": "1"})
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"} and list(response.json()["errors"]) == ["nomor_induk"]
    assert list(patch(c, job, 6, {"nik": ["3371"]}).json()["errors"]) == ["nik"]  # not text
    assert patch(c, job, 6, {}).status_code == 400
    assert patch(c, job, 6, ["nik"]).status_code == 400
    assert errors_of(job, 6) == [("nik", "excel")]


def test_api_scope_role_and_state(import_dir, musyawarah, operator):
    job = preview(musyawarah, operator, bad_nik_file())
    assert patch(api(user(Role.VILLAGE_OPERATOR, VILLAGE_B)), job, 6, {"nik": GOOD_NIK}).status_code == 404
    assert patch(api(user(Role.REGENCY_VERIFIER, "3371")), job, 6, {"nik": GOOD_NIK}).status_code == 403
    assert patch(api(operator), job, 99, {"nik": GOOD_NIK}).status_code == 404
    importing.import_job_cancel(job_id=job.pk, actor=operator)
    refused = patch(api(operator), job, 6, {"nik": GOOD_NIK})
    assert (
        refused.status_code == 400 and "selama pratinjau" in refused.json()["errors"]["non_field_errors"][0]
    )


def test_the_musyawarah_page_and_the_dashboard_show_the_operator_an_import_left_open(
    import_dir, client, musyawarah, operator
):
    """A preview waiting for fixes or a confirm is one link away from the musyawarah it belongs to
    and from the dashboard, with what it waits for; gone once it ends; never on another role's
    view of the musyawarah, nor on another village's dashboard."""
    bad = family_rows(2)
    bad[1]["nik"] = "3.37101E+15"
    job = preview(musyawarah, operator, family_rows(1) + bad + [individual_row(1)])
    page_url = f"/usulan/musyawarah/{musyawarah.pk}/"
    client.force_login(operator)
    page = client.get(page_url).content.decode()
    assert "Impor yang belum selesai" in page and f'href="/usulan/impor/{job.pk}/"' in page
    assert f"{job.items_new} usulan siap dikonfirmasi" in page and "1 baris perlu diperbaiki" in page
    assert job.items_new == 2
    dashboard = client.get("/dasbor/").content.decode()
    assert '<span class="stat">1</span> impor berkas belum selesai' in dashboard
    assert f'href="/usulan/impor/{job.pk}/"' in dashboard
    neighbour = Client()
    otp_force_login(neighbour, user(Role.VILLAGE_OPERATOR, VILLAGE_B))
    assert f"/usulan/impor/{job.pk}/" not in neighbour.get("/dasbor/").content.decode()

    regency = Client()
    otp_force_login(regency, user(Role.REGENCY_VERIFIER, "3371"))
    seen = regency.get(page_url)
    assert seen.status_code == 200 and "Impor yang belum selesai" not in seen.content.decode()

    importing.import_job_cancel(job_id=job.pk, actor=operator)
    assert "Impor yang belum selesai" not in client.get(page_url).content.decode()
    assert f"/usulan/impor/{job.pk}/" not in client.get("/dasbor/").content.decode()
