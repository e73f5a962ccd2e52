"""Lists cost the same number of queries for 5 rows or 50 (docs/conventions.md rule 7)."""

import pytest

from dtks.accounts.models import Role
from dtks.registry.models import FamilyVersion, PersonVersion

pytestmark = pytest.mark.django_db


def grow(registry, n):
    PersonVersion.objects.bulk_create(
        PersonVersion(
            batch=registry,
            valid_from=registry.period,
            published=True,
            person_id=1000 + i,
            nik=f"33710110109{i:05d}",
            nama=f"P{i}",
            village_code="3371011003",
        )
        for i in range(n)
    )
    FamilyVersion.objects.bulk_create(
        FamilyVersion(
            batch=registry,
            valid_from=registry.period,
            published=True,
            family_id=1000 + i,
            no_kk=f"33710112011{i:05d}",
            village_code="3371011003",
        )
        for i in range(n)
    )


@pytest.mark.parametrize("url", ["/api/v1/orang/", "/api/v1/keluarga/"])
def test_list_query_count_is_constant(registry, as_role, django_assert_max_num_queries, url):
    client = as_role(Role.REGENCY_VERIFIER)
    # token lookup (with its user) + the page itself
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200
    grow(registry, 60)
    with django_assert_max_num_queries(2):
        assert len(client.get(url).json()["results"]) == 50


def test_field_officer_list_scopes_in_the_same_query(registry, as_role, django_assert_max_num_queries):
    client = as_role(Role.FIELD_OFFICER)  # assigned villages are a subquery, not a second query
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/orang/").status_code == 200


def test_detail_query_counts(registry, as_role, django_assert_max_num_queries):
    client = as_role(Role.VILLAGE_OPERATOR)
    # token, person (+ membership subqueries), audit insert
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/orang/1/").status_code == 200
    # token, family, the selector's scope check, members, audit insert
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/keluarga/10/").status_code == 200
