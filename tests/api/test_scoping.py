"""Scoping (docs/security.md #1): each role lists only its own rows; a foreign detail answers 404."""

import pytest

from dtks.accounts.models import Role

from .conftest import FAMILIES, NON_REGISTRY_ROLES, PERSONS, VILLAGE_A, VISIBLE

pytestmark = pytest.mark.django_db

REGISTRY_ROLES = sorted(VISIBLE)


def ids(response, key):
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


@pytest.mark.parametrize("role", REGISTRY_ROLES)
def test_lists_hold_exactly_the_rows_in_scope(registry, as_role, role):
    client = as_role(role)
    persons, families = VISIBLE[role]
    assert ids(client.get("/api/v1/orang/"), "person_id") == persons
    assert ids(client.get("/api/v1/keluarga/"), "family_id") == families


@pytest.mark.parametrize("role", REGISTRY_ROLES)
def test_detail_in_scope_200_foreign_404(registry, as_role, role):
    client = as_role(role)
    persons, families = VISIBLE[role]
    for pid in PERSONS:
        expected = 200 if pid in persons else 404
        assert client.get(f"/api/v1/orang/{pid}/").status_code == expected, (role, pid)
    for fid in FAMILIES:
        expected = 200 if fid in families else 404
        assert client.get(f"/api/v1/keluarga/{fid}/").status_code == expected, (role, fid)


@pytest.mark.parametrize("role", NON_REGISTRY_ROLES)
def test_roles_without_registry_work_get_403(registry, as_role, role):
    client = as_role(role)
    for url in ("/api/v1/orang/", "/api/v1/keluarga/", "/api/v1/orang/1/", "/api/v1/keluarga/10/"):
        response = client.get(url)
        assert response.status_code == 403, (role, url)
        assert set(response.json()) == {"detail", "errors"}
    assert client.post("/api/v1/orang/cari/", {"nik": "3371011505800001"}, format="json").status_code == 403


def test_unpublished_versions_are_invisible(registry, as_role):
    client = as_role(Role.MINISTRY_DATA_OFFICER)
    assert 99 not in ids(client.get("/api/v1/orang/"), "person_id")
    assert client.get("/api/v1/orang/99/").status_code == 404


def test_region_without_scope_sees_nothing(registry, as_role):
    # A village operator whose village was never set sees nothing, never everything.
    client = as_role(Role.VILLAGE_OPERATOR, region="")
    assert ids(client.get("/api/v1/orang/"), "person_id") == set()


@pytest.mark.parametrize(
    ("wilayah", "expected"),
    [
        (VILLAGE_A, {1, 2, 6}),
        ("33.71.01.1007", {3}),
        ("3371", {1, 2, 3, 6}),
        ("33", {1, 2, 3, 4, 6}),
        ("34", {5}),
        ("3404012001", {5}),
    ],
)
def test_wilayah_filter_narrows_within_scope(registry, as_role, wilayah, expected):
    client = as_role(Role.MINISTRY_DATA_OFFICER)
    assert ids(client.get("/api/v1/orang/", {"wilayah": wilayah}), "person_id") == expected


def test_wilayah_filter_never_widens_scope(registry, as_role):
    client = as_role(Role.VILLAGE_OPERATOR)
    assert ids(client.get("/api/v1/orang/", {"wilayah": "34"}), "person_id") == set()
    assert ids(client.get("/api/v1/keluarga/", {"wilayah": "3371"}), "family_id") == {10}


@pytest.mark.parametrize("bad", ["abc", "337", "33710110031", "3371\x00", "33;DROP"])
def test_bad_wilayah_is_400_with_field_error(registry, as_role, bad):
    response = as_role(Role.MINISTRY_DATA_OFFICER).get("/api/v1/orang/", {"wilayah": bad})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["wilayah"]


def test_family_detail_members_and_relationships(registry, as_role):
    body = as_role(Role.VILLAGE_OPERATOR).get("/api/v1/keluarga/10/").json()
    assert [(m["person_id"], m["hubungan_keluarga"]) for m in body["anggota"]] == [
        (1, "KEPALA KELUARGA"),
        (2, "ISTRI"),
    ]


def test_person_detail_family(registry, as_role):
    client = as_role(Role.VILLAGE_OPERATOR)
    assert client.get("/api/v1/orang/2/").json()["keluarga"] == {
        "family_id": 10,
        "hubungan_keluarga": "ISTRI",
    }
    assert client.get("/api/v1/orang/6/").json()["keluarga"] is None


def test_pages_follow_the_cursor(registry, as_role, settings):
    from dtks.api.pagination import PersonCursorPagination

    client = as_role(Role.MINISTRY_DATA_OFFICER)
    seen, url, pages = [], "/api/v1/orang/", 0
    original = PersonCursorPagination.page_size
    PersonCursorPagination.page_size = 2
    try:
        while url:
            body = client.get(url).json()
            seen += [row["person_id"] for row in body["results"]]
            url, pages = body["next"], pages + 1
        # and back again, from the last page
        back, url = [], body["previous"]
        while url:
            body = client.get(url).json()
            back = [row["person_id"] for row in body["results"]] + back
            url = body["previous"]
    finally:
        PersonCursorPagination.page_size = original
    # The list's order (the page's): region code, name, id.
    assert seen == [1, 6, 2, 3, 4, 5] and pages == 3
    assert back == [1, 6, 2, 3]


def test_a_cursor_never_widens_the_scope(registry, as_role):
    from dtks.registry.models import PersonVersion
    from dtks.registry.selectors import PERSON_ORDER

    client = as_role(Role.REGENCY_VERIFIER)
    for pid in (4, 5):  # another regency, another province: after the regency in the order
        cursor = PERSON_ORDER.cursor(PersonVersion.objects.current().get(person_id=pid))
        assert ids(client.get("/api/v1/orang/", {"cursor": cursor}), "person_id") == set()
    # and from before the regency: its own rows only
    cursor = PERSON_ORDER.cursor(PersonVersion(village_code="3300000000", nama="", person_id=0))
    assert (
        ids(client.get("/api/v1/orang/", {"cursor": cursor}), "person_id")
        == VISIBLE[Role.REGENCY_VERIFIER][0]
    )


@pytest.mark.parametrize(
    ("body", "role", "expected"),
    [
        ({"nik": "3371011505800001"}, Role.VILLAGE_OPERATOR, [1]),
        ({"nik": "3371 0115 0580 0001"}, Role.VILLAGE_OPERATOR, [1]),  # spaces are dropped
        ({"nik": "3371011505800001"}, Role.FIELD_OFFICER, []),  # out of scope: not found, no hint
        ({"no_kk": "3371011201100003"}, Role.REGENCY_VERIFIER, [1, 2]),
        ({"no_kk": "3371011201100003"}, Role.PROVINCE_OFFICER, [1, 2]),
        ({"no_kk": "3404011201100006"}, Role.PROVINCE_OFFICER, []),
        ({"no_kk": "3404011201100006"}, Role.MINISTRY_DATA_OFFICER, [5]),
    ],
)
def test_search_by_nik_or_kk_is_scoped(registry, as_role, body, role, expected):
    response = as_role(role).post("/api/v1/orang/cari/", body, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["person_id"] for r in results] == expected
    assert all("*" in r["nik"] for r in results)  # search results are a list: masked
