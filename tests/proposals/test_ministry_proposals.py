"""Ministry proposals (usulan Kementerian Sosial): three reasons only, people without NIK
(NIK_PENDING), the ministry's choice of verifier, and who may open the pages."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from proposals.channels.ministry import MinistryReason, ministry_proposal_create
from proposals.item import proposal_item_transition
from proposals.models import ProposalItem, ProposalItemHistory
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, user, users

pytestmark = pytest.mark.django_db

PERSON = {
    "nik": "3371011505800001",
    "nama": "Budi Santoso",
    "tempat_lahir": "Magelang",
    "tanggal_lahir": "1980-05-15",
    "jenis_kelamin": "L",
    "status_perkawinan": "KAWIN",
    "hubungan_keluarga": "",
}
NO_NIK = {"nik": None, "nama": "Tanpa Nama Jalanan", "jenis_kelamin": "P"}


def create(actor, **kw):
    args = {
        "reason": MinistryReason.DISASTER,
        "village_code": VILLAGE_A,
        "note": "Banjir bandang 3 November; rumah hanyut.",
        "verifier": ProposalItem.Verifier.MINISTRY,
        "persons": [PERSON],
        "alamat": "Jl. Sudirman 5",
    }
    return ministry_proposal_create(actor=actor, **(args | kw))


@pytest.fixture
def people():
    return users()


@pytest.mark.parametrize("reason", sorted(MinistryReason.VALUES))
def test_each_permitted_reason_creates_a_submitted_item(people, reason):
    item = create(people["ministry"], reason=reason)
    assert (item.state, item.channel, item.kind, item.ministry_reason) == (
        "submitted",
        "ministry",
        "addition",
        reason,
    )
    assert item.created_by == people["ministry"]
    assert item.musyawarah is None
    history = ProposalItemHistory.objects.get(item=item)
    assert (history.from_state, history.to_state, history.actor) == ("", "submitted", people["ministry"])
    assert (
        AuditEvent.objects.filter(action="proposal_item.ministry_propose", object_id=str(item.pk)).count()
        == 1
    )


@pytest.mark.parametrize("reason", ["", "LAINNYA", "MUSYAWARAH", "bencana"])
def test_any_other_reason_is_refused(people, reason):
    with pytest.raises(ValidationError) as exc:
        create(people["ministry"], reason=reason)
    assert "ministry_reason" in exc.value.message_dict
    assert ProposalItem.objects.count() == 0


def test_a_note_and_a_person_are_required(people):
    with pytest.raises(ValidationError) as exc:
        create(people["ministry"], note=" ", persons=[])
    assert set(exc.value.message_dict) == {"note", "persons"}


def test_people_may_lack_a_nik(people):
    item = create(people["ministry"], persons=[NO_NIK])
    assert item.persons.get().nik is None
    assert [f["rule"] for f in item.findings if f["person"] == 0].count("NIK_PENDING") == 1
    assert not item.has_nik_for_everyone()


def test_ministry_verifies_itself_then_accepts_directly(people):
    item = create(people["ministry"], persons=[PERSON | {"hubungan_keluarga": ""}])
    accepted = proposal_item_transition(
        item_id=item.pk,
        transition="accept_direct",
        actor=people["ministry"],
        overrides={f["rule"]: "Darurat, dicek di lapangan." for f in item.findings},
    )
    assert accepted.state == "accepted"
    with pytest.raises(ValidationError):  # the regency does not verify what the ministry took
        proposal_item_transition(
            item_id=create(people["ministry"]).pk, transition="verify", actor=people["regency"]
        )


def test_or_chooses_the_regency(people):
    item = create(people["ministry"], verifier=ProposalItem.Verifier.REGENCY)
    with pytest.raises(ValidationError):
        proposal_item_transition(item_id=item.pk, transition="accept_direct", actor=people["ministry"])
    verified = proposal_item_transition(
        item_id=item.pk,
        transition="verify",
        actor=people["regency"],
        overrides={f["rule"]: "Dicek." for f in item.findings},
    )
    assert verified.state == "verified"


def test_unknown_verifier_is_refused(people):
    with pytest.raises(ValidationError) as exc:
        create(people["ministry"], verifier="province")
    assert "verifier" in exc.value.message_dict


@pytest.mark.parametrize("who", ["village", "regency", "province", "minister", "qa"])
def test_only_the_ministry_data_unit_proposes(people, who):
    with pytest.raises(PermissionDenied):
        create(people[who])


def test_same_idempotency_key_is_one_item(people):
    first = create(people["ministry"], idempotency_key="kemensos:abc")
    again = create(people["ministry"], idempotency_key="kemensos:abc")
    assert first.pk == again.pk and ProposalItem.objects.count() == 1


# --- pages -------------------------------------------------------------------------------------------


def ministry_client(people) -> Client:
    client = Client()
    otp_force_login(client, people["ministry"])
    return client


def page_data(**overrides) -> dict:
    return {
        "ministry_reason": MinistryReason.PPKS,
        "verifier": "regency",
        "wilayah": VILLAGE_A,
        "no_kk": "",
        "rt": "1",
        "rw": "2",
        "alamat": "Bawah jembatan Kali Progo",
        "note": "Lansia terlantar ditemukan petugas, belum terdaftar.",
        "kunci": uuid.uuid4().hex,
        "orang-TOTAL_FORMS": "1",
        "orang-INITIAL_FORMS": "1",
        "orang-0-nik": "",
        "orang-0-nama": "Mbah Sarinah",
        "orang-0-jenis_kelamin": "P",
    } | overrides


def test_page_creates_a_proposal_without_nik(people):
    client = ministry_client(people)
    assert client.get("/usulan/kementerian/baru/").status_code == 200
    data = page_data()
    response = client.post("/usulan/kementerian/baru/", data)
    assert response.status_code == 302
    item = ProposalItem.objects.get()
    assert response["Location"] == f"/usulan/kementerian/{item.pk}/"
    assert (item.ministry_reason, item.verifier, item.rt, item.rw) == (
        MinistryReason.PPKS,
        "regency",
        "001",
        "002",
    )
    assert client.post("/usulan/kementerian/baru/", data).status_code == 302  # a double submit
    assert ProposalItem.objects.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "Mbah Sarinah" in detail and "NIK_PENDING" in detail
    listing = client.get("/usulan/kementerian/").content.decode()
    assert f"/usulan/kementerian/{item.pk}/" in listing


def test_page_refuses_another_reason_and_a_bad_nik(people):
    client = ministry_client(people)
    response = client.post(
        "/usulan/kementerian/baru/", page_data(ministry_reason="LAINNYA", **{"orang-0-nik": "12345"})
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Pilih salah satu dari tiga alasan usulan Kementerian Sosial." in html
    assert "NIK harus 16 digit angka" in html
    assert ProposalItem.objects.count() == 0


def test_page_adds_and_removes_person_rows(people):
    client = ministry_client(people)
    html = client.post("/usulan/kementerian/baru/", page_data(aksi="tambah")).content.decode()
    assert 'name="orang-TOTAL_FORMS" value="2"' in html and 'value="Mbah Sarinah"' in html
    html = client.post("/usulan/kementerian/baru/", page_data(aksi="hapus-0")).content.decode()
    assert 'name="orang-TOTAL_FORMS" value="0"' in html
    assert ProposalItem.objects.count() == 0


def test_a_proposal_of_another_channel_is_not_a_ministry_page(people):
    from tests.proposals.factories import item

    other = item(ProposalItem.State.SUBMITTED)
    assert ministry_client(people).get(f"/usulan/kementerian/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    "role", [Role.VILLAGE_OPERATOR, Role.REGENCY_VERIFIER, Role.PROVINCE_OFFICER, Role.ADMIN]
)
def test_other_roles_are_refused(role):
    region = {
        Role.VILLAGE_OPERATOR: VILLAGE_A,
        Role.REGENCY_VERIFIER: "3371",
        Role.PROVINCE_OFFICER: "33",
    }.get(role, "")
    client = Client()
    otp_force_login(client, user(role, region))
    for url in ("/usulan/kementerian/", "/usulan/kementerian/baru/"):
        assert client.get(url).status_code == 403
    assert Client().get("/usulan/kementerian/").status_code == 302


def test_list_query_count_does_not_grow_with_rows(people):
    client = ministry_client(people)
    create(people["ministry"])
    with CaptureQueriesContext(connection) as one:
        client.get("/usulan/kementerian/")
    for _ in range(4):
        create(people["ministry"], persons=[PERSON, NO_NIK])
    with CaptureQueriesContext(connection) as five:
        html = client.get("/usulan/kementerian/").content.decode()
    assert html.count('href="/usulan/kementerian/') - html.count("/usulan/kementerian/baru/") == 5
    assert len(five) == len(one)
