"""Hostile input on every form and every API write (docs/security.md #4): never a server error.

Every route of routes.py that takes a body (POST/PUT/PATCH) is sent, field by field, over-long strings
(10 kB), NUL bytes, a lone surrogate, numbers and lists and objects where text is expected, deep
nesting; and, as a whole, bodies of the wrong content type (text, XML with an entity bomb, multipart
where JSON is expected, JSON where a form is), broken encodings, broken multipart, too many fields and
a form over DATA_UPLOAD_MAX_MEMORY_SIZE. Every GET route gets hostile query strings (a broken cursor,
10 kB filters, NUL, undecodable bytes). The caller is a permitted signed-in user of the route (the
harness's home user of the first role the permission table lists, with the harness's session or, for
the API, its token) and, for public routes, also anonymous. Every answer must be below 500.

Each request runs in its own savepoint, rolled back after it: what an accepted hostile request writes
(an item, a rate-limit counter, a logout) never changes what the next one meets.

Run with `-s` to see the counts (requests sent, status-code histogram); the last test prints them.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from dtks.accounts.models import Role
from dtks.permissions import PUBLIC, SIGNED_IN, rule_for

from .harness import ANONYMOUS
from .routes import ROUTES, SESSION, TOKEN, Ctx, Route
from .world import OWN

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("POST", "PUT", "PATCH")

LONG = "A" * 10_240
LONG_DIGITS = "9" * 10_240
WITH_NUL = "nilai\x00dengan NUL"
SURROGATE = "teks \ud800 rusak"  # JSON can carry a lone surrogate; UTF-8 (and PostgreSQL) cannot


def nested_list(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


# Field values: (name, value). JSON bodies get all; forms get those a form can carry.
JSON_VALUES: tuple[tuple[str, object], ...] = (
    ("long", LONG),
    ("long-digits", LONG_DIGITS),
    ("nul", WITH_NUL),
    ("surrogate", SURROGATE),
    ("empty", ""),
    ("list", ["a", "b"]),
    ("object", {"a": 1}),
    ("huge-int", 10**40),
    ("negative", -1),
    ("float", 1e308),
    ("bool", True),
    ("null", None),
    ("nested-value", nested_list(40)),
)
ROW_VALUES = tuple(
    (name, value) for name, value in JSON_VALUES if name in {"long", "nul", "list", "object", "bool"}
)
FORM_VALUES: tuple[tuple[str, object], ...] = (
    ("long", LONG),
    ("long-digits", LONG_DIGITS),
    ("nul", WITH_NUL),
    ("empty", ""),
    ("list", ["a", "b"]),  # the field sent twice
    ("object-text", '{"a": 1}'),
    ("negative", "-1"),
    ("float", "1e308"),
)
# Added to every body, so a body of no fields (a confirm, a cancel) meets hostile values too.
EXTRA_FIELD = "tak_dikenal"

XML_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><data><nik>&lol3;</nik></data>'
)
# Just over DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it (RequestDataTooBig).
OVERSIZED_FORM = b"nama=" + b"A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)


@dataclass(frozen=True)
class Request:
    variant: str
    body: bytes = b""
    content_type: str = "application/octet-stream"
    query: str | None = None  # GET: the query string replacing the route's


def json_bytes(value) -> bytes:
    return json.dumps(value).encode()


def form_bytes(body: dict) -> tuple[bytes, str]:
    if any(isinstance(v, File) for v in body.values()):
        return encode_multipart(BOUNDARY, body), MULTIPART_CONTENT
    return urlencode(body, doseq=True).encode(), "application/x-www-form-urlencoded"


def hostile_files() -> tuple[tuple[str, object], ...]:
    # Fresh objects every time: an uploaded file is read once.
    return (
        ("file-as-text", "bukan berkas"),
        ("file-long-name", SimpleUploadedFile(("a" * 10_000) + ".csv", b"nik\n1\n", content_type="text/csv")),
        ("file-nul-name", SimpleUploadedFile("us\x00ulan.csv", b"nik\n1\n", content_type="text/csv")),
        ("file-xml-bomb", SimpleUploadedFile("usulan.xlsx", XML_BOMB, content_type="application/xml")),
        ("file-fake-zip", SimpleUploadedFile("usulan.xlsx", b"PK\x03\x04" + b"\xff" * 200)),
        ("file-nul-bytes", SimpleUploadedFile("usulan.csv", b"nik,nama\n\x00\x00\x00,\x00\n")),
    )


def write_requests(route: Route, base: dict) -> list[Request]:
    """Every hostile request for one write route, from its harness body."""
    is_json = route.is_api and not any(isinstance(v, File) for v in base.values())
    out: list[Request] = []
    fields = [*base, EXTRA_FIELD]
    for field in fields:
        if isinstance(base.get(field), File):
            for name, value in hostile_files():
                body, content_type = form_bytes({**base, field: value})
                out.append(Request(f"{field}={name}", body, content_type))
            continue
        if is_json:
            for name, value in JSON_VALUES:
                out.append(Request(f"{field}={name}", json_bytes({**base, field: value}), "application/json"))
            rows = base.get(field)
            if isinstance(rows, list) and rows and isinstance(rows[0], dict):
                # A list of objects (the persons of a proposal): hostile values inside its first row.
                for key in rows[0]:
                    for name, value in ROW_VALUES:
                        row = {**rows[0], key: value}
                        body = json_bytes({**base, field: [row, *rows[1:]]})
                        out.append(Request(f"{field}.0.{key}={name}", body, "application/json"))
        else:
            for name, value in FORM_VALUES:
                body, content_type = form_bytes({**base, field: value})
                out.append(Request(f"{field}={name}", body, content_type))
    plain = {k: v for k, v in base.items() if not isinstance(v, File)}
    out += [
        Request("body:text/plain", b"nik=3371011505800001", "text/plain"),
        Request("body:xml-bomb", XML_BOMB, "application/xml"),
        Request("body:json-as-form", json_bytes(plain), "application/x-www-form-urlencoded"),
        Request("body:bad-utf8-form", b"nama=%FF%FE%00&nik=\xff\xfe", "application/x-www-form-urlencoded"),
        Request("body:bad-percent-form", b"nama=%zz%&&==&%", "application/x-www-form-urlencoded"),
        Request(
            "body:too-many-fields",
            "&".join(f"f{i}=1" for i in range(1500)).encode(),
            "application/x-www-form-urlencoded",
        ),
        Request("body:oversized-form", OVERSIZED_FORM, "application/x-www-form-urlencoded"),
        Request("body:multipart-no-boundary", b"--x\r\n\r\n", "multipart/form-data"),
        Request(
            "body:multipart-broken",
            b"--xyz\r\nContent-Disposition: form-data\r\n\r\n\x00",
            "multipart/form-data; boundary=xyz",
        ),
        Request("body:multipart", *form_bytes_multipart(plain)),
        Request("body:empty", b"", "application/json" if is_json else "application/x-www-form-urlencoded"),
    ]
    if is_json:
        out += [
            Request("body:nested-brackets", b"[" * 2048 + b"]" * 2048, "application/json"),
            Request("body:nested-objects", b'{"a":' * 2000 + b"1" + b"}" * 2000, "application/json"),
            Request("body:nested-40", json_bytes(nested_list(40)), "application/json"),
            Request("body:array", b"[1, 2]", "application/json"),
            Request("body:string", b'"teks"', "application/json"),
            Request("body:number", b"1", "application/json"),
            Request("body:null", b"null", "application/json"),
            Request("body:broken-json", b'{"nik": ', "application/json"),
            Request("body:bad-utf8-json", b'{"nik": "\xff\xfe"}', "application/json"),
            Request("body:nan", b'{"nik": NaN}', "application/json"),
            Request("body:bz2-charset", json_bytes(plain), "application/json; charset=bz2_codec"),
            Request("body:unknown-charset", json_bytes(plain), "application/json; charset=tidak-ada"),
            Request(
                "body:big-string", json_bytes({**plain, EXTRA_FIELD: "A" * 3_000_000}), "application/json"
            ),
        ]
    else:
        out.append(Request("body:json-for-form", json_bytes(plain), "application/json"))
    return out


def form_bytes_multipart(body: dict) -> tuple[bytes, str]:
    return encode_multipart(BOUNDARY, body), MULTIPART_CONTENT


QUERY_VALUES: tuple[tuple[str, str], ...] = (
    ("long", LONG),
    ("nul", WITH_NUL),
    ("negative", "-1"),
    ("non-ascii", "ö☃"),
)
# Parameters lists and pages read (paging, region filters, search, where to go next) besides the
# route's own.
QUERY_PARAMS = ("cursor", "wilayah", "q", "p", "next")


def query_requests(route: Route, path: str) -> list[Request]:
    own = [pair.split("=", 1)[0] for pair in (urlsplit(path).query or "").split("&") if pair]
    params = dict.fromkeys([*own, *QUERY_PARAMS])
    out = []
    for param in params:
        for name, value in QUERY_VALUES:
            out.append(Request(f"?{param}={name}", query=urlencode({param: value})))
        out.append(Request(f"?{param}=twice", query=urlencode([(param, "1"), (param, "2")])))
    out += [
        Request("?cursor=garbage", query="cursor=garbage"),
        Request("?bad-percent", query="wilayah=%FF%FE&q=%zz&cursor=%00"),
        Request("?many-params", query="&".join(f"p{i}=1" for i in range(1500))),
    ]
    return out


# --- who calls -----------------------------------------------------------------------------------


def principals(route: Route) -> list[str]:
    """A permitted signed-in caller (the first role of the route's entry), and anonymous when public."""
    rule = rule_for(route.name)
    if rule == PUBLIC:
        return [ANONYMOUS, Role.VILLAGE_OPERATOR.value]
    if rule == SIGNED_IN:
        return [Role.VILLAGE_OPERATOR.value]
    return [next(role.value for role in Role if role in rule)]


def client_for(world, principal: str, route: Route) -> tuple[Client, Ctx]:
    user = None if principal == ANONYMOUS else world.actor(principal)
    channel = TOKEN if route.is_api and user is not None else SESSION
    if channel == TOKEN:
        client = Client(headers={"Authorization": f"Token {world.tokens[user.pk]}"})
    else:
        client = Client()
        if user is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    client.raise_request_exception = False
    return client, Ctx(world, user, world.target(OWN) if route.target else None, channel, channel == SESSION)


def swept_read(route: Route) -> bool:
    """GET routes that read query strings: every API and page route, and of Django's admin its
    index and lists (its object pages read no user parameter the lists do not)."""
    if route.method != "GET":
        return False
    if not route.name.startswith("admin:"):
        return True
    return route.name == "admin:index" or route.name.endswith("_changelist")


SWEPT = [r for r in ROUTES if r.method in WRITE_METHODS] + [r for r in ROUTES if swept_read(r)]
CASES = [(route, principal) for route in SWEPT for principal in principals(route)]


STATS: Counter = Counter()
FAILURES: list[str] = []


class ErrorLogs(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def send(world, route: Route, principal: str, build: Callable[[Route, Ctx, str], list[Request]]) -> list[str]:
    """Sends every hostile request of `route` as `principal`; returns the server errors as text."""
    errors = []
    client, ctx = client_for(world, principal, route)
    # The objects the route names (a musyawarah, an import) are made once, in the test's savepoint.
    path = route.path(ctx)
    for request in build(route, ctx, path):
        handler = ErrorLogs()
        logging.getLogger().addHandler(handler)
        try:
            sid = transaction.savepoint()
            if request.query is not None:
                response = client.get(path.split("?")[0] + "?" + request.query)
            else:
                response = client.generic(route.method, path, request.body, content_type=request.content_type)
            transaction.savepoint_rollback(sid)
        finally:
            logging.getLogger().removeHandler(handler)
        STATS["requests"] += 1
        STATS[response.status_code] += 1
        if response.status_code >= 500:
            where = f"{route.id} as {principal}: {request.variant} -> {response.status_code}"
            trace = ""
            if response.exc_info:
                trace = "".join(traceback.format_exception(*response.exc_info))
            elif handler.records and handler.records[0].exc_info:
                trace = "".join(traceback.format_exception(*handler.records[0].exc_info))
            errors.append(f"{where}\n{trace[-3000:]}")
    return errors


def build_writes(route: Route, ctx: Ctx, path: str) -> list[Request]:
    return write_requests(route, dict(route.body(ctx) or {}))


def build_queries(route: Route, ctx: Ctx, path: str) -> list[Request]:
    return query_requests(route, path)


@pytest.mark.parametrize(("route", "principal"), CASES, ids=lambda v: v.id if isinstance(v, Route) else v)
def test_no_server_error(world, route, principal):
    build = build_writes if route.method in WRITE_METHODS else build_queries
    errors = send(world, route, principal, build)
    FAILURES.extend(errors)
    assert errors == [], "\n\n".join(errors)


def test_sweep_summary():
    """Runs last in the module: prints what the sweep sent and got (visible with -s)."""
    if not STATS:
        pytest.skip("the sweep did not run in this session")

    def histogram(stats: Counter) -> dict:
        return {k: v for k, v in sorted(stats.items(), key=lambda kv: str(kv[0])) if k != "requests"}

    writes = sum(1 for r in SWEPT if r.method in WRITE_METHODS)
    print(
        f"\nhostile-input sweep: {STATS['requests']} requests over {writes} write routes and "
        f"{len(SWEPT) - writes} GET routes ({len(CASES)} route x caller cases); status codes "
        f"{histogram(STATS)}"
    )
    assert all(code < 500 for code in histogram(STATS)), FAILURES
