"""One error format: `{"detail", "errors"}`; bad input is a 400 with field errors, never a 500."""

import base64
import logging
from urllib.parse import parse_qs, urlsplit

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
    "cursor", ["zzz", "garbage", "cD1hYmM=", "cD0tMQ==", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "cj14", "ö"]
)
@pytest.mark.parametrize("url", ["/api/v1/orang/", "/api/v1/keluarga/", "/api/v1/usulan/"])
def test_bad_cursor_is_a_400_naming_the_cursor(pusdatin, url, cursor):
    # "p=abc", "p=-1" and a position beyond bigint would otherwise reach PostgreSQL; "r=x" and
    # undecodable text are refused by DRF's decoding. Either way the client sent bad input.
    response = pusdatin.get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert list(body["errors"]) == ["cursor"] and "Kursor" in body["errors"]["cursor"][0]


def test_a_cursor_the_api_handed_out_still_pages(pusdatin, monkeypatch):
    from dtks.api.pagination import PersonCursorPagination

    monkeypatch.setattr(PersonCursorPagination, "page_size", 2)
    first = pusdatin.get("/api/v1/orang/").json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    response = pusdatin.get("/api/v1/orang/", {"cursor": cursor})
    assert response.status_code == 200
    assert [row["person_id"] for row in response.json()["results"]] == [2, 3]
    # DRF's own cursor of a position (`p=2`) is not one of ours.
    assert pusdatin.get("/api/v1/orang/", {"cursor": base64.b64encode(b"p=2").decode()}).status_code == 400


@pytest.mark.parametrize(
    "path", ["/api/v1/tidak-ada/", "/api/v1/orang/abc/", "/api/v1/orang/1/lebih/", "/api/v2/orang/", "/api/"]
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_is_a_json_404(pusdatin, client, path, method):
    for caller in (pusdatin, client):  # with a token and anonymously
        response = getattr(caller, method)(path)
        assert response.status_code == 404, (path, response.content[:200])
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert set(body) == {"detail", "errors"} and body["errors"] == {}


def test_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/tidak-ada/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_WRITES = [
    ("post", "/api/v1/orang/cari/"),
    ("post", "/api/v1/pendaftaran-mandiri/"),  # anonymous, public
    ("post", "/api/v1/usulan/baru/"),
    ("post", "/api/v1/usulan-kementerian/"),
    ("post", "/api/v1/musyawarah/baru/"),
    ("patch", "/api/v1/impor/1/baris/2/"),
]


@pytest.mark.parametrize(("method", "url"), JSON_WRITES)
@pytest.mark.parametrize("body", [nested(1024), nested(100_000), '{"a":' * 5000 + "1" + "}" * 5000])
def test_deeply_nested_json_is_a_400_without_a_traceback(pusdatin, client, caplog, method, url, body):
    """2 KB of brackets made Python's JSON parser raise RecursionError: a 500 and a 50-line traceback
    per request, on every JSON endpoint including the anonymous self-registration."""
    for caller in (pusdatin, client):
        with caplog.at_level(logging.INFO):
            response = caller.generic(method.upper(), url, body, content_type="application/json")
        assert response.status_code in (400, 401, 403), (url, response.status_code, response.content[:200])
        assert set(response.json()) == {"detail", "errors"}
        assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
        assert not any(r.levelno >= logging.ERROR for r in caplog.records)
        caplog.clear()


def test_nested_json_names_the_problem(pusdatin, client):
    response = client.post("/api/v1/pendaftaran-mandiri/", nested(3000), content_type="application/json")
    assert response.status_code == 400
    assert "bersarang terlalu dalam" in response.json()["detail"]
    # Within the recursion limit but deeper than any operation takes: refused before any serializer.
    body = '{"nik": ' + nested(40) + "}"
    response = pusdatin.post(SEARCH, body, content_type="application/json")
    assert response.status_code == 400 and "bersarang" in response.json()["detail"]
    # A body as deep as the operations take is parsed as before.
    response = pusdatin.post(SEARCH, '{"nik": [["x"]]}', content_type="application/json")
    assert response.status_code == 400 and "nik" in response.json()["errors"]


@pytest.mark.parametrize(
    ("payload", "content_type", "words"),
    [
        ("{not json", "application/json", "bukan JSON yang sah (baris 1, kolom 2)"),
        ('{"nik": "3371\\ud800"}', "application/json", "surrogate"),
        (b'{"nik": "\xff\xfe"}'.decode("unicode_escape").encode("latin-1"), "application/json", "UTF-8"),
        ('{"nik": NaN}', "application/json", "UTF-8"),
        ('{"nik": "1"}', "application/json; charset=bz2_codec", "charset"),
    ],
)
def test_unreadable_json_is_a_400_in_indonesian(pusdatin, payload, content_type, words):
    response = pusdatin.generic("POST", SEARCH, payload, content_type=content_type)
    assert response.status_code == 400
    assert words in response.json()["detail"]


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
