"""Self-registration (pendaftaran mandiri): the public form, its receipt, idempotency, honeypot, the
per-IP rate limit, the same answer for known and unknown NIKs, the warning for a NIK that contradicts
its own birth date or sex, one open application per applicant NIK (a repeat replaces the open
version), corrections, and the village's read-only list."""

import re
import uuid
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from proposals.channels.self_registration import SYSTEM_ACTOR, receipt_token
from proposals.models import Musyawarah, ProposalItem, ProposalItemHistory
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, user
from tests.registry import factories as reg

pytestmark = pytest.mark.django_db

URL = "/daftar/"
HEAD_NIK = "3371011505800001"  # born 15-05-1980, male
WIFE_NIK = "3371014203850002"  # born 02-03-1985, female (day + 40)
CHILD_NIK = "3371010907100003"
KK = "3371010101200003"
RECEIPT_RE = re.compile(r"^/daftar/tanda-terima/([0-9A-Z]{4}-[0-9A-Z]{4}):[^/]+/$")


def form_data(*, members=1, key=None, **overrides) -> dict:
    data = {
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
        "rw": "002",
        "alamat": "Jl. Sudirman 5",
        "telepon": "0812-3456-7890",
        "catatan": "",
        "persetujuan": "on",
        "situs": "",
        "kunci": key or uuid.uuid4().hex,
        "anggota-TOTAL_FORMS": str(members),
        "anggota-INITIAL_FORMS": "0",
    }
    people = [
        ("Siti Aminah", WIFE_NIK, "1985-03-02", "P", "ISTRI"),
        ("Adi Santoso", CHILD_NIK, "2010-07-09", "L", "ANAK"),
    ]
    for i, (nama, nik, lahir, jk, hub) in enumerate(people[:members]):
        data |= {
            f"anggota-{i}-nik": nik,
            f"anggota-{i}-nama": nama,
            f"anggota-{i}-tempat_lahir": "Magelang",
            f"anggota-{i}-tanggal_lahir": lahir,
            f"anggota-{i}-jenis_kelamin": jk,
            f"anggota-{i}-hubungan_keluarga": hub,
        }
    return data | overrides


def submit(data, *, ip="10.0.0.1", client=None):
    return (client or Client()).post(URL, data, REMOTE_ADDR=ip)


def receipt_code(response) -> str:
    assert response.status_code == 302, response.content[:2000]
    match = RECEIPT_RE.match(response["Location"])
    assert match, response["Location"]
    return match.group(1)


def normalised(html: str) -> str:
    """A page with what legitimately differs per answer taken out: CSRF tokens and the receipt code."""
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1TOKEN", html)
    html = re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}:[A-Za-z0-9_-]+", "CODE:SIGNATURE", html)
    return re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}", "CODE", html)


def test_page_offers_the_form_in_indonesian_with_a_fresh_key():
    response = Client().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pendaftaran mandiri DTKS" in html
    assert "Undang-Undang Nomor 27 Tahun 2022" in html
    keys = re.findall(r'name="kunci" value="([0-9a-f]{32})"', html)
    assert len(keys) == 1
    assert keys[0] not in Client().get(URL).content.decode()  # every render has its own key
    assert 'name="situs"' in html and 'class="hp-field"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_valid_submission_creates_one_submitted_item_with_its_persons():
    response = submit(form_data())
    code = receipt_code(response)
    item = ProposalItem.objects.get()
    assert item.receipt_code == code
    assert (item.state, item.channel, item.kind) == ("submitted", "self_registration", "addition")
    assert item.verifier == ProposalItem.Verifier.REGENCY
    assert item.musyawarah is None
    assert (item.village_code, item.no_kk, item.rt, item.rw) == (VILLAGE_A, KK, "003", "002")
    assert item.contact_phone == "081234567890"
    assert item.consent_at is not None
    assert item.created_by is None
    persons = list(item.persons.order_by("position"))
    assert [(p.nik, p.nama, p.hubungan_keluarga) for p in persons] == [
        (HEAD_NIK, "Budi Santoso", "KEPALA KELUARGA"),
        (WIFE_NIK, "Siti Aminah", "ISTRI"),
    ]
    history = ProposalItemHistory.objects.get(item=item)
    assert (history.from_state, history.to_state, history.actor_id, history.actor_label) == (
        "",
        "submitted",
        None,
        SYSTEM_ACTOR,
    )
    audit = AuditEvent.objects.get(action="proposal_item.self_register")
    assert (audit.actor_label, audit.object_id, audit.region_code, audit.ip) == (
        SYSTEM_ACTOR,
        str(item.pk),
        VILLAGE_A,
        "10.0.0.1",
    )
    assert HEAD_NIK not in str(audit.detail)


