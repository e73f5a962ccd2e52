"""Issue 15 in Debian's Chromium at 360 px: field visits.

1. The regency verifier draws up a prelist of the home village on `/verval/prelist/` and assigns the
   village's field officer; the officer opens `/verval/lapangan/` and the prelist's visit page, picks
   the family, takes the GPS position with its accuracy, answers the house survey, writes a note and
   attaches three of the nine photos (one a phone photo with EXIF GPS); the visit uploads at once.
   The verifier then reads it on the item review: the photos (loaded through the scoped, logged photo
   view, their metadata gone), the six photos not taken as gaps, the GPS with its accuracy.
2. Without signal: the page, opened once online, opens again from the service worker's copy; two
   visits recorded then wait on the phone and nothing reaches the server; when the signal is back
   they upload, each exactly once, even when the answer to an upload was lost on the way.
3. Visits the server refuses (a date in the future, a renamed binary as a photo) stay on the phone
   with the server's message and do not hold back the others.

No request leaves for another host (`outside_requests`).
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.registry.models import Code
from proposals.item import ProposalItem, proposal_item_create
from proposals.musyawarah.services import musyawarah_submit
from tests.browser.conftest import VIEWPORT, is_outside
from tests.browser.test_proposals import held, operator, sign_in
from tests.harness.world import HOME_VILLAGE, build_world
from tests.pages.visits import VISIT_API, FieldPage, PrelistPage, PrelistsPage, VisitEvidence, VisitPage
from tests.proposals.flow import new_family
from tests.verification import photo_corpus
from verification.models import FieldVisit, PrelistEntry, VisitPhoto
from verification.photos import MSG_NOT_IMAGE
from verification.visits import PrelistInput, prelist_create

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# In front of a house in Rejowinangun Selatan, Kota Magelang.
HOUSE_GPS = {"latitude": -7.4797, "longitude": 110.2177, "accuracy": 8}
NOTE = "Rumah semi permanen, atap bocor di dapur; kepala keluarga buruh harian."
NOT_TAKEN = (
    "Dinding",
    "Lantai",
    "Dapur",
    "Jamban/kamar mandi",
    "KTP kepala keluarga",
    "Kepala keluarga",
)


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    return tmp_path / "media"


@pytest.fixture
def world(media):
    return build_world()


@pytest.fixture
def phone(browser, outside_requests):
    """Opens a browser context of its own (another user's phone or PC) under the same guard as the
    `page` fixture's: 360 px, requests to other hosts aborted and recorded. `service_workers="allow"`
    for the offline scenario."""
    made = []

    def guard(route):
        if is_outside(route.request.url):
            outside_requests.append(route.request.url)
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def record(request):
        if is_outside(request.url) and request.url not in outside_requests:
            outside_requests.append(request.url)

    def make(service_workers: str = "block"):
        context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers=service_workers)
        context.route("**/*", guard)
        context.on("request", record)  # the context's: service-worker requests included
        made.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return context, page

    yield make
    for context in made:
        context.close()


@pytest.fixture
def photos(tmp_path) -> dict[str, str]:
    """Files on the "phone": a camera photo with EXIF GPS and time, two plain JPEGs, and a Windows
    program renamed to .jpg."""
    files = {
        "depan.jpg": photo_corpus.phone_jpeg(),
        "atap.jpg": photo_corpus.jpeg(photo_corpus.noise((480, 360), seed=11)),
        "kk.jpg": photo_corpus.jpeg(photo_corpus.noise((400, 300), seed=12)),
        "bukan-foto.jpg": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return {name: str(tmp_path / name) for name in files}


def submitted_items(world, n: int) -> list[ProposalItem]:
    """`n` additions of the home village, submitted with their musyawarah: the regency's queue."""
    op = operator(world)
    m = held(world)
    items = []
    for serial in range(9301, 9301 + n):
        family, persons = new_family(serial=serial)
        items.append(
            proposal_item_create(
                actor=op, kind="addition", musyawarah_id=m.pk, family=family, persons=persons
            )
        )
    musyawarah_submit(musyawarah_id=m.pk, actor=op)
    for obj in items:
        obj.refresh_from_db()
        assert obj.state == ProposalItem.State.SUBMITTED
    return items


def field_officer(world):
    return world.users[(Role.FIELD_OFFICER, HOME_VILLAGE)]


def code_label(attribute: str) -> str:
    return Code.objects.filter(list=attribute, active=True).order_by("sort", "code").first().label


def today() -> str:
    return timezone.localdate().isoformat()


def test_a_visit_at_360px_and_the_evidence_the_verifier_reads(
    page, base_url, world, phone, photos, outside_requests
):
    (it,) = submitted_items(world, 1)
    verifier = world.users[(Role.REGENCY_VERIFIER, "3371")]
    officer = field_officer(world)
    officer_name = officer.get_full_name() or officer.username

    # The regency draws up the village's prelist and assigns the village's field officer.
    sign_in(page, base_url, verifier)
    prelists = PrelistsPage(page, base_url).open()
    assert not prelists.has_horizontal_scroll(), prelists.scroll_width()
    drawn = prelists.draw_up(village=HOME_VILLAGE, title="Verval Desember – RW 03", officers=[officer_name])
    assert isinstance(drawn, PrelistPage), drawn.errors()
    assert drawn.item_ids() == [it.pk]
    assert any("disusun dengan 1 keluarga" in m for m in drawn.messages()), drawn.messages()
    prelist_pk = drawn.pk
    entry = PrelistEntry.objects.get(prelist_id=prelist_pk)

    # The officer, on a phone: the list of prelists, then the visit page.
    context, officer_page = phone()
    sign_in(officer_page, base_url, officer)
    field = FieldPage(officer_page, base_url).open()
    assert field.prelist_ids() == [prelist_pk]
    visit = field.open_visits(prelist_pk)
    assert visit.heading() == "Verval Desember – RW 03"
    assert visit.entry_ids() == [entry.pk]
    assert visit.waiting() == 0 and not visit.waiting_shown()
    assert not visit.has_horizontal_scroll(), visit.scroll_width()

    visit.pick(entry.pk)
    assert visit.chosen_entry() == str(entry.pk)
    visit.date(today())
    context.grant_permissions(["geolocation"], origin=base_url)
    context.set_geolocation(HOUSE_GPS)
    assert visit.locate() == "Lokasi didapat (± 8 m)."
    assert visit.position() == ("-7.479700", "110.217700", "8")
    atap, lantai = code_label("atap"), code_label("lantai")
    visit.house("atap", atap).house("lantai", lantai).note(NOTE)
    visit.photo("depan", photos["depan.jpg"]).photo("atap", photos["atap.jpg"]).photo("kk", photos["kk.jpg"])
    assert not visit.has_horizontal_scroll(), visit.scroll_width()
    officer_page.screenshot(path="/tmp/kunjungan-formulir-360.png", full_page=True)
    visit.save()
    assert visit.status() == "Kunjungan tersimpan di ponsel; terunggah sendiri ketika ada sinyal."
    assert visit.waiting() == 0 and not visit.waiting_shown()  # uploaded: nothing waits any more
    assert not visit.has_horizontal_scroll(), visit.scroll_width()

    recorded = FieldVisit.objects.get()
    assert (recorded.entry_id, recorded.item_id, recorded.officer_id) == (entry.pk, it.pk, officer.pk)
    assert (str(recorded.latitude), str(recorded.longitude), recorded.accuracy_m) == (
        "-7.479700",
        "110.217700",
        8.0,
    )
    assert recorded.visited_on.isoformat() == today() and recorded.note == NOTE
    assert set(recorded.house) == {"atap", "lantai"}
    stored = {p.kind: p for p in recorded.photos.all()}
    assert set(stored) == {"depan", "atap", "kk"}
    # The camera's position is kept as a field; the picture itself is stored without it.
    assert float(stored["depan"].exif_latitude) == pytest.approx(photo_corpus.LATITUDE, abs=1e-5)
    assert stored["atap"].exif_latitude is None
    # Reopened, the page counts the uploaded visit on the family.
    assert VisitPage(officer_page, base_url, prelist_pk).open().uploaded(entry.pk) == "1 kunjungan terunggah"

    # The verifier finds it counted on the prelist, then reads it on the item's review.
    assert PrelistsPage(page, base_url).open().prelist_ids() == [prelist_pk]
    assert PrelistPage(page, base_url, prelist_pk).open().visit_counts() == {entry.pk: 1}
    review = VisitEvidence(page, base_url, it.pk).open()
    (shown,) = review.visits()
    assert shown["id"] == recorded.pk
    assert officer_name in shown["heading"]
    assert shown["gps"] == "GPS -7.479700, 110.217700 (± 8 m)"
    assert shown["note"] == NOTE
    assert shown["house"] == {"Jenis atap terluas": atap, "Jenis lantai terluas": lantai}
    assert shown["gaps"].startswith("Foto yang belum ada:")
    assert all(label in shown["gaps"] for label in NOT_TAKEN), shown["gaps"]
    assert "Tampak depan rumah" not in shown["gaps"] and "Kartu Keluarga" not in shown["gaps"]
    pictures = review.photos()
    assert {p["kind"] for p in pictures} == {"depan", "atap", "kk"}
    for p in pictures:
        assert p["src"] == f"/verval/foto/{stored[p['kind']].pk}/", p
        assert p["width"] > 0 and p["height"] > 0, f"{p['kind']} did not load"
    assert not review.has_horizontal_scroll(), review.scroll_width()
    page.screenshot(path="/tmp/kunjungan-bukti-360.png", full_page=True)
    # Each view was logged; what is served is the re-encoded JPEG, without the phone's EXIF.
    assert AuditEvent.objects.filter(action="visit.photo_view").count() >= 3
    served = page.request.get(base_url + f"/verval/foto/{stored['depan'].pk}/")
    assert served.status == 200 and served.headers["content-type"] == "image/jpeg"
    body = served.body()
    assert body[:2] == b"\xff\xd8" and b"Exif\x00" not in body and photo_corpus.MAKER.encode() not in body
    assert outside_requests == []


def test_offline_the_page_opens_from_the_service_worker_and_visits_upload_once(
    base_url, world, phone, photos, outside_requests
):
    """The lost connection is simulated by failing every request of the officer's browser context:
    `context.route("**/*", abort)`. Playwright's context routes see the service worker's own
    requests too (Chromium; the context must allow service workers), so when the page is reloaded
    the navigation reaches the service worker, whose `fetch()` of the page fails like it would
    without signal, and the worker answers from its cache — `response.from_service_worker`. (A
    route does not see the navigation itself: the service worker answers it before the network.)
    `context.set_offline()` is not used: it would also flip `navigator.onLine`, which this test
    drives itself with the `online` event."""
    first, second = submitted_items(world, 2)
    officer = field_officer(world)
    prelist = prelist_create(
        actor=world.users[(Role.REGENCY_VERIFIER, "3371")],
        data=PrelistInput(village_code=HOME_VILLAGE, title="Verval tanpa sinyal", officer_ids=[officer.pk]),
    )
    entries = {e.item_id: e.pk for e in prelist.entries.all()}

    context, page = phone(service_workers="allow")
    console = []
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("pageerror", str(e))))
    sign_in(page, base_url, officer)
    # Opened online the day before, at the office: the copy the phone keeps says so.
    yesterday = timezone.localdate() - timedelta(days=1)
    with mock.patch.object(timezone, "localdate", return_value=yesterday):
        visit = VisitPage(page, base_url, prelist.pk).open()
        visit.wait_offline_ready()
    assert f'name="visited_on" value="{yesterday.isoformat()}"' in visit.kept_copy()

    # The signal is lost.
    failed = []  # (url, whether the service worker asked)

    def no_signal(route):
        failed.append((route.request.url, route.request.service_worker is not None))
        route.abort("internetdisconnected")

    context.route("**/*", no_signal)
    response = visit.reload()
    assert response is not None and response.ok and response.from_service_worker
    # The worker tried the network first, and failed.
    assert (f"{base_url}{visit.path}", True) in failed, failed
    assert (f"{base_url}{visit.path}", False) not in failed, failed  # the page's own: the worker took it
    assert visit.heading() == "Verval tanpa sinyal"
    assert set(visit.entry_ids()) == set(entries.values())
    assert console == [], console  # its stylesheet, scripts and icons came from the copy too
    assert page.evaluate("fetch('/sehat/').then(() => 'reached', () => 'failed')") == "failed"
    # Today's date for a new visit, not the day the copy was made.
    assert visit.form().get_by_label("Tanggal kunjungan", exact=True).input_value() == today()

    # Two visits recorded without signal wait on the phone.
    visit.pick(entries[first.pk]).note("Kunjungan pertama tanpa sinyal.")
    visit.photo("depan", photos["depan.jpg"]).save()
    assert visit.waiting() == 1
    visit.pick(entries[second.pk]).note("Kunjungan kedua tanpa sinyal.")
    visit.photo("atap", photos["atap.jpg"]).photo("kk", photos["kk.jpg"]).save()
    assert visit.badge() == "2" and visit.waiting_shown()
    rows = visit.waiting_rows()
    assert len(rows) == 2 and not any(r["refused"] for r in rows), rows
    assert [r["text"].split(".", 1)[0] for r in rows] == ["1", "2"]  # in the order recorded
    assert (f"{base_url}{VISIT_API}", False) in failed  # the uploads were tried, and failed
    assert FieldVisit.objects.count() == 0 and VisitPhoto.objects.count() == 0
    # Still there when the page is opened again without signal.
    visit.reload()
    assert visit.waiting() == 2
    assert not visit.has_horizontal_scroll(), visit.scroll_width()
    page.screenshot(path="/tmp/kunjungan-tanpa-sinyal-360.png", full_page=True)

    # The signal comes back, but the answer to the first upload is lost on the way: the server
    # recorded the visit, the phone does not know it and keeps it.
    context.unroute("**/*", no_signal)
    answers = []

    def answer_lost_once(route):
        served = route.fetch()
        answers.append(served.status)
        if len(answers) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=served)

    context.route(f"**{VISIT_API}", answer_lost_once)
    visit.go_online().wait_uploads_tried()
    assert visit.waiting() == 2
    assert answers == [201]
    assert FieldVisit.objects.count() == 1

    # The next try sends both: the first again (answered 200, already recorded), then the second.
    visit.go_online().wait_uploads_tried()
    assert visit.waiting() == 0
    assert answers == [201, 200, 201]
    assert FieldVisit.objects.count() == 2
    assert sorted(v.entry_id for v in FieldVisit.objects.all()) == sorted(entries.values())
    assert {v.visited_on for v in FieldVisit.objects.all()} == {timezone.localdate()}
    assert {v.note: sorted(p.kind for p in v.photos.all()) for v in FieldVisit.objects.all()} == {
        "Kunjungan pertama tanpa sinyal.": ["depan"],
        "Kunjungan kedua tanpa sinyal.": ["atap", "kk"],
    }

    # Nothing more is sent, whatever triggers the uploads again.
    context.unroute(f"**{VISIT_API}", answer_lost_once)
    visit.go_online().wait_uploads_tried()
    visit.reload()
    visit.go_online().wait_uploads_tried()
    assert visit.waiting() == 0
    assert FieldVisit.objects.count() == 2 and VisitPhoto.objects.count() == 3
    assert AuditEvent.objects.filter(action="visit.record").count() == 2
    assert outside_requests == []


