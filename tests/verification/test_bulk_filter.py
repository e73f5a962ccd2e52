"""A bulk decision on the whole filter result takes the verval queue's own filters (state tab, village,
kind, channel, age, integrity finding incl. the civil-registry result, search), applied by the queue's
function: it decides exactly the items the queue lists, every page. The page's form and the API pass
the same parameters and refuse the same values — a value the queue would drop would widen the decision."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from proposals.item import ProposalItem, ProposalPerson
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, users
from verification.apis import QUEUE_PARAMETERS
from verification.decision_apis import BulkFilterSerializer
from verification.forms import BulkDecisionForm
from verification.models import BulkDecision
from verification.selectors import FILTER_PARAMS, QueueFilters, queue_page
from verification.services import FILTER_REFUSED, FILTER_TAB, verval_decide_bulk

pytestmark = pytest.mark.django_db
S = ProposalItem.State
REJECT = {"decision": "reject", "reason_code": "data_ganda"}


def civil(part: str) -> dict:
    return {
        "rule": "CIVIL_REGISTRY_MISMATCH",
        "message": "Berbeda dengan Dukcapil.",
        "detail": {"parts": [{"part": part, "ours": "a", "theirs": "b"}]},
    }


DUPLICATE = {"rule": "DUPLICATE_NIK", "message": "NIK ganda."}


@pytest.fixture
def u():
    return users()


def queued(state=S.SUBMITTED, *, name="Warga", findings=(), days=0, **kw) -> ProposalItem:
    """An item of the regency's queue; its findings have override reasons (decidable in bulk)."""
    findings = list(findings)
    overrides = {f["rule"]: "Sudah dicek di lapangan." for f in findings}
    obj = item(state, findings=findings, overrides=overrides, **kw)
    ProposalPerson.objects.create(item=obj, position=0, nama=name)
    if days:
        ProposalItem.objects.filter(pk=obj.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return obj


@pytest.fixture
def items():
    return {
        "nama": queued(findings=[civil("nama")]),
        "tanggal": queued(findings=[civil("tanggal_lahir")]),
        "ganda": queued(findings=[DUPLICATE], village=VILLAGE_B),
        "bersih": queued(name="Bersih Sekali"),
        "lama": queued(days=40),
        "lama_ganda": queued(findings=[DUPLICATE], days=40),
        "dikembalikan": queued(S.RETURNED_TO_REGENCY, days=40),
        "luar": queued(village="3308012001", days=40),
    }


def shown(u, filters: dict) -> list[int]:
    """The ids the queue lists for these filters, every page."""
    rows = queue_page(user=u["regency"], filters=QueueFilters.parse(filters), size=10_000).rows
    return sorted(r.pk for r in rows)


def rejected() -> set[int]:
    return set(ProposalItem.objects.filter(state=S.REJECTED).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"temuan": "dukcapil:nama"}, {"nama"}),
        ({"temuan": "CIVIL_REGISTRY_MISMATCH"}, {"nama", "tanggal"}),
        ({"temuan": "DUPLICATE_NIK", "desa": VILLAGE_A}, {"lama_ganda"}),
        ({"temuan": "tanpa"}, {"bersih", "lama"}),
        ({"umur": "31+"}, {"lama", "lama_ganda"}),
        ({"umur": "31+", "temuan": "tanpa"}, {"lama"}),
        ({"umur": "0-7", "temuan": "DUPLICATE_NIK"}, {"ganda"}),
        ({"q": "Bersih", "tab": "antrean"}, {"bersih"}),
    ],
)
def test_a_whole_filter_bulk_decides_only_what_the_queue_lists(u, items, filters, expected):
    want = sorted(items[k].pk for k in expected)
    assert shown(u, filters) == want
    job = verval_decide_bulk(actor=u["regency"], filters=filters, **REJECT)
    assert (sorted(job.item_ids), sorted(job.changed), job.skipped) == (want, want, {})
    assert rejected() == set(want)


