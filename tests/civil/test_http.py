"""The civil registry as a live HTTP service (dtks/civil/http.py, docs/civil_registry.md "The HTTP
service"), against a real local HTTP server this module starts: answers, the failures it can have
(slow, down, 5xx, 4xx, malformed JSON, an answer about another NIK), bounded retries, the circuit
breaker, the queue the set-based form fills and the rate-limited task that drains it, and the beat task
that checks again, once the service answers, the items saved while it could not."""

import json
import socket
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from dtks.audit.models import AuditEvent
from dtks.civil import http
from dtks.civil.checking import record, records_check
from dtks.civil.http import HttpSource, breaker_allows, breaker_reset, breaker_state, http_queue_drain
from dtks.civil.messages import render
from dtks.civil.models import HttpAnswer, HttpQueue
from dtks.civil.rechecks import RECHECKERS, recheck_provider, rechecks_run
from dtks.civil.tasks import http_drain, recheck
from proposals.item import proposal_items_civil_recheck
from proposals.item.integrity import item_data, item_findings
from proposals.item.integrity_set import item_findings_set
from tests.proposals.factories import VILLAGE_A
from tests.proposals.test_integrity_parity import individual, make, nik

from .factories import extract_row, load, use_source, write_extract

pytestmark = pytest.mark.django_db
CIVIL = {"CIVIL_REGISTRY_MISMATCH", "CIVIL_REGISTRY_UNAVAILABLE"}
RULES = frozenset(CIVIL)


def civil_of(findings):
    return [f for f in findings if f["rule"] in CIVIL]


# -- the local service -------------------------------------------------------------------------------------


class Service:
    """A NIK-verification service on 127.0.0.1 speaking the protocol, or failing as `mode` says:
    normal, slow, 500, 401, malformed, missing_field, wrong_nik."""

    def __init__(self):
        self.mode = "normal"
        self.people: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.slow_seconds = 1.0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                asked = json.loads(body)["nik"]
                mode = service.mode
                if mode == "slow":
                    time.sleep(service.slow_seconds)
                if mode in ("500", "401"):
                    self.send_response(int(mode))
                    self.end_headers()
                    return
                if mode == "malformed":
                    return self.answer(b'{"nik": "' + asked.encode() + b'", "found": tr')
                answer = {"nik": asked, "found": False}
                if asked in service.people:
                    answer = {"nik": asked, "found": True, **service.people[asked]}
                if mode == "missing_field":
                    answer = {"nik": asked, "found": True, "nama": "X"}
                if mode == "wrong_nik":
                    answer["nik"] = "3371010101010001"
                self.answer(json.dumps(answer).encode())

            def answer(self, data: bytes):
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (slow mode)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/nik"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def know(self, person: dict, **changes) -> None:
        """Dukcapil has this proposed person (as the parity module's `p()` makes them), maybe changed."""
        born = person["tanggal_lahir"]
        self.people[person["nik"]] = {
            "nama": person["nama"].upper(),
            "tempat_lahir": "MAGELANG",
            "tanggal_lahir": born.isoformat() if isinstance(born, date) else born,
            "jenis_kelamin": person["jenis_kelamin"],
            "no_kk": "",
            "kode_wilayah": VILLAGE_A,
            "alamat": "JL. PAHLAWAN 3",
        } | changes

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service(settings):
    settings.DTKS_CIVIL_HTTP_TIMEOUT = 0.3
    settings.DTKS_CIVIL_HTTP_BACKOFF = 0.01
    settings.DTKS_CIVIL_HTTP_TOKEN = ""
    breaker_reset()
    svc = Service()
    use_source("http", http_url=svc.url, http_label="Layanan NIK Uji")
    yield svc
    svc.stop()
    breaker_reset()  # committed on a connection of its own: not undone with the test's transaction


def closed_port_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/nik"


def ours(person: dict):
    return record(
        nik=person["nik"],
        nama=person["nama"],
        tanggal_lahir=person["tanggal_lahir"],
        jenis_kelamin=person["jenis_kelamin"],
        village_code=VILLAGE_A,
    )


