"""What every page built on templates/base.html offers: layout checks and the language switch."""

from playwright.sync_api import Page


class BasePage:
    path = "/"

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url.rstrip("/")

    def open(self, query: str = ""):
        self.page.goto(self.base_url + self.path + (f"?{query}" if query else ""))
        return self

    def scroll_width(self) -> int:
        """Width of the document; more than the viewport means a horizontal scrollbar."""
        return self.page.evaluate("document.scrollingElement.scrollWidth")

    def has_horizontal_scroll(self) -> bool:
        return self.scroll_width() > self.page.viewport_size["width"]

    def html_lang(self) -> str:
        return self.page.locator("html").get_attribute("lang") or ""

    def switch_language(self, label: str):
        """Choose a language in the header (e.g. "English") and wait for the page to come back."""
        form = self.page.locator("form.lang-switch")
        # by id, not by its label: the label itself changes with the language
        form.locator("#lang-select").select_option(label=label)
        with self.page.expect_navigation():
            form.get_by_role("button").click()
        return self
