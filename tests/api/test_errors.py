"""One error format: `{"detail", "errors"}`; bad input is a 400 with field errors, never a 500."""

import logging

import pytest

from dtks.accounts.models import Role
from dtks.registry.identity import check_kk, check_nik

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/orang/cari/"


@pytest.fixture
def pusdatin(registry, as_role):
    return as_role(Role.MINISTRY_DATA_OFFICER)


@pytest.mark.parametrize(
    "nik",
    [
        "123",
        "3371011505800000",
        "9971011505800001",
        "3300011505800001",
        "3371013213800001",
        "3.37101E+15",
        "33710115058000011",
        "abcdefghijklmnop",
    ],
)
def test_malformed_nik_is_400_with_the_identity_message(pusdatin, nik):
    response = pusdatin.post(SEARCH, {"nik": nik}, format="json")
    assert response.status_code == 400
    body = response.json()
    check = check_nik(nik)
    assert body["errors"] == {"nik": [check.message(check.errors[0])]}
    assert body["detail"]


def test_malformed_kk_is_400(pusdatin):
    response = pusdatin.post(SEARCH, {"no_kk": "3371010000000000"}, format="json")
    check = check_kk("3371010000000000")
    assert response.status_code == 400
    assert response.json()["errors"] == {"no_kk": [check.message(check.errors[0])]}


@pytest.mark.parametrize("body", [{}, {"nik": "3371011505800001", "no_kk": "3371011201100003"}])
def test_search_needs_exactly_one_of_nik_or_kk(pusdatin, body):
    response = pusdatin.post(SEARCH, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('{"nik": 33710115}', "application/json"),
        ('{"nik": null}', "application/json"),
        ('{"nik": ""}', "application/json"),
        ('{"nik": "33710115\\u000005800001"}', "application/json"),
        ("nik=1", "text/plain"),
    ],
)
def test_garbage_bodies_are_4xx_in_the_one_shape(pusdatin, payload, content_type):
    response = pusdatin.generic("POST", SEARCH, payload, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"detail", "errors"}


def test_nik_never_travels_in_the_url(pusdatin):
    response = pusdatin.get(SEARCH, {"nik": "3371011505800001"})
    assert response.status_code == 405
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize("url", ["/api/v1/orang/1234567890123/", "/api/v1/keluarga/999999999999999999/"])
def test_unknown_ids_are_404_in_the_one_shape(pusdatin, url):
    response = pusdatin.get(url)
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize(
    "cursor", ["zzz", "cD1hYmM=", "cD0tMQ==", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "cj0x"]
)
def test_bad_cursor_is_404_not_500(pusdatin, cursor):
    # "p=abc", "p=-1" and a position beyond bigint would otherwise reach PostgreSQL.
    response = pusdatin.get("/api/v1/orang/", {"cursor": cursor})
    assert response.status_code in (200, 404), response.content
    if response.status_code == 404:
        assert set(response.json()) == {"detail", "errors"}


def test_unexpected_error_is_a_logged_generic_500(pusdatin, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database on fire: 3371011505800001")

    monkeypatch.setattr("dtks.api.apis.persons_visible_to", broken)
    with caplog.at_level(logging.ERROR, logger="dtks.api"):
        response = pusdatin.get("/api/v1/orang/")
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == {}
    assert "fire" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert any(r.exc_info and "fire" in str(r.exc_info[1]) for r in caplog.records)


def test_messages_are_indonesian_by_default(registry, as_role):
    body = as_role(Role.QA_ASSESSOR).get("/api/v1/orang/").json()
    assert body["detail"] == "Peran Anda tidak berhak membuka halaman ini."
