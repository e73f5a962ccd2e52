"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium. Every page is 360 px wide
(the phones village operators and field officers use), and requests to any host other than the
live server are aborted and recorded, so a test fails if a page reaches outside (docs/security.md, "Data stays in Indonesia": no
CDNs or external services).
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the ORM
# calls the test database fixtures make from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 360, "height": 740}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_outside(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """URLs the page tried to load from a host other than the live server (aborted)."""
    return []


@pytest.fixture
def browser_context(browser, outside_requests):
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")

    def guard(route):
        url = route.request.url
        if is_outside(url):
            outside_requests.append(url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    context.route("**/*", guard)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, outside_requests):
    page = browser_context.new_page()
    page.set_default_timeout(10_000)

    def record(request):
        # Listening as well as routing: a request that bypassed the route would still show up here.
        if is_outside(request.url) and request.url not in outside_requests:
            outside_requests.append(request.url)

    page.on("request", record)
    yield page
    page.close()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files in the test's own folder (a test may override it, e.g. for a worker's folder)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def world(media):
    """The role × region harness's world (tests/harness/world.py), with its media folder."""
    from tests.harness.world import build_world

    return build_world()
