"""The public landing page (`home`, /)."""

from .base import BasePage


class HomePage(BasePage):
    path = "/"

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def go_to_region_picker(self):
        from .region_picker import RegionPickerPage

        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name="Pemilih wilayah").click()
        return RegionPickerPage(self.page, self.base_url)
