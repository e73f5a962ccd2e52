"""The village operator's proposals in Debian's Chromium at 360 px: a test per item kind, and the
flow of issue 4: a village operator records a musyawarah with its minutes and items and submits it;
the regency verifier returns one item with a reason; the village sees the reason, fixes and
resubmits it; another village sees none of it.

(The spreadsheet import of the same musyawarah is its own pages' test: it adds items to the same
musyawarah, after which this flow goes on unchanged.)
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import Role
from dtks.accounts.scope import TOTP_ROLES
from dtks.regions.models import Region
from proposals.models import ProposalItem
from proposals.musyawarah import services as musyawarah_services
from tests.accounts.helpers import token_for
from tests.browser.conftest import VIEWPORT
from tests.harness.world import HOME_VILLAGE, PASSWORD
from tests.pages.dashboard import DashboardPage
from tests.pages.login import LoginPage, OtpVerifyPage
from tests.pages.musyawarah import MusyawarahListPage, MusyawarahPage, ReturnedPage
from tests.pages.proposal_item import ItemPage, RegencyPage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIBLING = "3371011007"


def sign_in(page, base_url, user) -> DashboardPage:
    landed = LoginPage(page, base_url).open().sign_in(user.username, PASSWORD)
    if user.role in TOTP_ROLES:
        assert isinstance(landed, OtpVerifyPage), page.url
        landed = landed.verify(token_for(TOTPDevice.objects.get(user=user, confirmed=True)))
    assert isinstance(landed, DashboardPage), page.url
    return landed


def operator(world, village=HOME_VILLAGE):
    return world.users[(Role.VILLAGE_OPERATOR, village)]


def held(world):
    op = operator(world)
    m = musyawarah_services.musyawarah_create(
        actor=op,
        held_on=date(2026, 11, 2),
        place="Balai",
        led_by="Lurah",
        attendee_count=9,
        input_sources=["RT_RW"],
    )
    musyawarah_services.musyawarah_minutes_attach(
        musyawarah_id=m.pk, actor=op, upload=SimpleUploadedFile("n.pdf", PDF, "application/pdf")
    )
    return musyawarah_services.musyawarah_hold(musyawarah_id=m.pk, actor=op)


def open_musyawarah(page, base_url, world):
    m = held(world)
    sign_in(page, base_url, operator(world))
    return MusyawarahPage(page, base_url, m.pk).open()


# ---- one test per item kind ---------------------------------------------------------------------


def test_addition_of_a_family_with_members_added_and_removed(page, base_url, world, outside_requests):
    form = open_musyawarah(page, base_url, world).add("Penambahan")
    form.fill_family(no_kk="3371010203249001", rt="3", rw="4", alamat="Jl. Baru 1").next()
    assert form.step() == "anggota"
    form.fill_person(
        0,
        nik="3371010103859001",
        nama="Joko Baru",
        tanggal_lahir="1985-03-01",
        jenis_kelamin="Laki-laki",
        hubungan_keluarga="Kepala Keluarga",
    )
    form.add_member().add_member()
    assert form.person_count() == 3
    form.fill_person(
        1,
        nik="3371014204879001",
        nama="Rini Baru",
        tanggal_lahir="1987-04-02",
        jenis_kelamin="Perempuan",
        hubungan_keluarga="Istri",
    )
    form.remove_member(2)  # "Hapus anggota ini" on the third row
    assert form.person_count() == 2
    form.next()
    assert form.step() == "ringkasan" and "Rini Baru" in form.summary()
    landed = form.save()
    assert isinstance(landed, MusyawarahPage), form.errors()  # back on the musyawarah, at the item
    assert any("dicatat sebagai draf" in m for m in landed.messages())
    item = landed.open_item()
    assert item.persons() == ["Joko Baru", "Rini Baru"]
    assert item.state() == "Draf"
    assert not item.has_horizontal_scroll()
    assert outside_requests == []


def test_the_guided_addition_works_without_javascript_and_each_step_fits_two_screens(
    browser, base_url, world
):
    """The three steps are plain POSTs: with JavaScript off the family is entered and saved. At 360 px
    each step is measured (a family of two, the first member folded once named) and stays within about
    two screens of a 740 px phone."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    form = open_musyawarah(page, base_url, world).add("Penambahan")
    heights = {}
    assert form.step() == "keluarga"
    heights["keluarga"] = form.height()
    assert not form.has_horizontal_scroll()
    page.screenshot(path="/tmp/usulan-langkah-1.png", full_page=True)
    form.fill_family(no_kk="3371010203249001", rt="3", rw="4", alamat="Jl. Baru 1").next()
    form.fill_person(
        0,
        nik="3371010103859001",
        nama="Joko Baru",
        tanggal_lahir="1985-03-01",
        jenis_kelamin="Laki-laki",
        hubungan_keluarga="Kepala Keluarga",
    )
    form.add_member().fill_person(
        1,
        nik="3371014204879001",
        nama="Rini Baru",
        tanggal_lahir="1987-04-02",
        jenis_kelamin="Perempuan",
        hubungan_keluarga="Istri",
    )
    assert form.step() == "anggota" and form.person_count() == 2
    heights["anggota"] = form.height()
    assert not form.has_horizontal_scroll()
    page.screenshot(path="/tmp/usulan-langkah-2.png", full_page=True)
    form.next()
    assert form.step() == "ringkasan" and "Joko Baru" in form.summary() and "Rini Baru" in form.summary()
    heights["ringkasan"] = form.height()
    assert not form.has_horizontal_scroll()
    page.screenshot(path="/tmp/usulan-langkah-3.png", full_page=True)
    print("page heights at 360 px:", heights)
    assert all(h < 2200 for h in heights.values()), heights
    landed = form.save()
    assert isinstance(landed, MusyawarahPage), form.errors()
    item = ProposalItem.objects.get()
    assert list(item.persons.values_list("nama", flat=True)) == ["Joko Baru", "Rini Baru"]
    assert landed.landed_item_id() == item.pk
    context.close()