def saved(item):
    """The item with the findings its save would store (per-item form)."""
    item.findings = item_findings(item_data(item))
    item.save(update_fields=["findings"])
    return item


# -- answers ---------------------------------------------------------------------------------------------


def test_an_answer_is_compared_and_not_found_is_a_mismatch(service, settings):
    settings.DTKS_CIVIL_HTTP_TOKEN = "rahasia"
    same, renamed, unknown = individual(nama="Budi"), individual(nama="Bambang"), individual(nama="Tidak Ada")
    service.know(same)
    service.know(renamed, nama="SUKARNO")
    answers = HttpSource().lookup([same["nik"], renamed["nik"], unknown["nik"]])
    assert answers.unavailable is None
    assert set(answers.records) == {same["nik"], renamed["nik"]}
    assert answers.source["kind"] == "http" and answers.source["label"] == "Layanan NIK Uji"
    assert answers.source["date"] == timezone.localdate().isoformat()

    found = records_check({0: ours(same), 1: ours(renamed), 2: ours(unknown)}, rules=RULES)
    assert 0 not in found
    assert found[1][0] == "CIVIL_REGISTRY_MISMATCH" and found[1][2]["parts"][0]["part"] == "nama"
    assert found[2][2]["parts"] == [{"part": "not_found"}]

    # The NIK in the body, never in the URL; the token as a bearer token.
    request = service.requests[0]
    assert request["path"] == "/v1/nik" and same["nik"] not in request["path"]
    assert json.loads(request["body"]) == {"nik": same["nik"]}
    assert request["headers"]["Authorization"] == "Bearer rahasia"
    # Every answer is kept for the set-based form, "not found" too.
    assert dict(HttpAnswer.objects.values_list("nik", "found")) == {
        same["nik"]: True,
        renamed["nik"]: True,
        unknown["nik"]: False,
    }


def test_without_a_token_no_authorization_header(service):
    HttpSource().lookup([nik()])
    assert "Authorization" not in service.requests[0]["headers"]


@pytest.mark.parametrize(
    ("mode", "reason", "requests"),
    [
        ("slow", "timeout", 3),
        ("500", "server_error", 3),
        ("401", "rejected", 1),
        ("malformed", "malformed", 1),
        ("missing_field", "malformed", 1),
        ("wrong_nik", "wrong_nik", 1),
    ],
)
def test_each_failure_is_unavailable_with_its_reason_never_a_mismatch(service, mode, reason, requests):
    service.mode = mode
    person = individual(nama="Siapa")
    service.know(person, nama="ORANG LAIN")  # were it compared, it would be a mismatch
    item = make([person], family_item=False)

    found = civil_of(item_findings(item_data(item)))
    assert [f["rule"] for f in found] == ["CIVIL_REGISTRY_UNAVAILABLE"]
    assert found[0]["detail"]["reason"] == reason
    assert "Ini bukan ketidakcocokan" in found[0]["message"]
    # Retries only after a timeout, a connection error or a 5xx: at most two.
    assert len(service.requests) == requests
    # Asked again later, nothing concluded now.
    assert list(HttpQueue.objects.values_list("nik", flat=True)) == [person["nik"]]
    assert not HttpAnswer.objects.exists()


def test_a_service_that_is_down_is_unavailable(service):
    use_source("http", http_url=closed_port_url())
    answers = HttpSource().lookup([nik()])
    assert answers.unavailable == "down" and answers.records == {}
    assert render(
        "CIVIL_REGISTRY_UNAVAILABLE", ["nik"], {"reason": "down", "source": answers.source}
    ).startswith("Dukcapil belum dapat mencocokkan NIK ini (layanan tidak dapat dihubungi)")


def test_retries_back_off_exponentially(service, settings, monkeypatch):
    settings.DTKS_CIVIL_HTTP_BACKOFF = 0.2
    sleeps = []
    monkeypatch.setattr(http.time, "sleep", sleeps.append)
    service.mode = "500"
    assert HttpSource().lookup([nik()]).unavailable == "server_error"
    assert sleeps == [0.2, 0.4] and len(service.requests) == 3