def test_receipt_page_shows_only_the_code_and_what_comes_next():
    code = receipt_code(submit(form_data()))
    response = Client().get(f"/daftar/tanda-terima/{receipt_token(code)}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert code in html and "Langkah selanjutnya" in html
    for private in (HEAD_NIK, "Budi", KK, "0812"):
        assert private not in html
    assert Client().get(f"/daftar/tanda-terima/{code}:palsu/").status_code == 404


def test_receipt_page_is_not_stored_prints_the_code_large_and_offers_a_print_button(settings):
    code = receipt_code(submit(form_data()))
    response = Client().get(f"/daftar/tanda-terima/{receipt_token(code)}/")
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert re.search(
        rf'class="receipt-code receipt-code--large"><strong id="nomor-tanda-terima">{code}<', html
    )
    # the print button is ours (a static file; the CSP allows no inline script), hidden until it runs
    assert re.search(r'<button type="button"[^>]*id="cetak-tanda-terima"[^>]*data-print[^>]*hidden>', html)
    assert re.search(r'<script src="/static/js/print\.js" defer></script>', html)
    assert "<script>" not in html and "onclick" not in html
    # the status check is planned: its place is named in the template, but no link leads nowhere yet
    card = html.split('id="tanda-terima"')[1].split("</section>")[0]
    assert "<a " not in card
    assert "STATUS CHECK" in (settings.BASE_DIR / "templates/proposals/public/receipt.html").read_text()


def test_double_submit_with_the_same_key_is_one_item_and_the_same_receipt():
    data = form_data()
    first, second = submit(data), submit(data)
    assert receipt_code(first) == receipt_code(second)
    assert first["Location"] == second["Location"]
    assert ProposalItem.objects.count() == 1
    assert ProposalItemHistory.objects.count() == 1
    assert AuditEvent.objects.filter(action="proposal_item.self_register").count() == 1


def test_another_submission_gets_a_new_receipt():
    first = receipt_code(submit(form_data()))
    second = receipt_code(submit(form_data()))  # a new form: a new key
    data = form_data()
    third = receipt_code(submit(data))
    fourth = receipt_code(submit(data | {"alamat": "Jl. Sudirman 7"}))  # same form, changed content
    assert len({first, second, third, fourth}) == 4
    assert ProposalItem.objects.count() == 4


def test_filled_honeypot_is_dropped_with_the_same_answer():
    bot = submit(form_data(situs="http://spam.example"))
    person = submit(form_data())
    assert bot.status_code == person.status_code == 302
    assert RECEIPT_RE.match(bot["Location"]) and RECEIPT_RE.match(person["Location"])
    assert bot["Location"] != person["Location"]
    assert ProposalItem.objects.count() == 1
    bot_page = Client().get(bot["Location"])
    person_page = Client().get(person["Location"])
    assert bot_page.status_code == 200
    assert normalised(bot_page.content.decode()) == normalised(person_page.content.decode())


def test_rate_limit_per_ip_with_the_real_settings(settings):
    limit, _window = settings.DTKS_SELF_REGISTRATION_RATE_IP
    assert limit >= 5
    client = Client()
    for _ in range(limit):
        # Invalid attempts count as well (they cost the server the same), so probing is limited too.
        assert submit({"nik": "12"}, ip="10.0.0.9", client=client).status_code == 400
    refused = submit(form_data(), ip="10.0.0.9", client=client)
    assert refused.status_code == 429
    assert "Batas pengiriman tercapai" in refused.content.decode()
    assert ProposalItem.objects.count() == 0
    assert receipt_code(submit(form_data(), ip="10.0.0.10"))  # another address is not affected


def stranger_data(**overrides) -> dict:
    """Someone else's submission with the citizen's NIK: their own phone and address."""
    return form_data(members=0, telepon="089999999999", alamat="Alamat palsu", **overrides)


def regency_client() -> Client:
    from tests.proposals.flow import client_for

    return client_for(user(Role.REGENCY_VERIFIER, "3371"))


def test_repeats_for_one_nik_by_someone_else_do_not_stop_the_citizens_own_submission():
    """The old per-NIK limit let five requests block a named citizen for a day; now a repeat for an
    open NIK replaces the open version, so it neither piles up nor blocks anyone."""
    strangers = [receipt_code(submit(stranger_data(), ip="10.66.0.1")) for _ in range(5)]
    own = receipt_code(submit(form_data(members=0), ip="10.1.0.1"))
    assert len({*strangers, own}) == 6  # a new receipt every time, of the same shape
    newest = ProposalItem.objects.get(receipt_code=own)
    assert (newest.state, newest.contact_phone, newest.alamat) == (
        "submitted",
        "081234567890",
        "Jl. Sudirman 5",
    )
    earlier = list(ProposalItem.objects.exclude(pk=newest.pk).order_by("pk"))
    first = earlier[0]
    assert [i.state for i in earlier] == ["withdrawn"] * 5
    assert first.application_id is None
    assert [i.application_id for i in [*earlier[1:], newest]] == [first.pk] * 5
    # each earlier version was withdrawn by the channel's system actor, naming the version after it
    for old, new in zip(earlier, [*earlier[1:], newest], strict=True):
        h = ProposalItemHistory.objects.get(item=old, transition="supersede")
        assert (h.from_state, h.to_state, h.actor_id, h.actor_label) == (
            "submitted",
            "withdrawn",
            None,
            SYSTEM_ACTOR,
        )
        assert h.reason == f"diganti versi baru #{new.pk}" == old.last_reason
        assert h.detail == {"stage": "proposal", "replaced_by": new.pk}
        assert AuditEvent.objects.filter(action="proposal_item.supersede", object_id=str(old.pk)).count() == 1
    # the regency sees one application, the newest version, and decides once
    queue = regency_client().get("/usulan/kabupaten/").content.decode()
    assert re.findall(r'data-item="(\d+)"', queue) == [str(newest.pk)]
    # no earlier version is a duplicate of the newest
    assert "DUPLICATE_NIK" not in {f["rule"] for f in newest.findings}


def test_the_newest_versions_page_lists_the_earlier_ones_and_they_link_back():
    first = ProposalItem.objects.get(receipt_code=receipt_code(submit(stranger_data(), ip="10.66.0.1")))
    newest = ProposalItem.objects.get(receipt_code=receipt_code(submit(form_data(members=0))))
    c = regency_client()
    html = unescape(c.get(f"/usulan/item/{newest.pk}/").content.decode())
    assert "Versi lain pendaftaran ini" in html
    assert re.findall(r'data-version="(\d+)"', html) == [str(first.pk)]
    assert "versi sebelumnya" in html
    old = unescape(c.get(f"/usulan/item/{first.pk}/").content.decode())
    assert re.findall(r'data-version="(\d+)"', old) == [str(newest.pk)]
    assert f"diganti versi baru #{newest.pk}" in old and "versi lebih baru" in old
    # a version in another regency is not listed to this one (its own regency sees it)
    elsewhere = ProposalItem.objects.get(
        receipt_code=receipt_code(submit(form_data(members=0, wilayah="3308012001", rt="1")))
    )
    assert elsewhere.application_id == first.pk
    html = c.get(f"/usulan/item/{newest.pk}/").content.decode()
    assert re.findall(r'data-version="(\d+)"', html) == [str(first.pk)]
    assert c.get(f"/usulan/item/{elsewhere.pk}/").status_code == 404
    # a self-registration sent once, and every other channel, has no versions section
    single = ProposalItem.objects.get(
        receipt_code=receipt_code(
            submit(form_data(members=0, nik="3371012001900004", tanggal_lahir="1990-01-20"))
        )
    )
    assert "Versi lain pendaftaran ini" not in c.get(f"/usulan/item/{single.pk}/").content.decode()


def test_a_decided_application_is_not_replaced_a_new_submission_starts_a_new_one():
    from proposals.item import proposal_item_transition

    first = ProposalItem.objects.get(receipt_code=receipt_code(submit(form_data(members=0))))
    proposal_item_transition(
        item_id=first.pk,
        transition="reject",
        actor=user(Role.REGENCY_VERIFIER, "3371"),
        reason="Tidak layak.",
    )
    again = ProposalItem.objects.get(receipt_code=receipt_code(submit(form_data(members=0))))
    first.refresh_from_db()
    assert (first.state, again.state, again.application_id) == ("rejected", "submitted", None)


def test_only_the_applicants_nik_links_versions_not_a_members():
    own = ProposalItem.objects.get(receipt_code=receipt_code(submit(form_data(members=0))))
    other = form_data(members=1, nik="3371012001900004", tanggal_lahir="1990-01-20")
    other |= {
        "anggota-0-nik": HEAD_NIK,
        "anggota-0-jenis_kelamin": "L",
        "anggota-0-tanggal_lahir": "1980-05-15",
    }
    theirs = ProposalItem.objects.get(receipt_code=receipt_code(submit(other)))
    own.refresh_from_db()
    assert (own.state, theirs.state, theirs.application_id) == ("submitted", "submitted", None)


def test_a_repeat_answers_exactly_like_a_first_submission():
    """Nothing in the answer says whether the NIK already had an open application."""
    first = submit(form_data(members=0))
    repeat = submit(form_data(members=0))
    assert first.status_code == repeat.status_code == 302
    assert set(first.headers) == set(repeat.headers)
    first_page = Client().get(first["Location"]).content.decode()
    repeat_page = Client().get(repeat["Location"]).content.decode()
    assert normalised(first_page) == normalised(repeat_page)


def test_only_the_system_actor_supersedes_and_only_a_self_registration():
    from django.core.exceptions import PermissionDenied, ValidationError

    from dtks.audit.services import SystemActor
    from proposals.item import proposal_item_transition
    from tests.proposals.factories import item, users

    system = SystemActor(SYSTEM_ACTOR)
    musyawarah_item = item(ProposalItem.State.SUBMITTED)
    with pytest.raises(ValidationError, match="Hanya pendaftaran mandiri"):
        proposal_item_transition(item_id=musyawarah_item.pk, transition="supersede", actor=system, reason="x")
    own = item(ProposalItem.State.SUBMITTED, channel="self_registration")
    for person in users().values():
        with pytest.raises(PermissionDenied):
            proposal_item_transition(item_id=own.pk, transition="supersede", actor=person, reason="x")
    with pytest.raises(ValidationError, match="Alasan wajib"):
        proposal_item_transition(item_id=own.pk, transition="supersede", actor=system)
    assert ProposalItem.objects.get(pk=own.pk).state == "submitted"


def test_rate_limit_windows_are_stored_hashed(settings):
    from django.core.cache import caches

    submit(form_data(members=0), ip="10.2.0.1")
    with connection.cursor() as cur:
        cur.execute("SELECT cache_key FROM dtks_ratelimit_cache")
        keys = [r[0] for r in cur.fetchall()]
    assert keys and not any(HEAD_NIK in k or "10.2.0.1" in k for k in keys)
    assert caches["ratelimit"] is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "33710115058000", "NIK harus 16 digit angka (tertulis 14 karakter)"),
        ("nik", "3.37101150580001E+15", "format kolom NIK sebagai Teks"),
        ("nik", "9971011505800001", 'NIK: kode provinsi "99"'),
        ("no_kk", "3371013202200003", "Nomor KK: digit 7–12 harus tanggal yang ada"),
        ("telepon", "12345", "Nomor telepon/HP tidak sah"),
        ("rt", "A1", "RT ditulis dengan angka saja"),
        ("wilayah", "33", "Pilihan wilayah belum lengkap"),
    ],
)
def test_format_errors_are_shown_in_indonesian_and_nothing_is_saved(field, value, message):
    response = submit(form_data(**{field: value}))
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert message in html
    assert "Pendaftaran belum terkirim" in html
    assert ProposalItem.objects.count() == 0


