"""The integrity re-run at the ministry's assessment (determination/services.py, docs/design.md §7,
"Checking again"), with a REAL Celery worker: after a registry change, a forwarded item's findings
change once the nightly task or the task queued after a forward has run; items in other states are
not touched."""

import time
from datetime import date

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction

from determination.services import (
    assessment_recheck_arrived,
    assessment_recheck_chunk,
    assessment_recheck_items,
    assessment_recheck_stale,
)
from determination.tasks import assessment_recheck
from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from proposals.item import ProposalItem
from tests.conftest import otp_force_login
from tests.proposals.factories import user
from tests.proposals.test_integrity_parity import make, nik, p, wife
from tests.registry.factories import batch, person

S = ProposalItem.State
ACTION = "proposal_item.integrity_recheck"


def wait_for(predicate, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


def checked(obj: ProposalItem) -> bool:
    return ProposalItem.objects.get(pk=obj.pk).findings_checked_at is not None


def families(*states: str) -> list[ProposalItem]:
    """A family item in each state, each head's NIK then given to a registry person: the registry
    changed after the regency decided."""
    heads = [nik(date(1960 + i, 1 + i, 1 + i)) for i in range(len(states))]
    items = [make([p(nik=head), wife()], state=state) for state, head in zip(states, heads, strict=True)]
    assert all(i.findings == [] for i in items)
    b = batch()
    for n, head in enumerate(heads, start=1):
        person(b, person_id=n, nik=head)
    return items


def rules(obj: ProposalItem) -> list[tuple]:
    return [(f["rule"], f["person"]) for f in ProposalItem.objects.get(pk=obj.pk).findings]


@pytest.mark.usefixtures("transactional_db", "celery_worker_proc")
def test_the_nightly_task_checks_every_forwarded_item_in_the_worker():
    items = families(S.FORWARDED, S.FORWARDED, S.SUBMITTED, S.ACCEPTED, S.REGENCY_APPROVED)
    forwarded, others = items[:2], items[2:]

    assessment_recheck.delay()  # what beat sends: no ids, every forwarded item, a task per chunk
    wait_for(lambda: all(checked(i) for i in forwarded))
    for obj in forwarded:
        assert rules(obj) == [("DUPLICATE_NIK", 0)]
    for obj in others:
        obj.refresh_from_db()
        assert obj.findings == [] and obj.findings_checked_at is None
    audit = AuditEvent.objects.get(action=ACTION)
    assert audit.actor_label == "sistem:penilaian"
    assert audit.detail == {"items": {str(i.pk): ["DUPLICATE_NIK"] for i in forwarded}, "checked": 2}


@pytest.mark.usefixtures("transactional_db", "celery_worker_proc")
def test_a_forward_queues_the_recheck_of_its_items_on_commit():
    first, second, submitted = families(S.FORWARDED, S.FORWARDED, S.SUBMITTED)
    with transaction.atomic():
        assert assessment_recheck_items(item_ids=[first.pk, second.pk, submitted.pk]) == 1
        time.sleep(1)
        assert not AuditEvent.objects.filter(action=ACTION).exists()  # nothing sent before the commit
    wait_for(lambda: AuditEvent.objects.filter(action=ACTION).exists())
    assert rules(first) == rules(second) == [("DUPLICATE_NIK", 0)]
    # Asked for, but not forwarded: not touched.
    assert rules(submitted) == [] and not checked(submitted)


@pytest.mark.django_db
def test_a_chunk_leaves_items_no_longer_forwarded_as_they_are():
    forwarded, accepted = families(S.FORWARDED, S.ACCEPTED)
    assert assessment_recheck_chunk(item_ids=[forwarded.pk, accepted.pk]) == 1
    assert rules(forwarded) == [("DUPLICATE_NIK", 0)]
    assert rules(accepted) == [] and not checked(accepted)


def test_beat_runs_it_every_night():
    (entry,) = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "determination.assessment_recheck"
    ]
    assert isinstance(entry["schedule"], crontab) and entry.get("args") is None
    assert assessment_recheck.name == "determination.assessment_recheck"


@pytest.mark.usefixtures("transactional_db", "celery_worker_proc")
def test_the_frequent_task_checks_the_items_forwarded_since_their_last_check():
    arrived, seen, submitted = families(S.FORWARDED, S.FORWARDED, S.SUBMITTED)
    assessment_recheck_chunk(item_ids=[seen.pk])
    seen_at = ProposalItem.objects.get(pk=seen.pk).findings_checked_at
    assert assessment_recheck_arrived() == 1  # one chunk: only `arrived`
    wait_for(lambda: checked(arrived))
    assert rules(arrived) == [("DUPLICATE_NIK", 0)]
    assert ProposalItem.objects.get(pk=seen.pk).findings_checked_at == seen_at
    assert not checked(submitted)
    (entry,) = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "determination.assessment_recheck_arrived"
    ]
    assert entry["schedule"] <= 600


@pytest.mark.django_db
def test_the_officer_opening_an_unchecked_item_sees_it_checked_first(client):
    (arrived,) = families(S.FORWARDED)
    assert assessment_recheck_stale(arrived) is True
    assert rules(arrived) == [("DUPLICATE_NIK", 0)] and assessment_recheck_stale(arrived) is False
    other = make([p(nik=nik(date(1971, 2, 2))), wife()], state=S.FORWARDED)
    ministry = user(Role.MINISTRY_DATA_OFFICER)
    otp_force_login(client, ministry)
    assert client.get(f"/penilaian/usulan/{other.pk}/").status_code == 200
    assert checked(other)