def test_visits_the_server_refuses_stay_on_the_phone_and_do_not_hold_back_the_others(
    base_url, world, phone, photos, outside_requests
):
    (it,) = submitted_items(world, 1)
    officer = field_officer(world)
    prelist = prelist_create(
        actor=world.users[(Role.REGENCY_VERIFIER, "3371")],
        data=PrelistInput(village_code=HOME_VILLAGE, title="Verval Desember", officer_ids=[officer.pk]),
    )
    entry = prelist.entries.get()
    context, page = phone()
    sign_in(page, base_url, officer)
    visit = VisitPage(page, base_url, prelist.pk).open()

    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and VISIT_API in r.url else None)

    def no_signal(route):
        route.abort("internetdisconnected")

    # Recorded while the server cannot be reached, the two wrong ones first.
    context.route(f"**{VISIT_API}", no_signal)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    visit.pick(entry.pk).date(tomorrow).note("Tanggal salah ketik.").save()
    visit.pick(entry.pk).photo("depan", photos["bukan-foto.jpg"]).save()
    visit.pick(entry.pk).note("Kunjungan yang benar.").photo("kk", photos["kk.jpg"]).save()
    assert visit.waiting() == 3
    context.unroute(f"**{VISIT_API}", no_signal)
    sent.clear()

    visit.go_online().wait_uploads_tried()
    assert visit.waiting() == 2
    assert len(sent) == 3
    # The right one is recorded, the refused ones stay listed with the server's message.
    assert FieldVisit.objects.get().note == "Kunjungan yang benar."
    rows = visit.waiting_rows()
    assert [r["refused"] for r in rows] == [True, True], rows
    assert "Tanggal kunjungan tidak boleh di masa depan." in rows[0]["text"]
    assert MSG_NOT_IMAGE in rows[1]["text"]
    assert visit.badge() == "2"
    assert not visit.has_horizontal_scroll(), visit.scroll_width()
    page.screenshot(path="/tmp/kunjungan-ditolak-360.png", full_page=True)

    # A refusal is not sent again by itself (the officer records the visit anew).
    visit.go_online().wait_uploads_tried()
    visit.reload()
    assert visit.waiting() == 2
    assert all(r["refused"] for r in visit.waiting_rows())
    assert len(sent) == 3
    assert FieldVisit.objects.count() == 1 and FieldVisit.objects.get().item_id == it.pk

    # The session ended (the idle timeout, a day in the field): the next visit waits, the page says
    # why, and it uploads once the officer has signed in again and opened the page.
    context.clear_cookies()
    visit.pick(entry.pk).note("Sesudah sesi berakhir.").save()
    assert visit.waiting() == 3 and visit.status() == "Masuk terlebih dahulu."
    assert [r["refused"] for r in visit.waiting_rows()] == [True, True, False]
    sign_in(page, base_url, officer)
    visit = VisitPage(page, base_url, prelist.pk).open()
    assert visit.waiting() == 2
    assert FieldVisit.objects.count() == 2
    assert FieldVisit.objects.filter(note="Sesudah sesi berakhir.").exists()
    assert outside_requests == []
