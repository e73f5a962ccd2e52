"""The whole ProposalItem machine (docs/design.md §4), transition by transition: allowed and refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dtks.audit.models import AuditEvent
from proposals.item import TRANSITIONS, AlreadyDecided, proposal_item_transition
from proposals.models import ProposalItem, ProposalItemHistory

from .factories import OTHER_PROVINCE_VILLAGE, OTHER_REGENCY_VILLAGE, VILLAGE_B, item, users

pytestmark = pytest.mark.django_db
S = ProposalItem.State
M = ProposalItem.Verifier.MINISTRY

# transition, source state, acting user key, item attributes, target state
ALLOWED = [
    ("submit", S.DRAFT, "village", {}, S.SUBMITTED),
    ("submit", S.DRAFT, "regency", {"channel": "regency"}, S.SUBMITTED),
    ("withdraw", S.DRAFT, "village", {}, S.WITHDRAWN),
    ("withdraw", S.SUBMITTED, "village", {}, S.WITHDRAWN),
    ("resubmit", S.RETURNED_TO_VILLAGE, "village", {}, S.SUBMITTED),
    ("dispute_by_village", S.RETURNED_TO_VILLAGE, "village", {}, S.DISPUTED),
    ("dispute_by_village", S.REJECTED, "village", {}, S.DISPUTED),
    ("verify", S.SUBMITTED, "regency", {}, S.VERIFIED),
    ("return_to_village", S.SUBMITTED, "regency", {}, S.RETURNED_TO_VILLAGE),
    ("reject", S.SUBMITTED, "regency", {}, S.REJECTED),
    ("approve_in_submission", S.VERIFIED, "supervisor", {}, S.REGENCY_APPROVED),
    ("correct_after_return", S.RETURNED_TO_REGENCY, "regency", {}, S.VERIFIED),
    ("forward", S.REGENCY_APPROVED, "province", {}, S.FORWARDED),
    ("dispute_by_province", S.REGENCY_APPROVED, "province", {}, S.DISPUTED),
    ("qa_accept", S.DISPUTED, "ministry", {}, S.ACCEPTED),
    ("qa_exclude", S.DISPUTED, "ministry", {}, S.EXCLUDED),
    ("qa_back_to_regency", S.DISPUTED, "ministry", {}, S.VERIFIED),
    ("accept", S.FORWARDED, "ministry", {}, S.ACCEPTED),
    ("return_to_regency", S.FORWARDED, "ministry", {}, S.RETURNED_TO_REGENCY),
    ("send_to_qa", S.FORWARDED, "ministry", {"ever_returned_to_regency": True}, S.IN_QA),
    ("qa_in_accept", S.IN_QA, "ministry", {}, S.ACCEPTED),
    ("qa_in_exclude", S.IN_QA, "ministry", {}, S.EXCLUDED),
    ("accept_direct", S.SUBMITTED, "ministry", {"verifier": M, "channel": "ministry"}, S.ACCEPTED),
    ("reject_by_ministry", S.SUBMITTED, "ministry", {"verifier": M, "channel": "ministry"}, S.REJECTED),
    ("qa_in_back_to_regency", S.IN_QA, "ministry", {}, S.VERIFIED),
]
# The system actor's transitions (determination, a superseded self-registration) are tested in
# test_machine_paths.py.
SYSTEM_TRANSITIONS = ("determine", "refuse_at_determination", "supersede")


def test_the_table_covers_every_transition_and_source():
    declared = {
        (name, str(t.source))
        for name, ts in TRANSITIONS.items()
        for t in ts
        if name not in SYSTEM_TRANSITIONS
    }
    assert declared == {(name, str(src)) for name, src, *_ in ALLOWED}


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), ALLOWED)
def test_allowed(name, source, who, attrs, target):
    u = users()
    obj = item(source, **attrs)
    done = proposal_item_transition(item_id=obj.pk, transition=name, actor=u[who], reason="alasan uji")
    assert done.state == target
    history = ProposalItemHistory.objects.get(item=obj)
    assert (history.transition, history.from_state, history.to_state, history.reason) == (
        name,
        source,
        target,
        "alasan uji",
    )
    event = AuditEvent.objects.get(action=f"proposal_item.{name}")
    assert (event.object_id, event.actor_id, event.region_code) == (str(obj.pk), u[who].pk, obj.village_code)


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), ALLOWED)
def test_refused_for_every_other_role(name, source, who, attrs, target):
    u = users()
    allowed_roles = {u[who].role} | (
        {"village_operator", "regency_verifier", "ministry_data_officer"}
        if name in ("submit", "withdraw")
        else set()
    )
    for key, actor in u.items():
        if actor.role in allowed_roles:
            continue
        obj = item(source, **attrs)
        with pytest.raises(PermissionDenied):
            proposal_item_transition(item_id=obj.pk, transition=name, actor=actor, reason="x")
        obj.refresh_from_db()
        assert obj.state == source, key
    assert not ProposalItemHistory.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), ALLOWED)
def test_refused_outside_the_actor_region(name, source, who, attrs, target):
    u = users()
    for village in (VILLAGE_B, OTHER_REGENCY_VILLAGE, OTHER_PROVINCE_VILLAGE):
        obj = item(source, village=village, **attrs)
        in_reach = {
            "village": False,
            "regency": village == VILLAGE_B,
            "supervisor": village == VILLAGE_B,
            "province": village in (VILLAGE_B, OTHER_REGENCY_VILLAGE),
            "ministry": True,
        }[who]
        if in_reach:
            continue
        with pytest.raises(PermissionDenied):
            proposal_item_transition(item_id=obj.pk, transition=name, actor=u[who], reason="x")


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), ALLOWED)
def test_refused_from_every_other_state(name, source, who, attrs, target):
    u = users()
    sources = {str(t.source) for t in TRANSITIONS[name]}
    for state in S.values:
        if state in sources or state == target:
            continue
        obj = item(state, **attrs)
        with pytest.raises(ValidationError):  # AlreadyDecided is a ValidationError too
            proposal_item_transition(item_id=obj.pk, transition=name, actor=u[who], reason="x")
        obj.refresh_from_db()
        assert obj.state == state


def test_a_retry_is_harmless_and_a_different_decision_is_already_decided():
    u = users()
    obj = item(S.SUBMITTED)
    proposal_item_transition(
        item_id=obj.pk, transition="return_to_village", actor=u["regency"], reason="KK salah"
    )
    again = proposal_item_transition(
        item_id=obj.pk, transition="return_to_village", actor=u["regency"], reason="x"
    )
    assert again.state == S.RETURNED_TO_VILLAGE and again.last_reason == "KK salah"
    assert ProposalItemHistory.objects.filter(item=obj).count() == 1
    with pytest.raises(AlreadyDecided, match="sudah diputuskan"):
        proposal_item_transition(item_id=obj.pk, transition="reject", actor=u["regency"], reason="y")


def test_findings_need_an_override_reason():
    u = users()
    obj = item(S.SUBMITTED, findings=[{"rule": "DUPLICATE_NIK", "fields": ["nik"]}])
    with pytest.raises(ValidationError, match="alasan pengabaian"):
        proposal_item_transition(item_id=obj.pk, transition="verify", actor=u["regency"])
    done = proposal_item_transition(
        item_id=obj.pk,
        transition="verify",
        actor=u["regency"],
        overrides={"DUPLICATE_NIK": "Dicek di lapangan: orang berbeda"},
    )
    assert done.state == S.VERIFIED and done.overrides["DUPLICATE_NIK"].startswith("Dicek")


def test_reason_is_required_where_the_village_must_read_it():
    u = users()
    obj = item(S.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        proposal_item_transition(
            item_id=obj.pk, transition="return_to_village", actor=u["regency"], reason=" "
        )
    assert "Alasan wajib diisi" in str(exc.value)


def test_ministry_verified_items_skip_the_regency():
    u = users()
    obj = item(S.SUBMITTED, verifier=M, channel="ministry")
    with pytest.raises(ValidationError, match="diverifikasi oleh Kementerian"):
        proposal_item_transition(item_id=obj.pk, transition="verify", actor=u["regency"])


@pytest.mark.parametrize("channel", ["self_registration", "ministry", "regency"])
def test_only_a_village_proposal_goes_back_to_the_village(channel):
    """A self-registration, a ministry proposal verified by the regency, or the regency's own filing
    has nobody in the village who may fix it: the regency verifies or rejects it."""
    u = users()
    obj = item(S.SUBMITTED, channel=channel)
    with pytest.raises(ValidationError, match="Hanya usulan musyawarah"):
        proposal_item_transition(
            item_id=obj.pk, transition="return_to_village", actor=u["regency"], reason="x"
        )
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED and not ProposalItemHistory.objects.exists()
    for decision in ("verify", "reject"):
        other = item(S.SUBMITTED, channel=channel)
        done = proposal_item_transition(item_id=other.pk, transition=decision, actor=u["regency"], reason="r")
        assert done.state == {"verify": S.VERIFIED, "reject": S.REJECTED}[decision]


def test_qa_only_after_a_failed_correction():
    u = users()
    obj = item(S.FORWARDED)
    with pytest.raises(ValidationError, match="gagal lagi"):
        proposal_item_transition(item_id=obj.pk, transition="send_to_qa", actor=u["ministry"], reason="x")
    proposal_item_transition(
        item_id=obj.pk, transition="return_to_regency", actor=u["ministry"], reason="alamat"
    )
    proposal_item_transition(item_id=obj.pk, transition="correct_after_return", actor=u["regency"])
    proposal_item_transition(item_id=obj.pk, transition="approve_in_submission", actor=u["supervisor"])
    proposal_item_transition(item_id=obj.pk, transition="forward", actor=u["province"])
    done = proposal_item_transition(
        item_id=obj.pk, transition="send_to_qa", actor=u["ministry"], reason="gagal lagi"
    )
    assert done.state == S.IN_QA


def test_determination_is_the_system_actors_alone():
    u = users()
    obj = item(S.ACCEPTED)
    for actor in u.values():
        with pytest.raises(PermissionDenied):
            proposal_item_transition(item_id=obj.pk, transition="determine", actor=actor)


def test_unknown_transition_is_a_field_error():
    u = users()
    obj = item(S.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        proposal_item_transition(item_id=obj.pk, transition="delete", actor=u["regency"])
    assert "transition" in exc.value.message_dict
