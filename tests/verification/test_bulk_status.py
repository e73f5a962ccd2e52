"""A bulk decision's status is a state machine (models.BulkDecision): pending → running → done, or
failed. `verval_bulk_run` calls each transition with an audit row (the system actor); the progress
stays a plain update per chunk; any other change of state is refused."""

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from dtks.audit.models import AuditEvent
from proposals.item import ProposalItem
from tests.proposals.factories import item, users
from verification import services
from verification.models import BulkDecision
from verification.services import SYSTEM_ACTOR, verval_bulk_run, verval_bulk_step, verval_decide_bulk

pytestmark = pytest.mark.django_db
S = ProposalItem.State
P, R, D, F = (
    BulkDecision.Status.PENDING,
    BulkDecision.Status.RUNNING,
    BulkDecision.Status.DONE,
    BulkDecision.Status.FAILED,
)
# Each transition: the states it leaves, the one it enters, its audit row's action.
MACHINE = {
    "start": ({P}, R, "verval.bulk_start"),
    "finish": ({R}, D, "verval.bulk_done"),
    "fail": ({P, R}, F, "verval.bulk_failed"),
}


@pytest.fixture
def u():
    return users()


def job(u, status=P, ids=(), **kw) -> BulkDecision:
    """A bulk decision created directly in a state (test set-up only: services never set one)."""
    return BulkDecision.objects.create(
        decision="verify", item_ids=list(ids), total=len(ids), created_by=u["regency"], region_code="3371",
        status=status, **kw,
    )  # fmt: skip


def steps(j: BulkDecision) -> list[tuple[str, str, str, str]]:
    return [
        (a.action, a.actor_label, a.detail["from"], a.detail["to"])
        for a in AuditEvent.objects.filter(
            object_type="verification.bulk_decision", object_id=str(j.pk)
        ).order_by("pk")
    ]


@pytest.mark.parametrize("transition", sorted(MACHINE))
@pytest.mark.parametrize("status", [P, R, D, F])
def test_each_transition_from_each_state(u, transition, status):
    j = job(u, status)
    sources, target, action = MACHINE[transition]
    if status in sources:
        got = verval_bulk_step(bulk_id=j.pk, transition=transition, error_message="x")
        j.refresh_from_db()
        assert (got.status, j.status, j.error_message) == (target, target, "x")
        assert steps(j) == [(action, SYSTEM_ACTOR, status, target)]
        row = AuditEvent.objects.get(action=action)
        assert (row.region_code, row.detail["decision"]) == ("3371", "verify")
    else:
        with pytest.raises(TransitionNotAllowed):
            verval_bulk_step(bulk_id=j.pk, transition=transition, error_message="x")
        j.refresh_from_db()
        assert (j.status, j.error_message, steps(j)) == (status, "", [])


def test_the_status_is_not_set_by_hand(u):
    j = job(u)
    with pytest.raises(AttributeError):
        j.status = D
    with pytest.raises(KeyError):
        verval_bulk_step(bulk_id=j.pk, transition="save")


def test_a_bulk_decision_starts_and_finishes_with_an_audit_row_each(u):
    objs = [item(S.SUBMITTED) for _ in range(2)]
    j = verval_decide_bulk(actor=u["regency"], decision="verify", item_ids=[o.pk for o in objs])
    assert (j.status, j.done, j.finished_at is not None) == (D, 2, True)
    assert steps(j) == [
        ("verval.bulk_start", SYSTEM_ACTOR, P, R),
        ("verval.bulk_done", SYSTEM_ACTOR, R, D),
    ]
    # The items' own transitions stay the verifier's.
    assert AuditEvent.objects.filter(actor_id=u["regency"].pk, object_type="proposals.item").count() == 2


def test_a_refused_chunk_fails_the_decision_once(u, monkeypatch):
    obj = item(S.SUBMITTED)

    def refuse(*args):
        raise ValidationError("Tidak dapat diputuskan.")

    monkeypatch.setattr(services, "_decide_chunk", refuse)
    j = verval_decide_bulk(actor=u["regency"], decision="verify", item_ids=[obj.pk])
    assert (j.status, j.error_message, j.finished_at is not None) == (F, "Tidak dapat diputuskan.", True)
    assert steps(j) == [("verval.bulk_start", SYSTEM_ACTOR, P, R), ("verval.bulk_failed", SYSTEM_ACTOR, R, F)]
    verval_bulk_run(bulk_id=j.pk)  # a failed decision is not run again
    assert len(steps(j)) == 2


def test_an_unexpected_error_fails_the_decision_and_is_raised(u, monkeypatch):
    obj = item(S.SUBMITTED)

    def boom(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_decide_chunk", boom)
    j = job(u, ids=[obj.pk])
    with pytest.raises(RuntimeError):
        verval_bulk_run(bulk_id=j.pk)
    j.refresh_from_db()
    assert (j.status, j.error_message) == (F, "Keputusan massal gagal; coba lagi.")
    assert [s[0] for s in steps(j)] == ["verval.bulk_start", "verval.bulk_failed"]


def test_a_resumed_run_is_not_started_twice_and_a_finished_one_not_run(u):
    objs = [item(S.SUBMITTED) for _ in range(2)]
    j = job(u, R, ids=[o.pk for o in objs])  # its worker died while running
    verval_bulk_run(bulk_id=j.pk)
    j.refresh_from_db()
    assert (j.status, j.done, sorted(j.changed)) == (D, 2, sorted(o.pk for o in objs))
    assert steps(j) == [("verval.bulk_done", SYSTEM_ACTOR, R, D)]
    verval_bulk_run(bulk_id=j.pk)
    assert len(steps(j)) == 1
