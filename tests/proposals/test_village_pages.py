"""The village operator's pages (/usulan/): musyawarah with its minutes, items of every kind, state
and history, returned items fixed and resubmitted; another village sees none of it."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from dtks.audit.models import AuditEvent
from proposals import item as proposal_items
from proposals.models import Musyawarah, ProposalItem, ProposalItemHistory
from proposals.musyawarah import services as musyawarah_services
from tests.harness.world import HOME_VILLAGE

from .flow import (
    OTHER_REGENCY,
    PDF,
    PNG,
    SIBLING,
    client_for,
    form_data,
    held_musyawarah,
    musyawarah,
    new_family,
    new_key,
    operator,
    verifier,
)

pytestmark = pytest.mark.django_db


def person_post(prefix: str, i: int, p: dict) -> dict:
    return {
        f"{prefix}-{i}-{k}": (v.isoformat() if isinstance(v, date) else v)
        for k, v in p.items()
        if k
        in (
            "nik",
            "nama",
            "tempat_lahir",
            "tanggal_lahir",
            "jenis_kelamin",
            "status_perkawinan",
            "hubungan_keluarga",
        )
    }


def family_post(family: dict, persons: list[dict], **extra) -> dict:
    """Every step of the guided form at once, as its last step posts it ("Simpan usulan"), with the
    form's key."""
    data = {
        "aksi": "simpan",
        "kunci": uuid.uuid4().hex,
        "is_family": "1" if family.get("is_family", True) else "0",
        "no_kk": family.get("no_kk", ""),
        "rt": family.get("rt", ""),
        "rw": family.get("rw", ""),
        "alamat": family.get("alamat", ""),
        **(family.get("house") or {}),
        "persons-TOTAL_FORMS": str(len(persons)),
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "1",
        "persons-MAX_NUM_FORMS": "30",
    }
    for i, p in enumerate(persons):
        data.update(person_post("persons", i, p))
    data.update(extra)
    return data


# ---- musyawarah and minutes ----------------------------------------------------------------------


def form_key(c, url: str) -> str:
    """The key (`kunci`) of the creating form the page renders at `url`."""
    (key,) = re.findall(r'name="kunci" value="([0-9a-f]{32})"', c.get(url).content.decode())
    return key


MUSYAWARAH = {
    "held_on": "2026-11-02",
    "place": "Balai kelurahan",
    "led_by": "Lurah Rejowinangun",
    "attendee_count": "23",
    "attendee_names": "Pak Slamet\nBu Sri",
    "input_sources": ["RT_RW", "KANTOR_DESA"],
}


def test_operator_records_a_musyawarah(world):
    c = client_for(operator(world))
    key = form_key(c, "/usulan/musyawarah/baru/")
    response = c.post("/usulan/musyawarah/baru/", {**MUSYAWARAH, "kunci": key})
    m = Musyawarah.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/usulan/musyawarah/{m.pk}/"
    assert (m.village_code, m.state, m.input_sources) == (HOME_VILLAGE, "draft", ["RT_RW", "KANTOR_DESA"])
    assert AuditEvent.objects.filter(action="musyawarah.create", object_id=str(m.pk)).count() == 1
    page = c.get(f"/usulan/musyawarah/{m.pk}/").content.decode()
    assert "Pak Slamet" in page and "RT/RW" in page


def test_a_double_submit_of_the_musyawarah_form_is_one_musyawarah_and_lands_on_it(world):
    c = client_for(operator(world))
    key = form_key(c, "/usulan/musyawarah/baru/")
    first = c.post("/usulan/musyawarah/baru/", {**MUSYAWARAH, "kunci": key})
    again = c.post("/usulan/musyawarah/baru/", {**MUSYAWARAH, "kunci": key})
    m = Musyawarah.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/usulan/musyawarah/{m.pk}/"
    assert AuditEvent.objects.filter(action="musyawarah.create").count() == 1
    # Without its key the form is refused, saying what to do; nothing is saved.
    refused = c.post("/usulan/musyawarah/baru/", MUSYAWARAH)
    assert refused.status_code == 400 and "muat ulang halaman" in refused.content.decode()
    assert Musyawarah.objects.count() == 1


