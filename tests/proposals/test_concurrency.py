"""docs/security.md #13: two reviewers at once — exactly one succeeds, the other is told it was decided."""

import threading

import pytest
from django.db import connection

from proposals.item import AlreadyDecided, proposal_item_transition
from proposals.models import ProposalItem, ProposalItemHistory

from .factories import item, user

S = ProposalItem.State


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once():
    first = user("regency_verifier", "3371", "verifikator1")
    second = user("regency_verifier", "3371", "verifikator2")
    obj = item(S.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(actor, transition):
        try:
            barrier.wait(timeout=10)
            proposal_item_transition(item_id=obj.pk, transition=transition, actor=actor, reason="keputusan")
            outcomes[transition] = "ok"
        except AlreadyDecided:
            outcomes[transition] = "already decided"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, "verify")),
        threading.Thread(target=decide, args=(second, "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["already decided", "ok"]
    obj.refresh_from_db()
    winner = next(k for k, v in outcomes.items() if v == "ok")
    assert obj.state == {"verify": S.VERIFIED, "reject": S.REJECTED}[winner]
    assert ProposalItemHistory.objects.filter(item=obj).count() == 1
