"""Every role lands on its own dashboard: its queues (or what will appear in them), and for the roles
whose work needs the registry, counts of their own scope only."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation

from dtks.accounts.models import AssignedVillage, Role
from dtks.accounts.scope import REGISTRY_ROLES
from dtks.core.dashboards import QUEUE_PROVIDERS, ROLE_QUEUES, ROLE_TITLES
from tests.registry.test_pages import (
    OTHER_PROVINCE,
    OTHER_REGENCY,
    VILLAGE_A,
    VILLAGE_B,
    build_world,
    make_user,
    sign_in,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
REGION_OF = {
    Role.VILLAGE_OPERATOR: VILLAGE_A,
    Role.REGENCY_VERIFIER: "3371",
    Role.REGENCY_SUPERVISOR: "3371",
    Role.PROVINCE_OFFICER: "33",
}


@pytest.fixture
def world():
    return build_world()


def user_for(role):
    user = make_user(role, REGION_OF.get(role, ""))
    if role == Role.FIELD_OFFICER:
        AssignedVillage.objects.create(user=user, village_code=VILLAGE_B)
    return user


def test_every_role_has_a_title_and_queues():
    assert set(ROLE_TITLES) == set(Role)
    assert set(ROLE_QUEUES) == set(Role)
    assert all(ROLE_QUEUES[role] for role in Role)


def test_login_lands_on_the_dashboard():
    assert resolve_url(settings.LOGIN_REDIRECT_URL) == DASHBOARD == "/dasbor/"


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_own_queues(client, world, role, django_assert_max_num_queries):
    user = user_for(role)
    sign_in(client, user)
    # session, user (+ OTP device), scope name, 3 registry counts + area names (registry roles only),
    # the stage's queues, and the header's unread notifications (one count)
    with django_assert_max_num_queries(10):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    with translation.override("id"):
        assert str(ROLE_TITLES[role]) in html
        for queue in ROLE_QUEUES[role]:
            assert str(queue.title) in html
            if queue.key not in QUEUE_PROVIDERS:  # not built yet: the empty state says what will come
                assert str(queue.empty) in html
        others = {q.key: q for r, queues in ROLE_QUEUES.items() if r != role for q in queues}
        for key, queue in others.items():
            if key not in {q.key for q in ROLE_QUEUES[role]}:
                assert str(queue.empty) not in html, f"{role} shows {key}"
    assert ("Registri dalam cakupan Anda" in html) == (role in REGISTRY_ROLES)
    assert (response.context["registry"] is not None) == (role in REGISTRY_ROLES)


@pytest.mark.parametrize(
    ("role", "families", "persons", "areas"),
    [
        (Role.VILLAGE_OPERATOR, 1, 3, {VILLAGE_A: "Rejowinangun Selatan"}),
        (Role.FIELD_OFFICER, 1, 3, {VILLAGE_B: "Magersari"}),
        (Role.REGENCY_VERIFIER, 2, 6, {VILLAGE_A: "Rejowinangun Selatan", VILLAGE_B: "Magersari"}),
        (Role.PROVINCE_OFFICER, 3, 9, {"3371": "Kota Magelang", "3308": "Kabupaten Magelang"}),
        (Role.MINISTRY_DATA_OFFICER, 4, 12, {"33": "Jawa Tengah", "34": "Daerah Istimewa Yogyakarta"}),
    ],
)
def test_counts_reflect_the_scope(client, world, role, families, persons, areas):
    sign_in(client, user_for(role))
    response = client.get(DASHBOARD)
    summary = response.context["registry"]
    assert (summary.families, summary.persons) == (families, persons)
    # Two findings per village: a family INCOMPLETE and a person NIK_MISMATCH.
    assert {r["key"]: r["count"] for r in summary.rules} == {"INCOMPLETE": families, "NIK_MISMATCH": families}
    assert {a.code: a.name for a in summary.areas} == areas
    html = response.content.decode()
    assert "<svg" in html and "Data belum lengkap" in html
    for code in areas:
        assert f"?wilayah={code}" in html  # each area links to its filtered family list
    # Foreign villages are never named.
    foreign = {
        VILLAGE_A: "Rejowinangun Selatan",
        VILLAGE_B: "Magersari",
        OTHER_REGENCY: "Ngargoretno",
        OTHER_PROVINCE: "Balecatur",
    }
    for code, name in foreign.items():
        if role in (Role.VILLAGE_OPERATOR, Role.FIELD_OFFICER, Role.REGENCY_VERIFIER) and code not in areas:
            assert name not in html


def test_scope_is_named_in_the_heading(client, world):
    sign_in(client, user_for(Role.VILLAGE_OPERATOR))
    html = client.get(DASHBOARD).content.decode()
    assert "Rejowinangun Selatan, Magelang Selatan, Kota Magelang, Jawa Tengah" in html
    client.logout()
    sign_in(client, user_for(Role.MINISTRY_DATA_OFFICER))
    assert "seluruh Indonesia" in client.get(DASHBOARD).content.decode()


def test_empty_registry_says_what_will_appear(client):
    sign_in(client, user_for(Role.REGENCY_VERIFIER))
    html = client.get(DASHBOARD).content.decode()
    assert "Registri dalam cakupan Anda masih kosong" in html
    assert "Tidak ada temuan integritas dalam cakupan Anda" in html


def test_admin_sees_the_users_queue(client):
    make_user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    make_user(Role.QA_ASSESSOR, is_active=False)
    sign_in(client, make_user(Role.ADMIN))
    response = client.get(DASHBOARD)
    (users,) = response.context["queues"]
    assert users.state.count == 1
    assert reverse("admin:index") in response.content.decode()


def test_a_provider_fills_a_queue(client, monkeypatch):
    from dtks.core.dashboards import QueueState

    monkeypatch.setitem(
        QUEUE_PROVIDERS, "qa_cases", lambda *, user: QueueState(count=3, oldest_label="Kasus 17", url="/x/")
    )
    sign_in(client, make_user(Role.QA_ASSESSOR))
    html = client.get(DASHBOARD).content.decode()
    assert "Terlama: Kasus 17." in html and 'href="/x/"' in html
    assert "Belum ada kasus" not in html


def test_user_without_a_role_is_told_so(client):
    sign_in(client, make_user(""))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "belum diberi peran" in response.content.decode()