def test_bad_musyawarah_names_the_fields_and_saves_nothing(world):
    c = client_for(operator(world))
    future = (date.today() + timedelta(days=3)).isoformat()
    key = form_key(c, "/usulan/musyawarah/baru/")
    response = c.post(
        "/usulan/musyawarah/baru/", {"held_on": future, "place": "", "attendee_count": "0", "kunci": key}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "tidak boleh di masa depan" in page
    assert page.count('class="errorlist') >= 4  # date, place, leader, count, sources: each named
    # Each names its field and the fix, never Django's generic message.
    assert "Tempat wajib diisi; tulis tempat musyawarah, misalnya Balai desa." in page
    assert "Dipimpin oleh wajib diisi; tulis nama dan jabatan pemimpin musyawarah." in page
    assert "Jumlah peserta paling sedikit 1." in page
    assert "Sumber masukan wajib diisi; centang paling sedikit satu sumber masukan." in page
    assert "Bidang ini harus diisi" not in page
    bad = c.post("/usulan/musyawarah/baru/", {**MUSYAWARAH, "attendee_count": "dua", "kunci": key})
    assert (
        "Jumlah peserta ditulis dengan angka saja; tulis jumlah peserta dengan angka" in bad.content.decode()
    )
    assert Musyawarah.objects.count() == 0


def test_minutes_are_checked_by_content_and_stored_under_a_generated_name(world, media):
    op = operator(world)
    m = musyawarah(op)
    c = client_for(op)
    renamed = SimpleUploadedFile("notulen.pdf", b"MZ\x90\x00" + b"\x00" * 300, "application/pdf")
    response = c.post(f"/usulan/musyawarah/{m.pk}/notulen/unggah/", {"minutes": renamed})
    assert response.status_code == 400 and "dikenali dari isinya" in response.content.decode()
    m.refresh_from_db()
    assert not m.minutes
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    response = c.post(f"/usulan/musyawarah/{m.pk}/notulen/unggah/", {"minutes": big})
    assert response.status_code == 400 and "terlalu besar" in response.content.decode()

    evil = SimpleUploadedFile("../../etc/passwd.png", PNG, "image/png")
    assert c.post(f"/usulan/musyawarah/{m.pk}/notulen/unggah/", {"minutes": evil}).status_code == 302
    m.refresh_from_db()
    assert m.minutes.name.startswith("musyawarah/") and m.minutes.name.endswith(".png")
    assert "passwd" not in m.minutes.name and ".." not in m.minutes.name
    assert (media / m.minutes.name).exists()

    # Served only through the scoped view, each access logged; another village gets 404.
    response = c.get(f"/usulan/musyawarah/{m.pk}/notulen/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(action="musyawarah.minutes_view", object_id=str(m.pk)).count() == 1
    other = client_for(operator(world, SIBLING))
    assert other.get(f"/usulan/musyawarah/{m.pk}/notulen/").status_code == 404
    # The regency reads it too (its own scope).
    assert client_for(verifier(world)).get(f"/usulan/musyawarah/{m.pk}/notulen/").status_code == 200
    assert client_for(verifier(world, "3308")).get(f"/usulan/musyawarah/{m.pk}/notulen/").status_code == 404


def test_hold_needs_minutes_then_submit_sends_the_items(world):
    op = operator(world)
    m = musyawarah(op)
    c = client_for(op)
    c.post(f"/usulan/musyawarah/{m.pk}/terlaksana/")
    m.refresh_from_db()
    assert m.state == "draft"
    held = held_musyawarah(op)
    family, persons = new_family()
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=held.pk, family=family, persons=persons
    )
    assert c.post(f"/usulan/musyawarah/{held.pk}/ajukan/").status_code == 302
    held.refresh_from_db()
    item.refresh_from_db()
    assert (held.state, item.state) == ("submitted", "submitted")
    # A submitted musyawarah takes no more items.
    assert c.get(f"/usulan/musyawarah/{held.pk}/tambah/penambahan/").status_code == 403


def test_submitting_a_musyawarah_is_confirmed_on_a_page_that_lists_what_goes_and_what_stays(world):
    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[HOME_VILLAGE]
    family, persons = new_family()
    addition = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    departure = proposal_items.proposal_item_create(
        kind="transfer",
        actor=op,
        musyawarah_id=m.pk,
        target_family_id=h.family_id,
        destination={"kode_wilayah": OTHER_REGENCY, "rt": "1", "rw": "2", "alamat": "Dusun Tujuan"},
    )
    withdrawn = proposal_items.proposal_item_create(
        kind="deletion",
        actor=op,
        musyawarah_id=m.pk,
        target_person_id=h.individual.person_id,
        deletion_reason="MENINGGAL",
    )
    proposal_items.proposal_item_transition(
        item_id=withdrawn.pk, transition="withdraw", actor=op, reason="Ternyata masih hidup."
    )
    c = client_for(op)
    # The musyawarah page links to the confirmation; it no longer submits in one click.
    detail = c.get(f"/usulan/musyawarah/{m.pk}/").content.decode()
    assert f'<a class="button" href="/usulan/musyawarah/{m.pk}/ajukan/">' in detail
    assert 'method="post" action="/usulan/musyawarah/' + str(m.pk) + '/ajukan/"' not in detail

    with CaptureQueriesContext(connection) as ctx:
        page = c.get(f"/usulan/musyawarah/{m.pk}/ajukan/")
    assert page.status_code == 200
    html = page.content.decode()
    groups = {g["label"]: [i.pk for i in g["items"]] for g in page.context["groups"]}
    assert groups == {"Penambahan": [addition.pk], "Perpindahan": [departure.pk]}
    assert "Joko Baru, Rini Baru" in html  # the names of the family
    # The arrival goes with its departure, named with its destination village.
    arrival = departure.pair
    assert f'<span class="submit-partner" data-item="{arrival.pk}">' in html and "Ngargoretno" in html
    assert page.context["draft_count"] == 3  # the addition and both halves of the transfer
    assert "Ya, ajukan 3 usulan" in html
    assert [i.pk for i in page.context["staying"]] == [withdrawn.pk] and "Ditarik" in html
    # Nothing changed by looking.
    m.refresh_from_db()
    assert m.state == "held" and ProposalItem.objects.filter(state="submitted").count() == 0

    # The list costs the same whatever its length.
    for serial in range(9100, 9104):
        more, people = new_family(serial=serial)
        proposal_items.proposal_item_create(
            kind="addition", actor=op, musyawarah_id=m.pk, family=more, persons=people
        )
    with CaptureQueriesContext(connection) as again:
        assert c.get(f"/usulan/musyawarah/{m.pk}/ajukan/").context["draft_count"] == 7
    assert len(again) == len(ctx)

    response = c.post(f"/usulan/musyawarah/{m.pk}/ajukan/")
    assert response.status_code == 302 and response["Location"] == f"/usulan/musyawarah/{m.pk}/"
    states = dict(ProposalItem.objects.values_list("pk", "state"))
    assert (states[addition.pk], states[departure.pk], states[arrival.pk]) == ("submitted",) * 3
    assert states[withdrawn.pk] == "withdrawn"
    # A double submit changes nothing and says so.
    twice = c.post(f"/usulan/musyawarah/{m.pk}/ajukan/", follow=True)
    assert "sudah diajukan" in twice.content.decode()
    assert AuditEvent.objects.filter(action="musyawarah.submit").count() == 1


def test_a_musyawarah_that_cannot_be_submitted_says_why_on_the_page_as_the_api_does(world):
    from tests.proposals.test_proposals_api import api, post

    op = operator(world)
    m = musyawarah(op)  # no minutes yet: still a draft
    family, persons = new_family()
    proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    refused = post(api(op), f"/api/v1/musyawarah/{m.pk}/transisi/", {"transition": "submit"})
    assert refused.status_code == 400
    said = " ".join(text for texts in refused.json()["errors"].values() for text in texts)
    page = client_for(op).get(f"/usulan/musyawarah/{m.pk}/ajukan/").content.decode()
    assert "Musyawarah harus berstatus terlaksana (notulen diunggah) sebelum diajukan." in said
    assert "Musyawarah harus berstatus terlaksana (notulen diunggah) sebelum diajukan." in page
    assert 'class="submit-confirm"' not in page
    # A held musyawarah without drafts: the same refusal both ways.
    empty = held_musyawarah(op)
    refused = post(api(op), f"/api/v1/musyawarah/{empty.pk}/transisi/", {"transition": "submit"})
    page = client_for(op).get(f"/usulan/musyawarah/{empty.pk}/ajukan/").content.decode()
    assert "belum memiliki usulan draf" in str(refused.json()) and "belum memiliki usulan draf" in page
    assert Musyawarah.objects.filter(state="submitted").count() == 0


# ---- items of every kind -------------------------------------------------------------------------


def person_fields(i: int, p: dict) -> dict:
    return person_post("persons", i, p)


def test_addition_of_a_family_through_the_guided_steps(world):
    """Step by step as the browser posts it, every earlier step travelling in hidden fields: (1) the
    family and its house, (2) the members, added and removed with buttons, (3) the summary, saved."""
    op = operator(world)
    m = held_musyawarah(op)
    c = client_for(op)
    family, persons = new_family()
    url = f"/usulan/musyawarah/{m.pk}/tambah/penambahan/"
    first = c.get(url)
    assert first.context["step"] == "keluarga" and [s["key"] for s in first.context["steps"]] == [
        "keluarga",
        "anggota",
        "ringkasan",
    ]
    html = first.content.decode()
    assert 'aria-current="step" data-step="keluarga"' in html and 'name="persons-0-nama"' in html
    assert 'type="hidden" name="persons-0-nama"' in html  # the members travel hidden on step 1
    house = {k: v for k, v in family["house"].items()}
    step = c.post(
        url,
        form_data(first, aksi="lanjut", no_kk=family["no_kk"], rt="3", rw="4", alamat="Jl. Baru 1", **house),
    )
    assert step.status_code == 200 and step.context["step"] == "anggota"
    assert 'type="hidden" name="alamat" value="Jl. Baru 1"' in step.content.decode()
    step = c.post(url, form_data(step, aksi="lanjut", **person_fields(0, persons[0])))
    assert step.context["step"] == "ringkasan"  # one member is enough to go on
    # Back to the members: "+ Tambah anggota" twice, fill the second, remove the third.
    step = c.post(url, form_data(step, aksi="ke-anggota"))
    assert step.context["step"] == "anggota" and step.context["members_addable"]
    step = c.post(url, form_data(step, aksi="tambah-anggota"))
    step = c.post(url, form_data(step, aksi="tambah-anggota"))
    html = step.content.decode()
    assert step.status_code == 200 and html.count('class="person-form card"') == 3
    assert html.count(">Hapus anggota ini<") == 3 and 'name="persons-0-DELETE"' not in html
    assert "errorlist" not in html  # adding shows no errors for the rows still empty
    step = c.post(url, form_data(step, aksi="hapus-anggota-2", **person_fields(1, persons[1])))
    assert step.content.decode().count('class="person-form card"') == 2
    summary = c.post(url, form_data(step, aksi="lanjut"))
    assert summary.context["step"] == "ringkasan"
    html = summary.content.decode()
    for shown in ("Jl. Baru 1", "Seng", "Joko Baru", "Rini Baru", "Kepala Keluarga", "Istri", "1 Maret 1985"):
        assert shown in html, shown
    assert ProposalItem.objects.count() == 0  # nothing saved before "Simpan usulan"
    response = c.post(url, form_data(summary, aksi="simpan"))
    item = ProposalItem.objects.get()
    # Saved: back on the musyawarah, at the item's row, with a message naming the item.
    assert response.status_code == 302
    assert response["Location"] == f"/usulan/musyawarah/{m.pk}/#usulan-{item.pk}"
    landed = c.get(response["Location"]).content.decode()
    assert f"Usulan #{item.pk} (penambahan: Joko Baru …) dicatat sebagai draf." in landed
    assert f'id="usulan-{item.pk}"' in landed
    assert (item.kind, item.state, item.channel, item.no_kk) == (
        "addition",
        "draft",
        "musyawarah",
        family["no_kk"],
    )
    assert list(item.persons.values_list("nama", "hubungan_keluarga")) == [
        ("Joko Baru", "KEPALA KELUARGA"),
        ("Rini Baru", "ISTRI"),
    ]
    # The integrity engine's other findings are stored and shown (house attributes missing).
    assert any(f["rule"] == "INCOMPLETE" for f in item.findings)
    page = c.get(f"/usulan/item/{item.pk}/").content.decode()
    assert "Data belum lengkap" in page and "Rini Baru" in page


def test_invalid_nik_blocks_saving_and_the_page_says_what_the_api_says(world):
    from tests.proposals.test_proposals_api import addition_body, api, post

    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    persons[1]["nik"] = "3371015504870000"  # serial 0000
    body = addition_body(m)
    body["persons"][1]["nik"] = persons[1]["nik"]
    (said,) = post(api(op), "/api/v1/usulan/baru/", body).json()["errors"]["persons.1.nik"]
    assert "nomor urut (4 digit terakhir) tidak boleh 0000" in said
    response = client_for(op).post(
        f"/usulan/musyawarah/{m.pk}/tambah/penambahan/", family_post(family, persons)
    )
    assert response.status_code == 400
    # The page opens on the members step, at the second member's card, the message at its NIK.
    assert response.context["step"] == "anggota"
    html = response.content.decode()
    card = html[html.index('data-person="1"') :]
    card = card[: card.index("</fieldset>")]  # the last card
    assert card.startswith('data-person="1" open>')
    assert "perlu diperbaiki" in card and escape(said) in card
    assert ProposalItem.objects.count() == 0


def test_required_and_format_messages_name_the_field_whose_it_is_and_the_fix(world):
    op = operator(world)
    m = held_musyawarah(op)
    c = client_for(op)
    url = f"/usulan/musyawarah/{m.pk}/tambah/penambahan/"
    # Step 1 without an address: refused on step 1, naming the field and the fix.
    first = c.get(url)
    step = c.post(url, form_data(first, aksi="lanjut", alamat=""))
    assert step.status_code == 400 and step.context["step"] == "keluarga"
    html = step.content.decode()
    assert "Alamat wajib diisi; tulis nama jalan atau dusun dan nomor rumah." in html
    step = c.post(url, form_data(step, aksi="lanjut", alamat="Jl. Baru 1", rt="12345"))
    assert "RT terlalu panjang: paling banyak 3 karakter; singkat isinya." in step.content.decode()
    step = c.post(url, form_data(step, aksi="lanjut", rt="3"))
    assert step.context["step"] == "anggota"
    # Step 2: the second member without a name and with a date that is none.
    step = c.post(url, form_data(step, aksi="tambah-anggota", **{"persons-0-nama": "Joko Baru"}))
    step = c.post(
        url,
        form_data(
            step,
            aksi="lanjut",
            **{"persons-1-nik": "3371014204870001", "persons-1-tanggal_lahir": "31-02-1987"},
        ),
    )
    assert step.status_code == 400 and step.context["step"] == "anggota"
    html = step.content.decode()
    assert "Nama anggota ke-2 wajib diisi; tulis sesuai KTP/KK." in html
    assert "Tanggal lahir anggota ke-2 bukan tanggal yang dikenali; tulis seperti 1985-03-01" in html
    assert "Jenis kelamin anggota ke-2" not in html  # optional, and not wrong
    bad_choice = c.post(url, form_data(step, aksi="lanjut", **{"persons-0-jenis_kelamin": "X"}))
    assert "Jenis kelamin anggota ke-1 tidak ada dalam daftar; pilih salah satu pilihan" in (
        bad_choice.content.decode()
    )
    for page in (html, bad_choice.content.decode()):
        assert "Bidang ini harus diisi" not in page and "Masukkan tanggal yang valid" not in page
    assert ProposalItem.objects.count() == 0


def test_a_double_submit_of_the_last_step_is_one_item_and_lands_on_it(world):
    op = operator(world)
    m = held_musyawarah(op)
    c = client_for(op)
    family, persons = new_family()
    url = f"/usulan/musyawarah/{m.pk}/tambah/penambahan/"
    data = family_post(family, persons, aksi="lanjut", langkah="anggota")
    summary = c.post(url, data)
    assert summary.context["step"] == "ringkasan"
    key = summary.context["forms"].key["kunci"].value()
    assert re.fullmatch(r"[0-9a-f]{32}", key) and f'name="kunci" value="{key}"' in summary.content.decode()
    last = form_data(summary, aksi="simpan")
    # Without its key the last step is refused, saying so, and shown again with a new key.
    keyless = c.post(url, {k: v for k, v in last.items() if k != "kunci"})
    assert keyless.status_code == 400 and keyless.context["step"] == "ringkasan"
    assert "Formulir ini tidak lengkap (kunci pengiriman hilang)" in keyless.content.decode()
    assert re.fullmatch(r"[0-9a-f]{32}", keyless.context["forms"].key["kunci"].value())
    assert ProposalItem.objects.count() == 0
    first, again = c.post(url, last), c.post(url, last)
    item = ProposalItem.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/usulan/musyawarah/{m.pk}/#usulan-{item.pk}"
    # A summary rendered again carries a new key: saving it is a second item.
    again_summary = c.post(url, data)
    assert again_summary.context["forms"].key["kunci"].value() != key
    # The one-page kinds carry their key too: a deletion posted twice is one deletion.
    h = world.households[HOME_VILLAGE]
    deletion = f"/usulan/musyawarah/{m.pk}/tambah/penghapusan/"
    body = form_data(c.get(deletion), nomor=h.individual.nik, deletion_reason="MENINGGAL")
    assert re.fullmatch(r"[0-9a-f]{32}", body["kunci"])
    one, two = c.post(deletion, body), c.post(deletion, body)
    assert one["Location"] == two["Location"]
    assert ProposalItem.objects.filter(kind="deletion").count() == 1


def test_individual_without_nik_is_nik_pending(world):
    op = operator(world)
    m = held_musyawarah(op)
    person = {"nama": "Mbah Tanpa NIK", "jenis_kelamin": "P", "tanggal_lahir": date(1950, 1, 1)}
    response = client_for(op).post(
        f"/usulan/musyawarah/{m.pk}/tambah/penambahan/",
        family_post({"is_family": False, "alamat": "Jl. Sepi"}, [person]),
    )
    assert response.status_code == 302
    item = ProposalItem.objects.get()
    assert item.no_kk == "" and item.persons.get().nik is None
    assert "NIK_PENDING" in {f["rule"] for f in item.findings}


def test_deletion_with_a_reason_code(world):
    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[HOME_VILLAGE]
    c = client_for(op)
    url = f"/usulan/musyawarah/{m.pk}/tambah/penghapusan/"
    page = c.get(url).content.decode()
    assert "Meninggal dunia" in page and 'value="PINDAH"' not in page  # a move is a transfer
    bad = c.post(url, {"kunci": new_key(), "nomor": h.no_kk, "deletion_reason": "LAINNYA", "note": ""})
    assert bad.status_code == 400 and "Lainnya" in bad.content.decode()
    response = c.post(
        url,
        {
            "kunci": new_key(),
            "nomor": h.no_kk,
            "deletion_reason": "DATA_GANDA",
            "note": "Terdaftar dua kali.",
        },
    )
    item = ProposalItem.objects.get()
    assert response.status_code == 302
    assert (item.kind, item.target_family_id, item.deletion_reason) == ("deletion", h.family_id, "DATA_GANDA")
    assert item.persons.count() == 3  # the family as it is registered
    # A second open item on the same record is refused.
    again = c.post(url, {"kunci": new_key(), "nomor": h.head.nik, "deletion_reason": "MENINGGAL"})
    assert again.status_code == 400 and "masih berjalan" in again.content.decode()
    # A record outside the village is not found.
    foreign = world.households[SIBLING]
    response = c.post(url, {"kunci": new_key(), "nomor": foreign.no_kk, "deletion_reason": "MENINGGAL"})
    assert response.status_code == 400 and "Tidak ada data terdaftar" in response.content.decode()


def test_replacement_is_a_linked_pair(world):
    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[HOME_VILLAGE]
    family, persons = new_family()
    c = client_for(op)
    url = f"/usulan/musyawarah/{m.pk}/tambah/penggantian/"
    # The incoming half takes the addition's steps; the record it replaces is named on the first.
    first = c.get(url).content.decode()
    assert "Data terdaftar yang diganti" in first and "Yang menggantikan: keluarga dan rumah" in first
    assert 'name="nomor"' in first and 'name="persons-0-nama"' in first
    data = family_post(family, persons, nomor=h.individual.nik, deletion_reason="TIDAK_MEMENUHI_KRITERIA")
    summary = c.post(url, {**data, "aksi": "lanjut", "langkah": "anggota"})
    assert summary.context["step"] == "ringkasan"
    html = summary.content.decode()
    assert h.individual.nik in html and "Tidak memenuhi kriteria" in html and "Rini Baru" in html
    response = c.post(url, form_data(summary, aksi="simpan"))
    assert response.status_code == 302, response.content.decode()[:2000]
    out = ProposalItem.objects.get(target_person_id=h.individual.person_id)
    inn = ProposalItem.objects.exclude(pk=out.pk).get()
    assert (out.kind, inn.kind) == ("replacement", "replacement")
    assert out.pair_id == inn.pk and inn.pair_id == out.pk
    assert inn.persons.count() == 2 and out.deletion_reason == "TIDAK_MEMENUHI_KRITERIA"
    page = client_for(op).get(f"/usulan/item/{out.pk}/").content.decode()
    assert f"/usulan/item/{inn.pk}/" in page


def test_correction_stores_and_shows_the_diff(world):
    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[HOME_VILLAGE]
    c = client_for(op)
    url = f"/usulan/musyawarah/{m.pk}/tambah/perbaikan/"
    found = c.post(url, {"stage": "find", "nomor": h.no_kk})
    assert found.status_code == 200
    assert len(found.context["forms"].persons.forms) == 3 and found.context["target_hidden"] == {
        "target_family_id": h.family_id
    }
    # The new values go through the same steps as an addition: the family and house first (the
    # registered values filled in), then the members — fixed: none added or removed —, then the summary.
    assert found.context["step"] == "keluarga" and found.context["stage"] == "fill"
    step = c.post(url, form_data(found, aksi="lanjut", alamat="Jl. Diperbaiki 7"))
    assert step.context["step"] == "anggota"
    html = step.content.decode()
    assert html.count('class="person-form card"') == 3
    assert "Tambah anggota" not in html and "Hapus anggota ini" not in html
    assert "tidak dapat ditambah atau dihapus" in html
    summary = c.post(url, form_data(step, aksi="lanjut", **{"persons-2-nama": "Adi Ardana Putra"}))
    assert summary.context["step"] == "ringkasan"
    assert "Jl. Diperbaiki 7" in summary.content.decode() and "Adi Ardana Putra" in summary.content.decode()
    response = c.post(url, form_data(summary, aksi="simpan"))
    assert response.status_code == 302, response.content.decode()[:3000]
    item = ProposalItem.objects.get()
    assert item.kind == "correction" and item.target_family_id == h.family_id
    assert item.diff["alamat"][1] == "Jl. Diperbaiki 7"
    assert item.diff["persons"][str(h.members[2].person_id)]["nama"] == ["Adi Ardana", "Adi Ardana Putra"]
    page = c.get(f"/usulan/item/{item.pk}/").content.decode()
    assert "Perubahan yang diusulkan" in page and "Adi Ardana Putra" in page and "Jl. Diperbaiki 7" in page
    # Editing the draft recomputes the diff against the registry, and lands on the musyawarah too.
    edit = c.get(f"/usulan/item/{item.pk}/ubah/")
    assert edit.status_code == 200 and len(edit.context["forms"].persons.forms) == 3
    assert edit.context["step"] == "keluarga"
    edited = c.post(
        f"/usulan/item/{item.pk}/ubah/", form_data(edit, aksi="simpan", alamat="Jl. Diperbaiki 8")
    )
    assert edited.status_code == 302
    assert edited["Location"] == f"/usulan/musyawarah/{m.pk}/#usulan-{item.pk}"
    assert f"Perubahan usulan #{item.pk} (perbaikan:" in c.get(edited["Location"]).content.decode()
    item.refresh_from_db()
    assert item.diff["alamat"][1] == "Jl. Diperbaiki 8" and "persons" in item.diff


def test_transfer_is_a_pair_whose_arrival_the_destination_regency_sees(world):
    op = operator(world)
    m = held_musyawarah(op)
    h = world.households[HOME_VILLAGE]
    c = client_for(op)
    response = c.post(
        f"/usulan/musyawarah/{m.pk}/tambah/perpindahan/",
        {
            "kunci": new_key(),
            "nomor": h.no_kk,
            "destination_village": OTHER_REGENCY,
            "rt": "5",
            "rw": "1",
            "alamat": "Dusun Tujuan",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    out = ProposalItem.objects.get(target_family_id=h.family_id)
    arrival = ProposalItem.objects.exclude(pk=out.pk).get()
    assert (out.village_code, arrival.village_code) == (HOME_VILLAGE, OTHER_REGENCY)
    assert out.deletion_reason == "PINDAH" and arrival.pair_id == out.pk and out.pair_id == arrival.pk
    assert (arrival.rt, arrival.alamat) == ("005", "Dusun Tujuan")
    # Both halves are submitted with the musyawarah.
    c.post(f"/usulan/musyawarah/{m.pk}/ajukan/")
    out.refresh_from_db()
    arrival.refresh_from_db()
    assert (out.state, arrival.state) == ("submitted", "submitted")
    # The destination regency sees (and decides on) the arrival, not the departure; the origin both.
    destination = client_for(verifier(world, "3308"))
    assert destination.get(f"/usulan/item/{arrival.pk}/").status_code == 200
    assert destination.get(f"/usulan/item/{out.pk}/").status_code == 404
    assert arrival.pk in [i.pk for i in destination.get("/usulan/kabupaten/").context["items"]]
    assert c.get(f"/usulan/item/{arrival.pk}/").status_code == 200
    origin = client_for(verifier(world))
    assert [i.pk for i in origin.get("/usulan/kabupaten/").context["items"]] == [out.pk]


def test_a_draft_of_a_musyawarah_is_submitted_only_with_it_and_the_reason_box_says_who_reads_it(world):
    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    c = client_for(op)
    page = c.get(f"/usulan/item/{item.pk}/")
    html = page.content.decode()
    # No second submit path: the draft goes with its musyawarah, whose page is linked.
    assert [t["name"] for t in page.context["transitions"]] == ["withdraw"]
    assert 'data-transition="submit"' not in html
    assert "diajukan bersama musyawarahnya" in html and f'href="/usulan/musyawarah/{m.pk}/"' in html
    # The only reason box is the withdrawal's, which needs one: its label and help say who reads it.
    assert html.count("<textarea") == 1
    assert '<label for="reason-withdraw">Alasan penarikan</label>' in html
    assert "dinas sosial kabupaten/kota dan operator desa/kelurahan membacanya" in html
    assert 'aria-describedby="reason-withdraw-bantuan"' in html
    # The regency's own filing has no musyawarah: it keeps its own submit, which needs no reason.
    regency = client_for(verifier(world))
    h = world.households[HOME_VILLAGE]
    own = proposal_items.proposal_item_create(
        kind="deletion",
        actor=verifier(world),
        target_person_id=h.individual.person_id,
        deletion_reason="MENINGGAL",
    )
    page = regency.get(f"/usulan/item/{own.pk}/")
    submit = [t for t in page.context["transitions"] if t["name"] == "submit"]
    assert submit == [{"name": "submit", "needs_reason": False, "label": "", "help": ""}]
    html = page.content.decode()
    form = html[html.index('data-transition="submit"') :]
    assert "<textarea" not in form[: form.index("</form>")]
    assert "diajukan bersama musyawarahnya" not in html


# ---- returned, fixed, resubmitted; nobody else sees it ------------------------------------------


def test_returned_item_shows_the_reason_is_fixed_and_resubmitted(world):
    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=op)
    proposal_items.proposal_item_transition(
        item_id=item.pk,
        transition="return_to_village",
        actor=verifier(world),
        reason="Tanggal lahir istri salah.",
    )
    c = client_for(op)
    listing = c.get("/usulan/dikembalikan/").content.decode()
    assert f"/usulan/item/{item.pk}/" in listing and "Tanggal lahir istri salah." in listing
    detail = c.get(f"/usulan/item/{item.pk}/").content.decode()
    assert "Tanggal lahir istri salah." in detail and 'data-transition="resubmit"' in detail
    dashboard = c.get("/dasbor/").content.decode()
    assert "usulan perlu diperbaiki" in dashboard

    edit = c.get(f"/usulan/item/{item.pk}/ubah/")
    assert edit.status_code == 200 and "Tanggal lahir istri salah." in edit.content.decode()
    # The edit takes the same steps; its members travel hidden on the first.
    assert edit.context["step"] == "keluarga" and edit.context["forms"].key is None
    assert 'type="hidden" name="persons-1-nama" value="Rini Baru"' in edit.content.decode()
    persons[1]["tanggal_lahir"] = date(1987, 4, 3)
    persons[1]["nik"] = persons[1]["nik"][:6] + "430487" + persons[1]["nik"][12:]
    data = family_post(family, persons, note="Sudah diperbaiki.")
    data["persons-INITIAL_FORMS"] = "0"
    saved = c.post(f"/usulan/item/{item.pk}/ubah/", data)
    # A returned item's next step is on its own page ("Ajukan kembali"): saving lands there.
    assert saved.status_code == 302 and saved["Location"] == f"/usulan/item/{item.pk}/"
    item.refresh_from_db()
    assert item.persons.get(position=1).tanggal_lahir == date(1987, 4, 3)
    assert c.post(f"/usulan/item/{item.pk}/keputusan/", {"transition": "resubmit"}).status_code == 302
    item.refresh_from_db()
    assert item.state == "submitted"
    history = list(ProposalItemHistory.objects.filter(item=item).values_list("transition", "reason"))
    assert history == [
        ("create", ""),
        ("submit", ""),
        ("return_to_village", "Tanggal lahir istri salah."),
        ("resubmit", ""),
    ]
    # A submitted item is no longer editable.
    assert c.get(f"/usulan/item/{item.pk}/ubah/").status_code == 403


def test_another_village_sees_none_of_it(world):
    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    other = client_for(operator(world, SIBLING))
    for url in (
        f"/usulan/musyawarah/{m.pk}/",
        f"/usulan/musyawarah/{m.pk}/notulen/",
        f"/usulan/musyawarah/{m.pk}/tambah/penambahan/",
        f"/usulan/item/{item.pk}/",
        f"/usulan/item/{item.pk}/ubah/",
    ):
        assert other.get(url).status_code == 404, url
    assert (
        other.post(
            f"/usulan/item/{item.pk}/keputusan/", {"transition": "withdraw", "reason": "x"}
        ).status_code
        == 404
    )
    assert other.post(f"/usulan/musyawarah/{m.pk}/ajukan/").status_code == 404
    assert other.get("/usulan/").context["rows"] == []
    assert list(other.get("/usulan/dikembalikan/").context["items"]) == []
    item.refresh_from_db()
    assert item.state == "draft"


def test_lists_cost_the_same_whatever_their_length(world):
    op = operator(world)
    c = client_for(op)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    m = held_musyawarah(op)
    family, persons = new_family()
    proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    first = (count("/usulan/"), count(f"/usulan/musyawarah/{m.pk}/"), count("/usulan/dikembalikan/"))
    for serial in range(9100, 9105):
        held = held_musyawarah(op)
        family, persons = new_family(serial=serial)
        proposal_items.proposal_item_create(
            kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
        )
        proposal_items.proposal_item_create(
            kind="addition",
            actor=op,
            musyawarah_id=held.pk,
            family=new_family(serial=serial + 50)[0],
            persons=new_family(serial=serial + 50)[1],
        )
    assert (count("/usulan/"), count(f"/usulan/musyawarah/{m.pk}/"), count("/usulan/dikembalikan/")) == first
