"""The public region picker page (`regions:picker`, /wilayah/) and its cascading picker widget."""

from playwright.sync_api import Locator, Page

from .base import BasePage

LEVEL_LABELS = ("Provinsi", "Kabupaten/Kota", "Kecamatan", "Kelurahan/Desa")


class RegionPicker:
    """The widget (four labelled selects) anywhere a form uses `RegionField`; `picker_id` is its id."""

    def __init__(self, page: Page, picker_id: str = "id_wilayah"):
        self.page = page
        self.root = page.locator(f"#{picker_id}")

    def select(self, level: int) -> Locator:
        return self.root.get_by_label(LEVEL_LABELS[level - 1], exact=True)

    def choose(self, province=None, regency=None, district=None, village=None):
        """Pick by visible name, top down; each upper choice waits for the next level's options."""
        for level, name in enumerate((province, regency, district, village), start=1):
            if name is None:
                continue
            select = self.select(level)
            if level < 4:
                with self.page.expect_response(lambda r: "/wilayah/anak/" in r.url) as response:
                    select.select_option(label=name)
                assert response.value.ok, response.value.text()
            else:
                select.select_option(label=name)
        return self

    def chosen(self) -> list[str]:
        """Visible text of the selected option at each level (placeholders included)."""
        return [
            self.select(level).evaluate("s => s.options[s.selectedIndex]?.text ?? ''")
            for level in range(1, 5)
        ]

    def options(self, level: int) -> list[str]:
        return self.select(level).locator("option").all_inner_texts()


class RegionPickerPage(BasePage):
    path = "/wilayah/"

    def __init__(self, page: Page, base_url: str):
        super().__init__(page, base_url)
        self.picker = RegionPicker(page)

    def choose(self, province=None, regency=None, district=None, village=None):
        self.picker.choose(province=province, regency=regency, district=district, village=village)
        return self

    def submit(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Tampilkan").click()
        return self

    def result_text(self) -> str:
        result = self.page.locator("#hasil")
        return result.inner_text() if result.count() else ""

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li").all_inner_texts()
