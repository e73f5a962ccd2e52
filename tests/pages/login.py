"""Signing in: the login page (`accounts:login`, /akun/masuk/) and the TOTP steps after it
(`accounts:otp_verify`, `accounts:otp_setup`)."""

from urllib.parse import urlsplit

from playwright.sync_api import Page

from .base import BasePage


class LoginPage(BasePage):
    path = "/akun/masuk/"

    def sign_in(self, username: str, password: str):
        """Types the credentials and submits; returns the page the login sent the user to (the TOTP
        verification or enrolment page for TOTP roles, otherwise the dashboard)."""
        form = self.page.locator("main form")
        form.get_by_label("Nama pengguna").fill(username)
        form.get_by_label("Kata sandi").fill(password)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Masuk").click()
        return page_for(self.page, self.base_url)

    def errors(self) -> list[str]:
        return self.page.locator("main .errorlist li").all_inner_texts()


class OtpVerifyPage(BasePage):
    path = "/akun/totp/verifikasi/"

    def verify(self, token: str):
        """Types a 6-digit code from the authenticator and submits; returns the next page."""
        form = self.page.locator("main form.card")
        form.get_by_label("Kode TOTP").fill(token)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Verifikasi").click()
        return page_for(self.page, self.base_url)


class OtpSetupPage(BasePage):
    path = "/akun/totp/pasang/"

    def secret(self) -> str:
        """The base32 key shown for typing into an authenticator by hand (spaces removed)."""
        return self.page.locator("main dd code").inner_text().replace(" ", "")

    def confirm(self, token: str):
        form = self.page.locator("main form.card")
        form.get_by_label("Kode TOTP").fill(token)
        with self.page.expect_navigation():
            form.get_by_role("button", name="Pasang").click()
        return page_for(self.page, self.base_url)


def page_for(page: Page, base_url: str) -> BasePage:
    """The helper of the page the browser is on now (after a sign-in step)."""
    from .dashboard import DashboardPage

    path = urlsplit(page.url).path
    for helper in (OtpVerifyPage, OtpSetupPage, DashboardPage, LoginPage):
        if path == helper.path:
            return helper(page, base_url)
    return BasePage(page, base_url)
