"""The role × region harness (docs/security.md #1, #3): every route × every role (and anonymous) ×
{own, sibling village, other regency, other province}, and the checks that keep it complete.

A route in the URL resolver or an operation in the OpenAPI schema that routes.py does not list
fails `test_every_route_is_in_the_harness` / `test_every_api_operation_is_in_the_harness`.
"""

import re

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from dtks.accounts.models import Role
from dtks.accounts.scope import REGISTRY_ROLES
from tests.core.test_permission_table import view_names

from .harness import ANONYMOUS, PRINCIPALS, Case, cases, check
from .routes import ROUTES, SESSION, TOKEN, Ctx
from .world import (
    ALL_VILLAGES,
    HOME_VILLAGE,
    OTHER_REGENCY,
    OWN,
    RELATIONS,
    SIBLING_VILLAGE,
)

pytestmark = pytest.mark.django_db

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_route(case: Case, world):
    check(case, world)


# --- completeness ---------------------------------------------------------------------------------


def resolver_routes() -> set[str]:
    return set(view_names())


def test_every_route_is_in_the_harness():
    missing = sorted(resolver_routes() - {r.name for r in ROUTES})
    assert missing == [], "add these routes to tests/harness/routes.py (see tests/harness/README.md)"


def test_every_harness_route_is_a_real_route():
    assert sorted({r.name for r in ROUTES} - resolver_routes()) == []


def api_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(path, method.upper()) for path, item in schema["paths"].items() for method in item]


def test_every_api_operation_is_in_the_harness():
    operations = api_operations()
    assert len(operations) >= 8
    listed = {(r.name, r.method) for r in ROUTES}
    missing = []
    for path, method in operations:
        name = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
        if (name, method) not in listed:
            missing.append(f"{method} {path} ({name})")
    assert missing == []


def resolved_name(path: str) -> str:
    """The name the resolver walk gives the pattern `path` resolves to (unnamed ones included)."""
    match = resolve(path.split("?")[0])
    namespace = ":".join(match.namespaces)
    prefix = f"{namespace}:" if namespace else ""
    if match.url_name:
        return prefix + match.url_name
    unnamed = [n for n in resolver_routes() if n.startswith(f"{prefix}<unnamed ")]
    local = [n for n in unnamed if match.route.endswith(n[len(prefix) + len("<unnamed ") : -1])]
    return max(local, key=len) if local else f"{prefix}<unnamed {match.route}>"


def test_every_entry_calls_the_route_it_names(world):
    wrong = []
    for route in ROUTES:
        ctx = Ctx(world, None, world.target(OWN) if route.target else None)
        name = resolved_name(route.path(ctx))
        if name != route.name:
            wrong.append(f"{route.id}: {route.path(ctx)} resolves to {name}")
    assert wrong == []


def test_cases_cover_every_route_role_and_relation():
    seen = {(c.route.id, c.principal) for c in CASES}
    assert seen == {(r.id, p) for r in ROUTES for p in PRINCIPALS}
    for route in ROUTES:
        if route.target:
            relations = {c.relation for c in CASES if c.route is route and c.channel == SESSION}
            assert relations == set(RELATIONS), route.id
        if route.is_api:
            assert any(c.route is route and c.channel == TOKEN for c in CASES), route.id


# --- the world itself -----------------------------------------------------------------------------

# docs/design.md §2 written out for the home users: which relations each role sees (independent of
# dtks.accounts.scope, which the harness uses for its expectations).
SEEN_RELATIONS = {
    Role.VILLAGE_OPERATOR: {OWN},
    Role.FIELD_OFFICER: {OWN},
    Role.REGENCY_VERIFIER: {OWN, SIBLING_VILLAGE},
    Role.REGENCY_SUPERVISOR: {OWN, SIBLING_VILLAGE},
    Role.PROVINCE_OFFICER: {OWN, SIBLING_VILLAGE, OTHER_REGENCY},
    Role.MINISTRY_DATA_OFFICER: set(RELATIONS),
}


@pytest.mark.parametrize("role", list(Role))
def test_home_users_see_what_design_says(world, role):
    user = world.actor(role)
    seen = {rel for rel in RELATIONS if world.sees(user, world.target(rel).village)}
    assert seen == SEEN_RELATIONS.get(role, set())
    assert (role in REGISTRY_ROLES) == (role in SEEN_RELATIONS)


# Villages in scope per level of the region a user holds (8 villages in the world).
VILLAGES_SEEN = {10: 1, 4: 2, 2: 4}


def test_every_user_at_every_level_lists_exactly_its_scope(world):
    """Every user of the world (not only the home ones), through the API with a token: lists hold
    exactly the rows of the villages in its scope; roles outside the registry get 403."""
    from django.test import Client

    assert len(world.users) == 8 * 2 + 4 * 2 + 2 + 8, (
        "village/field × 8, regency × 2 × 4, province × 2, national"
    )
    for (role, region), user in world.users.items():
        client = Client(headers={"Authorization": f"Token {world.tokens[user.pk]}"})
        families = client.get("/api/v1/keluarga/")
        persons = client.get("/api/v1/orang/")
        if role not in REGISTRY_ROLES:
            assert (families.status_code, persons.status_code) == (403, 403), user.username
            continue
        villages = [v for v in ALL_VILLAGES if v.startswith(region)] if region else list(ALL_VILLAGES)
        assert len(villages) == VILLAGES_SEEN.get(len(region), 8)
        want_families = {world.households[v].family_id for v in villages}
        want_persons = {p for v in villages for p in world.households[v].person_ids}
        got_families = {r["family_id"] for r in families.json()["results"]} & world.family_ids
        got_persons = {r["person_id"] for r in persons.json()["results"]} & world.person_ids
        assert (got_families, got_persons) == (want_families, want_persons), user.username


def test_home_is_the_first_village():
    assert ALL_VILLAGES[0] == HOME_VILLAGE
    assert ANONYMOUS in PRINCIPALS
