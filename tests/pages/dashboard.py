"""The role dashboard (`dashboard`, /dasbor/) and the header navigation every signed-in page shares."""

import re

from .base import BasePage


class DashboardPage(BasePage):
    path = "/dasbor/"

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text()

    def role_title(self) -> str:
        """The role as the heading's badge names it ("Operator desa/kelurahan", …)."""
        return self.page.locator("main .page-head .badge").inner_text()

    def scope(self) -> str:
        """The scope line: "Cakupan: <village>, <district>, …" or "Cakupan: seluruh Indonesia"."""
        meta = self.page.locator("main .page-head__meta")
        return meta.inner_text() if meta.count() else ""

    def queue_titles(self) -> list[str]:
        return self.page.locator("main .queue-grid h3").all_inner_texts()

    def registry_counts(self) -> dict[str, int]:
        """The "Registri dalam cakupan Anda" figures by label ("keluarga", "orang", …); {} when absent."""
        counts = {}
        for card in self.page.locator("main .stat-card").all():
            label = card.locator(".stat-card__label").inner_text().strip()
            counts[label] = int(re.sub(r"\D", "", card.locator(".stat").inner_text()) or 0)
        return counts

    def nav_links(self) -> list[str]:
        return [t.strip() for t in self.page.locator("nav.site-nav a").all_inner_texts()]

    def has_registry_link(self) -> bool:
        return self.page.locator("nav.site-nav").get_by_role("link", name="Registri", exact=True).count() > 0

    def open_registry(self):
        from .registry import FamiliesPage

        with self.page.expect_navigation():
            self.page.locator("nav.site-nav").get_by_role("link", name="Registri", exact=True).click()
        return FamiliesPage(self.page, self.base_url)

    def sign_out(self):
        from .login import LoginPage

        with self.page.expect_navigation():
            self.page.locator("nav.site-nav").get_by_role("button", name="Keluar").click()
        return LoginPage(self.page, self.base_url)