def test_addition_refuses_an_invalid_nik_naming_the_field(page, base_url, world):
    form = open_musyawarah(page, base_url, world).add("Penambahan")
    form.fill_family(individual=True, alamat="Jl. Sepi").next()
    form.fill_person(0, nik="3371010103850000", nama="Salah NIK")
    assert form.save() is form
    assert form.step() == "anggota"  # the step with the refused field
    assert any("nomor urut" in e for e in form.errors())
    assert ProposalItem.objects.count() == 0


def test_deletion(page, base_url, world):
    h = world.households[HOME_VILLAGE]
    form = open_musyawarah(page, base_url, world).add("Penghapusan")
    form.find_record(h.individual.nik, reason="Meninggal dunia")
    item = form.save().open_item()
    assert item.heading().endswith("Penghapusan")
    assert item.persons() == [h.individual.nama]


def test_replacement(page, base_url, world):
    h = world.households[HOME_VILLAGE]
    form = open_musyawarah(page, base_url, world).add("Penggantian")
    form.find_record(h.individual.nik, reason="Tidak memenuhi kriteria")
    form.fill_family(individual=True, alamat="Jl. Pengganti").next()
    form.fill_person(
        0, nik="3371010505609001", nama="Pak Pengganti", tanggal_lahir="1960-05-05", jenis_kelamin="Laki-laki"
    )
    item = form.save().open_item()
    assert "(keluar)" in item.heading()
    pair = item.pair_link()
    assert pair
    page.goto(base_url + pair)
    assert ItemPage(page, base_url).persons() == ["Pak Pengganti"]


def test_correction_shows_the_diff(page, base_url, world):
    h = world.households[HOME_VILLAGE]
    form = open_musyawarah(page, base_url, world).add("Perbaikan")
    form.find_record(h.no_kk).search()
    assert form.step() == "keluarga"  # the record's values, in the addition's steps
    form.form().locator("fieldset.family-fieldset").get_by_label("Alamat", exact=True).fill("Jl. Benar 9")
    form.next()
    assert form.person_count() == 3
    item = form.save().open_item()
    assert any("Jl. Benar 9" in row for row in item.diff()), item.diff()


def test_transfer_to_another_regency(page, base_url, world):
    h = world.households[HOME_VILLAGE]
    dest = "3308012001"
    names = dict(
        Region.objects.filter(code__in=[dest[:2], dest[:4], dest[:6], dest]).values_list("code", "name")
    )
    form = open_musyawarah(page, base_url, world).add("Perpindahan")
    form.find_record(h.no_kk)
    form.destination(
        province=names[dest[:2]],
        regency=names[dest[:4]],
        district=names[dest[:6]],
        village=names[dest],
        alamat="Dusun Tujuan",
        rt="1",
        rw="2",
    )
    item = form.save().open_item()
    assert "(keberangkatan)" in item.heading()
    arrival = ProposalItem.objects.get(village_code=dest)
    assert arrival.pair_id == item.pk


