"""The import end to end through its pages, with a REAL Celery worker (preview and import are tasks),
and recovery: an import interrupted after a chunk is picked up by beat's task from its rows."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dtks.accounts.models import Role
from proposals.imports import services as importing
from proposals.models import ImportJob, ProposalItem, ProposalPerson
from proposals.tasks import imports_resume
from tests.proposals.factories import VILLAGE_B, user
from tests.proposals.test_import_files import csv_bytes, family_rows, individual_row

pytestmark = [pytest.mark.usefixtures("transactional_db", "celery_worker_proc")]


def wait_for(job_id: int, *statuses: str, timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while True:
        job = ImportJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        assert time.monotonic() < deadline, f"import {job_id} still {job.status}"
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def _remove_stored_files():
    before = (
        set(Path(settings.DTKS_IMPORT_DIR).glob("*")) if Path(settings.DTKS_IMPORT_DIR).exists() else set()
    )
    yield
    for path in set(Path(settings.DTKS_IMPORT_DIR).glob("*")) - before:
        path.unlink(missing_ok=True)


def test_upload_preview_confirm_through_the_pages_with_a_real_worker(client, operator, musyawarah):
    rows = family_rows(1) + family_rows(2) + [individual_row(1), individual_row(2, jenis_kelamin="Z")]
    client.force_login(operator)
    url = f"/usulan/musyawarah/{musyawarah.pk}/impor/"
    assert client.get(url).status_code == 200
    key = re.search(r'name="kunci" value="([0-9a-f]{32})"', client.get(url).content.decode()).group(1)
    body = {"file": SimpleUploadedFile("usulan.csv", csv_bytes(rows), "text/csv"), "kunci": key}
    response = client.post(url, body)
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").split("/")[-1])

    job = wait_for(job_id, ImportJob.Status.PREVIEWED)
    assert (job.rows_total, job.rows_invalid, job.items_new, job.items_blocked) == (8, 1, 3, 1)
    progress = client.get(f"/usulan/impor/{job_id}/progres/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"
    page = client.get(f"/usulan/impor/{job_id}/").content.decode()
    assert 'data-row="9"' in page and "Jenis kelamin &quot;Z&quot;" in page
    assert not ProposalItem.objects.exists()  # nothing saved before the confirm

    assert client.post(f"/usulan/impor/{job_id}/konfirmasi/").status_code == 302
    job = wait_for(job_id, ImportJob.Status.DONE)
    assert job.items_done == 3
    assert ProposalItem.objects.filter(musyawarah=musyawarah, state="draft").count() == 3
    assert ProposalPerson.objects.count() == 7
    assert "3 usulan draf ditambahkan" in client.get(f"/usulan/impor/{job_id}/").content.decode()

    # Another village's operator sees none of it.
    client.force_login(user(Role.VILLAGE_OPERATOR, VILLAGE_B))
    assert client.get(f"/usulan/impor/{job_id}/").status_code == 404
    assert client.get(url).status_code == 404


def test_an_interrupted_import_is_resumed_by_beat_from_its_rows(operator, musyawarah):
    rows = [r for k in range(1, 6) for r in family_rows(k)]
    job = importing.import_job_create(
        musyawarah_id=musyawarah.pk,
        uploaded=SimpleUploadedFile("usulan.csv", csv_bytes(rows), "text/csv"),
        actor=operator,
    )
    job = wait_for(job.pk, ImportJob.Status.PREVIEWED)
    # Confirmed, but the worker died after its first chunk and the task message is gone.
    job.confirm()
    job.confirmed_by = operator
    job.save()
    assert importing.import_job_run(job_id=job.pk, chunk=2, max_chunks=1).items_written == 2
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    assert imports_resume() == [job.pk]  # beat's task function, called directly
    job = wait_for(job.pk, ImportJob.Status.DONE)
    assert job.items_done == 5
    assert ProposalItem.objects.count() == 5 and ProposalPerson.objects.count() == 15
    assert ProposalItem.objects.filter(natural_key__isnull=False).count() == 5
    # A second resume finds nothing unfinished.
    assert imports_resume(0) == []
