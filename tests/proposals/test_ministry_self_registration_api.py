"""The API of the ministry proposals (/api/v1/usulan-kementerian/) and of the public self-registration
(/api/v1/pendaftaran-mandiri/): idempotent creates, roles, a receipt only, field errors, the NIK
warning, repeats that replace the open version, the per-IP rate limit."""

import json

import pytest
from django.test import Client

from dtks.api.services import api_token_issue
from proposals.models import ProposalItem
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, user, users
from tests.registry import factories as reg

pytestmark = pytest.mark.django_db

MINISTRY_URL = "/api/v1/usulan-kementerian/"
SELF_URL = "/api/v1/pendaftaran-mandiri/"
HEAD_NIK = "3371011505800001"  # born 15-05-1980, male
WIFE_NIK = "3371014203850002"
KK = "3371010101200003"


def api(u) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(actor=u)[1]}"})


def post(c, url, body, key=None, ip="10.0.0.1"):
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(url, json.dumps(body), content_type="application/json", headers=headers, REMOTE_ADDR=ip)


def ministry_body(**kw) -> dict:
    return {
        "ministry_reason": "BENCANA",
        "verifier": "regency",
        "wilayah": VILLAGE_A,
        "alamat": "Pengungsian balai desa",
        "note": "Banjir bandang 3 November; rumah hanyut.",
        "persons": [
            {"nik": HEAD_NIK, "nama": "Budi Santoso", "jenis_kelamin": "L", "tanggal_lahir": "1980-05-15"},
            {"nama": "Tanpa NIK", "jenis_kelamin": "P"},
        ],
    } | kw


def self_body(**kw) -> dict:
    return {
        "permohonan": "baru",
        "nik": HEAD_NIK,
        "no_kk": KK,
        "nama": "Budi Santoso",
        "tempat_lahir": "Magelang",
        "tanggal_lahir": "1980-05-15",
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
        "wilayah": VILLAGE_A,
        "rt": "3",
        "rw": "2",
        "alamat": "Jl. Sudirman 5",
        "telepon": "081234567890",
        "persetujuan": True,
        "anggota": [
            {
                "nik": WIFE_NIK,
                "nama": "Siti Aminah",
                "tempat_lahir": "Magelang",
                "tanggal_lahir": "1985-03-02",
                "jenis_kelamin": "P",
                "hubungan_keluarga": "ISTRI",
            }
        ],
    } | kw


# --- ministry proposals -------------------------------------------------------------------------------


def test_ministry_create_and_idempotent_retry():
    officer = user("ministry_data_officer")
    c = api(officer)
    first = post(c, MINISTRY_URL, ministry_body(), key="kemensos-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["state"], body["channel"], body["verifier"], body["kode_wilayah"]) == (
        "submitted",
        "ministry",
        "regency",
        VILLAGE_A,
    )
    assert [p["nama"] for p in body["persons"]] == ["Budi Santoso", "Tanpa NIK"]
    assert body["persons"][0]["nik"] != HEAD_NIK  # masked
    item = ProposalItem.objects.get()
    assert item.ministry_reason == "BENCANA"
    assert item.persons.filter(nik__isnull=True).count() == 1  # NIK_PENDING
    assert "NIK_PENDING" in {f["rule"] for f in item.findings}

    again = post(c, MINISTRY_URL, ministry_body(note="Berbeda."), key="kemensos-1")
    assert again.status_code == 201
    assert again.json()["id"] == body["id"]
    assert ProposalItem.objects.count() == 1
    # Another key (or none) is another proposal; keys are per user.
    assert post(c, MINISTRY_URL, ministry_body(), key="kemensos-2").json()["id"] != body["id"]
    other = api(user("ministry_data_officer", name="kemensos-lain"))
    assert post(other, MINISTRY_URL, ministry_body(), key="kemensos-1").json()["id"] != body["id"]
    assert ProposalItem.objects.count() == 3

    listed = c.get(MINISTRY_URL)
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert len(rows) == 3
    assert {r["nama"] for r in rows} == {"Budi Santoso"}
    assert {r["jumlah_orang"] for r in rows} == {2}


