import pytest

from dtks.accounts.models import AssignedVillage, Role, User
from dtks.registry.masking import mask_id
from dtks.registry.selectors import families_visible_to, family_members, persons_visible_to

from .factories import batch, family, member, person

pytestmark = pytest.mark.django_db

VILLAGE_A, VILLAGE_B = "3371011003", "3371011007"  # two villages of Magelang Selatan
OTHER_REGENCY = "3404012001"  # Sleman (DIY): another province too


def user(role, region="", **kw):
    return User.objects.create_user(
        f"{role}-{region}-{User.objects.count()}", role=role, region_code=region, **kw
    )


@pytest.fixture
def registry():
    b = batch()
    for pid, village in ((1, VILLAGE_A), (2, VILLAGE_B), (3, OTHER_REGENCY)):
        person(b, person_id=pid, village_code=village, nama=f"P{pid}")
    family(b, family_id=10, no_kk="3371011201100003")
    member(b, family_id=10, person_id=1, hubungan_keluarga="KEPALA KELUARGA")
    person(b, person_id=9, village_code=VILLAGE_A, nama="draft", published=False)


def names(qs):
    return sorted(qs.values_list("nama", flat=True))


@pytest.mark.parametrize(
    ("role", "region", "expected"),
    [
        (Role.VILLAGE_OPERATOR, VILLAGE_A, ["P1"]),
        (Role.REGENCY_VERIFIER, "3371", ["P1", "P2"]),
        (Role.PROVINCE_OFFICER, "34", ["P3"]),
        (Role.MINISTRY_DATA_OFFICER, "", ["P1", "P2", "P3"]),
        (Role.QA_ASSESSOR, "", []),
        (Role.DATA_REQUESTER, "", []),
        (Role.ADMIN, "", []),  # administrators do not read the registry by default
        (Role.VILLAGE_OPERATOR, "", []),  # no region: nothing, never everything
        (Role.REGENCY_VERIFIER, "33", []),  # a region of the wrong length: nothing
    ],
)
def test_scope_by_role(registry, role, region, expected):
    assert names(persons_visible_to(user=user(role, region))) == expected


def test_field_officer_sees_assigned_villages(registry):
    officer = user(Role.FIELD_OFFICER)
    assert names(persons_visible_to(user=officer)) == []
    AssignedVillage.objects.create(user=officer, village_code=VILLAGE_B)
    assert names(persons_visible_to(user=officer)) == ["P2"]


def test_inactive_and_anonymous_see_nothing(registry):
    from django.contrib.auth.models import AnonymousUser

    assert names(persons_visible_to(user=user(Role.MINISTRY_DATA_OFFICER, is_active=False))) == []
    assert names(persons_visible_to(user=AnonymousUser())) == []


def test_family_members_only_in_scope(registry):
    assert names(family_members(user=user(Role.VILLAGE_OPERATOR, VILLAGE_A), family_id=10)) == ["P1"]
    assert names(family_members(user=user(Role.VILLAGE_OPERATOR, VILLAGE_B), family_id=10)) == []
    assert families_visible_to(user=user(Role.PROVINCE_OFFICER, "34")).count() == 0


def test_regency_scope_uses_a_region_index(registry):
    from django.db import connection

    qs = persons_visible_to(user=user(Role.REGENCY_VERIFIER, "3371"))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    # The region index, or the list's (its region code in collation "C" answers the prefix too).
    assert "reg_person_village" in plan or "reg_person_list" in plan, plan
    assert "Seq Scan" not in plan


def test_mask_id():
    assert mask_id("3371011505800001") == "3371**********01"
    assert mask_id("") == "" and mask_id(None) == ""
