"""Scoping is written once (dtks/accounts/scope.py): every scoped selector filters with `visible_q`, and a
role whose work does not need the registry gets nothing from any region-scoped selector — an
administrator and the national deciders included, whatever rows exist (docs/security.md #1)."""

import inspect

import pytest

from dtks.accounts.models import Role
from dtks.accounts.scope import REGISTRY_ROLES, SCOPED_SELECTORS, visible_q
from dtks.core.models import Notification
from proposals.models import ImportJob, Musyawarah, ProposalItem, ProposalItemHistory
from tests.harness.world import build_world, proposal_rows

pytestmark = pytest.mark.django_db

NON_REGISTRY = sorted(set(Role) - REGISTRY_ROLES)


def fill_rows(world):
    """Stage 1's rows in every village (the harness world's), with history, and a notification."""
    proposal_rows(world)
    for village, pk in world.proposals["returned"].items():
        ProposalItemHistory.objects.create(
            item_id=pk, transition="submit", from_state="draft", to_state="submitted", actor_label="t"
        )
        Notification.objects.create(audience_role="admin", region_code=village, kind="k", message="m")


def arguments(fn, world) -> dict:
    """Values for a selector's other keyword arguments: ids of rows that exist."""
    h = next(iter(world.households.values()))
    given = {
        "family_id": h.family_id,
        "item_id": ProposalItem.objects.values_list("pk", flat=True).first(),
        "musyawarah_id": Musyawarah.objects.values_list("pk", flat=True).first(),
        "channel": ProposalItem.Channel.MUSYAWARAH,
        "filters": None,  # verification.selectors.verval_queue_visible_to: no filter
    }
    params = [p for p in inspect.signature(fn).parameters if p != "user"]
    return {p: given[p] for p in params}


def rows_of(result) -> int:
    if hasattr(result, "count"):
        return result.count()
    return 1  # a single object (a selector that gets one row): it was found


@pytest.mark.parametrize("role", NON_REGISTRY)
def test_roles_without_region_scope_get_no_rows_from_any_region_scoped_selector(role):
    world = build_world()
    fill_rows(world)
    user = world.actor(role)
    assert len(SCOPED_SELECTORS) >= 12
    seen = {}
    for name, fn in SCOPED_SELECTORS.items():
        if name.endswith("notifications_visible_to"):
            continue  # the inbox has its own scope kind (tested below)
        try:
            seen[name] = rows_of(fn(user=user, **arguments(fn, world)))
        except (ImportJob.DoesNotExist, Musyawarah.DoesNotExist):
            seen[name] = 0
    assert seen == dict.fromkeys(seen, 0)


def test_a_registry_role_sees_rows_through_the_same_selectors():
    world = build_world()
    fill_rows(world)
    user = world.actor(Role.MINISTRY_DATA_OFFICER)
    from proposals.item import proposal_items_visible_to

    # Every proposal item the world holds (world.proposal_rows: all its kinds but the musyawarah and
    # the import job, which are not items), in every village.
    items = sum(len(world.proposals[k]) for k in world.proposals if k not in ("musyawarah", "import"))
    assert items == 5 * len(world.households)
    assert proposal_items_visible_to(user=user).count() == items


def test_other_scope_kinds_name_their_own_column():
    world = build_world()
    requester = world.actor(Role.DATA_REQUESTER)
    assessor = world.actor(Role.QA_ASSESSOR)
    assert str(visible_q(requester, region="village_code", owner="requested_by")) == str(
        visible_q(requester, owner="requested_by")
    )
    assert "requested_by" in str(visible_q(requester, owner="requested_by"))
    # A row that carries no column for the user's kind is not visible to it.
    assert str(visible_q(assessor, region="village_code")) == str(visible_q(None, region="village_code"))
    with pytest.raises(TypeError):
        visible_q(requester, requester="x")


def test_the_inbox_shows_a_role_only_what_is_addressed_to_it_and_its_region():
    from dtks.core.notifications import notifications_mark_seen, notifications_visible_to, unread_count

    world = build_world()
    villages = list(world.households)
    Notification.objects.create(
        audience_role="village_operator", region_code=villages[0], kind="k", message="a"
    )
    Notification.objects.create(
        audience_role="village_operator", region_code=villages[1], kind="k", message="b"
    )
    Notification.objects.create(
        audience_role="regency_verifier", region_code=villages[0], kind="k", message="c"
    )
    Notification.objects.create(audience_role="ppid_officer", region_code="", kind="k", message="d")
    op = world.users[(Role.VILLAGE_OPERATOR, villages[0])]
    assert list(notifications_visible_to(user=op).values_list("message", flat=True)) == ["a"]
    assert list(
        notifications_visible_to(user=world.actor(Role.PPID_OFFICER)).values_list("message", flat=True)
    ) == ["d"]
    assert unread_count(user=op) == 1
    notifications_mark_seen(user=op)
    assert unread_count(user=op) == 0
