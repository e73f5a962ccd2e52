"""The health page: database status always, worker heartbeat freshness on `?worker=1`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dtks.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok(client):
    response = client.get("/sehat/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "max-age=0" in response["Cache-Control"]


def test_health_is_public(client):
    # No login: load balancers, compose healthchecks and `run.py --check` call it anonymously.
    assert client.get("/sehat/").status_code == 200


def test_worker_check_fails_without_heartbeat(client):
    WorkerHeartbeat.objects.all().delete()
    response = client.get("/sehat/?worker=1")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "worker": "stale", "worker_seen_at": None}
    # Without ?worker=1 a missing worker does not fail the page (web stays in rotation).
    assert client.get("/sehat/").status_code == 200


def test_worker_check_fails_on_stale_heartbeat(client):
    WorkerHeartbeat.objects.all().delete()
    WorkerHeartbeat.objects.create(worker="old-host", seen_at=timezone.now() - timedelta(minutes=4))
    response = client.get("/sehat/?worker=1")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"


def test_worker_check_passes_after_fresh_heartbeat(client):
    from dtks.core.tasks import heartbeat

    WorkerHeartbeat.objects.all().delete()
    # The task body itself (run here, in process); the real worker is covered by test_worker.py.
    heartbeat.run()
    response = client.get("/sehat/?worker=1")
    assert response.status_code == 200
    body = response.json()
    assert body["worker"] == "ok"
    assert body["worker_seen_at"] is not None


def test_health_rejects_post(client):
    assert client.post("/sehat/").status_code == 405
