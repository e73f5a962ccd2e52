"""The civil registry as a live NIK-verification service (docs/civil_registry.md, "The HTTP service").

Dukcapil grants web-service access per agency, so the service behind `civil.Settings.http_url` is
whatever the agency was given; this adapter speaks one small JSON-over-HTTP protocol, and an agency
whose service speaks another puts a translating proxy in front of it. Per NIK:

    POST {http_url}                       Authorization: Bearer {DTKS_CIVIL_HTTP_TOKEN}   (when set)
    {"nik": "3371011505800001"}           the NIK goes in the body, never in a URL (URLs are logged)

    200 {"nik": "…", "found": true, "nama": "…", "tempat_lahir": "…", "tanggal_lahir": "YYYY-MM-DD",
         "jenis_kelamin": "L" | "P", "no_kk": "…", "kode_wilayah": "…", "alamat": "…"}
    200 {"nik": "…", "found": false}

"Cannot check" is never a mismatch and never a pass: a lookup that cannot answer every one of its NIKs
answers `unavailable` with a reason — `timeout`, `down`, `server_error` (after bounded retries with
backoff), `rejected` (4xx, not retried), `malformed`, `wrong_nik` (an answer about another NIK),
`breaker_open` (the service failed too often lately and is not called), `not_configured`.

- **Circuit breaker** (`HttpHealth`, one row shared by every process): after
  DTKS_CIVIL_HTTP_BREAKER_FAILURES failed lookups in a row the service is not called for
  DTKS_CIVIL_HTTP_BREAKER_SECONDS; then one call is let through, and its success closes the breaker.
- **Answers** (`HttpAnswer`) are kept: the set-based form joins them in SQL (`relation()`), since a
  live service cannot be joined. A NIK without a fresh answer is queued (`HttpQueue`) and asked by the
  rate-limited task `civil.http_drain` (`http_queue_drain`), never by the set-based check itself.
- NIKs of a lookup that could not be answered are queued too, so that the beat task `civil.recheck`
  (dtks/civil/rechecks.py) finds their answers once the service is back.
"""

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta
from http.client import HTTPException

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from .matching import Record
from .models import HttpAnswer, HttpHealth, HttpQueue, Settings
from .sources import RECORD_COLUMNS, SOURCES, Answers, Relation

DEFAULT_LABEL = "Layanan verifikasi NIK Dukcapil"
RETRIES = 2  # after the first attempt; only for a timeout, a connection error or a 5xx
MAX_BODY = 64 * 1024  # one person's answer is a few hundred bytes
OK_REFRESH = timedelta(minutes=1)  # how stale `HttpHealth.last_ok_at` may get before it is written again

