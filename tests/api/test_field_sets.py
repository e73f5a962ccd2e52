"""Minimum disclosure (docs/security.md #2): the exact field set of every role on every endpoint, NIK/KK
masked in lists, full on details only for entitled roles, and one audit row per full view."""

import pytest

from dtks.accounts.models import Role
from dtks.accounts.scope import FULL_NIK_ROLES, REGISTRY_ROLES
from dtks.api import serializers
from dtks.audit.models import AuditEvent

from .conftest import KK_A, NIK_1, VISIBLE

pytestmark = pytest.mark.django_db

PERSON_LIST = {"person_id", "nik", "nama", "jenis_kelamin", "kode_wilayah", "rt", "rw"}
FAMILY_LIST = {"family_id", "no_kk", "kode_wilayah", "rt", "rw", "alamat"}
PERSON_DETAIL_OVERSIGHT = {
    "person_id",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "kode_wilayah",
    "rt",
    "rw",
    "alamat",
    "kategori",
    "kriteria",
    "program",
    "keluarga",
}
PERSON_DETAIL_FULL = PERSON_DETAIL_OVERSIGHT | {"disabilitas"}
FAMILY_DETAIL = {
    "family_id",
    "no_kk",
    "kode_wilayah",
    "rt",
    "rw",
    "alamat",
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
    "anggota",
}
FAMILY_MEMBER = {
    "person_id",
    "nik",
    "nama",
    "hubungan_keluarga",
    "jenis_kelamin",
    "tanggal_lahir",
    "status_perkawinan",
}

# The decision, role by role (docs/api.md): oversight (province) sees no disability data.
EXPECTED_PERSON_DETAIL = {
    Role.VILLAGE_OPERATOR: PERSON_DETAIL_FULL,
    Role.FIELD_OFFICER: PERSON_DETAIL_FULL,
    Role.REGENCY_VERIFIER: PERSON_DETAIL_FULL,
    Role.REGENCY_SUPERVISOR: PERSON_DETAIL_FULL,
    Role.PROVINCE_OFFICER: PERSON_DETAIL_OVERSIGHT,
    Role.MINISTRY_DATA_OFFICER: PERSON_DETAIL_FULL,
}
# A person and a family each role can see (field officers only have village B).
SAMPLE = {role: (3, 20) if role == Role.FIELD_OFFICER else (1, 10) for role in VISIBLE}


def test_every_registry_role_has_its_field_sets_decided():
    assert set(serializers.PERSON_DETAIL_BY_ROLE) == set(REGISTRY_ROLES) == set(EXPECTED_PERSON_DETAIL)
    assert set(serializers.FAMILY_DETAIL_BY_ROLE) == set(REGISTRY_ROLES)


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_list_field_sets_and_masking(registry, as_role, role):
    client = as_role(role)
    persons = client.get("/api/v1/orang/").json()["results"]
    families = client.get("/api/v1/keluarga/").json()["results"]
    assert persons and families
    for row in persons:
        assert set(row) == PERSON_LIST
        assert row["nik"][:4] + "**********" == row["nik"][:14] and len(row["nik"]) == 16
    for row in families:
        assert set(row) == FAMILY_LIST
        assert row["no_kk"][4:14] == "*" * 10


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_person_detail_field_set_per_role(registry, as_role, role):
    person_id, _ = SAMPLE[role]
    body = as_role(role).get(f"/api/v1/orang/{person_id}/").json()
    assert set(body) == EXPECTED_PERSON_DETAIL[role]
    assert ("*" in body["nik"]) is (role not in FULL_NIK_ROLES)


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_family_detail_field_set_per_role(registry, as_role, role):
    _, family_id = SAMPLE[role]
    body = as_role(role).get(f"/api/v1/keluarga/{family_id}/").json()
    assert set(body) == FAMILY_DETAIL
    assert body["anggota"] and all(set(m) == FAMILY_MEMBER for m in body["anggota"])
    assert ("*" in body["no_kk"]) is (role not in FULL_NIK_ROLES)


def test_full_values_on_detail(registry, as_role):
    client = as_role(Role.VILLAGE_OPERATOR)
    assert client.get("/api/v1/orang/1/").json()["nik"] == NIK_1
    family = client.get("/api/v1/keluarga/10/").json()
    assert family["no_kk"] == KK_A
    assert family["anggota"][0]["nik"] == NIK_1
    assert client.get("/api/v1/orang/1/").json()["disabilitas"] == ["FISIK"]


def test_detail_masks_when_the_role_is_not_entitled(registry, as_role, monkeypatch):
    # FULL_NIK_ROLES is the one switch: a registry role taken out of it gets masked details, unlogged.
    monkeypatch.setattr("dtks.api.apis.FULL_NIK_ROLES", FULL_NIK_ROLES - {Role.PROVINCE_OFFICER})
    client = as_role(Role.PROVINCE_OFFICER)
    before = AuditEvent.objects.filter(action="registry.view_full").count()
    assert client.get("/api/v1/orang/1/").json()["nik"] == "3371**********01"
    family = client.get("/api/v1/keluarga/10/").json()
    assert family["no_kk"] == "3371**********03" and family["anggota"][0]["nik"] == "3371**********01"
    assert AuditEvent.objects.filter(action="registry.view_full").count() == before


def test_one_audit_row_per_full_view(registry, make_user):
    from .conftest import token_client

    user = make_user(Role.PROVINCE_OFFICER)
    client = token_client(user)
    full_views = AuditEvent.objects.filter(action="registry.view_full")
    client.get("/api/v1/orang/")
    client.get("/api/v1/keluarga/")
    client.post("/api/v1/orang/cari/", {"nik": NIK_1}, format="json")
    assert full_views.count() == 0  # lists and searches are masked: nothing to log

    client.get("/api/v1/orang/1/", REMOTE_ADDR="10.1.2.3")
    client.get("/api/v1/keluarga/10/")
    client.get("/api/v1/orang/5/")  # out of scope: 404, nothing shown, nothing logged
    events = list(full_views.order_by("id"))
    assert [(e.object_type, e.object_id, e.subject_person_id) for e in events] == [
        ("registry.person", "1", 1),
        ("registry.family", "10", None),
    ]
    person_view, family_view = events
    assert (
        person_view.actor == user and person_view.ip == "10.1.2.3" and person_view.region_code == "3371011003"
    )
    assert family_view.detail == {"channel": "api", "person_ids": [1, 2]}
    assert NIK_1 not in str(person_view.detail) and NIK_1 not in person_view.object_id
