"""The person-list benchmark's own path at a tiny size (no timing asserted): the set-based fill (the
regency's share exactly, the indexes rebuilt), and the first and a deep page through the selector, the
bare SQL floor and the page's GET — the same rows, both pages read as a range of the list's index."""

import pytest
from django.db import connection

from benchmarks.bench_person_list import fill, measure
from benchmarks.bench_verval_queue import regency_of
from dtks.registry.models import MembershipVersion, PersonVersion

pytestmark = pytest.mark.django_db


def test_the_floor_returns_the_same_pages_as_the_list():
    with connection.cursor() as cur:
        regency = regency_of(cur)
        n = fill(cur, persons=3000, regency_persons=1200, regency=regency)
        cur.execute("ANALYZE registry_personversion")
        cur.execute("ANALYZE registry_membershipversion")
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_personversion'")
        indexes = {r[0] for r in cur.fetchall()}
    assert n["persons"] == 3000 and 2900 < n["memberships"] < 3000
    assert {"reg_person_list", "reg_person_village", "reg_person_pid", "reg_person_nik"} <= indexes
    assert PersonVersion.objects.current().filter(village_code__startswith=regency).count() == 1200
    assert MembershipVersion.objects.current().count() == n["memberships"]
    m = measure(regency=regency, page=10, repeat=1)
    assert m["deep"] == 10 and m["in_regency"] == 1200 and m["rows"] == 50
    assert m["same"] == {1: True, 10: True}
    for n_page in (1, 10):
        ours, floor = m["plans"][n_page]
        assert "Limit" in ours and "Limit" in floor
    assert "ROW(" in m["plans"][10][0] and "ROW(" in m["plans"][10][1]