def test_member_errors_and_cross_checks():
    data = form_data(members=1, no_kk="")
    data["anggota-0-nik"] = HEAD_NIK
    response = submit(data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Isi nomor KK bila mendaftarkan anggota keluarga." in html
    assert "NIK ini sama dengan NIK Anda di atas" in html
    missing = submit(form_data(persetujuan=""))
    assert "Centang pernyataan persetujuan" in missing.content.decode()
    assert ProposalItem.objects.count() == 0


def test_an_empty_member_row_is_ignored():
    data = form_data(members=1)
    data["anggota-TOTAL_FORMS"] = "2"  # the second row was added but left empty
    receipt_code(submit(data))
    assert ProposalItem.objects.get().persons.count() == 2


DATE_WARNING = (
    "Digit 7–12 NIK menunjukkan tanggal lahir 15-05-80, tetapi tanggal lahir yang ditulis 16-05-1980; "
    "periksa tanggal lahir atau NIK."
)
SEX_WARNING = (
    "Digit 7–8 NIK menunjukkan jenis kelamin perempuan (pada NIK perempuan, tanggal lahir ditambah 40), "
    "tetapi yang dipilih laki-laki; periksa jenis kelamin atau NIK."
)
CONFIRM = "centang “Data sudah benar” lalu kirim lagi"


def field_errors(html: str, field_id: str) -> list[str]:
    """The error messages rendered for one field (its `<ul class="errorlist" id="…_error">`)."""
    block = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []


def test_a_nik_contradicting_own_birth_date_or_sex_is_a_warning_to_correct_or_confirm():
    data = form_data(members=1, tanggal_lahir="1980-05-16") | {"anggota-0-jenis_kelamin": "L"}
    response = submit(data)
    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(html, "id_tanggal_lahir") == [DATE_WARNING]
    assert field_errors(html, "id_anggota-0-jenis_kelamin") == [SEX_WARNING]
    assert field_errors(html, "id_nik") == field_errors(html, "id_anggota-0-nik") == []
    assert 'name="konfirmasi_nik"' in html and CONFIRM in unescape(html)
    assert "Pendaftaran belum terkirim" in html
    assert ProposalItem.objects.count() == 0
    # the citizen confirms: accepted, and the verifier gets the finding as before
    code = receipt_code(submit(data | {"konfirmasi_nik": "on"}))
    item = ProposalItem.objects.get(receipt_code=code)
    mismatches = [(f["person"], f["fields"]) for f in item.findings if f["rule"] == "NIK_MISMATCH"]
    assert mismatches == [(0, ["tanggal_lahir"]), (1, ["jenis_kelamin"])]


def test_a_corrected_birth_date_needs_no_confirmation():
    wrong = form_data(members=0, tanggal_lahir="1980-05-16")
    assert submit(wrong).status_code == 400
    code = receipt_code(submit(wrong | {"tanggal_lahir": "1980-05-15"}))
    assert "NIK_MISMATCH" not in {f["rule"] for f in ProposalItem.objects.get(receipt_code=code).findings}
    # a page without a warning does not ask for the confirmation at all
    assert 'name="konfirmasi_nik"' not in Client().get(URL).content.decode()
    assert 'name="konfirmasi_nik"' not in submit(form_data(telepon="1")).content.decode()


def test_the_nik_warning_is_about_the_typed_data_only_registered_or_not():
    """The warning compares what was typed with itself: a registered NIK gets the same page."""
    registered(HEAD_NIK)
    key = uuid.uuid4().hex
    known = submit(form_data(members=0, tanggal_lahir="1980-05-16", key=key)).content.decode()
    unknown_nik = "3371011505800009"
    unknown = submit(
        form_data(members=0, tanggal_lahir="1980-05-16", key=key, nik=unknown_nik)
    ).content.decode()
    assert normalised(known).replace(HEAD_NIK, "NIK") == normalised(unknown).replace(unknown_nik, "NIK")


def registered(nik: str) -> None:
    b = reg.batch()
    reg.person(b, person_id=9001, nik=nik, nama="Budi Santoso", village_code=VILLAGE_A)


def test_known_and_unknown_nik_get_the_same_answer():
    registered(HEAD_NIK)
    unknown = "3371011505800009"
    # accepted: the same redirect, the same receipt page
    known_response = submit(form_data(members=0))
    unknown_response = submit(form_data(members=0, nik=unknown))
    assert known_response.status_code == unknown_response.status_code == 302
    assert set(known_response.headers) == set(unknown_response.headers)
    known_page = Client().get(known_response["Location"]).content.decode()
    unknown_page = Client().get(unknown_response["Location"]).content.decode()
    assert normalised(known_page) == normalised(unknown_page)
    # the findings are the staff's: stored on the item, never shown to the citizen
    rules = {
        nik: [f["rule"] for f in findings]
        for nik, findings in [(i.persons.get().nik, i.findings) for i in ProposalItem.objects.all()]
    }
    assert "DUPLICATE_NIK" in rules[HEAD_NIK] and "DUPLICATE_NIK" not in rules[unknown]
    # refused for another field: the same page, only the typed NIK differs
    key = uuid.uuid4().hex
    known_bad = submit(form_data(members=0, telepon="1", key=key)).content.decode()
    unknown_bad = submit(form_data(members=0, telepon="1", key=key, nik=unknown)).content.decode()
    assert normalised(known_bad).replace(HEAD_NIK, "NIK") == normalised(unknown_bad).replace(unknown, "NIK")
    for hint in ("wilayah lain", "DUPLICATE_NIK", "sudah terdaftar di", "9001"):
        assert hint not in known_bad


def test_correction_request_becomes_a_correction_item():
    registered(HEAD_NIK)
    refused = submit(form_data(members=0, permohonan="perbaikan"))
    assert refused.status_code == 400
    assert "Tulis data mana yang perlu diperbaiki" in refused.content.decode()
    data = form_data(members=0, permohonan="perbaikan", catatan="Tanggal lahir saya 15-05-1980, bukan 1981.")
    code = receipt_code(submit(data))
    item = ProposalItem.objects.get(receipt_code=code)
    assert (item.kind, item.state, item.channel) == ("correction", "submitted", "self_registration")
    assert item.note.startswith("Tanggal lahir saya")
    assert item.target_person_id == 9001  # for staff; the citizen's receipt says nothing of it
    # a correction for a NIK the registry does not hold answers the same way
    other = receipt_code(submit(data | {"kunci": uuid.uuid4().hex, "nik": "3371011505800009"}))
    assert ProposalItem.objects.get(receipt_code=other).target_person_id is None


def test_ministry_takes_the_regions_a_setting_lists(settings):
    settings.DTKS_SELF_REGISTRATION_MINISTRY_REGIONS = ["3371"]
    receipt_code(submit(form_data()))
    receipt_code(submit(form_data(wilayah="3308012001", rt="1")))
    verifiers = dict(ProposalItem.objects.values_list("village_code", "verifier"))
    assert verifiers == {VILLAGE_A: "ministry", "3308012001": "regency"}


def test_add_and_remove_member_rows_without_javascript():
    data = form_data(members=1)
    added = Client().post(URL, data | {"aksi": "tambah"})
    html = added.content.decode()
    assert added.status_code == 200
    assert 'name="anggota-TOTAL_FORMS" value="2"' in html
    assert 'value="Siti Aminah"' in html and 'name="anggota-1-nama"' in html
    assert 'value="Budi Santoso"' in html  # what was typed above stays
    assert "errorlist" not in html  # nothing validated yet
    two = form_data(members=2)
    removed = Client().post(URL, two | {"aksi": "hapus-0"}).content.decode()
    assert 'name="anggota-TOTAL_FORMS" value="1"' in removed
    assert 'value="Adi Santoso"' in removed and "Siti Aminah" not in removed
    assert ProposalItem.objects.count() == 0


def test_it_never_enters_a_musyawarah():
    receipt_code(submit(form_data()))
    item = ProposalItem.objects.get()
    assert item.musyawarah_id is None
    assert not Musyawarah.objects.filter(items=item).exists()


def village_list(client) -> str:
    response = client.get("/usulan/pendaftaran-mandiri/")
    assert response.status_code == 200
    return response.content.decode()


def test_village_sees_its_self_registrations_read_only_with_masked_nik():
    receipt_code(submit(form_data()))
    receipt_code(submit(form_data(wilayah=VILLAGE_B, rt="1")))
    own, sibling = Client(), Client()
    own.force_login(user(Role.VILLAGE_OPERATOR, VILLAGE_A))
    sibling.force_login(user(Role.VILLAGE_OPERATOR, VILLAGE_B, name="op-b"))
    html = village_list(own)
    assert "Budi Santoso" in html and "3371**********01" in html
    assert HEAD_NIK not in html and WIFE_NIK not in html
    assert "<form" not in html.split('id="konten"')[1]  # read-only: no forms beyond the header's
    assert html.count("data-item=") == 1
    assert village_list(sibling).count("data-item=") == 1
    regency = Client()
    regency.force_login(user(Role.REGENCY_VERIFIER, "3371"))
    assert regency.get("/usulan/pendaftaran-mandiri/").status_code in (302, 403)
    assert Client().get("/usulan/pendaftaran-mandiri/").status_code == 302


def test_village_list_query_count_does_not_grow_with_rows():
    operator = user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    client = Client()
    client.force_login(operator)
    receipt_code(submit(form_data()))
    with CaptureQueriesContext(connection) as one:
        village_list(client)
    for _ in range(4):
        receipt_code(submit(form_data()))
    with CaptureQueriesContext(connection) as five:
        assert village_list(client).count("data-item=") == 5
    assert len(five) == len(one)


@pytest.mark.django_db(transaction=True)
def test_repeats_sent_at_the_same_moment_leave_one_open_version():
    """The applicant's NIK is locked for the length of a submission, so racing repeats line up: one
    open version, the others superseded in turn, all of one application."""
    import threading
    from datetime import date

    from proposals.channels.self_registration import Submission, self_registration_submit

    applicant = {
        "nik": HEAD_NIK,
        "nama": "Budi Santoso",
        "tempat_lahir": "Magelang",
        "tanggal_lahir": date(1980, 5, 15),
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
    }
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def send(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            submission = Submission(
                kind="addition",
                village_code=VILLAGE_A,
                no_kk="",
                rt="001",
                rw="002",
                alamat=f"Jl. Balapan {n}",
                phone="081234567890",
                note="",
                persons=[applicant],
            )
            self_registration_submit(submission=submission, form_key=f"balapan-{n}")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    items = list(ProposalItem.objects.order_by("pk"))
    assert len(items) == 4
    assert [i.state for i in items] == ["withdrawn"] * 3 + ["submitted"]
    assert {i.application_id for i in items[1:]} == {items[0].pk}
