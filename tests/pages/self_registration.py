"""The public self-registration page (`public:register`, /daftar/) and its receipt page."""

from playwright.sync_api import Page, expect

from .base import BasePage
from .region_picker import RegionPicker


class SelfRegistrationPage(BasePage):
    path = "/daftar/"

    def __init__(self, page: Page, base_url: str):
        super().__init__(page, base_url)
        self.form = page.locator("main form.card")
        self.picker = RegionPicker(page, "id_wilayah")

    def choose_request(self, label: str):
        """ "Pendaftaran baru ke DTKS" or "Perbaikan data saya yang sudah terdaftar"."""
        self.form.get_by_label(label).check()
        return self

    def fill_applicant(self, **values):
        """Fields by label: nik, no_kk, nama, tempat_lahir, tanggal_lahir (YYYY-MM-DD), jenis_kelamin,
        status_perkawinan, hubungan_keluarga, rt, rw, alamat, telepon, catatan."""
        for name, value in values.items():
            field = self.page.locator(f"#id_{name}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        return self

    def choose_region(self, **names):
        self.picker.choose(**names)
        return self

    def member_count(self) -> int:
        return self.page.locator("#anggota .member").count()

    def add_member(self):
        """Press "Tambah anggota keluarga" and wait for the new row (htmx swaps only the members part)."""
        before = self.member_count()
        self.page.get_by_role("button", name="Tambah anggota keluarga").click()
        self.page.locator(f"#anggota-{before}").wait_for()
        return self

    def remove_member(self, number: int):
        before = self.member_count()
        self.page.get_by_role("button", name=f"Hapus anggota {number}").click()
        # a locator wait, not wait_for_function: the CSP forbids evaluating strings
        expect(self.page.locator("#anggota .member")).to_have_count(before - 1)
        return self

    def fill_member(self, index: int, **values):
        """Fields of member row `index` (0-based): nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin,
        hubungan_keluarga."""
        for name, value in values.items():
            field = self.page.locator(f"#id_anggota-{index}-{name}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        return self

    def consent(self):
        self.page.locator("#id_persetujuan").check()
        return self

    def submit(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Kirim pendaftaran").click()
        return self

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li").all_inner_texts()

    def field_errors(self, name: str) -> list[str]:
        """The messages shown for one field: `tanggal_lahir`, or a member's `anggota-0-jenis_kelamin`."""
        return self.page.locator(f"#id_{name}_error li").all_inner_texts()

    def nik_confirmation(self):
        """The "Data sudah benar" box the page asks for after a NIK warning."""
        return self.page.locator("#id_konfirmasi_nik")

    def confirm_nik(self):
        self.nik_confirmation().check()
        return self

    def receipt_code(self) -> str:
        return self.page.locator("#nomor-tanda-terima").inner_text()

    def print_button(self):
        """The receipt's "Cetak tanda terima" button (shown by our static/js/print.js)."""
        return self.page.get_by_role("button", name="Cetak tanda terima")
