"""Registry pages (families and persons): scope, masking, audited full views, NIK/KK search by POST,
query counts, and who may open them at all.

The world: two provinces, two regencies in the first, two villages in the first regency — one
family (head + spouse) and one individual outside any family in each village.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import reverse

from dtks.accounts.models import AssignedVillage, Role, User
from dtks.audit.models import AuditEvent
from dtks.registry.masking import mask_id
from dtks.registry.models import FamilyVersion, Finding, MembershipVersion, PersonVersion

from .factories import batch

pytestmark = pytest.mark.django_db

VILLAGE_A = "3371011003"  # Rejowinangun Selatan, Magelang Selatan, Kota Magelang, Jawa Tengah
VILLAGE_B = "3371011007"  # Magersari: a sibling village in the same kecamatan
OTHER_REGENCY = "3308012001"  # Ngargoretno, Kabupaten Magelang: same province, other regency
OTHER_PROVINCE = "3404012001"  # Balecatur, Kabupaten Sleman, DI Yogyakarta
VILLAGES = (VILLAGE_A, VILLAGE_B, OTHER_REGENCY, OTHER_PROVINCE)
SURNAMES = {VILLAGE_A: "Ardana", VILLAGE_B: "Bestari", OTHER_REGENCY: "Cahyono", OTHER_PROVINCE: "Darmaji"}


@dataclass
class Household:
    village: str
    family_id: int
    no_kk: str
    head_id: int
    head_nik: str
    head_name: str
    spouse_id: int
    spouse_nik: str
    spouse_name: str
    single_id: int
    single_nik: str
    single_name: str

    @property
    def names(self) -> set[str]:
        return {self.head_name, self.spouse_name, self.single_name}


@dataclass
class World:
    households: dict[str, Household] = field(default_factory=dict)
    batch_id: int = 0

    def __getitem__(self, village: str) -> Household:
        return self.households[village]


def build_world() -> World:
    """The registry of the module docstring, published as period 2026-10, with two findings per village."""
    b = batch()
    world = World(batch_id=b.pk)
    for i, village in enumerate(VILLAGES, start=1):
        base = i * 10
        nik = f"{village[:6]}1505800{i:03d}"
        h = Household(
            village=village,
            family_id=100 + i,
            no_kk=f"{village[:6]}0101200{i:03d}",
            head_id=base + 1,
            head_nik=nik,
            head_name=f"Budi {SURNAMES[village]}",
            spouse_id=base + 2,
            spouse_nik=f"{village[:6]}5506820{i:03d}",
            spouse_name=f"Sri {SURNAMES[village]}",
            single_id=base + 3,
            single_nik=f"{village[:6]}0101400{i:03d}",
            single_name=f"Mbah {SURNAMES[village]}",
        )
        common = {"batch": b, "valid_from": b.period, "published": True, "village_code": village}
        FamilyVersion.objects.create(
            family_id=h.family_id,
            no_kk=h.no_kk,
            rt="001",
            rw="002",
            alamat=f"Jl. {SURNAMES[village]} {i}",
            atap="GENTENG_TANAH_LIAT",
            **common,
        )
        for pid, nik, name, sex in (
            (h.head_id, h.head_nik, h.head_name, "L"),
            (h.spouse_id, h.spouse_nik, h.spouse_name, "P"),
            (h.single_id, h.single_nik, h.single_name, "L"),
        ):
            PersonVersion.objects.create(
                person_id=pid,
                nik=nik,
                nama=name,
                jenis_kelamin=sex,
                tempat_lahir="Magelang",
                alamat=f"Jl. {SURNAMES[village]} {i}",
                **common,
            )
        for pid, rel in ((h.head_id, "KEPALA KELUARGA"), (h.spouse_id, "ISTRI")):
            MembershipVersion.objects.create(
                batch=b,
                valid_from=b.period,
                published=True,
                family_id=h.family_id,
                person_id=pid,
                hubungan_keluarga=rel,
            )
        Finding.objects.create(
            batch=b, rule="INCOMPLETE", family_id=h.family_id, village_code=village, fields=["lantai"]
        )
        Finding.objects.create(
            batch=b,
            rule="NIK_MISMATCH",
            person_id=h.single_id,
            village_code=village,
            fields=["tanggal_lahir"],
        )
        world.households[village] = h
    return world


def make_user(role: str, region: str = "", **kw) -> User:
    return User.objects.create_user(
        f"{role}-{region or 'nasional'}-{User.objects.count()}", role=role, region_code=region, **kw
    )


def sign_in(client, user: User) -> None:
    """Log in as `user` with the session TOTP-verified, as `django_otp.login` leaves it (like the
    `otp_login` fixture; a plain function so other test modules can share it)."""
    client.force_login(user)
    if apps.is_installed("django_otp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def world() -> World:
    return build_world()


# role, region, villages whose rows it must see (the others must be absent)
SCOPES = [
    (Role.VILLAGE_OPERATOR, VILLAGE_A, {VILLAGE_A}),
    (Role.REGENCY_VERIFIER, "3371", {VILLAGE_A, VILLAGE_B}),
    (Role.REGENCY_SUPERVISOR, "3371", {VILLAGE_A, VILLAGE_B}),
    (Role.PROVINCE_OFFICER, "33", {VILLAGE_A, VILLAGE_B, OTHER_REGENCY}),
    (Role.MINISTRY_DATA_OFFICER, "", set(VILLAGES)),
]
FAMILIES = reverse("registry:families")
PERSONS = reverse("registry:persons")


def family_url(family_id: int) -> str:
    return reverse("registry:family", args=[family_id])


def person_url(person_id: int) -> str:
    return reverse("registry:person", args=[person_id])


@pytest.mark.parametrize(("role", "region", "own"), SCOPES)
def test_lists_show_own_scope_only_and_masked(client, world, role, region, own):
    sign_in(client, make_user(role, region))
    families = client.get(FAMILIES)
    persons = client.get(PERSONS)
    assert families.status_code == persons.status_code == 200
    f_html, p_html = families.content.decode(), persons.content.decode()
    for village, h in world.households.items():
        if village in own:
            assert h.head_name in f_html and mask_id(h.no_kk) in f_html
            assert all(name in p_html for name in h.names)
            assert mask_id(h.head_nik) in p_html and mask_id(h.single_nik) in p_html
        else:
            assert h.head_name not in f_html and h.head_name not in p_html
            assert h.single_name not in p_html
        # Lists never carry a full NIK or KK, for any role.
        for number in (h.no_kk, h.head_nik, h.spouse_nik, h.single_nik):
            assert number not in f_html and number not in p_html
    assert len(families.context["rows"]) == len(own)
    assert len(persons.context["rows"]) == 3 * len(own)


def test_field_officer_sees_assigned_villages(client, world):
    officer = make_user(Role.FIELD_OFFICER)
    AssignedVillage.objects.create(user=officer, village_code=VILLAGE_B)
    sign_in(client, officer)
    html = client.get(PERSONS).content.decode()
    assert world[VILLAGE_B].head_name in html and world[VILLAGE_A].head_name not in html
    assert client.get(family_url(world[VILLAGE_B].family_id)).status_code == 200
    assert client.get(family_url(world[VILLAGE_A].family_id)).status_code == 404


@pytest.mark.parametrize(("role", "region", "own"), SCOPES)
def test_foreign_details_are_404(client, world, role, region, own):
    sign_in(client, make_user(role, region))
    for village, h in world.households.items():
        expected = 200 if village in own else 404
        assert client.get(family_url(h.family_id)).status_code == expected, (village, "family")
        assert client.get(person_url(h.head_id)).status_code == expected, (village, "person")
        assert client.get(person_url(h.single_id)).status_code == expected, (village, "single")
    assert client.get(family_url(999_999)).status_code == 404
    # A 404 is not a full view: only the details that answered were logged.
    assert AuditEvent.objects.filter(action="registry.view_full").count() == 3 * len(own)


@pytest.mark.parametrize(("role", "region", "own"), SCOPES)
def test_detail_shows_full_numbers_and_logs_each_view_once(client, world, role, region, own):
    user = make_user(role, region)
    sign_in(client, user)
    h = world[VILLAGE_A]
    response = client.get(person_url(h.head_id), REMOTE_ADDR="10.1.2.3")
    html = response.content.decode()
    assert h.head_nik in html
    assert h.no_kk not in html and mask_id(h.no_kk) in html  # the family's KK stays masked here
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="registry.view_full")
    assert (
        event.actor_id,
        event.object_type,
        event.object_id,
        event.subject_person_id,
        event.region_code,
        event.ip,
    ) == (user.pk, "registry.person", str(h.head_id), h.head_id, VILLAGE_A, "10.1.2.3")

    html = client.get(family_url(h.family_id)).content.decode()
    assert h.no_kk in html
    # Members are a list inside the family page: their NIKs stay masked.
    assert h.head_nik not in html and mask_id(h.head_nik) in html and h.spouse_name in html
    assert "Kepala Keluarga" in html and "Istri" in html
    assert "Data belum lengkap" in html  # the family's own finding (INCOMPLETE: lantai)
    assert "NIK tidak cocok" not in html  # the individual outside the family is not a member
    family_event = AuditEvent.objects.filter(action="registry.view_full").latest("pk")
    assert (family_event.object_type, family_event.object_id, family_event.subject_person_id) == (
        "registry.family",
        str(h.family_id),
        h.head_id,
    )
    assert family_event.detail == {"members": [h.head_id, h.spouse_id]}
    assert AuditEvent.objects.filter(action="registry.view_full").count() == 2

    client.get(person_url(h.head_id))
    assert AuditEvent.objects.filter(action="registry.view_full", object_type="registry.person").count() == 2


def test_nik_search_by_post_finds_the_person_and_never_puts_it_in_a_url(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    h = world[VILLAGE_B]
    response = client.post(PERSONS, {"nomor": h.spouse_nik})
    assert response.status_code == 200  # rendered on the POST itself: no redirect to a URL with the NIK
    rows = response.context["rows"]
    assert [r.person_id for r in rows] == [h.spouse_id]
    html = response.content.decode()
    assert h.spouse_nik not in html  # not echoed back, not in any link
    assert mask_id(h.spouse_nik) in html
    # The same NIK on the family list finds its family; a KK on the person list finds its members.
    response = client.post(FAMILIES, {"nomor": h.spouse_nik})
    assert [r.family_id for r in response.context["rows"]] == [h.family_id]
    response = client.post(PERSONS, {"nomor": f"{h.no_kk[:8]} {h.no_kk[8:]}"})  # spaces are ignored
    assert sorted(r.person_id for r in response.context["rows"]) == [h.head_id, h.spouse_id]
    response = client.post(FAMILIES, {"nomor": h.no_kk})
    assert [r.family_id for r in response.context["rows"]] == [h.family_id]


def test_number_search_stays_in_scope(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    foreign = world[OTHER_PROVINCE]
    for url, number in ((PERSONS, foreign.head_nik), (FAMILIES, foreign.no_kk), (FAMILIES, foreign.head_nik)):
        response = client.post(url, {"nomor": number})
        assert response.status_code == 200 and response.context["rows"] == []
        assert foreign.head_name not in response.content.decode()


def test_a_nik_in_the_query_string_does_not_search(client, world):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    h = world[VILLAGE_A]
    response = client.get(PERSONS, {"nik": h.head_nik})
    assert response.context["searched"] is None
    assert len(response.context["rows"]) == 6  # the whole scope, unfiltered
    # Nor does the name search take digits: refused with a message, nothing filtered.
    response = client.get(PERSONS, {"q": h.head_nik})
    assert response.context["filters"].errors["q"]
    assert len(response.context["rows"]) == 6
    # And the search form's own markup keeps numbers out of the address bar.
    assert 'pattern="[^0-9]*"' in response.content.decode()


def test_invalid_number_is_explained(client, world):
    sign_in(client, make_user(Role.VILLAGE_OPERATOR, VILLAGE_A))
    response = client.post(PERSONS, {"nomor": "12345"})
    assert response.status_code == 200
    assert response.context["number_form"].errors["nomor"] == ["Masukkan 16 angka NIK atau nomor KK."]
    assert 'aria-invalid="true"' in response.content.decode()


def test_name_search_and_village_filter(client, world):
    sign_in(client, make_user(Role.PROVINCE_OFFICER, "33"))
    response = client.get(PERSONS, {"q": "bestari"})
    assert {r.nama for r in response.context["rows"]} == world[VILLAGE_B].names
    response = client.get(FAMILIES, {"q": "mbah"})  # a family is found by any member: none here
    assert response.context["rows"] == []
    response = client.get(FAMILIES, {"q": "sri ardana"})
    assert [r.family_id for r in response.context["rows"]] == [world[VILLAGE_A].family_id]
    # Filter by a regency, then by a village; the options drill down from regencies to villages.
    response = client.get(FAMILIES, {"wilayah": "3371"})
    assert {r.family_id for r in response.context["rows"]} == {
        world[VILLAGE_A].family_id,
        world[VILLAGE_B].family_id,
    }
    html = response.content.decode()
    assert f'value="{VILLAGE_B}"' in html and "Magersari" in html
    response = client.get(PERSONS, {"wilayah": VILLAGE_B, "q": "sri"})
    assert [r.person_id for r in response.context["rows"]] == [world[VILLAGE_B].spouse_id]
    # A region outside the scope is refused and filters nothing.
    response = client.get(FAMILIES, {"wilayah": "34"})
    assert response.context["filters"].errors["wilayah"]
    assert len(response.context["rows"]) == 3


def test_village_operator_has_no_area_filter(client, world):
    sign_in(client, make_user(Role.VILLAGE_OPERATOR, VILLAGE_A))
    response = client.get(FAMILIES)
    assert "wilayah" not in response.context["filters"].fields
    assert len(client.get(FAMILIES, {"wilayah": VILLAGE_B}).context["rows"]) == 1


def test_lists_are_paged_by_50(client, world):
    b = world.batch_id
    FamilyVersion.objects.bulk_create(
        FamilyVersion(
            batch_id=b,
            valid_from="2026-10-01",
            published=True,
            family_id=1000 + n,
            no_kk=f"3371010101{n:06d}",
            village_code=VILLAGE_A,
        )
        for n in range(60)
    )
    sign_in(client, make_user(Role.VILLAGE_OPERATOR, VILLAGE_A))
    first = client.get(FAMILIES)
    page = first.context["page"]
    assert len(first.context["rows"]) == 50 and page.next_cursor and not page.previous_cursor
    assert f'rel="next" href="?cursor={page.next_cursor}"' in first.content.decode()
    second = client.get(FAMILIES, {"cursor": page.next_cursor})
    assert len(second.context["rows"]) == 11 and not second.context["page"].next_cursor
    assert 'rel="prev"' in second.content.decode()
    back = client.get(FAMILIES, {"cursor": second.context["page"].previous_cursor})
    assert [r.family_id for r in back.context["rows"]] == [r.family_id for r in first.context["rows"]]
    # Page links carry the filters, never anything else that was put in the address.
    nik = world[VILLAGE_A].head_nik
    response = client.get(FAMILIES, {"q": "budi", "nik": nik, "cursor": page.next_cursor})
    assert response.context["query"] == "q=budi"
    assert client.get(FAMILIES, {"nik": nik}).context["query"] == ""


def count_queries(client, method: str, url: str, data: dict) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert getattr(client, method)(url, data).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [FAMILIES, PERSONS])
def test_list_query_count_does_not_grow_with_rows(client, world, url):
    sign_in(client, make_user(Role.PROVINCE_OFFICER, "33"))
    client.get(url)  # warm-up: the session's first-request bookkeeping is not the page's cost
    requests = [
        ("get", {"wilayah": "3371"}),
        ("get", {"q": "budi"}),
        ("post", {"nomor": world[VILLAGE_A].head_nik}),
    ]
    before = [count_queries(client, method, url, data) for method, data in requests]
    b = world.batch_id
    for n in range(60):  # 60 more families of two, in two villages: more than a page
        fid, pid = 2000 + n, 20_000 + 2 * n
        village = VILLAGE_A if n % 2 else VILLAGE_B
        FamilyVersion.objects.create(
            batch_id=b,
            valid_from="2026-10-01",
            published=True,
            family_id=fid,
            no_kk=f"3371010202{n:06d}",
            village_code=village,
        )
        for k, rel in enumerate(("KEPALA KELUARGA", "ANAK")):
            PersonVersion.objects.create(
                batch_id=b,
                valid_from="2026-10-01",
                published=True,
                person_id=pid + k,
                nik=f"33710102029{n:03d}{k:02d}",
                nama=f"Budi {n} {k}",
                village_code=village,
            )
            MembershipVersion.objects.create(
                batch_id=b,
                valid_from="2026-10-01",
                published=True,
                family_id=fid,
                person_id=pid + k,
                hubungan_keluarga=rel,
            )
    after = [count_queries(client, method, url, data) for method, data in requests]
    assert after == before
    # session, user, OTP device, area choices, one page of rows, region names (+ code labels),
    # and the header's unread notifications
    assert max(after) <= 9, after
    response = client.get(url, {"wilayah": "3371"})
    assert len(response.context["rows"]) == 50


@pytest.mark.parametrize("url_name", ["family", "person"])
def test_detail_query_count(client, world, url_name, django_assert_max_num_queries):
    sign_in(client, make_user(Role.REGENCY_VERIFIER, "3371"))
    h = world[VILLAGE_A]
    url = family_url(h.family_id) if url_name == "family" else person_url(h.head_id)
    # (+1 since the header shows the unread notifications, +1 for each stage's panel on the page:
    # the proposals open on the record, dtks/registry/panels.py)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.QA_ASSESSOR, Role.DATA_REQUESTER, Role.ADMIN, Role.MINISTER_DELEGATE, Role.PPID_OFFICER]
)
def test_roles_without_registry_work_get_403(client, world, role):
    sign_in(client, make_user(role))
    h = world[VILLAGE_A]
    for url in (FAMILIES, PERSONS, family_url(h.family_id), person_url(h.head_id)):
        assert client.get(url).status_code == 403, url
    assert client.post(PERSONS, {"nomor": h.head_nik}).status_code == 403
    assert not AuditEvent.objects.filter(action="registry.view_full").exists()


def test_superuser_without_a_registry_role_gets_403(client, world):
    sign_in(client, make_user(Role.ADMIN, is_superuser=True, is_staff=True))
    assert client.get(FAMILIES).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(PERSONS)
    assert response.status_code == 302 and "next=" in response["Location"]


def test_registry_nav_link_only_for_registry_roles(client, world):
    sign_in(client, make_user(Role.VILLAGE_OPERATOR, VILLAGE_A))
    assert f'href="{FAMILIES}"' in client.get(reverse("dashboard")).content.decode()
    client.logout()
    sign_in(client, make_user(Role.QA_ASSESSOR))
    assert f'href="{FAMILIES}"' not in client.get(reverse("dashboard")).content.decode()
