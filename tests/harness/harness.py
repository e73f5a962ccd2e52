"""The role × region runner: calls every route of routes.py as every role (and anonymously) against
objects in the caller's own village, a sibling village, another regency and another province, and
checks the answer docs/design.md §2 prescribes:

    public route                        → the route's `ok` (200 unless it says otherwise)
    anonymous, page                     → 302 to settings.LOGIN_URL?next=…
    anonymous, API                      → 401
    role not allowed (permission table) → 403
    allowed, object in scope            → the route's `ok`
    allowed, object out of scope        → 404 (lists and searches: 200 with 0 foreign rows)

Who is allowed comes from dtks.permissions.ROUTES, what is in scope from dtks.accounts.scope (through
World.sees), never from this file. Sessions of TOTP roles are TOTP-verified (the `otp_login` fixture),
so what is tested is the permission table and the scope, not the TOTP step (tests/accounts has it).
API routes run twice for signed-in callers: with the session and with an API token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.test import Client

from dtks.accounts.auth import otp_required_for
from dtks.accounts.models import Role
from dtks.permissions import PUBLIC, allowed, rule_for

from .routes import ROUTES, SESSION, TOKEN, Ctx, Route
from .world import RELATIONS, World

ANONYMOUS = "anonymous"
PRINCIPALS = (ANONYMOUS, *(role.value for role in Role))
ALL = "all"  # a list without a target: every world row is checked
NO_OBJECT = "-"

ROW_LINK = {
    "family": re.compile(r'href="/registri/keluarga/(\d+)/"'),
    "person": re.compile(r'href="/registri/orang/(\d+)/"'),
    "item": re.compile(r'href="/(?:usulan/(?:item|kementerian)|verval/usulan|penilaian/usulan)/(\d+)/"'),
    "musyawarah": re.compile(r'href="/usulan/musyawarah/(\d+)/"'),
    "submission": re.compile(r'href="/verval/pengajuan/(\d+)/"'),
    "prelist": re.compile(r'href="/verval/prelist/(\d+)/"'),
}
ROW_KEY = {
    "family": "family_id",
    "person": "person_id",
    "item": "id",
    "musyawarah": "id",
    "import": "id",
    "submission": "id",
    "prelist": "id",
}
REGISTRY_ROWS = ("family", "person")


@dataclass(frozen=True)
class Case:
    route: Route
    principal: str  # a role, or ANONYMOUS
    relation: str  # one of world.RELATIONS, ALL or NO_OBJECT
    channel: str = SESSION

    def __str__(self) -> str:
        parts = [self.route.id, self.principal, self.relation]
        if self.channel != SESSION:
            parts.append(self.channel)
        return "-".join(parts)


def cases(routes: tuple[Route, ...] = ROUTES) -> list[Case]:
    out = []
    for route in routes:
        relations = RELATIONS if route.target else (ALL,) if route.rows else (NO_OBJECT,)
        channels = (SESSION, TOKEN) if route.is_api else (SESSION,)
        for principal in PRINCIPALS:
            for channel in channels:
                if channel == TOKEN and principal == ANONYMOUS:
                    continue  # anonymous has no token; the session channel covers it
                out.extend(Case(route, principal, relation, channel) for relation in relations)
    return out


@dataclass(frozen=True)
class Expected:
    status: int
    why: str
    login_redirect: bool = False


def expected(case: Case, ctx: Ctx) -> Expected:
    route, user = case.route, ctx.user
    rule = rule_for(route.name)
    if rule is None:
        return Expected(403, "not in the permission table (deny by default)")
    if rule == PUBLIC:
        return Expected(route.ok_status(ctx), "public route")
    if user is None:
        if route.is_api:
            return Expected(401, "anonymous API call")
        return Expected(302, "anonymous page: login redirect", login_redirect=True)
    if not allowed(user, rule):
        return Expected(403, f"role {user.role} not in the permission table's entry")
    if route.target and not route.rows and not ctx.world.sees(user, ctx.target.village):
        return Expected(404, f"object in {ctx.target.village}, outside the scope of {user.username}")
    return Expected(route.ok_status(ctx), "allowed")


def listed_ids(response, route: Route) -> set[int]:
    if route.is_api:
        rows = response.json()["results"]
        if route.nested:
            rows = [row for group in rows for row in group[route.nested]]
        return {row[ROW_KEY[route.rows]] for row in rows}
    return {int(i) for i in ROW_LINK[route.rows].findall(response.content.decode())}


def sign_in(world: World, otp_login) -> None:
    """One session per home user, made once with the world (a test that ends or rotates its session
    is rolled back with it): TOTP roles through `otp_login` (tests/conftest.py), so the session is
    TOTP-verified; the other roles plainly signed in, as after their password."""
    for role in Role:
        user = world.actor(role)
        client = Client()
        if otp_required_for(user):
            otp_login(client, user)
        else:
            client.force_login(user)
        world.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value


def context_for(case: Case, world: World) -> tuple[Client, Ctx]:
    user = None if case.principal == ANONYMOUS else world.actor(case.principal)
    target = world.target(case.relation) if case.relation in RELATIONS else None
    if case.channel == TOKEN:
        client = Client(headers={"Authorization": f"Token {world.tokens[user.pk]}"})
    else:
        client = Client()
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    verified = case.channel == SESSION and user is not None and otp_required_for(user)
    return client, Ctx(world, user, target, case.channel, verified)


def check(case: Case, world: World) -> None:
    """Runs one case and asserts its status, and for lists 0 foreign rows."""
    client, ctx = context_for(case, world)
    route = case.route
    path = route.path(ctx)
    response = getattr(client, route.method.lower())(path, **route.encoded(ctx))
    want = expected(case, ctx)
    where = f"{route.method} {path} as {ctx.user.username if ctx.user else 'anonymous'} ({case.channel})"
    body = response.content[:300].decode(errors="replace") if response.status_code != want.status else ""
    assert response.status_code == want.status, (
        f"{where}: {response.status_code}, expected {want.status} ({want.why}) {body}"
    )
    if want.login_redirect:
        assert response["Location"].startswith(f"{settings.LOGIN_URL}?next="), where
    if route.is_api and response.status_code >= 400:
        assert set(response.json()) == {"detail", "errors"}, f"{where}: not the API's error format"
    if route.rows and response.status_code == 200:
        check_rows(route, ctx, listed_ids(response, route), where)


def check_rows(route: Route, ctx: Ctx, ids: set[int], where: str) -> None:
    world, user = ctx.world, ctx.user
    if route.rows not in REGISTRY_ROWS:
        # Stage 1's rows: the world's rows of the kinds this list shows (world.proposal_rows).
        ours = ids & world.proposal_ids(route.row_kinds)
        visible = world.visible_proposal_ids(user, route.row_kinds)
        assert ours <= visible, f"{where}: foreign {route.rows} rows {sorted(ours - visible)}"
        assert ctx.target is not None or ours == visible, (
            f"{where}: missing {route.rows} rows in scope {sorted(visible - ours)}"
        )
        return
    if route.rows == "family":
        ours, visible = ids & world.family_ids, world.visible_family_ids(user)
    else:
        ours, visible = ids & world.person_ids, world.visible_person_ids(user)
    assert ours <= visible, f"{where}: foreign {route.rows} rows {sorted(ours - visible)}"
    if ctx.target is None:
        assert ours == visible, f"{where}: missing {route.rows} rows in scope {sorted(visible - ours)}"
        return
    wanted = route.target_ids(ctx.target)
    if world.sees(user, ctx.target.village):
        assert wanted <= ids, f"{where}: the target in scope is missing ({sorted(wanted - ids)})"
    else:
        assert not wanted & ids, f"{where}: a target outside the scope was listed"