def test_a_lookup_stops_at_the_first_nik_it_cannot_answer(service):
    first, second = individual(), individual()
    service.mode = "401"
    answers = HttpSource().lookup([first["nik"], second["nik"]])
    assert answers.unavailable == "rejected"
    assert len(service.requests) == 1
    assert set(HttpQueue.objects.values_list("nik", flat=True)) == {first["nik"], second["nik"]}


def test_no_address_configured_is_unavailable(service):
    use_source("http", http_url="")
    assert HttpSource().lookup([nik()]).unavailable == "not_configured"
    assert HttpSource().relation().unavailable == "not_configured"
    assert service.requests == []


# -- the circuit breaker ---------------------------------------------------------------------------------


def test_the_breaker_opens_after_n_failures_and_stops_calling(service, settings):
    settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES = 3
    service.mode = "500"
    source = HttpSource()
    for _ in range(3):
        assert source.lookup([nik()]).unavailable == "server_error"
    assert len(service.requests) == 9
    state = breaker_state()
    assert state.consecutive_failures == 3 and state.last_error == "server_error"
    assert state.opened_until > timezone.now()
    assert not source.answering()

    item = make([individual()], family_item=False)
    found = civil_of(item_findings(item_data(item)))
    assert found[0]["detail"]["reason"] == "breaker_open"
    assert len(service.requests) == 9  # not called


def test_after_its_time_one_call_is_let_through_and_success_closes_it(service, settings):
    settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES = 1
    settings.DTKS_CIVIL_HTTP_BREAKER_SECONDS = 0.3
    service.mode = "500"
    source = HttpSource()
    source.lookup([nik()])
    assert source.lookup([nik()]).unavailable == "breaker_open"
    time.sleep(0.35)
    # A failed trial opens it again.
    assert source.lookup([nik()]).unavailable == "server_error"
    assert source.lookup([nik()]).unavailable == "breaker_open"
    assert len(service.requests) == 6
    time.sleep(0.35)
    service.mode = "normal"
    assert source.lookup([nik()]).unavailable is None
    state = breaker_state()
    assert state.consecutive_failures == 0 and state.opened_until is None and state.last_ok_at is not None
    assert source.answering()


def test_one_trial_call_only(service, settings):
    settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES = 1
    settings.DTKS_CIVIL_HTTP_BREAKER_SECONDS = 0.1
    service.mode = "500"
    HttpSource().lookup([nik()])
    time.sleep(0.15)
    elapsed = breaker_state()
    assert breaker_allows(elapsed) is True  # this caller claims the trial
    assert breaker_allows(elapsed) is False  # the next one finds it open again


def test_a_failure_counts_even_when_the_callers_transaction_rolls_back(service):
    service.mode = "500"

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        HttpSource().lookup([nik()])
        raise Refused
    assert breaker_state().consecutive_failures == 1


# -- the set-based form, the queue and its task ----------------------------------------------------------


def test_the_set_based_form_queues_instead_of_calling(service):
    person = individual(nama="Antre")
    service.know(person)
    item = make([person], family_item=False)
    found = civil_of(item_findings_set(items=[item.pk])[item.pk])
    assert [(f["rule"], f["detail"]["reason"]) for f in found] == [("CIVIL_REGISTRY_UNAVAILABLE", "queued")]
    assert service.requests == []
    assert list(HttpQueue.objects.values_list("nik", flat=True)) == [person["nik"]]

    assert http_drain() == 1  # the task's function, as beat runs it
    assert not HttpQueue.objects.exists()
    assert civil_of(item_findings_set(items=[item.pk])[item.pk]) == []
    assert len(service.requests) == 1


def test_an_old_answer_is_asked_again(service):
    person = individual()
    service.know(person)
    item = make([person], family_item=False)
    HttpSource().lookup([person["nik"]])
    HttpAnswer.objects.update(answered_at=timezone.now() - timedelta(days=31))
    found = civil_of(item_findings_set(items=[item.pk])[item.pk])
    assert found[0]["detail"]["reason"] == "queued"
    assert http_queue_drain() == 1  # removes the old answer, then asks again
    assert HttpAnswer.objects.get(nik=person["nik"]).answered_at > timezone.now() - timedelta(minutes=1)


