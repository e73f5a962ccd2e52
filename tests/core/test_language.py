"""Bahasa Indonesia by default for everyone, whatever the browser asks; English only after the user
chose it with the language switch (dtks.core.middleware.LanguageMiddleware)."""

import pytest
from django.conf import settings

from dtks.accounts.models import Role, User
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = "en-US,en;q=0.9"


def page_language(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("url", ["/", "/daftar/", "/akun/masuk/", "/wilayah/"])
def test_an_english_browser_gets_indonesian_pages(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert response.status_code == 200
    assert page_language(response) == "id"
    assert response["Content-Language"] == "id"
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Beranda" in response.content.decode()


def test_choosing_english_with_the_switch_gives_english(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/daftar/"}, HTTP_ACCEPT_LANGUAGE="id"
    )
    assert response.status_code == 302 and response["Location"] == "/daftar/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The choice wins over the browser's header either way.
    for header in ("id", ENGLISH_BROWSER):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assert page_language(response) == "en" and response["Content-Language"] == "en"
        assert "Home" in response.content.decode()
    # And back.
    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert page_language(client.get("/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)) == "id"


@pytest.mark.parametrize("cookie", ["xx", "", "en-GB", "de"])
def test_an_unknown_or_regional_cookie(client, cookie):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    language = page_language(client.get("/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER))
    assert language == ("en" if cookie == "en-GB" else "id")


def user(role: str, **kw) -> User:
    return User.objects.create_user(f"{role}.bahasa", password="rahasia-panjang-1", role=role, **kw)


def test_the_api_answers_in_indonesian_unless_english_was_chosen():
    client = token_client(user(Role.QA_ASSESSOR))
    refused = client.get("/api/v1/orang/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Peran Anda tidak berhak membuka halaman ini."
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/api/v1/orang/").json()["detail"] != "Peran Anda tidak berhak membuka halaman ini."


def test_admin_pages_are_indonesian_for_an_english_browser(client, otp_login):
    otp_login(client, user(Role.ADMIN, is_staff=True))
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert response.status_code == 200
    assert page_language(response) == "id"
    assert (
        "Administrasi situs" in response.content.decode()
        or "Pengguna dan konfigurasi" in response.content.decode()
    )