def test_ministry_refuses_other_reasons_and_bad_input_with_field_errors():
    c = api(user("ministry_data_officer"))
    r = post(c, MINISTRY_URL, ministry_body(ministry_reason="LAINNYA", note="", persons=[]))
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert {"ministry_reason", "note", "persons"} <= set(errors)
    bad = ministry_body(persons=[{"nik": "12345", "nama": "X", "jenis_kelamin": "L"}])
    r = post(c, MINISTRY_URL, bad)
    assert r.status_code == 400
    assert "persons.0.nik" in r.json()["errors"]
    assert ProposalItem.objects.count() == 0


@pytest.mark.parametrize("role", ["village", "regency", "province", "qa"])
def test_ministry_api_is_the_ministry_data_units_only(role):
    c = api(users()[role])
    assert post(c, MINISTRY_URL, ministry_body(), key="k1").status_code == 403
    assert c.get(MINISTRY_URL).status_code == 403
    assert Client().get(MINISTRY_URL).status_code == 401
    assert ProposalItem.objects.count() == 0


# --- self-registration --------------------------------------------------------------------------------


def test_anonymous_self_registration_returns_only_a_receipt():
    r = post(Client(), SELF_URL, self_body())
    assert r.status_code == 201, r.content
    assert set(r.json()) == {"receipt_code"}
    item = ProposalItem.objects.get()
    assert item.receipt_code == r.json()["receipt_code"]
    assert (item.channel, item.state, item.village_code) == ("self_registration", "submitted", VILLAGE_A)
    assert item.persons.count() == 2


def test_self_registration_retry_with_the_same_key_is_one_item():
    first = post(Client(), SELF_URL, self_body(), key="form-1")
    again = post(Client(), SELF_URL, self_body(), key="form-1")
    assert first.json() == again.json()
    assert ProposalItem.objects.count() == 1
    other = post(Client(), SELF_URL, self_body(), key="form-2")
    assert other.json() != first.json()
    assert ProposalItem.objects.count() == 2


def test_known_and_unknown_nik_get_the_same_shape():
    reg.person(reg.batch(), person_id=9001, nik=HEAD_NIK, nama="Budi Santoso", village_code=VILLAGE_B)
    unknown = post(Client(), SELF_URL, self_body(nik="3371011505800009", anggota=[]))
    known = post(Client(), SELF_URL, self_body(anggota=[]), ip="10.0.0.2")
    assert unknown.status_code == known.status_code == 201
    assert set(unknown.json()) == set(known.json()) == {"receipt_code"}
    assert set(unknown.headers) == set(known.headers)
    findings = {i.persons.get().nik: {f["rule"] for f in i.findings} for i in ProposalItem.objects.all()}
    assert "DUPLICATE_NIK" in findings[HEAD_NIK]  # the staff's, never in the answer
    assert "DUPLICATE_NIK" not in known.content.decode()


def test_bad_nik_is_a_400_with_errors_nik_and_nothing_saved():
    r = post(Client(), SELF_URL, self_body(nik="12345"))
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"]["nik"]
    assert "NIK" in body["errors"]["nik"][0]
    r = post(Client(), SELF_URL, self_body(anggota=[{"nik": "abc", "nama": "Siti"}]))
    assert r.status_code == 400
    assert "anggota.0.nik" in r.json()["errors"]
    assert ProposalItem.objects.count() == 0


def test_filled_honeypot_gets_a_receipt_for_nothing():
    r = post(Client(), SELF_URL, self_body(situs="http://spam.example"))
    assert r.status_code == 201
    assert set(r.json()) == {"receipt_code"}
    assert ProposalItem.objects.count() == 0


def test_rate_limit_per_ip_is_a_429_in_the_error_format(settings):
    settings.DTKS_SELF_REGISTRATION_RATE_IP = (2, 60 * 60)
    for _ in range(2):
        assert post(Client(), SELF_URL, {"nik": "12"}, ip="10.9.0.1").status_code == 400
    refused = post(Client(), SELF_URL, self_body(), ip="10.9.0.1")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"detail", "errors"}
    assert "Batas pengiriman tercapai" in body["detail"]
    assert ProposalItem.objects.count() == 0
    assert post(Client(), SELF_URL, self_body(), ip="10.9.0.2").status_code == 201


