"""A REAL crash: the worker writing an import is killed (SIGKILL) between chunks' commits, and a new
worker finishes it from its rows (docs/design.md §8; docs/security.md #12).

The test starts its own `celery worker --pool=solo` processes (the session's shared worker must not be
killed), with small chunks so the run lasts long enough to be killed mid-way, on a queue of their own
so that no other worker of the session takes the import. The new worker's start-up resume
(proposals/tasks.py) sends the unfinished import again: nothing here calls the resume itself.
"""

import os
import signal
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from kombu import Exchange, Queue

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from proposals.imports import services as importing
from proposals.models import ImportJob, Musyawarah, ProposalItem, ProposalPerson
from proposals.tasks import import_run
from tests import conftest_worker as procs
from tests.proposals.factories import VILLAGE_A, user
from tests.proposals.test_import_files import csv_bytes, family_rows, individual_row, nik

pytestmark = [pytest.mark.worker, pytest.mark.usefixtures("transactional_db")]

FAMILIES = 2000  # two persons each: one item per family
INVALID = 5  # individuals with an unknown sex: blocked groups, no item
CHUNK = 50  # groups per transaction (about 60 ms each here: the run lasts about 3 s)
KILL_AFTER = 5 * CHUNK  # items committed before the kill: well inside the run
HEAD_BORN, WIFE_BORN = date(1980, 5, 15), date(1983, 8, 17)


def family(index: int) -> list[dict]:
    """`family_rows`'s head and wife, with a KK and NIKs unique up to 9,999 families."""
    head, wife = family_rows(1, size=2)
    kk = f"337101120110{index:04d}"
    head.update(no_kk=kk, nik=nik(HEAD_BORN, "L", index), nama=f"Budi Keluarga{index}")
    wife.update(no_kk=kk, nik=nik(WIFE_BORN, "P", index), nama=f"Siti Keluarga{index}")
    return [head, wife]


def advisory_locks(job_id: int) -> int:
    """Sessions holding the import's advisory lock (two-key form: classid, objid, objsubid 2)."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND classid = %s AND objid = %s AND objsubid = 2""",
            [importing.ADVISORY_NAMESPACE, job_id],
        )
        return cur.fetchone()[0]


class Worker:
    """One `celery worker --pool=solo` child on the test database, reading only `queue`."""

    def __init__(self, name: str, queue: str, log: Path, **env: str):
        self.log = log
        argv = [
            procs.executable("celery"),
            "-A",
            "dtks",
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "-n",
            f"{name}@%h",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
        ]
        self.proc = procs.start(
            argv, procs.child_env(connection.settings_dict, DTKS_TEST_CELERY_QUEUE=queue, **env), log
        )

    def ready(self) -> "Worker":
        procs.wait_for_log(self.proc, self.log, "ready.", timeout=60)
        return self

    def tail(self) -> str:
        return f"worker log {self.log}:\n{procs.tail(self.log)}"


