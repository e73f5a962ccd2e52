from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dtks.audit.models import AuditEvent
from proposals.item import proposal_item_transition, proposal_items_bulk_transition
from proposals.models import ProposalItem, ProposalItemHistory

from .factories import OTHER_REGENCY_VILLAGE, VILLAGE_B, item, users
from .test_machine_paths import PATHS, actor_for

pytestmark = pytest.mark.django_db
S = ProposalItem.State


def test_bulk_changes_only_allowed_rows_in_scope_with_history_and_audit():
    u = users()
    ok = [item(S.SUBMITTED), item(S.SUBMITTED, village=VILLAGE_B)]
    decided = item(S.VERIFIED)
    flagged = item(S.SUBMITTED, findings=[{"rule": "INCOMPLETE", "fields": ["atap"]}])
    foreign = item(S.SUBMITTED, village=OTHER_REGENCY_VILLAGE)
    ids = [o.pk for o in (*ok, decided, flagged, foreign)] + [999999]
    result = proposal_items_bulk_transition(item_ids=ids, transition="verify", actor=u["regency"])
    assert result.changed == sorted(o.pk for o in ok)
    assert result.skipped == {
        decided.pk: "sudah diputuskan",
        flagged.pk: "Usulan ini memiliki temuan integritas: isi alasan pengabaian (override) untuk memutuskannya.",
        foreign.pk: "tidak ditemukan",  # out of scope looks the same as absent
        999999: "tidak ditemukan",
    }
    assert set(ProposalItem.objects.filter(state=S.VERIFIED).values_list("pk", flat=True)) == {
        *result.changed,
        decided.pk,
    }
    assert ProposalItem.objects.get(pk=foreign.pk).state == S.SUBMITTED
    assert ProposalItemHistory.objects.filter(transition="verify").count() == 2
    assert AuditEvent.objects.filter(action="proposal_item.verify", detail__bulk=True).count() == 2


def test_bulk_query_count_does_not_grow_with_rows():
    u = users()
    few = [item(S.SUBMITTED).pk for _ in range(3)]
    many = [item(S.SUBMITTED).pk for _ in range(60)]
    with CaptureQueriesContext(connection) as q_few:
        proposal_items_bulk_transition(
            item_ids=few, transition="return_to_village", actor=u["regency"], reason="r"
        )
    with CaptureQueriesContext(connection) as q_many:
        proposal_items_bulk_transition(
            item_ids=many, transition="return_to_village", actor=u["regency"], reason="r"
        )
    assert len(q_many) == len(q_few)
    assert ProposalItem.objects.filter(state=S.RETURNED_TO_VILLAGE, last_reason="r").count() == 63


def test_bulk_refuses_a_role_without_the_transition():
    u = users()
    obj = item(S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        proposal_items_bulk_transition(item_ids=[obj.pk], transition="verify", actor=u["village"])


def test_bulk_return_to_regency_marks_the_item_for_qa_later():
    u = users()
    obj = item(S.FORWARDED)
    proposal_items_bulk_transition(
        item_ids=[obj.pk], transition="return_to_regency", actor=u["ministry"], reason="r"
    )
    obj.refresh_from_db()
    assert obj.state == S.RETURNED_TO_REGENCY and obj.ever_returned_to_regency


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), PATHS, ids=lambda v: str(v))
def test_every_transition_reads_only_the_columns_the_bulk_path_loads(name, source, who, attrs, target):
    """The bulk path reads `machine.READ_FIELDS` of each item; a rule or effect reading another column
    would cost a query per item (and still decide right): none does."""
    u = users()
    actor = actor_for(u, who)
    params = {"period": date(2026, 12, 1)} if name == "determine" else None
    counts = []
    for n in (1, 4):
        ids = [item(source, **attrs).pk for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            result = proposal_items_bulk_transition(
                item_ids=ids, transition=name, actor=actor, reason="alasan", params=params
            )
        assert result.changed == ids and result.skipped == {}
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_one_bulk_writes_each_item_its_own_values_as_a_single_decision_would():
    """Items of one bulk that leave different states or carry different overrides are written each with
    its own values, as the single service writes its twin (the writer groups the items that write the
    same values)."""
    from .test_machine_paths import FINDING, recorded

    u = users()
    both = [*FINDING, {"rule": "INCOMPLETE", "fields": ["atap"]}]
    given = {"DUPLICATE_NIK": "Dicek di lapangan."}
    bulks = [
        ("withdraw", u["village"], None, [{"state": S.DRAFT}, {"state": S.SUBMITTED}]),
        (
            "verify",
            u["regency"],
            given,
            [
                {"state": S.SUBMITTED, "findings": FINDING},
                {"state": S.SUBMITTED, "findings": both, "overrides": {"INCOMPLETE": "Lama."}},
            ],
        ),
    ]
    for name, actor, overrides, kinds in bulks:
        twins = [(item(**attrs), item(**attrs)) for attrs in kinds]
        for single, _ in twins:
            proposal_item_transition(
                item_id=single.pk, transition=name, actor=actor, reason="alasan", overrides=overrides
            )
        result = proposal_items_bulk_transition(
            item_ids=[bulk.pk for _, bulk in twins],
            transition=name,
            actor=actor,
            reason="alasan",
            overrides=overrides,
        )
        assert result.changed == sorted(bulk.pk for _, bulk in twins) and result.skipped == {}
        for single, bulk in twins:
            effects_1, history_1, audit_1 = recorded(single)
            effects_2, history_2, audit_2 = recorded(bulk)
            assert effects_1 == effects_2 and history_1 == history_2
            assert [a[:4] + a[5:] for a in audit_1] == [a[:4] + a[5:] for a in audit_2]
    withdrawn = ProposalItemHistory.objects.filter(transition="withdraw")
    assert sorted(withdrawn.values_list("from_state", flat=True)) == [
        S.DRAFT,
        S.DRAFT,
        S.SUBMITTED,
        S.SUBMITTED,
    ]
    verified = ProposalItem.objects.filter(state=S.VERIFIED, findings=both)
    assert [o.overrides for o in verified] == [{"INCOMPLETE": "Lama.", **given}] * 2


def test_a_caller_s_own_rule_skips_rows_before_the_machine_s():
    u = users()
    mine = item(S.SUBMITTED)
    held, held_decided = item(S.SUBMITTED, village=VILLAGE_B), item(S.VERIFIED, village=VILLAGE_B)
    foreign = item(S.SUBMITTED, village=OTHER_REGENCY_VILLAGE)
    seen = []

    def refuse(obj):
        seen.append(obj.pk)
        return "ditahan pemanggil" if obj.village_code == VILLAGE_B else None

    result = proposal_items_bulk_transition(
        item_ids=[mine.pk, held.pk, held_decided.pk, foreign.pk],
        transition="verify",
        actor=u["regency"],
        refuse=refuse,
    )
    assert result.changed == [mine.pk]
    assert result.skipped == {
        held.pk: "ditahan pemanggil",
        held_decided.pk: "ditahan pemanggil",  # the caller's rule comes first
        foreign.pk: "tidak ditemukan",  # out of scope: never read, never shown to the rule
    }
    assert sorted(seen) == sorted([mine.pk, held.pk, held_decided.pk])
    assert ProposalItem.objects.get(pk=held.pk).state == S.SUBMITTED
