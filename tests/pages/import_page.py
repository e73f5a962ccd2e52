"""The spreadsheet import of a musyawarah: the upload page (`proposals:import_upload`,
/usulan/musyawarah/<id>/impor/) and an import's preview/progress page (`proposals:import_job`)."""

from pathlib import Path

from .base import BasePage


class ImportUploadPage(BasePage):
    def __init__(self, page, base_url: str, musyawarah_id: int):
        super().__init__(page, base_url)
        self.path = f"/usulan/musyawarah/{musyawarah_id}/impor/"

    def heading(self) -> str:
        return self.page.locator("main h1").inner_text()

    def upload(self, path: Path) -> "ImportJobPage":
        """Chooses the file and submits; returns the import's page (its preview runs in a worker)."""
        form = self.page.locator("main form[enctype='multipart/form-data']")
        form.get_by_label("Berkas CSV atau XLSX").set_input_files(str(path))
        with self.page.expect_navigation():
            form.get_by_role("button", name="Unggah dan periksa").click()
        return ImportJobPage(self.page, self.base_url)

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li").all_inner_texts()


class ImportJobPage(BasePage):
    def status(self) -> str:
        return self.page.locator("main .badge").get_attribute("data-status") or ""

    def wait_until(self, *statuses: str, timeout: float = 60_000) -> "ImportJobPage":
        """The progress bar polls; when the work is done the page reloads itself with the result."""
        wanted = " or ".join(f"@data-status='{s}'" for s in statuses)
        self.page.locator(f"xpath=//main//span[contains(@class,'badge')][{wanted}]").wait_for(timeout=timeout)
        return self

    def count(self, name: str) -> int:
        return int(self.page.locator(f"main [data-count='{name}']").inner_text().replace(".", ""))

    def error_rows(self) -> dict[int, list[str]]:
        """{row number: [field names with an error]}"""
        out = {}
        for tr in self.page.locator("main table.import-errors tbody tr").all():
            fields = [li.get_attribute("data-field") for li in tr.locator("li").all()]
            out[int(tr.get_attribute("data-row"))] = fields
        return out

    def error_text(self) -> str:
        return self.page.locator("main table.import-errors").inner_text()

    def upload_fix(self, path: Path) -> "ImportJobPage":
        form = self.page.locator("main form.fix-upload")
        form.get_by_label("Berkas CSV atau XLSX").set_input_files(str(path))
        with self.page.expect_navigation():
            form.get_by_role("button", name="Unggah berkas perbaikan").click()
        return ImportJobPage(self.page, self.base_url)

    def confirm(self) -> "ImportJobPage":
        with self.page.expect_navigation():
            self.page.locator("main form[action$='/konfirmasi/'] button").click()
        return self

    def cancel(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Batalkan impor").click()
        return self
