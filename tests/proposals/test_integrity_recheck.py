"""Checking saved items again with every enabled rule (`proposal_items_recheck`, docs/design.md §7,
"Checking again"): what changed in the registry and among the open items since the item was saved
is found, all findings are replaced set-based, nothing else of the item changes, and an item someone
else holds is skipped. (The civil-registry re-checker shares the loop: tests/civil/test_http.py.)"""

from datetime import date

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.registry.models import IntegrityRule
from proposals.item import ProposalItem, proposal_item_transition, proposal_items_recheck
from proposals.item.integrity import item_data, item_findings
from tests.conftest_worker import database_url
from tests.proposals.factories import VILLAGE_A, user
from tests.proposals.test_integrity_parity import child, individual, make, nik, p, wife
from tests.registry.factories import batch, family, member, person

S = ProposalItem.State
ACTION = "proposal_item.integrity_recheck"


def saved(obj: ProposalItem, actor=None) -> ProposalItem:
    """The item with the findings its save would store (per-item form, as `actor` saved it)."""
    obj.findings = item_findings(item_data(obj), actor=actor)
    obj.save(update_fields=["findings"])
    return obj


def rules_of(obj: ProposalItem) -> list[tuple]:
    return [(f["rule"], f["person"]) for f in obj.findings]


@pytest.mark.django_db
def test_a_registry_change_since_the_save_is_found_and_only_findings_change():
    head = p()
    forwarded = saved(make([head, wife(), child()], state=S.FORWARDED))
    clean = saved(make([p(), wife()], state=S.FORWARDED))
    assert forwarded.findings == [] and clean.findings == []
    before = forwarded.updated_at

    # The registry changed after the regency's decision: a determined family now holds the head's NIK.
    b = batch()
    person(b, person_id=1, nik=head["nik"], village_code=VILLAGE_A)
    family(b, family_id=10, no_kk="3371011201100099", village_code=VILLAGE_A)
    member(b, family_id=10, person_id=1, hubungan_keluarga="KEPALA KELUARGA")

    assert proposal_items_recheck(items=[forwarded.pk, clean.pk]) == 1
    forwarded.refresh_from_db()
    clean.refresh_from_db()
    assert rules_of(forwarded) == [("DUPLICATE_NIK", 0), ("MEMBER_OVERLAP", 0)]
    # What the per-item form says now, for no actor: a system check names no other record.
    assert forwarded.findings == item_findings(item_data(forwarded))
    assert "wilayah lain" in forwarded.findings[0]["message"]
    assert clean.findings == []
    assert forwarded.findings_checked_at is not None and clean.findings_checked_at is not None
    assert forwarded.updated_at == before and forwarded.state == S.FORWARDED

    audit = AuditEvent.objects.get(action=ACTION)
    assert audit.actor_label == "sistem:integritas"
    assert audit.detail == {"items": {str(forwarded.pk): ["DUPLICATE_NIK", "MEMBER_OVERLAP"]}, "checked": 2}

    # Nothing changed since: checked again, no findings changed.
    checked = forwarded.findings_checked_at
    assert proposal_items_recheck(items=[forwarded.pk]) == 0
    forwarded.refresh_from_db()
    assert forwarded.findings_checked_at >= checked  # now(): the test is one transaction
    assert AuditEvent.objects.filter(action=ACTION).count() == 2


