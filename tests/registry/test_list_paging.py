"""The person and family lists' keyset paging (issue 14): every row of the scope exactly once, in the
list's order, forward and back; the same queries on the first page and a deep one; a cursor never
widens the scope; and the order is the one its index serves (no sort, no scan of the registry)."""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.registry.models import PersonVersion
from dtks.registry.selectors import PERSON_ORDER

from .test_pages import (
    FAMILIES,
    OTHER_PROVINCE,
    OTHER_REGENCY,
    PERSONS,
    VILLAGE_A,
    VILLAGE_B,
    World,
    build_world,
    count_queries,
    make_user,
    sign_in,
)

pytestmark = pytest.mark.django_db

# Names that test the order: ties broken by the id, case, spaces, apostrophes, letters beyond ASCII.
NAMES = ["Budi", "budi", "Budi ", "Ni Luh", "NI LUH", "Ma'ruf", "Ènda", "Zainal", "Ade", "Budi"]


@pytest.fixture
def world() -> World:
    """The pages' world and 150 more persons in the two villages of regency 3371."""
    w = build_world()
    PersonVersion.objects.bulk_create(
        PersonVersion(
            batch_id=w.batch_id,
            valid_from="2026-10-01",
            published=True,
            person_id=5000 + n,
            nama=f"{NAMES[n % len(NAMES)]} {n // 40}" if n % 3 else NAMES[n % len(NAMES)],
            village_code=VILLAGE_A if n % 2 else VILLAGE_B,
        )
        for n in range(150)
    )
    return w


def expected(prefix: str) -> list[int]:
    """The order as the database sorts it by its own collation (village codes are digits: the same in
    every collation), independent of the keyset's expressions."""
    rows = PersonVersion.objects.current().filter(village_code__startswith=prefix)
    return list(rows.order_by("village_code", "nama", "person_id").values_list("person_id", flat=True))


def walk(client, url: str, data: dict) -> tuple[list[int], list[int], int]:
    """(ids forward, ids back from the last page, pages) following the pages' own links."""
    forward, pages, response = [], 0, client.get(url, data)
    while True:
        page = response.context["page"]
        forward += [r.person_id for r in page.rows]
        pages += 1
        if not page.next_cursor:
            break
        response = client.get(url, {**data, "cursor": page.next_cursor})
    back = []
    while True:
        page = response.context["page"]
        back = [r.person_id for r in page.rows] + back
        if not page.previous_cursor:
            break
        response = client.get(url, {**data, "cursor": page.previous_cursor})
    return forward, back, pages


@pytest.mark.parametrize(
    ("role", "region", "data", "prefix"),
    [
        (Role.REGENCY_VERIFIER, "3371", {}, "3371"),
        (Role.PROVINCE_OFFICER, "33", {"wilayah": VILLAGE_A}, VILLAGE_A),
        (Role.MINISTRY_DATA_OFFICER, "", {}, ""),
    ],
)
def test_every_row_once_in_the_list_order_both_ways(client, world, role, region, data, prefix):
    sign_in(client, make_user(role, region))
    forward, back, pages = walk(client, PERSONS, data)
    assert forward == expected(prefix) and back == forward
    assert pages == -(-len(forward) // 50) and pages > 1


def test_name_filter_pages_in_the_same_order(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    forward, back, _pages = walk(client, PERSONS, {"q": "budi"})
    want = [
        pid for pid in expected("3371") if "budi" in PersonVersion.objects.get(person_id=pid).nama.lower()
    ]
    assert forward == want and back == want and len(want) > 50


def test_a_deep_page_costs_the_queries_of_the_first(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    client.get(PERSONS)  # warm-up: the session's first-request bookkeeping
    first = count_queries(client, "get", PERSONS, {})
    cursor = client.get(PERSONS).context["page"].next_cursor
    cursor = client.get(PERSONS, {"cursor": cursor}).context["page"].next_cursor
    assert count_queries(client, "get", PERSONS, {"cursor": cursor}) == first


def test_a_cursor_never_widens_the_scope(client, world):
    """A cursor names a key, not a row: one made from another province's row only positions the page
    inside the user's scope."""
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    for village in (OTHER_REGENCY, OTHER_PROVINCE):  # before and after the regency in the order
        foreign = PersonVersion.objects.current().filter(village_code=village).first()
        response = client.get(PERSONS, {"cursor": PERSON_ORDER.cursor(foreign)})
        assert response.status_code == 200
        assert {r.village_code for r in response.context["rows"]} <= {VILLAGE_A, VILLAGE_B}
        assert world[village].head_name not in response.content.decode()


def encoded(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


BAD_CURSORS = [
    "x",
    "ö",
    "A" * 2000,
    encoded({"p": 2}),
    encoded([">", VILLAGE_A, "Budi"]),  # a value short
    encoded(["?", VILLAGE_A, "Budi", 1]),  # no direction
    encoded([">", VILLAGE_A + "1", "Budi", 1]),  # longer than the column
    encoded([">", VILLAGE_A, "B" * 151, 1]),
    encoded([">", VILLAGE_A, "Bu\x00di", 1]),  # NUL: PostgreSQL refuses it in text
    encoded([">", VILLAGE_A, "Bu\ud800di", 1]),  # a lone surrogate: not UTF-8
    encoded([">", VILLAGE_A, "Budi", 2**63]),  # beyond bigint
    encoded([">", VILLAGE_A, "Budi", True]),
    encoded([">", VILLAGE_A, "Budi", 1.5]),
    encoded([">", VILLAGE_A, ["Budi"], 1]),
    encoded([">", VILLAGE_A, None, 1]),
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_shows_the_first_page_and_says_so(client, world, cursor):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    for url in (PERSONS, FAMILIES):
        response = client.get(url, {"cursor": cursor})
        assert response.status_code == 200 and response.context["page"].bad_cursor
        assert "Tautan halaman tidak valid" in response.content.decode()
        first = client.get(url).context["rows"]
        assert [r.pk for r in response.context["rows"]] == [r.pk for r in first]


def plan_of_the_page(client, data: dict) -> str:
    """EXPLAIN of the page's own query (captured from a GET), with sorts and sequential scans priced
    out: what the planner can do with the indexes, whatever the statistics of a tiny test table."""
    with CaptureQueriesContext(connection) as ctx:
        client.get(PERSONS, data)
    sql = next(
        q["sql"]
        for q in ctx.captured_queries
        if 'FROM "registry_personversion"' in q["sql"] and "LIMIT 51" in q["sql"]
    )
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("EXPLAIN " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def test_the_page_is_a_range_of_its_index(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    first = plan_of_the_page(client, {})
    cursor = client.get(PERSONS).context["page"].next_cursor
    deep = plan_of_the_page(client, {"cursor": cursor})
    for plan in (first, deep):
        assert "reg_person_list" in plan and "Sort" not in plan, plan
    assert "ROW(" in deep  # the cursor is an index condition, not a filter over the rows before it
