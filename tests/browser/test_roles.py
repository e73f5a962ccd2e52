"""Issue 3's "done means", in Debian's Chromium at 360 px: a village operator, a regency verifier, a
province officer and a ministry data officer each sign in (typing a real TOTP code where the role
needs one), land on their dashboard and see only the families of their scope; a QA assessor and a
data requester see no registry (no link, 403). Screenshots: /tmp/role-<role>.png (the families list,
or the dashboard for roles without the registry) and /tmp/role-<role>-dasbor.png.

The users and registry rows are the role × region harness's world (tests/harness/world.py): a
family headed by "Budi <surname>" in each of eight villages over two provinces. The demo TOTP skip is
off (test settings), so the TOTP roles go through the real verification step.
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import Role
from dtks.accounts.scope import TOTP_ROLES
from dtks.core.dashboards import ROLE_TITLES
from tests.accounts.helpers import token_for
from tests.harness.world import (
    ALL_VILLAGES,
    OTHER_PROVINCE,
    PASSWORD,
    RELATION_VILLAGE,
    SURNAMES,
    build_world,
)
from tests.pages.dashboard import DashboardPage
from tests.pages.login import LoginPage, OtpVerifyPage
from tests.pages.registry import FamiliesPage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# What each role's home user (tests/harness/world.py) must see: the scope line of its dashboard and
# the villages whose families it lists — written out here, not derived from dtks.accounts.scope.
REGISTRY_SCOPE = {
    Role.VILLAGE_OPERATOR: ("Rejowinangun Selatan, Magelang Selatan, Kota Magelang, Jawa Tengah", 1),
    Role.REGENCY_VERIFIER: ("Kota Magelang, Jawa Tengah", 2),
    Role.PROVINCE_OFFICER: ("Jawa Tengah", 4),
    Role.MINISTRY_DATA_OFFICER: ("seluruh Indonesia", 8),
}
NO_REGISTRY = (Role.QA_ASSESSOR, Role.DATA_REQUESTER)


def head(village: str) -> str:
    return f"Budi {SURNAMES[village]}"


def sign_in(page, base_url, user) -> DashboardPage:
    landed = LoginPage(page, base_url).open().sign_in(user.username, PASSWORD)
    if user.role in TOTP_ROLES:
        assert isinstance(landed, OtpVerifyPage), page.url
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        landed = landed.verify(token_for(device))  # computed like the user's authenticator app
    assert isinstance(landed, DashboardPage), page.url
    return landed


@pytest.mark.parametrize("role", list(REGISTRY_SCOPE))
def test_registry_role_sees_its_dashboard_and_only_its_scope(role, page, base_url, outside_requests):
    world = build_world()
    user = world.actor(role)
    scope, villages_seen = REGISTRY_SCOPE[role]
    seen = ALL_VILLAGES[:villages_seen] if villages_seen < 8 else ALL_VILLAGES
    # ALL_VILLAGES is ordered own, sibling, other regency (2), other province (4).
    assert set(seen) == {v for v in ALL_VILLAGES if world.sees(user, v)}

    dashboard = sign_in(page, base_url, user)
    assert dashboard.heading() == "Dasbor"
    assert dashboard.role_title() == ROLE_TITLES[role]
    assert f"Cakupan: {scope}" in dashboard.scope()
    counts = dashboard.registry_counts()
    assert (counts["keluarga"], counts["orang"]) == (villages_seen, 4 * villages_seen)
    assert dashboard.has_registry_link()
    assert not dashboard.has_horizontal_scroll()
    page.screenshot(path=f"/tmp/role-{role}-dasbor.png", full_page=True)

    families = dashboard.open_registry()
    assert families.heading() == "Registri: keluarga"
    names = families.row_names()
    assert sorted(names) == sorted(head(v) for v in seen)
    for village in set(ALL_VILLAGES) - set(seen):
        assert head(village) not in names
    assert not families.has_horizontal_scroll()
    page.screenshot(path=f"/tmp/role-{role}.png", full_page=True)

    # The KK of a family in the other province: found only by the national role, never echoed.
    other = world.households[RELATION_VILLAGE[OTHER_PROVINCE]]
    families.search_number(other.no_kk)
    assert families.row_names() == ([head(other.village)] if villages_seen == 8 else [])
    assert other.no_kk not in page.url and other.no_kk not in page.content()
    assert outside_requests == []


@pytest.mark.parametrize("role", NO_REGISTRY)
def test_role_without_registry_sees_no_registry(role, page, base_url, outside_requests):
    world = build_world()
    dashboard = sign_in(page, base_url, world.actor(role))
    assert dashboard.role_title() == ROLE_TITLES[role]
    assert dashboard.registry_counts() == {}
    assert not dashboard.has_registry_link()
    assert "Registri" not in dashboard.nav_links()
    assert "Budi" not in page.content()
    assert not dashboard.has_horizontal_scroll()
    page.screenshot(path=f"/tmp/role-{role}.png", full_page=True)

    FamiliesPage(page, base_url).open_expecting(403)
    assert "Akses ditolak" in page.content()
    assert "Budi" not in page.content()
    assert outside_requests == []