_DIGITS16 = re.compile(r"\d{16}")
_DIGITS10 = re.compile(r"\d{10}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Failure(Exception):
    """One request's failure: `reason` is the UNAVAILABLE reason code; `retry` when trying again may help."""

    def __init__(self, reason: str, *, retry: bool = False):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is refused (a 3xx answer is `rejected`): a POST carrying a NIK follows no address but
    the configured one."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxy from the environment either: personal data go to the configured address and nowhere else.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _post(url: str, nik: str, *, token: str, timeout: float) -> bytes:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 — the scheme is checked (HttpSource.url)
        url, data=json.dumps({"nik": nik}).encode(), headers=headers, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code >= 500:
            raise Failure("server_error", retry=True) from exc
        raise Failure("rejected") from exc
    except TimeoutError as exc:
        raise Failure("timeout", retry=True) from exc
    except urllib.error.URLError as exc:
        reason = "timeout" if isinstance(exc.reason, TimeoutError) else "down"
        raise Failure(reason, retry=True) from exc
    except (HTTPException, OSError) as exc:  # the connection broke off mid-answer
        raise Failure("down", retry=True) from exc


def _field(data: dict, key: str, *, max_length: int, pattern: re.Pattern | None = None) -> str:
    """A text field of a found answer: present (null is empty), a string, within the column's length."""
    if key not in data:
        raise Failure("malformed")
    value = data[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Failure("malformed")
    value = value.strip()
    if len(value) > max_length or (value and pattern is not None and not pattern.fullmatch(value)):
        raise Failure("malformed")
    return value


def parse_answer(raw: bytes, nik: str) -> Record | None:
    """The service's answer about `nik`: its record, or None when it has no such NIK. Anything else
    than the protocol's two shapes raises `Failure("malformed")`; an answer about another NIK
    `Failure("wrong_nik")` — it must never be compared with this person."""
    if len(raw) > MAX_BODY:
        raise Failure("malformed")
    try:
        data = json.loads(raw)
    except ValueError as exc:  # also a body that is not UTF-8
        raise Failure("malformed") from exc
    if not isinstance(data, dict) or not isinstance(data.get("nik"), str):
        raise Failure("malformed")
    if data["nik"].strip() != nik:
        raise Failure("wrong_nik")
    if not isinstance(data.get("found"), bool):
        raise Failure("malformed")
    if not data["found"]:
        return None
    nama = _field(data, "nama", max_length=150)
    born = _field(data, "tanggal_lahir", max_length=10, pattern=_ISO_DATE)
    sex = _field(data, "jenis_kelamin", max_length=1).upper()
    if not nama or not born or sex not in ("L", "P"):
        raise Failure("malformed")
    try:
        tanggal_lahir = date.fromisoformat(born)
    except ValueError as exc:
        raise Failure("malformed") from exc
    return Record(
        nik=nik,
        nama=nama,
        tempat_lahir=_field(data, "tempat_lahir", max_length=100),
        tanggal_lahir=tanggal_lahir,
        jenis_kelamin=sex,
        no_kk=_field(data, "no_kk", max_length=16, pattern=_DIGITS16),
        village_code=_field(data, "kode_wilayah", max_length=10, pattern=_DIGITS10),
        alamat=_field(data, "alamat", max_length=255),
    )


# -- the circuit breaker ---------------------------------------------------------------------------------


@contextmanager
def breaker_cursor():
    """A cursor for writing `HttpHealth`, committed at once. Inside a transaction (an item being saved)
    it is a connection of its own: every process sees a failure as soon as it happened, a rollback of
    the caller does not undo it, and the caller's transaction never holds the row's lock (which would
    make every other lookup wait for it)."""
    if not connection.in_atomic_block:
        with connection.cursor() as cur:
            yield cur
        return
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cur:
            yield cur
    finally:
        own.close()


def breaker_state() -> HttpHealth | None:
    return HttpHealth.objects.filter(pk=1).first()


def _breaker_seconds() -> timedelta:
    return timedelta(seconds=settings.DTKS_CIVIL_HTTP_BREAKER_SECONDS)


def breaker_allows(state: HttpHealth | None) -> bool:
    """Closed: yes. Open: no, until its time is up; then one caller — whoever claims the row first —
    makes the trial call, and the breaker stays open for the others meanwhile."""
    if state is None or state.opened_until is None:
        return True
    now = timezone.now()
    if state.opened_until > now:
        return False
    with breaker_cursor() as cur:
        cur.execute(
            "UPDATE civil_httphealth SET opened_until = %s WHERE id = 1 AND opened_until <= %s",
            [now + _breaker_seconds(), now],
        )
        return cur.rowcount == 1


def breaker_success(state: HttpHealth | None) -> None:
    """Close the breaker. Written only when something changes (or `last_ok_at` is a minute old), so
    that the lookups of a healthy service do not all write this one row."""
    now = timezone.now()
    if (
        state is not None
        and state.consecutive_failures == 0
        and state.opened_until is None
        and state.last_ok_at is not None
        and state.last_ok_at > now - OK_REFRESH
    ):
        return
    with breaker_cursor() as cur:
        cur.execute(
            """INSERT INTO civil_httphealth (id, consecutive_failures, opened_until, last_ok_at, last_error)
               VALUES (1, 0, NULL, %(now)s, '')
               ON CONFLICT (id) DO UPDATE
               SET consecutive_failures = 0, opened_until = NULL, last_ok_at = EXCLUDED.last_ok_at""",
            {"now": now},
        )


def breaker_failure(reason: str) -> None:
    """Count a failed lookup; the Nth in a row opens the breaker (a failed trial call opens it again)."""
    now = timezone.now()
    with breaker_cursor() as cur:
        cur.execute(
            """INSERT INTO civil_httphealth (id, consecutive_failures, opened_until, last_error, last_error_at)
               VALUES (1, 1, CASE WHEN 1 >= %(n)s THEN %(until)s END, %(reason)s, %(now)s)
               ON CONFLICT (id) DO UPDATE
               SET consecutive_failures = civil_httphealth.consecutive_failures + 1,
                   opened_until = CASE WHEN civil_httphealth.consecutive_failures + 1 >= %(n)s
                                       THEN %(until)s ELSE civil_httphealth.opened_until END,
                   last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at""",
            {
                "n": settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES,
                "until": now + _breaker_seconds(),
                "reason": reason,
                "now": now,
            },
        )


def breaker_reset() -> None:
    """Forget the service's failures (tests; an administrator who knows it is back)."""
    with breaker_cursor() as cur:
        cur.execute("DELETE FROM civil_httphealth")


# -- answers and the queue -----------------------------------------------------------------------------


def answers_store(answers: dict[str, Record | None]) -> None:
    """Keep the service's answers (None: not found) for the set-based form; they leave the queue."""
    now = timezone.now()
    rows = [
        HttpAnswer(
            nik=nik,
            found=r is not None,
            answered_at=now,
            **(
                {}
                if r is None
                else {
                    "nama": r.nama,
                    "tempat_lahir": r.tempat_lahir,
                    "tanggal_lahir": r.tanggal_lahir,
                    "jenis_kelamin": r.jenis_kelamin,
                    "no_kk": r.no_kk,
                    "village_code": r.village_code,
                    "alamat": r.alamat,
                }
            ),
        )
        for nik, r in sorted(answers.items())  # one lock order for concurrent writers
    ]
    HttpAnswer.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["nik"],
        update_fields=["found", *RECORD_COLUMNS[1:], "answered_at"],
    )
    HttpQueue.objects.filter(nik__in=list(answers)).delete()


def queue_add(niks: Iterable[str]) -> None:
    """Queue NIKs to be asked; one already queued keeps its place."""
    now = timezone.now()
    HttpQueue.objects.bulk_create(
        [HttpQueue(nik=nik, queued_at=now) for nik in sorted(set(niks))],
        ignore_conflicts=True,
        batch_size=5000,
    )


def _fresh_since():
    """Answers older than this are not used (and removed by the drain)."""
    return timezone.now() - timedelta(days=settings.DTKS_CIVIL_HTTP_MAX_AGE_DAYS)


# -- the source ------------------------------------------------------------------------------------------


class HttpSource:
    """The live service at `civil.Settings.http_url` (see the module docstring)."""

    kind = "http"

    def __init__(self, config: Settings | None = None):
        config = config or Settings.load()
        url = (config.http_url or "").strip()
        self.url = url if url.lower().startswith(("http://", "https://")) else ""
        self.label = config.http_label or DEFAULT_LABEL

    def describe(self) -> dict:
        return {"kind": "http", "ref": None, "label": self.label, "date": timezone.localdate().isoformat()}

    def _ask(self, nik: str) -> Record | None:
        """One NIK, with up to RETRIES retries after a timeout, a connection error or a 5xx."""
        for attempt in range(RETRIES + 1):
            try:
                raw = _post(
                    self.url,
                    nik,
                    token=settings.DTKS_CIVIL_HTTP_TOKEN,
                    timeout=settings.DTKS_CIVIL_HTTP_TIMEOUT,
                )
                return parse_answer(raw, nik)
            except Failure as failure:
                if not failure.retry or attempt == RETRIES:
                    raise
                time.sleep(settings.DTKS_CIVIL_HTTP_BACKOFF * 2**attempt)
        raise AssertionError("unreachable")

    def lookup(self, niks: list[str]) -> Answers:
        """Ask the service about each NIK. Stops at the first NIK it cannot answer: the whole lookup is
        then unavailable (what was answered is kept; the rest is queued for later)."""
        source = self.describe()
        niks = list(dict.fromkeys(niks))
        if not self.url:
            return Answers(source=source, unavailable="not_configured")
        if not niks:
            return Answers(source=source)
        state = breaker_state()
        if not breaker_allows(state):
            queue_add(niks)
            return Answers(source=source, unavailable="breaker_open")
        answered: dict[str, Record | None] = {}
        reason = None
        for nik in niks:
            try:
                answered[nik] = self._ask(nik)
            except Failure as failure:
                reason = failure.reason
                break
        if answered:
            answers_store(answered)
        if reason is not None:
            breaker_failure(reason)
            queue_add(n for n in niks if n not in answered)
            return Answers(source=source, unavailable=reason)
        breaker_success(state)
        return Answers(source=source, records={n: r for n, r in answered.items() if r is not None})

    def relation(self) -> Relation:
        """The fresh answers; a NIK without one is unavailable for now and queued."""
        source = self.describe()
        if not self.url:
            return Relation(
                source=source, sql="", params={}, missing="unavailable", unavailable="not_configured"
            )
        return Relation(
            source=source,
            sql=f"SELECT {', '.join(RECORD_COLUMNS)}, found FROM civil_httpanswer "
            "WHERE answered_at >= %(civil_http_fresh)s",
            params={"civil_http_fresh": _fresh_since()},
            missing="unavailable",
            enqueue=queue_add,
        )

    def answering(self) -> bool:
        """Configured, and the breaker closed (an open one is tried again by the next lookup or drain)."""
        if not self.url:
            return False
        state = breaker_state()
        return state is None or state.opened_until is None


SOURCES["http"] = HttpSource


def http_queue_drain(*, limit: int | None = None) -> int:
    """Ask the service about the queued NIKs, oldest first, at most `limit` (DTKS_CIVIL_HTTP_RATE) of
    them; stop as soon as the breaker is open. A NIK that could not be answered goes to the back of the
    queue, so that one the service always refuses does not hold up the others. Returns how many were
    answered. Two drains at once may ask a NIK twice, which is harmless.

    Answers too old to be used (DTKS_CIVIL_HTTP_MAX_AGE_DAYS) are removed first, whatever the source:
    they are personal data from Dukcapil kept for nothing."""
    HttpAnswer.objects.filter(answered_at__lt=_fresh_since()).delete()
    config = Settings.load()
    if config.source != Settings.Source.HTTP:
        return 0
    source = HttpSource(config)
    if not source.url:
        return 0
    limit = settings.DTKS_CIVIL_HTTP_RATE if limit is None else limit
    niks = list(HttpQueue.objects.order_by("queued_at", "nik").values_list("nik", flat=True)[:limit])
    answered = 0
    for nik in niks:
        answers = source.lookup([nik])
        if answers.unavailable == "breaker_open":
            break
        if answers.unavailable:
            HttpQueue.objects.filter(nik=nik).update(queued_at=timezone.now())
        else:
            answered += 1
    return answered