@pytest.mark.django_db
def test_every_finding_is_replaced_and_named_for_nobody():
    regency = user("regency_verifier", "3371")
    shared = nik(date(1990, 6, 7))
    first = make([p(nik=shared), wife()], state=S.FORWARDED)
    second = saved(make([p(nik=shared), wife()], state=S.SUBMITTED), regency)
    saved(first, regency)
    # The regency's save named the other item (in its scope); the re-check names nobody.
    assert f"usulan #{second.pk}" in first.findings[0]["message"]
    # A rule switched off since the save: its findings go too.
    incomplete = saved(make([p(tempat_lahir="")], state=S.FORWARDED, family_item=False))
    assert rules_of(incomplete) == [("INCOMPLETE", 0)]
    IntegrityRule.objects.filter(code="INCOMPLETE").update(enabled=False)

    assert proposal_items_recheck(items=ProposalItem.objects.filter(state=S.FORWARDED)) == 2
    for obj in (first, second, incomplete):
        obj.refresh_from_db()
    assert first.findings == item_findings(item_data(first))
    assert f"#{second.pk}" not in first.findings[0]["message"]
    assert rules_of(first) == [("DUPLICATE_NIK", 0), ("MEMBER_OVERLAP", 0)]
    assert incomplete.findings == []
    assert second.findings_checked_at is None  # not in the set: untouched
    assert f"usulan #{first.pk}" in second.findings[0]["message"]


@pytest.mark.django_db
def test_chunks_each_lock_check_store_and_audit_in_constant_queries():
    items = [saved(make([individual()], family_item=False, state=S.FORWARDED)) for _ in range(5)]
    ids = [i.pk for i in items]
    assert proposal_items_recheck(items=ids, chunk=2) == 0
    rows = AuditEvent.objects.filter(action=ACTION).order_by("pk")
    assert [r.detail for r in rows] == [{"items": {}, "checked": 2}] * 2 + [{"items": {}, "checked": 1}]
    assert ProposalItem.objects.filter(pk__in=ids, findings_checked_at__isnull=True).count() == 0

    more = [saved(make([p(), wife(), child()], state=S.FORWARDED)) for _ in range(12)]
    with CaptureQueriesContext(connection) as few:
        proposal_items_recheck(items=ids[:1])
    with CaptureQueriesContext(connection) as many:
        proposal_items_recheck(items=ids + [i.pk for i in more])
    assert len(many) == len(few)  # one chunk: the same statements for 1 item or 17


@pytest.mark.django_db
def test_a_queryset_is_applied_again_when_its_chunk_is_locked():
    items = [saved(make([individual()], family_item=False, state=S.FORWARDED)) for _ in range(3)]
    qs = ProposalItem.objects.filter(state=S.FORWARDED)
    # Decided before its chunk came: leaves the set, keeps its findings as they were.
    decided = items[2]
    proposal_item_transition(
        item_id=decided.pk,
        transition="accept",
        actor=user(Role.MINISTRY_DATA_OFFICER),
        overrides={f["rule"]: "Diperiksa." for f in decided.findings} or None,
    )
    assert ProposalItem.objects.get(pk=decided.pk).state == S.ACCEPTED
    assert proposal_items_recheck(items=qs) == 0
    assert list(ProposalItem.objects.filter(findings_checked_at__isnull=False).order_by("pk")) == items[:2]


def test_only_proposal_items():
    with pytest.raises(TypeError):
        proposal_items_recheck(items=IntegrityRule.objects.all())


@pytest.mark.django_db(transaction=True)
def test_an_item_held_by_someone_else_is_skipped():
    held_nik, free_nik = nik(date(1961, 1, 2)), nik(date(1962, 2, 3))
    held = saved(make([individual(nik=held_nik)], family_item=False, state=S.FORWARDED))
    free = saved(make([individual(nik=free_nik)], family_item=False, state=S.FORWARDED))
    b = batch()
    person(b, person_id=1, nik=held_nik)
    person(b, person_id=2, nik=free_nik)
    with psycopg.connect(database_url(connection.settings_dict)) as other:
        other.execute("SELECT 1 FROM proposals_proposalitem WHERE id = %s FOR UPDATE", [held.pk])
        assert proposal_items_recheck(items=[held.pk, free.pk]) == 1
        other.rollback()
    held.refresh_from_db()
    free.refresh_from_db()
    assert held.findings == [] and held.findings_checked_at is None
    assert rules_of(free) == [("DUPLICATE_NIK", 0)] and free.findings_checked_at is not None
    assert AuditEvent.objects.get(action=ACTION).detail == {
        "items": {str(free.pk): ["DUPLICATE_NIK"]},
        "checked": 1,
    }