def test_old_answers_are_removed_whatever_the_source(service):
    HttpSource().lookup([nik()])
    HttpAnswer.objects.update(answered_at=timezone.now() - timedelta(days=31))
    use_source("extract")
    assert http_queue_drain() == 0
    assert not HttpAnswer.objects.exists()


def test_the_drain_respects_the_rate(service, settings):
    settings.DTKS_CIVIL_HTTP_RATE = 2
    people = [individual() for _ in range(5)]
    for person in people[:3]:
        service.know(person)
    http.queue_add(p["nik"] for p in people)

    assert http_queue_drain() == 2
    assert len(service.requests) == 2 and HttpQueue.objects.count() == 3
    assert http_queue_drain() == 2 and http_queue_drain() == 1
    assert len(service.requests) == 5 and not HttpQueue.objects.exists()
    assert HttpAnswer.objects.filter(found=True).count() == 3
    assert HttpAnswer.objects.filter(found=False).count() == 2


def test_the_drain_stops_when_the_breaker_opens(service, settings):
    settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES = 2
    service.mode = "500"
    http.queue_add(nik() for _ in range(5))
    assert http_queue_drain() == 0
    assert len(service.requests) == 2 * 3  # two failed NIKs, three attempts each, then nothing
    assert HttpQueue.objects.count() == 5


def test_the_drain_moves_a_nik_it_cannot_answer_to_the_back(service, settings):
    settings.DTKS_CIVIL_HTTP_RATE = 1
    poison, good = "3371011505800001", "3371011505800002"
    HttpQueue.objects.create(nik=poison, queued_at=timezone.now() - timedelta(hours=2))
    HttpQueue.objects.create(nik=good, queued_at=timezone.now() - timedelta(hours=1))
    service.mode = "401"
    assert http_queue_drain() == 0
    service.mode = "normal"
    assert http_queue_drain() == 1
    assert json.loads(service.requests[-1]["body"]) == {"nik": good}


def test_both_forms_agree_with_the_http_source(service):
    cases = {
        "same": individual(nama="Budi Santoso"),
        "titles": individual(nama="Hj. Siti Aminah, S.Pd."),
        "renamed": individual(nama="Bambang"),
        "sex": individual(nama="Rina"),
        "missing": individual(nama="Tidak Ada"),
    }
    service.know(cases["same"])
    service.know(cases["titles"], nama="SITI AMINAH")
    service.know(cases["renamed"], nama="SUKARNO")
    service.know(cases["sex"], jenis_kelamin="P")
    items = {name: make([person], family_item=False) for name, person in cases.items()}
    per_item = {name: item_findings(item_data(i)) for name, i in items.items()}  # live; fills the answers
    set_based = item_findings_set(items=[i.pk for i in items.values()])  # the answers, in SQL
    for name, i in items.items():
        assert per_item[name] == set_based[i.pk], name
    parts = {
        name: [x["part"] for f in civil_of(per_item[name]) for x in f["detail"]["parts"]] for name in cases
    }
    assert parts == {
        "same": [],
        "titles": [],
        "renamed": ["nama"],
        "sex": ["jenis_kelamin"],
        "missing": ["not_found"],
    }


# -- checking again --------------------------------------------------------------------------------------