def test_the_page_form_and_the_api_pass_the_same_filters(u, items):
    c = Client()
    otp_force_login(c, u["regency"])
    page = c.post(
        "/verval/keputusan-massal/",
        {**REJECT, "all_results": "on", "temuan": "dukcapil:nama", "urut": "baru", "setelah": "1.2"},
    )
    job = BulkDecision.objects.get()
    assert page.status_code == 302 and job.item_ids == [items["nama"].pk]
    api = c.post(
        "/api/v1/verval/keputusan-massal/",
        {**REJECT, "filter": {"umur": "31+", "temuan": "tanpa"}},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["changed"] == [items["lama"].pk]
    assert rejected() == {items["nama"].pk, items["lama"].pk}


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        ({"temuan": "BUKAN_ATURAN"}, "temuan"),
        ({"umur": "99+"}, "umur"),
        ({"desa": "33"}, "desa"),  # a prefix is not a queue filter
        ({"jenis": "apa"}, "jenis"),
        ({"q": "3371011505800001"}, "q"),  # a NIK is never a filter
        ({"tab": "dikembalikan"}, "tab"),  # no bulk decision applies to the returned items
    ],
)
def test_a_filter_the_queue_would_drop_is_refused_on_the_page_and_the_api(u, items, filters, error):
    c = Client()
    otp_force_login(c, u["regency"])
    page = c.post("/verval/keputusan-massal/", {**REJECT, "all_results": "on", **filters})
    assert page.status_code == 400
    api = c.post(
        "/api/v1/verval/keputusan-massal/", {**REJECT, "filter": filters}, content_type="application/json"
    )
    assert api.status_code == 400 and list(api.json()["errors"]) == [f"filter.{error}"]
    assert not BulkDecision.objects.exists() and rejected() == set()


def test_the_api_refuses_a_filter_it_does_not_know(u, items):
    c = Client()
    otp_force_login(c, u["regency"])
    api = c.post(
        "/api/v1/verval/keputusan-massal/",
        {**REJECT, "filter": {"village": VILLAGE_A, "temuan": "tanpa"}},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["errors"] == {"filter.village": [FILTER_REFUSED]}
    tab = c.post(
        "/api/v1/verval/keputusan-massal/",
        {**REJECT, "filter": {"tab": "dikembalikan"}},
        content_type="application/json",
    )
    assert tab.json()["errors"] == {"filter.tab": [FILTER_TAB]}
    assert not BulkDecision.objects.exists()


def test_the_form_the_api_and_the_queue_name_the_same_parameters():
    assert set(BulkFilterSerializer().fields) == set(FILTER_PARAMS)
    assert set(FILTER_PARAMS) <= set(BulkDecisionForm().fields)
    assert set(FILTER_PARAMS) <= {p.name for p in QUEUE_PARAMETERS}
    assert set(QueueFilters(village="1", kind="k", channel="c", age="a", finding="f", q="q").query()) | {
        "tab"
    } == set(FILTER_PARAMS)


def form_fields(html: str) -> dict:
    """The bulk form's hidden inputs as the queue page renders them."""
    form = html[html.index('id="massal"') : html.index("</form>", html.index('id="massal"'))]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_the_queue_page_offers_the_bulk_form_for_ticked_rows_and_the_whole_filter(u, items):
    c = Client()
    otp_force_login(c, u["regency"])
    html = c.get("/verval/?umur=31%2B").content.decode()
    assert f'name="item" value="{items["lama"].pk}" form="massal"' in html
    hidden = form_fields(html)
    assert hidden["umur"] == "31+" and len(hidden["kunci"]) == 32
    # Ticked rows.
    r = c.post("/verval/keputusan-massal/", {**hidden, "item": [items["lama"].pk], **REJECT})
    assert r.status_code == 302
    assert rejected() == {items["lama"].pk}
    # The whole filter result of another filter, as the page sends it.
    html = c.get("/verval/?temuan=tanpa").content.decode()
    r = c.post("/verval/keputusan-massal/", {**form_fields(html), "all_results": "on", **REJECT})
    assert r.status_code == 302
    assert rejected() == {items["lama"].pk, items["bersih"].pk}


def test_the_bulk_form_is_the_verifier_s_and_only_on_the_decisions_tab(u, items):
    head = Client()
    otp_force_login(head, u["supervisor"])
    assert 'id="massal"' not in head.get("/verval/").content.decode()
    verifier = Client()
    otp_force_login(verifier, u["regency"])
    assert 'id="massal"' not in verifier.get("/verval/?tab=dikembalikan").content.decode()
