"""The spreadsheet import of a musyawarah: the upload page (`proposals:import_upload`,
/usulan/musyawarah/<id>/impor/), an import's preview/progress page (`proposals:import_job`) and the
fix form of a bad row on it (`proposals:import_row_fix`, saved through htmx)."""

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
        """{row number: [field names with an error]} of the rows still bad (a row fixed on the page
        stays listed, marked fixed, until the page is reloaded)."""
        out = {}
        for tr in self.page.locator("main table.import-errors tbody tr[data-row][data-ok='0']").all():
            fields = [li.get_attribute("data-field") for li in tr.locator("ul.row-errors li").all()]
            out[int(tr.get_attribute("data-row"))] = fields
        return out

    def fixed_rows(self) -> list[int]:
        """Rows fixed on this page since it was loaded."""
        rows = self.page.locator("main table.import-errors tbody tr[data-row][data-ok='1']")
        return [int(r) for r in rows.evaluate_all("els => els.map(e => e.dataset.row)")]

    def fix_row(self, row_no: int) -> "ImportRowFix":
        """The fix form of one bad row ("Perbaiki baris N"), opened."""
        return ImportRowFix(self.page, row_no).open()

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


class ImportRowFix:
    """The inline fix form of one bad row on the preview page: the row's template columns,
    pre-filled, with each error message beside its column. Saving swaps the row (and the counts and
    the confirm button) in place through htmx."""

    def __init__(self, page, row_no: int):
        self.page = page
        self.row_no = row_no

    @property
    def body(self):
        return self.page.locator(f"main tbody#baris-{self.row_no}")

    def form(self):
        return self.body.locator("form.row-fix-form")

    def is_open(self) -> bool:
        return self.body.locator("details.row-fix").evaluate("el => el.open")

    def open(self) -> "ImportRowFix":
        if not self.is_open():
            self.body.locator("details.row-fix > summary").click()
        self.form().wait_for(state="visible")
        return self

    def value(self, column: str) -> str:
        return self.form().locator(f"input[name='{column}']").input_value()

    def field_errors(self) -> dict[str, list[str]]:
        """{column: [messages shown beside it]} in the form."""
        out = {}
        for field in self.form().locator(".field:has(.errorlist)").all():
            out[field.get_attribute("data-field")] = field.locator(".errorlist li").all_inner_texts()
        return out

    def labels(self) -> list[str]:
        return [t.strip() for t in self.form().locator(".field label").all_inner_texts()]

    def fill(self, **columns: str) -> "ImportRowFix":
        """Type into the form by template column name (nik="…", tanggal_lahir="…")."""
        for column, value in columns.items():
            self.form().locator(f"input[name='{column}']").fill(value)
        return self

    def save(self) -> "ImportRowFix":
        """Submit and wait until htmx has put the row's new version in place."""
        self.body.evaluate("el => { el.dataset.stale = '1'; }")
        with self.page.expect_response(lambda r: r.request.method == "POST" and "/perbaiki/" in r.url):
            self.form().get_by_role("button", name="Simpan perbaikan").click()
        self.page.wait_for_function(
            "n => { const el = document.getElementById('baris-' + n); return el && !el.dataset.stale"
            " && !el.classList.contains('htmx-settling'); }",
            arg=self.row_no,
        )
        return self

    def ok(self) -> bool:
        return self.body.locator("tr[data-row]").get_attribute("data-ok") == "1"

    def row_errors(self) -> dict[str, str]:
        """{column: message} as the row (not the form) lists them."""
        out = {}
        for li in self.body.locator("ul.row-errors li").all():
            out[li.get_attribute("data-field")] = li.inner_text()
        return out
