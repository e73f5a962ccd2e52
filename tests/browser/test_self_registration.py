"""Self-registration in a real browser at 360 px: fill in the form, add a family member with htmx,
submit, read and print the receipt; a birth date that contradicts the NIK is shown, corrected and
sent; nothing is loaded from outside localhost."""

import re

import pytest
from django.core.cache import caches
from playwright.sync_api import expect

from proposals.models import ProposalItem
from tests.pages.self_registration import SelfRegistrationPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # The live server commits, and the flush between transactional tests leaves the cache table.
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def test_register_a_family_with_one_added_member(page, base_url, outside_requests):
    form = SelfRegistrationPage(page, base_url).open()
    assert not form.has_horizontal_scroll()
    form.choose_request("Pendaftaran baru ke DTKS")
    form.fill_applicant(
        nik="3371011505800001",
        no_kk="3371010101200003",
        nama="Budi Santoso",
        tempat_lahir="Magelang",
        tanggal_lahir="1980-05-15",
        jenis_kelamin="L",
        status_perkawinan="KAWIN",
        hubungan_keluarga="KEPALA KELUARGA",
    )
    form.choose_region(
        province="Jawa Tengah",
        regency="Kota Magelang",
        district="Magelang Selatan",
        village="Rejowinangun Selatan",
    )
    form.fill_applicant(rt="3", rw="2", alamat="Jl. Sudirman 5", telepon="081234567890")
    assert form.member_count() == 0
    form.add_member().add_member()
    assert form.member_count() == 2
    form.remove_member(2)
    assert form.member_count() == 1
    # the applicant's data typed above is untouched by the swap
    assert page.locator("#id_nama").input_value() == "Budi Santoso"
    form.fill_member(
        0,
        nik="3371014203850002",
        nama="Siti Aminah",
        tempat_lahir="Magelang",
        tanggal_lahir="1985-03-02",
        jenis_kelamin="P",
        hubungan_keluarga="ISTRI",
    )
    assert not form.has_horizontal_scroll()
    form.consent()
    page.screenshot(path="/tmp/self-registration-form.png", full_page=True)
    form.submit()

    code = form.receipt_code()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert "/daftar/tanda-terima/" in page.url
    assert "Langkah selanjutnya" in page.content()
    expect(form.print_button()).to_be_visible()  # our script ran (the CSP allows no inline script)
    assert not form.has_horizontal_scroll()
    item = ProposalItem.objects.get(receipt_code=code)
    assert (item.state, item.channel, item.village_code) == ("submitted", "self_registration", "3371011003")
    assert [p.nama for p in item.persons.order_by("position")] == ["Budi Santoso", "Siti Aminah"]
    assert outside_requests == []
    page.screenshot(path="/tmp/self-registration-receipt.png", full_page=True)


def test_format_errors_are_shown_on_the_phone(page, base_url, outside_requests):
    form = SelfRegistrationPage(page, base_url).open()
    form.fill_applicant(nik="12345", nama="Budi")
    form.submit()
    errors = form.errors()
    assert any("NIK harus 16 digit angka" in e for e in errors)
    assert any("Centang pernyataan persetujuan" in e for e in errors)
    assert not form.has_horizontal_scroll()
    assert ProposalItem.objects.count() == 0
    assert outside_requests == []


def test_a_birth_date_contradicting_the_nik_is_shown_corrected_and_sent(page, base_url, outside_requests):
    form = SelfRegistrationPage(page, base_url).open()
    form.fill_applicant(
        nik="3371011505800001",
        nama="Budi Santoso",
        tempat_lahir="Magelang",
        tanggal_lahir="1980-05-16",  # the NIK says 15-05-80
        jenis_kelamin="L",
        status_perkawinan="BELUM KAWIN",
        hubungan_keluarga="KEPALA KELUARGA",
    )
    form.choose_region(
        province="Jawa Tengah",
        regency="Kota Magelang",
        district="Magelang Selatan",
        village="Rejowinangun Selatan",
    )
    form.fill_applicant(rt="3", rw="2", alamat="Jl. Sudirman 5", telepon="081234567890")
    form.consent()
    form.submit()

    assert form.field_errors("tanggal_lahir") == [
        "Digit 7–12 NIK menunjukkan tanggal lahir 15-05-80, tetapi tanggal lahir yang ditulis 16-05-1980; "
        "periksa tanggal lahir atau NIK."
    ]
    expect(form.nik_confirmation()).to_be_visible()  # or confirm the data as it is
    assert not form.has_horizontal_scroll()
    page.screenshot(path="/tmp/self-registration-nik-warning.png", full_page=True)
    assert ProposalItem.objects.count() == 0

    form.fill_applicant(tanggal_lahir="1980-05-15")
    form.submit()
    code = form.receipt_code()
    item = ProposalItem.objects.get(receipt_code=code)
    assert "NIK_MISMATCH" not in {f["rule"] for f in item.findings}
    assert [p.tanggal_lahir.isoformat() for p in item.persons.all()] == ["1980-05-15"]
    expect(form.print_button()).to_be_visible()
    assert outside_requests == []