def test_the_nik_is_never_clipped_at_360_px(page, base_url, world):
    """The item page shows full NIKs and the KK to the village's operator: at 360 px each number
    wraps or fits inside its cell, never cut off by the card."""
    from proposals import item as proposal_items

    h = world.households[HOME_VILLAGE]
    m = held(world)
    item = proposal_items.proposal_item_create(
        kind="deletion",
        actor=operator(world),
        musyawarah_id=m.pk,
        target_family_id=h.family_id,
        deletion_reason="DATA_GANDA",
    )
    sign_in(page, base_url, operator(world))
    detail = ItemPage(page, base_url, item.pk).open()
    assert len(detail.persons()) == 3
    numbers = page.locator("main table.persons-table .id-number").all_inner_texts()
    assert [n.strip() for n in numbers] == [p.nik for p in h.members]  # full, as the village sees them
    page.screenshot(path="/tmp/usulan-nik-360.png", full_page=True)
    assert detail.id_number_overflows() == []
    assert not detail.has_horizontal_scroll()


# ---- the flow: record, submit, returned, fixed, resubmitted; nobody else sees it -----------------


def test_village_records_submits_regency_returns_village_fixes_and_resubmits(
    page, base_url, world, tmp_path, outside_requests, browser
):
    op = operator(world)
    dashboard = sign_in(page, base_url, op)
    assert "Musyawarah desa/kelurahan" in dashboard.queue_titles()
    listing = MusyawarahListPage(page, base_url).open()
    m = listing.new().record(
        held_on="2026-11-02",
        place="Balai kelurahan",
        led_by="Lurah",
        attendees=23,
        names="Pak RT\nBu RW",
        sources=["RT/RW", "PSKS"],
    )
    assert m.state() == "Draf"
    minutes = tmp_path / "notulen.pdf"
    minutes.write_bytes(PDF)
    m.upload_minutes(str(minutes)).hold()
    assert m.state() == "Terlaksana (notulen diunggah)"
    m_id = m.pk

    for serial, name in ((9001, "Joko Satu"), (9002, "Joko Dua")):
        form = m.add("Penambahan")
        form.fill_family(no_kk=f"337101020324{serial}", rt="1", rw="1", alamat="Jl. Baru").next()
        form.fill_person(
            0,
            nik=f"337101010385{serial}",
            nama=name,
            tanggal_lahir="1985-03-01",
            jenis_kelamin="Laki-laki",
            hubungan_keluarga="Kepala Keluarga",
        )
        assert isinstance(form.save(), MusyawarahPage)
        m = MusyawarahPage(page, base_url, m_id).open()
    # "Ajukan musyawarah" asks first: the page lists the two additions by name.
    submission = MusyawarahPage(page, base_url, m_id).open().open_submission()
    drafts = list(ProposalItem.objects.filter(musyawarah_id=m_id).order_by("pk").values_list("pk", flat=True))
    assert submission.groups() == {"Penambahan (2)": drafts} and submission.staying() == []
    assert "Joko Satu" in submission.page.locator("main .submit-list").inner_text()
    assert not submission.has_horizontal_scroll()
    m = submission.confirm()
    assert m.state() == "Diajukan ke kabupaten/kota"
    rows = m.item_rows()
    assert [r["state"] for r in rows] == ["Diajukan", "Diajukan"]
    returned_id = rows[0]["id"]

    # The regency verifier (TOTP) returns one item with a reason.
    regency_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    regency_page = regency_context.new_page()
    sign_in(regency_page, base_url, world.users[(Role.REGENCY_VERIFIER, "3371")])
    regency = RegencyPage(regency_page, base_url).open()
    assert sorted(regency.item_ids()) == sorted(r["id"] for r in rows)
    regency.return_to_village(returned_id, "KK tidak terbaca; unggah ulang.")
    assert returned_id not in regency.item_ids()
    regency_context.close()

    # The village sees the reason, fixes the item and resubmits it.
    returned = ReturnedPage(page, base_url).open()
    assert returned.rows() == [{"id": returned_id, "reason": "KK tidak terbaca; unggah ulang."}]
    item = returned.open_item(returned_id)
    assert "KK tidak terbaca" in item.last_reason()
    form = item.edit()
    form.form().locator("fieldset.family-fieldset").get_by_label("Alamat", exact=True).fill("Jl. Baru 2")
    item = form.save()
    item = ItemPage(page, base_url, returned_id).open().act("resubmit")
    assert item.state() == "Diajukan"
    assert "KK tidak terbaca; unggah ulang." in " ".join(item.history_reasons())
    assert ReturnedPage(page, base_url).open().rows() == []
    assert not item.has_horizontal_scroll()
    page.screenshot(path="/tmp/usulan-dikembalikan-diajukan-kembali.png", full_page=True)

    # Another village sees none of it.
    other_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    other = other_context.new_page()
    sign_in(other, base_url, operator(world, SIBLING))
    assert MusyawarahListPage(other, base_url).open().dates() == []
    response = other.goto(f"{base_url}/usulan/item/{returned_id}/")
    assert response.status == 404
    response = other.goto(f"{base_url}/usulan/musyawarah/{m_id}/notulen/")
    assert response.status == 404
    other_context.close()
    assert outside_requests == []
