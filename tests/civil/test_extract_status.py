"""The extract's status is a state machine (models.Extract): queued → loading → done, or failed; the
same file as the current extract goes straight to done. Each transition is called by the loader or the
upload's service with an audit row; any other change of state is refused."""

from datetime import date

import psycopg
import pytest
from django.db import connection
from django_fsm import TransitionNotAllowed

from dtks.audit.models import AuditEvent
from dtks.civil.loading import (
    LOCK,
    ExtractRefused,
    civil_extract_fail,
    civil_extract_load,
    civil_extract_step,
    file_sha256,
)
from dtks.civil.models import Extract
from dtks.civil.services import SYSTEM_ACTOR, civil_extract_run

from .factories import extract_row, load, write_extract

pytestmark = pytest.mark.django_db
Q, L, D, F = (Extract.Status.QUEUED, Extract.Status.LOADING, Extract.Status.DONE, Extract.Status.FAILED)
# Each transition: the states it leaves, the one it enters, its audit row's action.
MACHINE = {
    "start": ({Q}, L, "civil.extract_load_start"),
    "finish": ({L}, D, "civil.extract_loaded"),
    "match_current": ({Q, L}, D, "civil.extract_same"),
    "fail": ({Q, L}, F, "civil.extract_failed"),
}


def extract(status=Q, **kw) -> Extract:
    """An extract created directly in a state (test set-up only: the loader and services never set one)."""
    kw = {"source": "Dukcapil Kota Magelang", "extract_date": date(2026, 11, 30), "sha256": "0" * 64,
          "actor": "test", **kw}  # fmt: skip
    return Extract.objects.create(status=status, **kw)


def steps(e: Extract) -> list[tuple[str, str, str, str]]:
    return [
        (a.action, a.actor_label, a.detail["from"], a.detail["to"])
        for a in AuditEvent.objects.filter(object_type="civil.extract", object_id=str(e.pk))
        .exclude(action="civil.extract_upload")
        .order_by("pk")
    ]


@pytest.mark.parametrize("transition", sorted(MACHINE))
@pytest.mark.parametrize("status", [Q, L, D, F])
def test_each_transition_from_each_state(transition, status):
    e = extract(status)
    sources, target, action = MACHINE[transition]
    if status in sources:
        got = civil_extract_step(extract_id=e.pk, transition=transition, actor="sistem:uji", progress="x")
        e.refresh_from_db()
        assert (got.status, e.status, e.progress) == (target, target, "x")
        assert steps(e) == [(action, "sistem:uji", status, target)]
    else:
        with pytest.raises(TransitionNotAllowed):
            civil_extract_step(extract_id=e.pk, transition=transition, actor="sistem:uji", progress="x")
        e.refresh_from_db()
        assert (e.status, e.progress, steps(e)) == (status, "", [])


def test_the_status_is_not_set_by_hand():
    e = extract()
    with pytest.raises(AttributeError):
        e.status = D
    with pytest.raises(KeyError):
        civil_extract_step(extract_id=e.pk, transition="save", actor="x")


def test_a_load_starts_and_finishes_with_an_audit_row_each(tmp_path):
    e = load(write_extract(tmp_path / "x.csv", [extract_row()])).extract
    assert (e.status, e.current, e.finished_at is not None) == (D, True, True)
    assert steps(e) == [
        ("civil.extract_load_start", "test", Q, L),
        ("civil.extract_loaded", "test", L, D),
    ]
    loaded = AuditEvent.objects.get(action="civil.extract_loaded", object_id=str(e.pk))
    assert (loaded.detail["persons"], loaded.detail["rows_read"], loaded.detail["file"]) == (1, 1, "x.csv")


def test_a_failed_load_is_failed_once_with_its_audit_row(tmp_path, monkeypatch):
    import dtks.civil.loading as loading

    def boom(cur, extract):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "_make_current", boom)
    with pytest.raises(RuntimeError):
        load(write_extract(tmp_path / "x.csv", [extract_row()]))
    e = Extract.objects.get()
    assert (e.status, e.current, e.progress, e.finished_at is not None) == (F, False, "", True)
    assert steps(e) == [
        ("civil.extract_load_start", "test", Q, L),
        ("civil.extract_failed", "test", L, F),
    ]
    # A later failure (the caller's) leaves the first one as it is; a done extract is not failed.
    assert civil_extract_fail(extract_id=e.pk, actor="x", message="lain").error_message == "disk full"
    done = extract(D)
    assert civil_extract_fail(extract_id=done.pk, actor="x", message="lain").status == D
    assert len(steps(e)) == 2 and steps(done) == []


def test_a_load_refused_for_the_lock_fails_its_extract(tmp_path):
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])  # another load
        try:
            with pytest.raises(ExtractRefused):
                load(write_extract(tmp_path / "x.csv", [extract_row()]))
        finally:
            other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    e = Extract.objects.get()
    assert (e.status, "sedang dimuat" in e.error_message) == (F, True)
    assert steps(e) == [("civil.extract_failed", "test", Q, F)]


def test_the_current_file_again_is_done_without_loading(tmp_path):
    path = write_extract(tmp_path / "x.csv", [extract_row()])
    current = load(path).extract
    queued = extract(sha256=file_sha256(path), actor="budi")
    result = civil_extract_load(
        path=path, source="x", extract_date=date(2026, 11, 30), actor="budi", extract=queued
    )
    queued.refresh_from_db()
    assert result.already_loaded and result.extract == current
    assert (queued.status, queued.current, queued.persons) == (D, False, current.persons)
    assert steps(queued) == [("civil.extract_same", "budi", Q, D)]
    assert AuditEvent.objects.get(action="civil.extract_same").detail["current"] == current.pk


def test_the_service_fails_an_extract_whose_file_is_gone(settings, tmp_path):
    settings.DTKS_IMPORT_DIR = tmp_path
    e = extract(stored_name="hilang.csv")
    assert civil_extract_run(extract_id=e.pk) == "failed"
    e.refresh_from_db()
    assert (e.status, "tidak ditemukan" in e.error_message, e.finished_at is not None) == (F, True, True)
    assert steps(e) == [("civil.extract_failed", SYSTEM_ACTOR, Q, F)]
    assert civil_extract_run(extract_id=e.pk) == "skipped"


def test_a_resumed_load_is_not_started_twice(settings, tmp_path):
    settings.DTKS_IMPORT_DIR = tmp_path
    folder = tmp_path / "dukcapil"
    folder.mkdir()
    path = write_extract(folder / "x.csv", [extract_row()])
    e = extract(L, stored_name="x.csv", sha256=file_sha256(path))  # its worker died while loading
    assert civil_extract_run(extract_id=e.pk) == "loaded"
    e.refresh_from_db()
    assert (e.status, e.current) == (D, True)
    assert steps(e) == [("civil.extract_loaded", "test", L, D)]
