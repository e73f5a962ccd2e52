"""The ProposalItem machine has one path (docs/proposals.md): the single and the bulk service apply the
same rules and side effects and write the same history and audit rows; items created by any channel
have history and audit rows of one shape; and the transitions the later stages need are in place."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.audit.services import SystemActor
from dtks.core.models import Notification
from proposals.item import (
    ProposalItem,
    ProposalItemHistory,
    proposal_item_correct,
    proposal_item_transition,
    proposal_items_bulk_transition,
)
from proposals.musyawarah.services import musyawarah_submit

from .factories import OTHER_REGENCY_VILLAGE, VILLAGE_A, VILLAGE_B, item, users
from .test_state_machine import ALLOWED

pytestmark = pytest.mark.django_db
S = ProposalItem.State
SYSTEM = SystemActor("sistem:penetapan")
EFFECTS = ("state", "last_reason", "overrides", "ever_returned_to_regency", "determined_period")
PATHS = [
    *ALLOWED,
    ("determine", S.ACCEPTED, "system", {}, S.DETERMINED),
    ("refuse_at_determination", S.ACCEPTED, "system", {}, S.RETURNED_TO_REGENCY),
    ("supersede", S.SUBMITTED, "system", {"channel": "self_registration"}, S.WITHDRAWN),
]
FINDING = [{"rule": "DUPLICATE_NIK", "fields": ["nik"], "person": 0, "message": "NIK ganda."}]


def actor_for(u, who):
    return SYSTEM if who == "system" else u[who]


def recorded(obj):
    """What the machine wrote about an item: its effect columns, its history and audit rows."""
    obj.refresh_from_db()
    history = list(
        ProposalItemHistory.objects.filter(item=obj).values_list(
            "transition", "from_state", "to_state", "actor_id", "actor_label", "reason", "detail"
        )
    )
    audit = []
    for e in AuditEvent.objects.filter(object_type="proposals.item", object_id=str(obj.pk)).order_by("id"):
        detail = dict(e.detail)
        audit.append((e.action, e.actor_id, e.actor_label, e.region_code, detail.pop("bulk"), detail))
    return {f: getattr(obj, f) for f in EFFECTS}, history, audit


@pytest.mark.parametrize(("name", "source", "who", "attrs", "target"), PATHS, ids=lambda v: str(v))
def test_every_transition_writes_the_same_through_both_paths(name, source, who, attrs, target):
    u = users()
    actor = actor_for(u, who)
    params = {"period": date(2026, 12, 1)} if name == "determine" else None
    single, bulk = item(source, **attrs), item(source, **attrs)
    proposal_item_transition(item_id=single.pk, transition=name, actor=actor, reason="alasan", params=params)
    result = proposal_items_bulk_transition(
        item_ids=[bulk.pk], transition=name, actor=actor, reason="alasan", params=params
    )
    assert result.changed == [bulk.pk] and result.skipped == {}
    effects_1, history_1, audit_1 = recorded(single)
    effects_2, history_2, audit_2 = recorded(bulk)
    assert effects_1 == effects_2 and effects_1["state"] == target
    assert history_1 == history_2 and len(history_1) == 1
    assert history_1[0][6]["stage"]  # every decision says which stage took it
    # The audit rows differ only in saying which path wrote them.
    assert [a[:4] + a[5:] for a in audit_1] == [a[:4] + a[5:] for a in audit_2]
    assert [a[4] for a in audit_1 + audit_2] == [False, True]


def test_overrides_pass_findings_the_same_way_on_both_paths():
    u = users()
    single, bulk = (item(S.SUBMITTED, findings=FINDING) for _ in range(2))
    for obj in (single, bulk):
        with pytest.raises(ValidationError, match="alasan pengabaian"):
            proposal_item_transition(item_id=obj.pk, transition="verify", actor=u["regency"])
    overrides = {"DUPLICATE_NIK": "Dicek di lapangan: orang berbeda."}
    proposal_item_transition(item_id=single.pk, transition="verify", actor=u["regency"], overrides=overrides)
    proposal_items_bulk_transition(
        item_ids=[bulk.pk], transition="verify", actor=u["regency"], overrides=overrides
    )
    assert recorded(single)[:2] == recorded(bulk)[:2]
    assert single.overrides == overrides
    assert ProposalItemHistory.objects.get(item=single).detail == {
        "stage": "verification",
        "overrides": overrides,
    }


def test_an_override_names_a_rule_the_item_has_and_gives_a_reason():
    u = users()
    obj = item(S.SUBMITTED, findings=FINDING)
    with pytest.raises(ValidationError, match="tidak memiliki temuan MEMBER_OVERLAP"):
        proposal_item_transition(
            item_id=obj.pk, transition="verify", actor=u["regency"], overrides={"MEMBER_OVERLAP": "x"}
        )
    with pytest.raises(ValidationError, match="alasan pengabaian temuan DUPLICATE_NIK"):
        proposal_item_transition(
            item_id=obj.pk, transition="verify", actor=u["regency"], overrides={"DUPLICATE_NIK": " "}
        )
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED and obj.overrides == {}


def test_the_origin_village_submits_its_transfers_arrival_in_the_same_bulk_decision():
    u = users()
    departure = item(S.DRAFT, kind="transfer", target_family_id=7)
    arrival = item(S.DRAFT, kind="transfer", village=OTHER_REGENCY_VILLAGE, pair=departure)
    departure.pair = arrival
    departure.save(update_fields=["pair"])
    result = proposal_items_bulk_transition(
        item_ids=[departure.pk, arrival.pk], transition="submit", actor=u["village"]
    )
    assert result.changed == sorted([departure.pk, arrival.pk]) and result.skipped == {}
    # Anyone else's arrival stays out of the village's reach.
    stranger = item(S.DRAFT, kind="transfer", village=OTHER_REGENCY_VILLAGE)
    result = proposal_items_bulk_transition(item_ids=[stranger.pk], transition="submit", actor=u["village"])
    assert result.skipped == {stranger.pk: "tidak ditemukan"}


def test_a_musyawarah_submits_its_transfer_arrivals_with_its_other_items(world):
    from proposals.item import proposal_item_create

    from .flow import held_musyawarah, operator

    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[VILLAGE_A]
    departure = proposal_item_create(
        actor=op,
        kind="transfer",
        musyawarah_id=m.pk,
        target_family_id=h.family_id,
        destination={"kode_wilayah": OTHER_REGENCY_VILLAGE, "alamat": "Jl. Tujuan 1"},
    )
    result = musyawarah_submit(musyawarah_id=m.pk, actor=op)
    assert sorted(result.changed) == sorted([departure.pk, departure.pair_id])
    assert set(ProposalItem.objects.filter(pk__in=result.changed).values_list("state", flat=True)) == {
        S.SUBMITTED
    }


def test_the_ministry_rejects_what_it_verifies_itself_and_only_that():
    u = users()
    own = item(S.SUBMITTED, verifier=ProposalItem.Verifier.MINISTRY, channel="ministry")
    with pytest.raises(ValidationError, match="Alasan wajib"):
        proposal_item_transition(item_id=own.pk, transition="reject_by_ministry", actor=u["ministry"])
    done = proposal_item_transition(
        item_id=own.pk, transition="reject_by_ministry", actor=u["ministry"], reason="Bukan korban bencana."
    )
    assert (done.state, done.last_reason) == (S.REJECTED, "Bukan korban bencana.")
    regencys = item(S.SUBMITTED)
    with pytest.raises(ValidationError, match="diverifikasi oleh kabupaten/kota"):
        proposal_item_transition(
            item_id=regencys.pk, transition="reject_by_ministry", actor=u["ministry"], reason="x"
        )
    # And the regency does not reject what the ministry verifies.
    theirs = item(S.SUBMITTED, verifier=ProposalItem.Verifier.MINISTRY, channel="ministry")
    with pytest.raises(ValidationError, match="diverifikasi oleh Kementerian Sosial"):
        proposal_item_transition(item_id=theirs.pk, transition="reject", actor=u["regency"], reason="x")


def test_only_the_system_refuses_an_accepted_item_at_determination():
    u = users()
    obj = item(S.ACCEPTED)
    for who in ("ministry", "regency", "minister"):
        with pytest.raises(PermissionDenied):
            proposal_item_transition(
                item_id=obj.pk, transition="refuse_at_determination", actor=u[who], reason="x"
            )
    with pytest.raises(PermissionDenied):
        proposal_items_bulk_transition(
            item_ids=[obj.pk], transition="refuse_at_determination", actor=u["ministry"], reason="x"
        )
    done = proposal_item_transition(
        item_id=obj.pk, transition="refuse_at_determination", actor=SYSTEM, reason="NIK_PENDING: tanpa NIK."
    )
    assert (done.state, done.ever_returned_to_regency) == (S.RETURNED_TO_REGENCY, True)
    row = ProposalItemHistory.objects.get(item=obj)
    assert (row.actor_id, row.actor_label, row.detail["stage"]) == (None, "sistem:penetapan", "determination")
    # Failing again after the correction, it may go to quality assurance.
    assert done.failed_again_after_correction()


def test_returns_tell_the_village_once_per_village_and_event():
    u = users()
    own = [item(S.SUBMITTED) for _ in range(3)]
    sibling = item(S.SUBMITTED, village=VILLAGE_B)
    proposal_items_bulk_transition(
        item_ids=[o.pk for o in (*own, sibling)],
        transition="return_to_village",
        actor=u["regency"],
        reason="KK",
    )
    rows = sorted(Notification.objects.values_list("audience_role", "region_code", "count"))
    assert rows == [(Role.VILLAGE_OPERATOR, VILLAGE_A, 3), (Role.VILLAGE_OPERATOR, VILLAGE_B, 1)]


def test_the_verifier_corrects_a_submitted_item_and_the_diff_is_in_its_history(world):
    from proposals.item import proposal_item_create

    from .flow import new_family, operator, verifier

    op, ver = operator(world), verifier(world)
    from .flow import held_musyawarah

    m = held_musyawarah(op)
    family, persons = new_family()
    obj = proposal_item_create(actor=op, kind="addition", musyawarah_id=m.pk, family=family, persons=persons)
    with pytest.raises(ValidationError, match="Diajukan"):
        proposal_item_correct(item_id=obj.pk, actor=ver, family=family, persons=persons)
    musyawarah_submit(musyawarah_id=m.pk, actor=op)
    persons[1]["nama"] = "Rini Baru Lestari"
    family = {**family, "rt": "5"}
    with pytest.raises(PermissionDenied):
        proposal_item_correct(item_id=obj.pk, actor=op, family=family, persons=persons)
    proposal_item_correct(item_id=obj.pk, actor=ver, family=family, persons=persons, reason="Sesuai KK asli.")
    obj.refresh_from_db()
    assert (obj.state, obj.rt, obj.persons.get(position=1).nama) == (S.SUBMITTED, "005", "Rini Baru Lestari")
    row = ProposalItemHistory.objects.get(item=obj, transition="correct")
    assert row.detail == {
        "stage": "verification",
        "diff": {"rt": ["003", "005"], "persons": {"1": {"nama": ["Rini Baru", "Rini Baru Lestari"]}}},
    }
    assert (row.from_state, row.to_state, row.reason) == (S.SUBMITTED, S.SUBMITTED, "Sesuai KK asli.")
    assert AuditEvent.objects.filter(action="proposal_item.correct", object_id=str(obj.pk)).count() == 1
