import pytest
from django.test import override_settings
from django.urls import path


def boom(request):
    raise RuntimeError("internal detail that must not leak")


urlpatterns = [path("boom/", boom, name="boom")]


@pytest.mark.django_db
def test_unknown_page_is_an_indonesian_404(client):
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert "Halaman atau data tidak ditemukan" in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_shows_no_traceback(client, monkeypatch):
    import dtks.permissions as perms

    monkeypatch.setitem(perms.ROUTES, "boom", perms.PUBLIC)
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in body
    assert "internal detail" not in body and "Traceback" not in body