def test_recheck_turns_unavailable_into_a_result_once_the_service_answers(service, settings):
    settings.DTKS_CIVIL_HTTP_BREAKER_FAILURES = 1
    settings.DTKS_CIVIL_HTTP_BREAKER_SECONDS = 0.2
    person = individual(nama="Bambang", tempat_lahir="")  # INCOMPLETE too: that finding stays as it is
    other = make([individual(nama="Cocok")], family_item=False)
    service.know(person, nama="SUKARNO")
    service.mode = "500"
    item = saved(make([person], family_item=False))
    assert [f["rule"] for f in item.findings] == ["INCOMPLETE", "CIVIL_REGISTRY_UNAVAILABLE"]
    incomplete = item.findings[0]
    before = item.updated_at

    # Down: the breaker is open, nothing is checked again.
    assert recheck() == {}
    service.mode = "normal"
    time.sleep(0.25)
    assert recheck() == {}  # its time is up, but nobody has tried the service yet
    assert http_drain() == 1  # the trial call answers: the breaker closes
    assert recheck() == {"proposals": 1}

    item.refresh_from_db()
    assert [f["rule"] for f in item.findings] == ["INCOMPLETE", "CIVIL_REGISTRY_MISMATCH"]
    assert item.findings[0] == incomplete
    assert item.findings == item_findings(item_data(item))  # what the per-item form says now
    assert item.updated_at == before
    other.refresh_from_db()
    assert other.findings == []  # never had an UNAVAILABLE: not touched
    audit = AuditEvent.objects.get(action="proposal_item.civil_recheck")
    assert audit.actor_label == "sistem:dukcapil"
    assert audit.detail == {"items": {str(item.pk): ["CIVIL_REGISTRY_MISMATCH"]}}

    assert recheck() == {"proposals": 0}  # nothing left to check again


def test_recheck_before_the_answer_queues_and_changes_only_the_reason(service):
    person = individual()
    service.know(person)
    service.mode = "500"
    item = saved(make([person], family_item=False))
    assert HttpQueue.objects.filter(nik=person["nik"]).exists()
    service.mode = "normal"
    assert proposal_items_civil_recheck() == 1
    item.refresh_from_db()
    assert [f["detail"]["reason"] for f in civil_of(item.findings)] == ["queued"]
    assert len(service.requests) == 3  # only the save's attempts: the re-check asks nobody
    http_queue_drain()
    assert proposal_items_civil_recheck() == 1
    item.refresh_from_db()
    assert civil_of(item.findings) == []


def test_recheck_with_the_extract_once_one_is_loaded(tmp_path):
    use_source("extract")
    person = individual(nama="Budi")
    item = saved(make([person], family_item=False))
    assert civil_of(item.findings)[0]["detail"]["reason"] == "no_extract"
    assert recheck() == {}  # no extract: it would only say so again
    load(
        write_extract(
            tmp_path / "x.csv", [extract_row(nik=person["nik"], nama="SUKARNO", kode_wilayah=VILLAGE_A)]
        )
    )
    # Loading the extract checked the open items again; the beat task finds nothing left.
    item.refresh_from_db()
    assert [f["rule"] for f in civil_of(item.findings)] == ["CIVIL_REGISTRY_MISMATCH"]
    assert recheck() == {"proposals": 0}


def test_no_source_no_recheck():
    use_source("none")
    assert recheck() == {}


def test_the_registration_point():
    assert "proposals" in RECHECKERS  # proposals/hooks.py
    calls = []

    @recheck_provider("test-only")
    def counted(*, everything: bool = False) -> int:
        calls.append(everything)
        return 7

    try:
        assert recheck_provider("test-only")(counted) is counted  # the same function again: harmless
        with pytest.raises(Exception, match="twice"):
            recheck_provider("test-only")(lambda: 0)
        assert rechecks_run()["test-only"] == 7 and calls == [False]
        assert rechecks_run(everything=True)["test-only"] == 7 and calls == [False, True]
    finally:
        RECHECKERS.pop("test-only")


def test_beat_runs_both_tasks(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"civil.http_drain", "civil.recheck"} <= schedule
    assert http_drain.name == "civil.http_drain" and recheck.name == "civil.recheck"


# -- through the real worker -----------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_drains_the_queue(celery_worker_proc, service):
    from tests.core.test_worker import wait_for

    person = individual()
    service.know(person)
    http.queue_add([person["nik"]])
    http_drain.delay()
    assert wait_for(lambda: HttpAnswer.objects.filter(nik=person["nik"], found=True).exists(), timeout=60)
    assert not HttpQueue.objects.exists()
