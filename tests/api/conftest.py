"""Registry rows in two provinces × regencies × villages, users of every role, and API clients.

Layout (person ids; families in brackets):
  3371011003 village A (Kota Magelang, Jawa Tengah): [10] 1 head, 2 wife; 6 outside any family
  3371011007 village B, sibling of A:                [20] 3
  3372011001 Kota Surakarta, Jawa Tengah:            [30] 4
  3404012001 Sleman, DI Yogyakarta:                  [40] 5
"""

from datetime import date

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from dtks.accounts.models import AssignedVillage, Role, User
from dtks.api.services import api_token_issue
from dtks.registry.models import FamilyVersion, MembershipVersion, PersonVersion
from tests.registry.factories import batch

VILLAGE_A, VILLAGE_B = "3371011003", "3371011007"
OTHER_REGENCY = "3372011001"
OTHER_PROVINCE = "3404012001"

NIK_1 = "3371011505800001"  # man, 15-05-80
NIK_2 = "3371015505850002"  # woman, 15-05-85 (+40)
KK_A = "3371011201100003"
KK_B = "3371011201100004"
KK_C = "3372011201100005"
KK_D = "3404011201100006"

PERSONS = {
    1: (VILLAGE_A, NIK_1, "Budi Santoso", "L", ["FISIK"]),
    2: (VILLAGE_A, NIK_2, "Siti Aminah", "P", []),
    3: (VILLAGE_B, "3371011010900003", "Agus Wibowo", "L", []),
    4: (OTHER_REGENCY, "3372011010900004", "Dewi Lestari", "P", []),
    5: (OTHER_PROVINCE, "3404011010900005", "Joko Susilo", "L", []),
    6: (VILLAGE_A, "3371011010900006", "Rina Marlina", "P", []),
}
FAMILIES = {
    10: (VILLAGE_A, KK_A, [1, 2]),
    20: (VILLAGE_B, KK_B, [3]),
    30: (OTHER_REGENCY, KK_C, [4]),
    40: (OTHER_PROVINCE, KK_D, [5]),
}
HUBUNGAN = {
    1: "KEPALA KELUARGA",
    2: "ISTRI",
    3: "KEPALA KELUARGA",
    4: "KEPALA KELUARGA",
    5: "KEPALA KELUARGA",
}

# What each role, at the region it is given below, sees (person ids and family ids).
VISIBLE = {
    Role.VILLAGE_OPERATOR: ({1, 2, 6}, {10}),
    Role.FIELD_OFFICER: ({3}, {20}),  # assigned village B only
    Role.REGENCY_VERIFIER: ({1, 2, 3, 6}, {10, 20}),
    Role.REGENCY_SUPERVISOR: ({1, 2, 3, 6}, {10, 20}),
    Role.PROVINCE_OFFICER: ({1, 2, 3, 4, 6}, {10, 20, 30}),
    Role.MINISTRY_DATA_OFFICER: ({1, 2, 3, 4, 5, 6}, {10, 20, 30, 40}),
}
REGION_OF = {
    Role.VILLAGE_OPERATOR: VILLAGE_A,
    Role.REGENCY_VERIFIER: "3371",
    Role.REGENCY_SUPERVISOR: "3371",
    Role.PROVINCE_OFFICER: "33",
}
NON_REGISTRY_ROLES = sorted(set(Role) - set(VISIBLE))


@pytest.fixture
def registry(db):
    b = batch(period=date(2026, 10, 1))
    for pid, (village, nik, nama, jk, disabilitas) in PERSONS.items():
        PersonVersion.objects.create(
            batch=b,
            valid_from=b.period,
            published=True,
            person_id=pid,
            nik=nik,
            nama=nama,
            jenis_kelamin=jk,
            village_code=village,
            tempat_lahir="Magelang",
            tanggal_lahir=date(1980, 5, 15),
            rt="001",
            rw="002",
            alamat=f"Jl. Contoh {pid}",
            status_perkawinan="KAWIN",
            kategori="PPKS",
            kriteria=["KEMISKINAN"],
            disabilitas=disabilitas,
            program=["PKH"],
        )
    for fid, (village, kk, members) in FAMILIES.items():
        FamilyVersion.objects.create(
            batch=b,
            valid_from=b.period,
            published=True,
            family_id=fid,
            no_kk=kk,
            village_code=village,
            rt="001",
            rw="002",
            alamat=f"Jl. Keluarga {fid}",
            atap="GENTENG_TANAH_LIAT",
            lantai="KERAMIK",
        )
        for pid in members:
            MembershipVersion.objects.create(
                batch=b,
                valid_from=b.period,
                published=True,
                family_id=fid,
                person_id=pid,
                hubungan_keluarga=HUBUNGAN[pid],
            )
    # An unpublished version (a determination run in progress) is invisible to everyone.
    PersonVersion.objects.create(
        batch=batch(),
        valid_from=b.period,
        published=False,
        person_id=99,
        nik="3371011010900099",
        nama="Draft",
        village_code=VILLAGE_A,
    )
    return b


@pytest.fixture
def make_user(db):
    def make(role, region=None, **kw):
        region = REGION_OF.get(role, "") if region is None else region
        user = User.objects.create_user(
            f"{role}-{User.objects.count()}",
            password="rahasia-panjang-1",
            role=role,
            region_code=region,
            **kw,
        )
        if role == Role.FIELD_OFFICER:
            AssignedVillage.objects.create(user=user, village_code=VILLAGE_B)
        return user

    return make


def token_client(user) -> APIClient:
    _, key = api_token_issue(actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user, *, verified: bool = True, **kw) -> APIClient:
    """A signed-in session; `verified` marks it TOTP-verified the way django_otp.login does."""
    client = APIClient(**kw)
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.create(user=user, name="telepon", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def as_role(make_user):
    """`as_role(role)` → an API client holding a fresh token of a new user with that role."""

    def client_for(role, region=None):
        return token_client(make_user(role, region))

    return client_for
