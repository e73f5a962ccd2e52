"""The reconciliation (dtks/civil/reconciliation.py): computed set-based from the civil-registry check,
materialised per village and per person, replaced atomically, scoped by the selectors."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.civil import tasks
from dtks.civil.models import Extract, Reconciliation, ReconciliationRow, ReconciliationVillage, Settings
from dtks.civil.reconciliation import REASONS, reconciliation_compute, reconciliation_request
from dtks.civil.selectors import (
    reconciliation_rows,
    reconciliation_rows_visible_to,
    reconciliation_summary,
    reconciliation_villages_visible_to,
)
from tests.harness.world import ALL_VILLAGES, civil_extract_rows

from .factories import load, write_extract

pytestmark = pytest.mark.django_db

# What tests/harness/world.py plants in its 8 villages (the individual's difference goes round three).
EXPECTED = {
    "not_found": 8,  # the child
    "other_person": 2,  # the individual of villages 2 and 5
    "nama": 8,  # the head
    "tanggal_lahir": 8,  # the spouse
    "jenis_kelamin": 3,  # the individual of villages 0, 3, 6
    "no_kk": 8,  # the head
    "kode_wilayah": 3,  # the individual of villages 1, 4, 7
}


def test_the_world_is_reconciled_with_every_reason(world):
    rec = Reconciliation.objects.get()
    assert (rec.extract_id, rec.persons_checked, rec.persons_differing) == (world.civil["extract"], 32, 32)
    assert rec.counts == EXPECTED
    assert ReconciliationRow.objects.count() == 32
    villages = {v.village_code: v for v in ReconciliationVillage.objects.all()}
    assert set(villages) == set(ALL_VILLAGES)
    assert all((v.persons_checked, v.persons_differing) == (4, 4) for v in villages.values())
    assert AuditEvent.objects.filter(action="civil.reconciliation_computed", object_id=str(rec.pk)).exists()


def test_rows_are_in_village_then_person_order_and_carry_both_values(world):
    rows = list(ReconciliationRow.objects.order_by("id"))
    assert [(r.village_code, r.person_id) for r in rows] == sorted(
        (r.village_code, r.person_id) for r in rows
    )
    h = world.households[ALL_VILLAGES[0]]
    head = ReconciliationRow.objects.get(person_id=h.head.person_id)
    assert head.parts == ["nama", "no_kk"] and head.nama == h.head.nama
    nama = head.detail["parts"][0]
    assert (nama["ours"], nama["theirs"]) == (h.head.nama, "Bambang Ardana") and nama["score"] < 85
    assert "source" not in head.detail  # the reconciliation names its extract once


def test_other_person_says_only_that(world):
    h = world.households[ALL_VILLAGES[2]]
    row = ReconciliationRow.objects.get(person_id=h.individual.person_id)
    assert row.parts == ["other_person"] and row.detail == {"parts": [{"part": "other_person"}]}


def test_recomputing_replaces_the_old_reconciliation_whole(world):
    first = Reconciliation.objects.get()
    old_ids = set(ReconciliationRow.objects.values_list("id", flat=True))
    again = reconciliation_compute(extract_id=world.civil["extract"])
    assert Reconciliation.objects.get() == again and again.pk != first.pk
    assert ReconciliationRow.objects.filter(reconciliation=again).count() == 32
    assert not ReconciliationRow.objects.filter(id__in=old_ids).exists()
    assert ReconciliationVillage.objects.count() == 8


def test_a_fixed_person_leaves_the_reconciliation(world, tmp_path):
    rows = civil_extract_rows(world)
    h = world.households[ALL_VILLAGES[0]]
    fixed = [r for r in rows if r["nik"] != h.members[1].nik]  # the spouse no longer in the extract …
    spouse = next(r for r in rows if r["nik"] == h.members[1].nik)
    fixed.append({**spouse, "tanggal_lahir": "1982-06-15"})  # … but with the registry's birth date
    extract = load(write_extract(tmp_path / "baru.csv", fixed), day=date(2026, 12, 1)).extract
    rec = reconciliation_compute(extract_id=extract.pk)
    assert rec.persons_differing == 31 and rec.counts["tanggal_lahir"] == 7
    assert not ReconciliationRow.objects.filter(person_id=h.members[1].person_id).exists()


def test_an_extract_that_is_no_longer_current_is_not_reconciled(world, tmp_path):
    old = world.civil["extract"]
    newer = load(write_extract(tmp_path / "baru.csv", civil_extract_rows(world)[:5]), day=date(2026, 12, 1))
    assert reconciliation_compute(extract_id=old) is None
    assert Reconciliation.objects.get().extract_id == old  # the page keeps the old one until the new one
    assert reconciliation_compute(extract_id=newer.extract.pk).extract_id == newer.extract.pk


def test_the_reconciliation_reads_the_extract_whatever_the_rules_source(world):
    assert Settings.load().source == Settings.Source.NONE
    assert reconciliation_compute(extract_id=world.civil["extract"]).persons_differing == 32


def test_nothing_to_reconcile_without_an_extract(bare_world):
    assert reconciliation_request(actor="sistem:test") is None
    summary = reconciliation_summary(user=bare_world.actor(Role.MINISTRY_DATA_OFFICER))
    assert summary.reconciliation is None and summary.current is None and summary.total() == 0


def test_a_request_marks_the_extract_and_queues_the_task(world, django_capture_on_commit_callbacks):
    ministry = world.actor(Role.MINISTRY_DATA_OFFICER)
    with django_capture_on_commit_callbacks() as callbacks:
        extract = reconciliation_request(actor=ministry, ip="127.0.0.1")
    assert extract.pk == world.civil["extract"] and Extract.objects.get(pk=extract.pk).reconciling
    assert len(callbacks) == 1
    assert (
        AuditEvent.objects.filter(action="civil.reconciliation_requested", actor_id=ministry.pk).count() == 1
    )
    # The task, called in-process as the worker would.
    assert tasks.reconciliation_compute(extract.pk) == Reconciliation.objects.get().pk
    assert not Extract.objects.get(pk=extract.pk).reconciling


def test_only_the_data_unit_may_ask_for_a_recomputation(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reconciliation_request(actor=world.actor(Role.REGENCY_VERIFIER))


# --- scope --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "villages"),
    [
        (Role.REGENCY_VERIFIER, 2),
        (Role.REGENCY_SUPERVISOR, 2),
        (Role.PROVINCE_OFFICER, 4),
        (Role.MINISTRY_DATA_OFFICER, 8),
        (Role.VILLAGE_OPERATOR, 1),
        (Role.ADMIN, 0),
        (Role.PPID_OFFICER, 0),
    ],
)
def test_each_scope_sees_its_persons_and_its_counts(world, role, villages):
    user = world.actor(role)
    rows = reconciliation_rows_visible_to(user=user)
    assert set(rows.values_list("person_id", flat=True)) == world.visible_person_ids(user)
    assert rows.count() == 4 * villages
    summary = reconciliation_summary(user=user)
    assert (summary.persons_checked, summary.persons_differing) == (4 * villages, 4 * villages)
    # The counts by reason are those of the rows the same user is listed.
    for reason in REASONS:
        assert summary.counts[reason] == rows.filter(parts__contains=[reason]).count(), reason
    assert reconciliation_villages_visible_to(user=user).count() == villages


def test_a_filter_outside_the_scope_lists_nothing(world):
    regency = world.actor(Role.REGENCY_VERIFIER)  # 3371
    assert reconciliation_rows(user=regency, area="3308").count() == 0
    assert reconciliation_summary(user=regency, area="3308").persons_differing == 0
    assert reconciliation_rows(user=regency, area="337101").count() == 8  # a district of its own
    assert reconciliation_rows(user=regency, area=ALL_VILLAGES[0], reason="nama").count() == 1


def test_the_summary_costs_a_fixed_number_of_queries(world):
    user = world.actor(Role.PROVINCE_OFFICER)
    with CaptureQueriesContext(connection) as queries:
        reconciliation_summary(user=user, area="3371")
    assert len(queries) <= 4
