"""The spreadsheet import through the API (proposals/imports/apis.py): upload (idempotent by key),
follow, read the bad rows, fix, confirm, cancel — scoped like the pages, bad input a 400 with the
field and the fix in Bahasa Indonesia. The preview and the run are the tasks' services, called
in-process here (tests/proposals/test_import_flow.py runs them in the real worker)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.api.services import api_token_issue
from proposals.imports import services as importing
from proposals.models import ImportJob, Musyawarah, ProposalItem
from tests.proposals.factories import VILLAGE_B, user
from tests.proposals.test_import_files import csv_bytes, family_rows, individual_row

pytestmark = pytest.mark.django_db


def api(u) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(actor=u)[1]}"})


def upload(c, musyawarah, content: bytes, *, key: str | None = None, name: str = "usulan.csv"):
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(
        f"/api/v1/musyawarah/{musyawarah.pk}/impor/",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        headers=headers,
    )


ROWS = family_rows(1) + family_rows(2) + [individual_row(1, jenis_kelamin="X")]  # row 8 bad


def test_upload_follow_fix_confirm(import_dir, musyawarah, operator):
    c = api(operator)
    answer = upload(c, musyawarah, csv_bytes(ROWS), key="berkas-1")
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert (job["status"], job["original_name"], job["file_format"]) == ("uploaded", "usulan.csv", "csv")
    importing.import_job_preview(job_id=job["id"])  # the task

    detail = c.get(f"/api/v1/impor/{job['id']}/").json()
    assert detail["status"] == "previewed"
    assert (detail["rows_total"], detail["rows_invalid"], detail["items_new"], detail["items_blocked"]) == (
        7,
        1,
        2,
        1,
    )
    rows = c.get(f"/api/v1/impor/{job['id']}/baris/").json()["results"]
    assert [(r["row_no"], [e["field"] for e in r["errors"]]) for r in rows] == [(8, ["jenis_kelamin"])]
    assert rows[0]["errors"][0]["message"].startswith('Jenis kelamin "X"')

    fixed = c.patch(
        f"/api/v1/impor/{job['id']}/baris/8/", '{"jenis_kelamin": "P"}', content_type="application/json"
    )
    assert fixed.status_code == 200 and fixed.json()["ok"] is True
    assert c.get(f"/api/v1/impor/{job['id']}/baris/").json()["results"] == []

    confirmed = c.post(f"/api/v1/impor/{job['id']}/konfirmasi/", headers={"Idempotency-Key": "ok-1"})
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "importing"
    importing.import_job_run(job_id=job["id"])  # the task
    again = c.post(f"/api/v1/impor/{job['id']}/konfirmasi/")
    assert again.status_code == 202 and again.json()["status"] == "done"
    done = c.get(f"/api/v1/impor/{job['id']}/").json()
    assert (done["items_done"], done["percent"]) == (3, 100)
    assert ProposalItem.objects.filter(musyawarah=musyawarah).count() == 3


def test_the_same_key_is_the_same_upload(import_dir, musyawarah, operator):
    c = api(operator)
    first = upload(c, musyawarah, csv_bytes(ROWS), key="k-1").json()
    again = upload(c, musyawarah, csv_bytes(ROWS), key="k-1").json()
    other = upload(c, musyawarah, csv_bytes(ROWS), key="k-2").json()
    assert first["id"] == again["id"] != other["id"]
    assert ImportJob.objects.count() == 2
    assert len(list(Path(import_dir).iterdir())) == 2  # one stored file a job
    # Keys are the user's own: another operator of the village with the same key gets a job of theirs.
    colleague = user(Role.VILLAGE_OPERATOR, musyawarah.village_code, name="operator-kedua")
    theirs = upload(api(colleague), musyawarah, csv_bytes(ROWS), key="k-1").json()
    assert theirs["id"] not in (first["id"], other["id"])


def test_bad_input_is_a_400_naming_the_field(import_dir, musyawarah, operator):
    c = api(operator)
    missing = c.post(f"/api/v1/musyawarah/{musyawarah.pk}/impor/", {})
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    renamed = upload(c, musyawarah, b"%PDF-1.4\n1 0 obj<<>>endobj\n", name="usulan.csv")
    assert renamed.status_code == 400
    assert "isinya PDF" in renamed.json()["errors"]["file"][0]
    bad_key = upload(c, musyawarah, csv_bytes(ROWS), key="kunci dengan spasi")
    assert bad_key.status_code == 400 and "Idempotency-Key" in bad_key.json()["errors"]
    assert not ImportJob.objects.exists() and not any(Path(import_dir).iterdir())
    # Nothing new to import: the confirm says so.
    job = importing.import_job_preview(job_id=upload(c, musyawarah, csv_bytes([ROWS[-1]])).json()["id"])
    nothing = c.post(f"/api/v1/impor/{job.pk}/konfirmasi/")
    assert nothing.status_code == 400
    assert "Tidak ada usulan baru" in str(nothing.json()["errors"])


def test_cancel_saves_nothing_and_again_changes_nothing(
    import_dir, musyawarah, operator, django_capture_on_commit_callbacks
):
    c = api(operator)
    job = importing.import_job_preview(job_id=upload(c, musyawarah, csv_bytes(ROWS)).json()["id"])
    with django_capture_on_commit_callbacks(execute=True):  # the stored file goes on commit
        first = c.post(f"/api/v1/impor/{job.pk}/batal/")
    again = c.post(f"/api/v1/impor/{job.pk}/batal/")
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "cancelled"
    assert not ProposalItem.objects.exists() and not any(Path(import_dir).iterdir())


def test_another_village_sees_none_of_it(import_dir, musyawarah, operator):
    job = importing.import_job_preview(job_id=upload(api(operator), musyawarah, csv_bytes(ROWS)).json()["id"])
    sibling = api(user(Role.VILLAGE_OPERATOR, VILLAGE_B))
    assert sibling.get("/api/v1/impor/").json()["results"] == []
    for url in (f"/api/v1/impor/{job.pk}/", f"/api/v1/impor/{job.pk}/baris/"):
        assert sibling.get(url).status_code == 404
    for url in (f"/api/v1/impor/{job.pk}/konfirmasi/", f"/api/v1/impor/{job.pk}/batal/"):
        assert sibling.post(url).status_code == 404
    assert upload(sibling, musyawarah, csv_bytes(ROWS)).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


def test_the_list_runs_the_same_queries_for_one_job_and_for_ten(import_dir, musyawarah, operator):
    c = api(operator)
    seen = []
    for n in (1, 10):
        ImportJob.objects.all().delete()
        for k in range(n):
            m = Musyawarah.objects.create(
                village_code=musyawarah.village_code,
                held_on=musyawarah.held_on,
                place=f"Balai {k}",
                led_by="Lurah",
                attendee_count=5,
                created_by=operator,
            )
            upload(c, m, csv_bytes(family_rows(k + 1)))
        with CaptureQueriesContext(connection) as queries:
            listed = c.get("/api/v1/impor/")
        assert listed.status_code == 200 and len(listed.json()["results"]) == n
        seen.append(len(queries))
    assert seen[0] == seen[1], seen
