"""The region picker in a real browser at 360 px: cascade, submit, result, nothing loaded from outside."""

import pytest
from playwright.sync_api import expect

from tests.pages.home import HomePage
from tests.pages.region_picker import RegionPickerPage

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/picker.png"


def test_pick_a_kelurahan_of_kota_magelang(page, base_url, outside_requests):
    picker_page = RegionPickerPage(page, base_url).open()
    picker_page.choose(province="Jawa Tengah", regency="Kota Magelang", district="Magelang Tengah")
    assert picker_page.picker.options(4) == [
        "— pilih kelurahan/desa —",
        "Cacaban",
        "Gelangan",
        "Kemirirejo",
        "Magelang",
        "Panjang",
        "Rejowinangun Utara",
    ]
    picker_page.choose(village="Cacaban").submit()

    result = picker_page.result_text()
    assert "Cacaban, Magelang Tengah, Kota Magelang, Jawa Tengah" in result
    assert "3371031002" in result
    assert "33.71.03.1002" in result
    assert "wilayah=3371031002" in page.url
    # the re-rendered form shows the same choice, filled in server-side
    assert picker_page.picker.chosen() == ["Jawa Tengah", "Kota Magelang", "Magelang Tengah", "Cacaban"]

    assert picker_page.scroll_width() <= 360
    assert outside_requests == []
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_changing_an_upper_level_empties_the_deeper_ones(page, base_url, outside_requests):
    picker = RegionPickerPage(page, base_url).open().picker
    picker.choose(province="Jawa Tengah", regency="Kota Magelang", district="Magelang Utara")
    picker.choose(province="Daerah Istimewa Yogyakarta")
    assert picker.chosen() == [
        "Daerah Istimewa Yogyakarta",
        "— pilih kabupaten/kota —",
        "— pilih kabupaten/kota dahulu —",
        "— pilih kecamatan dahulu —",
    ]
    assert "Kota Yogyakarta" in picker.options(2)
    picker.choose(province="— pilih provinsi —")
    assert picker.options(2) == ["— pilih provinsi dahulu —"]
    assert outside_requests == []


def test_unknown_code_in_the_address_is_explained(page, base_url):
    picker_page = RegionPickerPage(page, base_url).open("wilayah=3371039999")
    assert picker_page.errors() == ["Kode wilayah tidak dikenal: pilih kelurahan/desa dari daftar."]
    assert picker_page.result_text() == ""
    assert not picker_page.has_horizontal_scroll()


def test_home_page_at_360px_leads_to_the_picker(page, base_url, outside_requests):
    home = HomePage(page, base_url).open()
    assert home.html_lang() == "id"
    assert home.heading() == "Data Terpadu Kesejahteraan Sosial"
    expect(page.locator("main").get_by_role("link", name="Masuk")).to_have_attribute("href", "/akun/masuk/")
    assert not home.has_horizontal_scroll()
    picker_page = home.go_to_region_picker()
    assert page.url == base_url + "/wilayah/"
    assert not picker_page.has_horizontal_scroll()
    assert outside_requests == []


def test_keyboard_focus_is_visible(page, base_url):
    RegionPickerPage(page, base_url).open()
    page.keyboard.press("Tab")  # the skip link comes first and shows itself when focused
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert skip.evaluate("e => e.getBoundingClientRect().left") >= 0
    province = page.get_by_label("Provinsi", exact=True)
    province.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(province).to_be_focused()
    assert province.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def test_language_switch(page, base_url):
    picker_page = RegionPickerPage(page, base_url).open("wilayah=3371031002")
    picker_page.switch_language("English")
    assert picker_page.html_lang() == "en"
    assert page.url.endswith("/wilayah/?wilayah=3371031002")
    picker_page.switch_language("Bahasa Indonesia")
    assert picker_page.html_lang() == "id"
