"""The Dukcapil pages: the data unit's page with the upload (`civil:overview`, /dukcapil/), an
extract's progress and result (`civil:extract`, /dukcapil/ekstrak/<id>/) and the reconciliation
(`civil:reconciliation`, /dukcapil/rekonsiliasi/)."""

from pathlib import Path

from .base import BasePage


class DukcapilPage(BasePage):
    path = "/dukcapil/"

    def heading(self) -> str:
        return self.page.locator("main h1").inner_text()

    def source(self) -> str:
        """The configured source's code ("none", "extract", "http")."""
        return self.page.locator("main dd[data-source]").get_attribute("data-source") or ""

    def says_rules_do_not_run(self) -> bool:
        return self.page.locator("main .source-none").count() == 1

    def upload(self, path: Path, *, source: str, day: str) -> "ExtractPage":
        """Fills the upload form and submits; returns the extract's page (it loads in a worker)."""
        form = self.page.locator("main form.extract-upload")
        form.get_by_label("Berkas ekstrak (CSV atau XLSX)").set_input_files(str(path))
        form.get_by_label("Sumber ekstrak").fill(source)
        form.get_by_label("Tanggal ekstrak").fill(day)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Unggah dan muat").click()
        return ExtractPage(self.page, self.base_url)

    def errors(self) -> dict[str, list[str]]:
        """{field name: messages} under the upload form's fields."""
        out = {}
        for name in ("file", "sumber", "tanggal_ekstrak"):
            field = self.page.locator(f"main form.extract-upload .field:has(#id_{name})")
            out[name] = field.locator(".errorlist li").all_inner_texts()
        return {k: v for k, v in out.items() if v}


class ExtractPage(BasePage):
    def status(self) -> str:
        return self.page.locator("main p.muted .badge[data-status]").get_attribute("data-status") or ""

    def shows_progress(self) -> bool:
        return self.page.locator("main #extract-progress").count() == 1

    def wait_until(self, *statuses: str, timeout: float = 60_000) -> "ExtractPage":
        """The progress polls; when the load ends the page reloads itself with the result."""
        wanted = " or ".join(f"@data-status='{s}'" for s in statuses)
        self.page.locator(f"xpath=//main/p[contains(@class,'muted')]/span[{wanted}]").wait_for(
            timeout=timeout
        )
        return self

    def result(self) -> dict[str, int]:
        """{"baris dibaca": n, "baris ditolak": n, "penduduk dimuat": n}."""
        out = {}
        for card in self.page.locator("main ul.extract-result li").all():
            label = card.locator(".stat-card__label").inner_text()
            out[label] = int(card.locator(".stat").inner_text().replace(".", ""))
        return out

    def refused_rows(self) -> dict[int, str]:
        """{row number: column} of the refused rows listed on this page."""
        rows = self.page.locator("main table.extract-refusals tbody tr")
        return {int(r.get_attribute("data-row")): r.locator("td").first.inner_text() for r in rows.all()}


class ReconciliationPage(BasePage):
    path = "/dukcapil/rekonsiliasi/"

    def counts(self) -> dict[str, int]:
        """{reason code: persons} as the chart shows them."""
        out = {}
        for li in self.page.locator("main ol.reason-chart li").all():
            out[li.get_attribute("data-reason")] = int(
                li.locator(".bar-list__n").inner_text().replace(".", "")
            )
        return out

    def persons(self) -> list[str]:
        return [t.strip() for t in self.page.locator("main .reconciliation-row h3 a").all_inner_texts()]

    def open_reason(self, reason: str) -> "ReconciliationPage":
        with self.page.expect_navigation():
            self.page.locator(f"main ol.reason-chart li[data-reason='{reason}'] a").click()
        return self

    def comparison_rows(self, person: str) -> list[tuple[str, str, str]]:
        """(field, this data, Dukcapil) of one person's comparison table."""
        card = self.page.locator("main .reconciliation-row", has=self.page.get_by_role("link", name=person))
        out = []
        for tr in card.locator("table.comparison__table tbody tr").all():
            field = tr.locator("th").evaluate("th => th.firstChild.textContent")  # not "(berbeda)"
            cells = [field, *tr.locator("td").all_inner_texts()]
            out.append(tuple(" ".join(c.split()) for c in cells))
        return out

    def differing(self, person: str) -> list[str]:
        """The parts of one person's comparison marked as differing."""
        card = self.page.locator("main .reconciliation-row", has=self.page.get_by_role("link", name=person))
        rows = card.locator("table.comparison__table tbody tr.comparison__row--differs")
        return [r.get_attribute("data-part") for r in rows.all()]
