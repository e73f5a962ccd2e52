"""A real Celery worker process (the `celery_worker_proc` session fixture) runs tasks sent with .delay()."""

import time

import pytest
from celery import current_app

from dtks.core.models import WorkerHeartbeat
from dtks.core.tasks import heartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_tasks_are_not_run_eagerly():
    # Otherwise the test below would pass without any worker.
    assert not current_app.conf.task_always_eager


def test_real_worker_runs_heartbeat(celery_worker_proc, client):
    assert celery_worker_proc.poll() is None
    assert not WorkerHeartbeat.objects.exists()
    assert client.get("/sehat/?worker=1").status_code == 503

    heartbeat.delay()

    assert wait_for(WorkerHeartbeat.objects.exists, timeout=60), "no heartbeat from the worker in 60 s"
    assert client.get("/sehat/?worker=1").status_code == 200


def test_worker_survives_between_tests(celery_worker_proc):
    # The flush after the previous transactional test emptied the table; the same worker runs again.
    assert not WorkerHeartbeat.objects.exists()
    heartbeat.delay()
    assert wait_for(WorkerHeartbeat.objects.exists, timeout=60)
