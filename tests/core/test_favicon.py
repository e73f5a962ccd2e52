"""The favicon: /favicon.ico from the site root (WhiteNoise's WHITENOISE_ROOT), the SVG the pages link
from the static files; no page sends the browser to a 404 for it."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "head"])
def test_favicon_ico_is_served_from_the_root(method):
    response = getattr(Client(), method)("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    if method == "get":
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\x00\x00\x01\x00")  # an ICO header


def test_pages_link_the_icons_and_the_linked_svg_is_served(client):
    html = client.get("/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in html
    assert 'rel="icon" href="/favicon.ico"' in html
    assert finders.find("img/favicon.svg")
    # As WhiteNoise serves an uncollected static file (the finders), in a fresh middleware stack.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/img/favicon.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
