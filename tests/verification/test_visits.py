"""Issue 15: the regency draws up a prelist of one village and assigns its field officers; an officer
records a visit — date, GPS with accuracy, the house survey, the photo checklist — once, whatever the
replays; the photos are stored downscaled without their metadata and served only through a scoped,
logged view; the verifier reads the visit, with the missing photos as gaps, on the item review.
Refusals through the service, the page and the API."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from dtks.accounts.models import AssignedVillage, Role
from dtks.audit.models import AuditEvent
from proposals.item import ProposalItem
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, user, users
from verification.models import FieldVisit, PrelistEntry, VisitPhoto
from verification.visits import (
    PrelistInput,
    PrelistNotFound,
    VisitInput,
    prelist_create,
    prelists_visible_to,
    visit_record,
    visits_of_item,
)

pytestmark = pytest.mark.django_db
S = ProposalItem.State
TODAY = date.today()


@pytest.fixture
def u(media):
    people = users()
    people["officer"] = officer(VILLAGE_A)
    people["other_officer"] = officer(VILLAGE_B)
    return people


def officer(village: str, name: str | None = None):
    person = user(Role.FIELD_OFFICER, "", name=name or f"pendamping-{village}")
    AssignedVillage.objects.create(user=person, village_code=village)
    return person


def jpeg(name: str = "foto.jpg", size=(2400, 1800), color=(120, 160, 90)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def client_for(person) -> Client:
    c = Client()
    if person.role in (Role.FIELD_OFFICER, Role.VILLAGE_OPERATOR):
        c.force_login(person)
    else:
        otp_force_login(c, person)
    return c


def a_prelist(u, *items, kks=()):
    return prelist_create(
        actor=u["regency"],
        data=PrelistInput(
            village_code=VILLAGE_A, title="Verval Desember", officer_ids=[u["officer"].pk], kk_numbers=kks
        ),
    )


def visit_input(entry, **kw) -> VisitInput:
    args = {
        "entry_id": entry.pk,
        "client_key": str(uuid.uuid4()),
        "visited_on": TODAY,
        "latitude": "-7.4706",
        "longitude": "110.2178",
        "accuracy_m": "12",
        "house": {"atap": "GENTENG_TANAH_LIAT"},
        "note": "Rumah semi permanen.",
        "photos": {"depan": jpeg(), "kk": jpeg("kk.jpg", (800, 600))},
    }
    return VisitInput(**{**args, **kw})


# ---- prelists --------------------------------------------------------------------------------------


def test_a_prelist_takes_the_village_queue_not_yet_listed(u):
    waiting = [item(S.SUBMITTED, no_kk=f"33710115082600{i:02d}", alamat="Jl. Tidar") for i in range(3)]
    item(S.SUBMITTED, village=VILLAGE_B)  # another village
    item(S.VERIFIED)  # decided already
    prelist = a_prelist(u)
    entries = list(prelist.entries.order_by("position"))
    assert [e.item_id for e in entries] == [i.pk for i in waiting]
    assert entries[0].no_kk_masked.startswith("3371") and "*" in entries[0].no_kk_masked
    assert list(prelist.officers.all()) == [u["officer"]]
    assert AuditEvent.objects.filter(action="prelist.create", object_id=str(prelist.pk)).exists()
    # The same items are not drawn up twice.
    with pytest.raises(ValidationError, match="Tidak ada keluarga untuk dikunjungi"):
        a_prelist(u)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"village_code": "3308010001"}, "village_code"),  # another regency
        ({"title": " "}, "title"),
        ({"officer_ids": []}, "officers"),
        ({"kk_numbers": ("12345",)}, "kk_numbers"),
        ({"kk_numbers": ("3371011111111111",)}, "kk_numbers"),  # no such registry family
    ],
)
def test_bad_prelist_input_is_refused_naming_the_field(u, change, field):
    item(S.SUBMITTED)
    data = PrelistInput(village_code=VILLAGE_A, title="Verval", officer_ids=[u["officer"].pk])
    for k, v in change.items():
        setattr(data, k, v)
    with pytest.raises(ValidationError) as exc:
        prelist_create(actor=u["regency"], data=data)
    assert field in exc.value.message_dict
    assert not PrelistEntry.objects.exists()


def test_an_officer_of_another_village_cannot_be_assigned(u):
    item(S.SUBMITTED)
    data = PrelistInput(village_code=VILLAGE_A, title="Verval", officer_ids=[u["other_officer"].pk])
    with pytest.raises(ValidationError) as exc:
        prelist_create(actor=u["regency"], data=data)
    assert "officers" in exc.value.message_dict


def test_only_the_regency_draws_up_prelists_and_officers_see_only_theirs(u):
    item(S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        prelist_create(
            actor=u["village"],
            data=PrelistInput(village_code=VILLAGE_A, title="x", officer_ids=[u["officer"].pk]),
        )
    prelist = a_prelist(u)
    assert list(prelists_visible_to(user=u["officer"])) == [prelist]
    colleague = officer(VILLAGE_A, "pendamping-lain")
    assert not prelists_visible_to(user=colleague).exists()  # same village, not assigned
    assert not prelists_visible_to(user=u["other_regency"]).exists()


# ---- visits ----------------------------------------------------------------------------------------


def test_a_visit_is_recorded_once_with_its_photos_stripped_and_small(u):
    it = item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    data = visit_input(entry)
    visit, created = visit_record(actor=u["officer"], data=data)
    assert created and visit.item_id == it.pk and visit.village_code == VILLAGE_A
    assert (str(visit.latitude), visit.accuracy_m, visit.house) == (
        "-7.470600",
        12.0,
        {"atap": "GENTENG_TANAH_LIAT"},
    )
    photos = {p.kind: p for p in visit.photos.all()}
    assert set(photos) == {"depan", "kk"}
    stored = Image.open(photos["depan"].image.open("rb"))
    assert max(stored.size) <= 1600 and not stored.getexif()
    # The replay (the phone did not hear the answer) adds nothing.
    again, created = visit_record(actor=u["officer"], data=visit_input(entry, client_key=data.client_key))
    assert (again.pk, created) == (visit.pk, False)
    assert FieldVisit.objects.count() == 1 and VisitPhoto.objects.count() == 2
    assert AuditEvent.objects.filter(action="visit.record").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_key": "bukan-kunci"}, "client_key"),
        ({"visited_on": None}, "visited_on"),
        ({"visited_on": TODAY + timedelta(days=1)}, "visited_on"),
        ({"visited_on": TODAY - timedelta(days=400)}, "visited_on"),
        ({"latitude": "52.1", "longitude": "4.3"}, "latitude"),
        ({"latitude": "-7.4", "longitude": None}, "latitude"),
        ({"accuracy_m": "jauh"}, "accuracy_m"),
        ({"house": {"atap": "EMAS"}}, "house.atap"),
        ({"note": "x" * 4001}, "note"),
        ({"photos": {"depan": SimpleUploadedFile("depan.jpg", b"MZ\x90\x00 bukan foto")}}, "foto_depan"),
    ],
)
def test_bad_visit_input_is_refused_naming_the_field_and_nothing_is_saved(u, change, field):
    item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    with pytest.raises(ValidationError) as exc:
        visit_record(actor=u["officer"], data=visit_input(entry, **change))
    assert field in exc.value.message_dict
    assert not FieldVisit.objects.exists() and not VisitPhoto.objects.exists()


def test_only_an_assigned_officer_records_a_visit(u):
    item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    with pytest.raises(PrelistNotFound):
        visit_record(actor=u["other_officer"], data=visit_input(entry))
    with pytest.raises(PermissionDenied):
        visit_record(actor=u["regency"], data=visit_input(entry))


def test_the_review_shows_the_visit_with_its_gaps(u):
    it = item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    visit_record(actor=u["officer"], data=visit_input(entry))
    visits = visits_of_item(user=u["regency"], item_id=it.pk)
    assert len(visits) == 1 and "Atap" in visits[0].gaps and "Tampak depan rumah" not in visits[0].gaps
    page = client_for(u["regency"]).get(f"/verval/usulan/{it.pk}/").content.decode()
    assert 'class="message message--error visit-gaps"' in page and "Rumah semi permanen." in page
    assert page.count('data-kind="') == 2
    assert "(± 12 m)" in page


def test_photos_are_served_only_in_scope_and_each_view_is_logged(u):
    item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    visit, _ = visit_record(actor=u["officer"], data=visit_input(entry))
    photo = visit.photos.get(kind="depan")
    url = f"/verval/foto/{photo.pk}/"
    r = client_for(u["regency"]).get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert b"".join(r.streaming_content)[:2] == b"\xff\xd8"
    assert AuditEvent.objects.filter(action="visit.photo_view", object_id=str(photo.pk)).count() == 1
    assert client_for(u["other_regency"]).get(url).status_code == 404
    assert client_for(u["other_officer"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login


# ---- pages and API -------------------------------------------------------------------------------------


def test_the_regency_draws_up_a_prelist_on_its_page_and_downloads_it(u):
    item(S.SUBMITTED, alamat="Jl. Pahlawan 3")
    c = client_for(u["regency"])
    r = c.post(
        "/verval/prelist/",
        {
            "village_code": VILLAGE_A,
            "title": "Verval Desember",
            "officers": [u["officer"].pk],
            "include_queue": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    page = c.get(r["Location"]).content.decode()
    assert "Jl. Pahlawan 3" in page
    pk = int(r["Location"].rstrip("/").rsplit("/", 1)[1])
    pdf = c.get(f"/verval/prelist/{pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = c.get(f"/verval/prelist/{pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action__startswith="prelist.download_").count() == 2


def test_a_refused_prelist_shows_the_message_on_the_page(u):
    r = client_for(u["regency"]).post(
        "/verval/prelist/", {"village_code": VILLAGE_A, "title": "Kosong", "officers": [u["officer"].pk]}
    )
    assert r.status_code == 400
    assert "Tidak ada keluarga untuk dikunjungi" in r.content.decode()


def test_the_plain_form_records_a_visit_and_shows_refusals(u):
    item(S.SUBMITTED)
    prelist = a_prelist(u)
    entry = prelist.entries.get()
    c = client_for(u["officer"])
    page = c.get(f"/verval/lapangan/prelist/{prelist.pk}/").content.decode()
    assert 'name="foto_depan"' in page and 'capture="environment"' in page
    url = f"/verval/lapangan/prelist/{prelist.pk}/kunjungan/"
    body = {"entry": entry.pk, "client_key": str(uuid.uuid4()), "visited_on": TODAY.isoformat()}
    bad = c.post(url, {**body, "visited_on": (TODAY + timedelta(days=2)).isoformat()})
    assert bad.status_code == 400 and "Tanggal kunjungan tidak boleh di masa depan." in bad.content.decode()
    r = c.post(url, {**body, "foto_atap": jpeg("atap.jpg")})
    assert r.status_code == 302
    assert FieldVisit.objects.get().photos.get().kind == "atap"


def test_the_api_records_a_visit_once_and_refuses_with_field_errors(u):
    item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    c = client_for(u["officer"])
    key = str(uuid.uuid4())
    body = {"entry": entry.pk, "client_key": key, "visited_on": TODAY.isoformat(), "foto_depan": jpeg()}
    r = c.post("/api/v1/lapangan/kunjungan/", body)
    assert r.status_code == 201, r.content
    assert r.json()["photos"] == ["depan"]
    again = c.post("/api/v1/lapangan/kunjungan/", {**body, "foto_depan": jpeg()})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    bad = c.post(
        "/api/v1/lapangan/kunjungan/",
        {
            "entry": entry.pk,
            "client_key": str(uuid.uuid4()),
            "visited_on": TODAY.isoformat(),
            "latitude": "95",
        },
    )
    assert bad.status_code == 400 and "latitude" in bad.json()["errors"]
    assert FieldVisit.objects.count() == 1


def test_the_review_reads_a_fixed_number_of_queries_for_visits(u):
    it = item(S.SUBMITTED)
    entry = a_prelist(u).entries.get()
    visit_record(actor=u["officer"], data=visit_input(entry))
    with CaptureQueriesContext(connection) as one:
        visits_of_item(user=u["regency"], item_id=it.pk)
    for _ in range(3):
        visit_record(actor=u["officer"], data=visit_input(entry))
    with CaptureQueriesContext(connection) as four:
        assert len(visits_of_item(user=u["regency"], item_id=it.pk)) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_the_field_officer_s_dashboard_counts_families_still_to_visit(u):
    item(S.SUBMITTED)
    item(S.SUBMITTED)
    prelist = a_prelist(u)
    html = client_for(u["officer"]).get("/dasbor/").content.decode()
    assert "2</span> keluarga belum dikunjungi" in html and "prelist ditugaskan kepada Anda" in html
    from verification.visits import field_dashboard_counts

    assert field_dashboard_counts(user=u["officer"])["visits"][0] == 2
    visit_record(actor=u["officer"], data=visit_input(prelist.entries.first()))
    counts = field_dashboard_counts(user=u["officer"])
    assert counts["visits"][0] == 1 and counts["prelist"][0] == 1
    assert field_dashboard_counts(user=u["other_officer"])["visits"][0] == 0