def test_repeats_for_one_nik_by_someone_else_do_not_stop_the_citizens_own_submission():
    """No per-NIK limit: a repeat for an open NIK replaces the open version (the page's rule too)."""
    strangers = [
        post(Client(), SELF_URL, self_body(anggota=[], telepon="089999999999"), ip="10.66.0.1")
        for _ in range(5)
    ]
    own = post(Client(), SELF_URL, self_body(anggota=[]), ip="10.8.0.1")
    assert [r.status_code for r in [*strangers, own]] == [201] * 6
    assert {frozenset(r.json()) for r in [*strangers, own]} == {frozenset({"receipt_code"})}
    newest = ProposalItem.objects.get(state="submitted")
    assert newest.receipt_code == own.json()["receipt_code"] and newest.contact_phone == "081234567890"
    first = ProposalItem.objects.order_by("pk").first()
    assert (
        ProposalItem.objects.filter(state="withdrawn", last_reason__startswith="diganti versi baru #").count()
        == 5
    )
    assert set(ProposalItem.objects.exclude(pk=first.pk).values_list("application_id", flat=True)) == {
        first.pk
    }


def test_the_page_and_the_api_replace_the_same_open_application():
    from tests.proposals.test_self_registration import form_data, receipt_code

    page = receipt_code(Client().post("/daftar/", form_data(members=0), REMOTE_ADDR="10.0.0.3"))
    api_code = post(Client(), SELF_URL, self_body(anggota=[])).json()["receipt_code"]
    by_page, by_api = (ProposalItem.objects.get(receipt_code=c) for c in (page, api_code))
    assert (by_page.state, by_api.state, by_api.application_id) == ("withdrawn", "submitted", by_page.pk)
    assert by_page.last_reason == f"diganti versi baru #{by_api.pk}"
    # the item API tells the verifier which application a version belongs to
    detail = api(user("regency_verifier", "3371")).get(f"/api/v1/usulan/{by_api.pk}/").json()
    assert (detail["state"], detail["application"]) == ("submitted", by_page.pk)


def test_a_nik_contradicting_own_birth_date_or_sex_is_a_400_naming_the_field_until_confirmed():
    from tests.proposals.test_self_registration import CONFIRM, DATE_WARNING, SEX_WARNING

    body = self_body(tanggal_lahir="1980-05-16")
    body["anggota"][0]["jenis_kelamin"] = "L"
    r = post(Client(), SELF_URL, body)
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"tanggal_lahir", "anggota.0.jenis_kelamin", "konfirmasi_nik"}
    assert errors["tanggal_lahir"] == [DATE_WARNING]
    assert errors["anggota.0.jenis_kelamin"] == [SEX_WARNING]
    assert CONFIRM in errors["konfirmasi_nik"][0]
    assert ProposalItem.objects.count() == 0
    confirmed = post(Client(), SELF_URL, body | {"konfirmasi_nik": True})
    assert confirmed.status_code == 201 and set(confirmed.json()) == {"receipt_code"}
    item = ProposalItem.objects.get()
    assert {(f["person"], tuple(f["fields"])) for f in item.findings if f["rule"] == "NIK_MISMATCH"} == {
        (0, ("tanggal_lahir",)),
        (1, ("jenis_kelamin",)),
    }
    # `false` is no confirmation; a corrected birth date needs none
    assert post(Client(), SELF_URL, body | {"konfirmasi_nik": False}).status_code == 400
    body["anggota"][0]["jenis_kelamin"] = "P"
    assert post(Client(), SELF_URL, body | {"tanggal_lahir": "1980-05-15"}).status_code == 201


def test_the_page_and_the_api_give_the_same_nik_warnings():
    from tests.proposals.test_self_registration import field_errors, form_data

    page = Client().post("/daftar/", form_data(members=1, tanggal_lahir="1980-05-16"), REMOTE_ADDR="10.0.0.3")
    html = page.content.decode()
    api_errors = post(Client(), SELF_URL, self_body(tanggal_lahir="1980-05-16")).json()["errors"]
    assert page.status_code == 400
    assert field_errors(html, "id_tanggal_lahir") == api_errors["tanggal_lahir"]
    assert field_errors(html, "id_konfirmasi_nik") == api_errors["konfirmasi_nik"]
