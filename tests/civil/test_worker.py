"""The extract's upload page with a REAL Celery worker: the load and then the reconciliation run as
tasks in another process, against committed rows (tests/civil/test_pages.py calls the same tasks
in-process)."""

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from dtks.accounts.models import Role
from dtks.civil.models import Extract, Reconciliation
from tests.conftest import otp_force_login
from tests.harness.world import build_world, civil_extract_rows

from .uploads import body, csv_bytes

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("transactional_db", "celery_worker_proc")]


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


@pytest.fixture
def stored_files():
    folder = Path(settings.DTKS_IMPORT_DIR) / "dukcapil"
    before = set(folder.glob("*")) if folder.exists() else set()
    yield folder
    for path in set(folder.glob("*")) - before:
        path.unlink(missing_ok=True)


def test_upload_load_and_reconcile_in_the_worker(stored_files):
    world = build_world()
    c = Client()
    otp_force_login(c, world.actor(Role.MINISTRY_DATA_OFFICER))
    (key,) = re.findall(r'name="kunci" value="([0-9a-f]{32})"', c.get("/dukcapil/").content.decode())
    response = c.post("/dukcapil/ekstrak/", {**body(csv_bytes(civil_extract_rows(world))), "kunci": key})
    assert response.status_code == 302
    extract = Extract.objects.get()

    wait_for(lambda: Extract.objects.get(pk=extract.pk).status in ("done", "failed"))
    extract.refresh_from_db()
    assert (extract.status, extract.current, extract.persons) == ("done", True, 24), extract.error_message
    wait_for(lambda: Reconciliation.objects.filter(extract=extract).exists())
    rec = Reconciliation.objects.get()
    assert (rec.persons_checked, rec.persons_differing) == (32, 32)
    wait_for(lambda: not Extract.objects.get(pk=extract.pk).reconciling)
    page = c.get(f"/dukcapil/ekstrak/{extract.pk}/", HTTP_HX_REQUEST="true")
    assert "hx-get" not in page.content.decode()
