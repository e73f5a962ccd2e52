"""The registry pages: families (`registry:families`, /registri/keluarga/) and persons
(`registry:persons`, /registri/orang/) with their filter and the NIK/KK search by POST."""

from playwright.sync_api import Response

from .base import BasePage


class _RegistryList(BasePage):
    def open_expecting(self, status: int):
        """Opens the page and asserts the HTTP status (e.g. 403 for roles without the registry)."""
        response: Response | None = self.page.goto(self.base_url + self.path)
        assert response is not None and response.status == status, (response and response.status, self.path)
        return self

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def summary(self) -> str:
        """The first line under the result heading: the empty state or a message (the lists are
        keyset-paged and show no total)."""
        section = self.page.locator("main section[aria-labelledby='hasil-judul']")
        return section.locator("p").first.inner_text()

    def page_links(self) -> list[str]:
        """The paging links shown ("Halaman pertama", "Sebelumnya", "Berikutnya")."""
        return [t.strip() for t in self.page.locator("main nav.pagination a").all_inner_texts()]

    def go(self, link: str):
        """Follow a paging link (see `page_links`)."""
        with self.page.expect_navigation():
            self.page.locator("main nav.pagination").get_by_role("link", name=link, exact=True).click()
        return self

    def row_names(self) -> list[str]:
        """The linked name of each row (head of family / person), in page order."""
        return [t.strip() for t in self.page.locator("main table.data-table tbody th a").all_inner_texts()]

    def filter(self, *, area: str | None = None, name: str | None = None):
        form = self.page.locator("main form[role='search'][method='get']")
        if area is not None:
            form.get_by_label("Wilayah").select_option(label=area)
        if name is not None:
            form.get_by_label("Cari nama").fill(name)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Terapkan").click()
        return self

    def search_number(self, number: str):
        """The NIK/KK search (a POST: the number never appears in the address)."""
        form = self.page.locator("main form[role='search'][method='post']")
        form.get_by_label("NIK atau nomor KK").fill(number)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Cari").click()
        return self

    def open_tab(self, label: str):
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("link", name=label, exact=True).click()
        return (
            PersonsPage(self.page, self.base_url)
            if label == "Orang"
            else FamiliesPage(self.page, self.base_url)
        )


class FamiliesPage(_RegistryList):
    path = "/registri/keluarga/"


class PersonsPage(_RegistryList):
    path = "/registri/orang/"