def wait_until(what: str, check, *, timeout: float, workers: list[Worker], interval: float = 0.02):
    """Poll `check()` until it returns a true value; fail naming `what` with the workers' logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = "\n".join(w.tail() for w in workers)
            pytest.fail(f"{what}: not after {timeout:.0f} s\n{logs}")
        time.sleep(interval)


@pytest.fixture
def queue():
    """A queue of this test only: the test process's sends (upload, confirm) go there too.
    Removed afterwards with its binding, so the broker keeps nothing of it."""
    app = import_run.app
    before = app.conf.task_default_queue
    name = f"dtks-import-kill-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = before
        with app.connection_for_write() as conn:
            bound = Queue(name, Exchange(name, type="direct"), routing_key=name)(conn.default_channel)
            bound.declare()
            bound.delete()
            bound.exchange.delete()


@pytest.fixture
def stored_files():
    directory = Path(settings.DTKS_IMPORT_DIR)
    before = set(directory.glob("*")) if directory.exists() else set()
    yield
    for path in (set(directory.glob("*")) if directory.exists() else set()) - before:
        path.unlink(missing_ok=True)


def test_a_killed_worker_leaves_whole_chunks_and_a_new_worker_finishes_the_import(
    queue, stored_files, tmp_path
):
    started = time.monotonic()
    operator = user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    musyawarah = Musyawarah.objects.create(
        village_code=VILLAGE_A,
        held_on=date(2026, 11, 2),
        place="Balai kelurahan",
        led_by="Lurah",
        attendee_count=25,
        created_by=operator,
    )
    rows = [r for i in range(1, FAMILIES + 1) for r in family(i)]
    rows += [individual_row(k, jenis_kelamin="Z") for k in range(1, INVALID + 1)]
    valid_rows = 2 * FAMILIES

    first = Worker(f"kill-a-{os.getpid()}", queue, tmp_path / "worker-a.log", DTKS_IMPORT_CHUNK=str(CHUNK))
    workers = [first]
    try:
        first.ready()
        job = importing.import_job_create(
            musyawarah_id=musyawarah.pk,
            uploaded=SimpleUploadedFile("usulan.csv", csv_bytes(rows), "text/csv"),
            actor=operator,
        )
        job = wait_until(
            "the preview",
            lambda: ImportJob.objects.exclude(status=ImportJob.Status.UPLOADED).filter(pk=job.pk).first(),
            timeout=60,
            workers=workers,
            interval=0.1,
        )
        assert job.status == ImportJob.Status.PREVIEWED, f"{job.status}: {job.error_message}\n{first.tail()}"
        assert (job.rows_total, job.rows_invalid) == (valid_rows + INVALID, INVALID)
        assert (job.items_new, job.items_blocked, job.items_existing) == (FAMILIES, INVALID, 0)
        previewed = time.monotonic()

        importing.import_job_confirm(job_id=job.pk, actor=operator)
        # Mid-way: some chunks committed, not all. The worker holds the job's lock while it writes.
        job = wait_until(
            f"{KILL_AFTER} items written",
            lambda: ImportJob.objects.filter(pk=job.pk, items_done__gte=KILL_AFTER).first(),
            timeout=60,
            workers=workers,
        )
        assert advisory_locks(job.pk) == 1, first.tail()
        # --pool=solo: the task runs in the worker process itself; its group is that one process.
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        killed = time.monotonic()
        assert first.proc.returncode == -signal.SIGKILL
        assert "proposals.import_run" in first.log.read_text(), first.tail()  # this worker was writing

        # The killed worker's PostgreSQL session ends (its open chunk rolled back) and frees the lock.
        wait_until("the lock's release", lambda: advisory_locks(job.pk) == 0, timeout=15, workers=workers)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.IMPORTING
        assert 0 < job.items_done < FAMILIES, f"not killed mid-way: {job.items_done} of {FAMILIES} written"
        # Whole chunks only: every committed chunk's key rows, items and persons, nothing of the next.
        assert job.items_done % CHUNK == 0, job.items_done
        assert job.groups_done == job.items_done
        imported = ProposalItem.objects.filter(musyawarah=musyawarah, natural_key__isnull=False)
        assert imported.count() == job.items_done
        assert ProposalItem.objects.filter(musyawarah=musyawarah).count() == job.items_done
        assert ProposalPerson.objects.filter(item__musyawarah=musyawarah).count() == 2 * job.items_done
        assert not ProposalItem.objects.filter(musyawarah=musyawarah).exclude(persons__isnull=False).exists()
        # The items written are the first ones of the stage (in natural-key order), up to the cursor.
        assert imported.order_by("-id").values_list("id", flat=True)[0] == job.cursor_item_id
        every_key = sorted(f"kk:337101120110{i:04d}" for i in range(1, FAMILIES + 1))
        assert sorted(imported.values_list("natural_key", flat=True)) == every_key[: job.items_done]
        assert not AuditEvent.objects.filter(action="proposal_import.done").exists()
        written_before_kill = job.items_done

        # A new worker: its start-up resume sends the unfinished import again (stale after 0 s, see
        # proposals/tasks.py); it continues after the last committed chunk.
        second = Worker(
            f"kill-b-{os.getpid()}", queue, tmp_path / "worker-b.log", DTKS_IMPORT_CHUNK=str(CHUNK)
        )
        workers.append(second)
        second.ready()
        job = wait_until(
            "the resumed import",
            lambda: ImportJob.objects.exclude(status=ImportJob.Status.IMPORTING).filter(pk=job.pk).first(),
            timeout=90,
            workers=workers,
            interval=0.1,
        )
        assert job.status == ImportJob.Status.DONE, f"{job.status}: {job.error_message}\n{second.tail()}"
        done = time.monotonic()
        assert "proposals.imports_resume" in second.log.read_text(), second.tail()

        items = ProposalItem.objects.filter(musyawarah=musyawarah)
        assert job.items_done == items.count() == job.items_new == FAMILIES
        # One item per valid group (natural key): no family written twice, none missing.
        keys = list(items.values_list("natural_key", flat=True))
        assert len(keys) == len(set(keys)) == FAMILIES
        assert set(keys) == {f"kk:337101120110{i:04d}" for i in range(1, FAMILIES + 1)}
        assert set(items.values_list("no_kk", flat=True)) == {k.removeprefix("kk:") for k in keys}
        assert not items.values("no_kk").annotate(n=Count("id")).filter(n__gt=1).exists()
        persons = ProposalPerson.objects.filter(item__musyawarah=musyawarah)
        assert persons.count() == valid_rows
        assert persons.values("nik").distinct().count() == valid_rows
        assert not items.annotate(n=Count("persons")).exclude(n=2).exists()
        assert AuditEvent.objects.filter(action="proposal_import.done", object_id=str(job.pk)).count() == 1
        assert advisory_locks(job.pk) == 0
        print(
            f"\npreview {previewed - started:.1f} s; killed after {written_before_kill} of {FAMILIES} items "
            f"({killed - previewed:.2f} s); resumed and done in {done - killed:.1f} s"
        )
    finally:
        for worker in workers:
            procs.stop(worker.proc)
