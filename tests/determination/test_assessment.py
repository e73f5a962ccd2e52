"""Issue 16, "Ministry assessment": the data officer accepts (override reasons per remaining finding),
returns to the regency with rule codes and a note, sends an item failing again after a correction to
quality assurance, and verifies its own channel's items (accept directly or reject); bulk acceptance of
items without findings; the regency corrects a returned item and it comes back. Every refusal through
the service, the page and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from determination.assessment import (
    ASSESSMENT,
    assessment_accept_bulk,
    assessment_decide,
    assessment_queue_visible_to,
)
from determination.models import Assessment
from dtks.core.models import Notification
from proposals.item import AlreadyDecided, ProposalItem, ProposalItemHistory, proposal_item_timeline
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, users
from verification.selectors import QueueFilters, queue_counts, queue_page
from verification.services import ItemNotFound, verval_decide

pytestmark = pytest.mark.django_db
S = ProposalItem.State
FINDING = [{"rule": "INCOMPLETE", "fields": ["alamat"], "message": "Alamat kosong."}]


@pytest.fixture
def u():
    return users()


def client_for(person) -> Client:
    c = Client()
    otp_force_login(c, person)
    return c


def forwarded(**kw) -> ProposalItem:
    return item(S.FORWARDED, **kw)


def own_verval(**kw) -> ProposalItem:
    return item(S.SUBMITTED, channel=ProposalItem.Channel.SELF_REGISTRATION, verifier="ministry", **kw)


# ---- one item ------------------------------------------------------------------------------------


def test_accept_writes_the_assessment_history_and_audit(u):
    obj = forwarded()
    record = assessment_decide(item_id=obj.pk, decision="accept", actor=u["ministry"])
    obj.refresh_from_db()
    assert obj.state == S.ACCEPTED
    assert record.decision == "accept" and record.findings == []
    h = ProposalItemHistory.objects.get(item=obj, transition="accept")
    assert h.detail["stage"] == "assessment" and h.detail["assessment"] == record.pk


def test_accept_with_a_finding_needs_an_override_reason(u):
    obj = forwarded(findings=FINDING)
    with pytest.raises(ValidationError) as exc:
        assessment_decide(item_id=obj.pk, decision="accept", actor=u["ministry"])
    assert "overrides.INCOMPLETE" in exc.value.message_dict
    obj.refresh_from_db()
    assert obj.state == S.FORWARDED and not Assessment.objects.exists()
    assessment_decide(
        item_id=obj.pk, decision="accept", actor=u["ministry"], overrides={"INCOMPLETE": "Alamat dicek."}
    )
    obj.refresh_from_db()
    assert obj.state == S.ACCEPTED and obj.overrides == {"INCOMPLETE": "Alamat dicek."}


def test_return_needs_rule_codes_and_a_note_then_the_regency_reads_them(u):
    obj = forwarded()
    for bad, field in (
        ({"note": "Lengkapi."}, "rule_codes"),
        ({"rule_codes": ["INCOMPLETE"]}, "note"),
        ({"rule_codes": ["BUKAN_ATURAN"], "note": "x"}, "rule_codes"),
    ):
        with pytest.raises(ValidationError) as exc:
            assessment_decide(item_id=obj.pk, decision="return", actor=u["ministry"], **bad)
        assert field in exc.value.message_dict
    assessment_decide(
        item_id=obj.pk,
        decision="return",
        actor=u["ministry"],
        rule_codes=["INCOMPLETE"],
        note="Lengkapi alamat.",
    )
    obj.refresh_from_db()
    assert obj.state == S.RETURNED_TO_REGENCY and obj.ever_returned_to_regency
    assert Notification.objects.filter(kind="returned_to_regency", region_code__startswith="3371").exists()
    timeline = proposal_item_timeline(user=u["regency"], item=obj)
    assert timeline.steps[-1].rule_codes and timeline.steps[-1].reason == "Lengkapi alamat."
    assert timeline.waiting_stage == "verification"


def test_the_regency_corrects_a_returned_item_and_it_comes_back(u):
    obj = forwarded()
    assessment_decide(
        item_id=obj.pk, decision="return", actor=u["ministry"], rule_codes=["INCOMPLETE"], note="x"
    )
    # Not a return to the village: a returned item is corrected and verified again.
    with pytest.raises(ValidationError) as exc:
        verval_decide(item_id=obj.pk, decision="return", reason="y", actor=u["regency"])
    assert "decision" in exc.value.message_dict
    verval_decide(item_id=obj.pk, decision="verify", actor=u["regency"])
    obj.refresh_from_db()
    assert obj.state == S.VERIFIED
    assert ProposalItemHistory.objects.filter(item=obj, transition="correct_after_return").exists()


def test_quality_assurance_only_for_an_item_failing_again_after_correction(u):
    first_time = forwarded(findings=FINDING)
    with pytest.raises(ValidationError):
        assessment_decide(item_id=first_time.pk, decision="send_to_qa", actor=u["ministry"], note="Gagal.")
    again = forwarded(findings=FINDING, ever_returned_to_regency=True)
    with pytest.raises(ValidationError) as exc:
        assessment_decide(item_id=again.pk, decision="send_to_qa", actor=u["ministry"])
    assert "note" in exc.value.message_dict
    assessment_decide(item_id=again.pk, decision="send_to_qa", actor=u["ministry"], note="Gagal lagi.")
    again.refresh_from_db()
    assert again.state == S.IN_QA


def test_own_verval_accepts_directly_or_rejects(u):
    a, b = own_verval(), own_verval()
    with pytest.raises(ValidationError) as exc:
        assessment_decide(item_id=a.pk, decision="accept", actor=u["ministry"])
    assert "decision" in exc.value.message_dict
    assessment_decide(item_id=a.pk, decision="accept_direct", actor=u["ministry"])
    with pytest.raises(ValidationError):
        assessment_decide(item_id=b.pk, decision="reject", actor=u["ministry"])
    assessment_decide(item_id=b.pk, decision="reject", actor=u["ministry"], note="Bukan warga desa ini.")
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.state, b.state) == (S.ACCEPTED, S.REJECTED)


def test_refusals_role_scope_and_decided(u):
    obj = forwarded()
    for who in ("regency", "province", "qa"):
        with pytest.raises(PermissionDenied):
            assessment_decide(item_id=obj.pk, decision="accept", actor=u[who])
    with pytest.raises(ItemNotFound):
        assessment_decide(item_id=10**12, decision="accept", actor=u["ministry"])
    assessment_decide(item_id=obj.pk, decision="accept", actor=u["ministry"])
    with pytest.raises(AlreadyDecided):
        assessment_decide(
            item_id=obj.pk, decision="return", actor=u["ministry"], rule_codes=["INCOMPLETE"], note="x"
        )
    waiting_at_regency = item(S.VERIFIED)
    with pytest.raises(ValidationError):
        assessment_decide(item_id=waiting_at_regency.pk, decision="accept", actor=u["ministry"])


def test_the_same_key_decides_once(u):
    obj = forwarded()
    one = assessment_decide(item_id=obj.pk, decision="accept", actor=u["ministry"], idempotency_key="k1")
    two = assessment_decide(item_id=obj.pk, decision="accept", actor=u["ministry"], idempotency_key="k1")
    assert one.pk == two.pk and Assessment.objects.count() == 1


# ---- many items ----------------------------------------------------------------------------------


def test_bulk_accept_takes_items_without_findings_only(u):
    clean = [forwarded() for _ in range(3)]
    flagged = forwarded(findings=FINDING, overrides={"INCOMPLETE": "Alasan kabupaten."})
    result = assessment_accept_bulk(actor=u["ministry"], item_ids=[o.pk for o in [*clean, flagged]])
    assert sorted(result.changed) == sorted(o.pk for o in clean)
    assert set(result.skipped) == {flagged.pk}
    assert Assessment.objects.filter(bulk_key=result.key).count() == 3
    assert ProposalItem.objects.filter(pk__in=result.changed, state=S.ACCEPTED).count() == 3


def test_bulk_accept_on_the_whole_filter_result_refuses_unknown_filters(u):
    a = forwarded(village=VILLAGE_A)
    b = forwarded(village="3308010001") if False else forwarded(village=VILLAGE_B)
    result = assessment_accept_bulk(actor=u["ministry"], filters={"wilayah": "3371", "jenis": "addition"})
    assert set(result.changed) == {a.pk, b.pk}
    for bad in ({"desa": VILLAGE_A}, {"wilayah": "33"}, {"tab": "verval"}, {"q": "3371011003000001"}):
        with pytest.raises(ValidationError):
            assessment_accept_bulk(actor=u["ministry"], filters=bad)
    with pytest.raises(PermissionDenied):
        assessment_accept_bulk(actor=u["regency"], item_ids=[a.pk])


# ---- the queue -----------------------------------------------------------------------------------


def test_queue_tabs_filters_and_counts(u):
    a = forwarded(village=VILLAGE_A, findings=FINDING)
    b = forwarded(village=VILLAGE_B)
    own = own_verval()
    item(S.SUBMITTED)  # the regency's, not the ministry's
    f = QueueFilters.parse({}, queue=ASSESSMENT)
    assert {r.pk for r in queue_page(user=u["ministry"], filters=f).rows} == {a.pk, b.pk}
    own_tab = QueueFilters.parse({"tab": "verval"}, queue=ASSESSMENT)
    assert [r.pk for r in queue_page(user=u["ministry"], filters=own_tab).rows] == [own.pk]
    counts = queue_counts(user=u["ministry"], filters=f)
    assert counts["tab"] == {"penilaian": 2, "verval": 1}
    assert counts["village"] == {"3371": 2}
    assert counts["finding"]["INCOMPLETE"] == 1
    with_finding = QueueFilters.parse({"temuan": "INCOMPLETE"}, queue=ASSESSMENT)
    assert [r.pk for r in assessment_queue_visible_to(user=u["ministry"], filters=with_finding)] == [a.pk]


def test_queue_page_reads_a_fixed_number_of_queries(u):
    c = client_for(u["ministry"])
    c.get("/penilaian/")
    for _ in range(5):
        forwarded(findings=FINDING)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/penilaian/").status_code == 200
    for _ in range(20):
        forwarded()
    with CaptureQueriesContext(connection) as many:
        assert c.get("/penilaian/").status_code == 200
    assert len(many) == len(few)


# ---- pages and API -------------------------------------------------------------------------------


def test_page_refusals_name_the_fields_and_save_nothing(u):
    obj = forwarded()
    c = client_for(u["ministry"])
    page = c.get(f"/penilaian/usulan/{obj.pk}/putuskan/")
    assert page.status_code == 200 and 'value="return"' in page.content.decode()
    r = c.post(f"/penilaian/usulan/{obj.pk}/putuskan/", {"decision": "return", "note": ""})
    body = r.content.decode()
    assert r.status_code == 400
    assert "Pilih paling sedikit satu kriteria" in body and "Tulis catatan untuk kabupaten/kota" in body
    obj.refresh_from_db()
    assert obj.state == S.FORWARDED and not Assessment.objects.exists()
    r = c.post(
        f"/penilaian/usulan/{obj.pk}/putuskan/",
        {"decision": "return", "rule_codes": ["INCOMPLETE"], "note": "Lengkapi alamat."},
    )
    assert r.status_code == 302
    obj.refresh_from_db()
    assert obj.state == S.RETURNED_TO_REGENCY


def test_api_refusals_are_400_with_field_errors_and_409_when_decided(u):
    obj = forwarded()
    c = client_for(u["ministry"])
    url = f"/api/v1/penilaian/usulan/{obj.pk}/keputusan/"
    r = c.post(url, {"decision": "return", "rule_codes": [], "note": ""}, content_type="application/json")
    assert r.status_code == 400 and {"rule_codes", "note"} <= set(r.json()["errors"])
    r = c.post(url, {"decision": "accept"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["decision"] == "accept"
    r = c.post(url, {"decision": "accept"}, content_type="application/json")
    assert r.status_code == 409
    r = c.post(
        "/api/v1/penilaian/terima-massal/", {"filter": {"desa": VILLAGE_A}}, content_type="application/json"
    )
    assert r.status_code == 400 and "filter" in str(r.json()["errors"])


def test_every_item_page_shows_the_timeline(u):
    obj = forwarded()
    assessment_decide(
        item_id=obj.pk, decision="return", actor=u["ministry"], rule_codes=["INCOMPLETE"], note="x"
    )
    for who, url in (
        ("village", f"/usulan/item/{obj.pk}/"),
        ("regency", f"/verval/usulan/{obj.pk}/"),
        ("ministry", f"/penilaian/usulan/{obj.pk}/"),
    ):
        body = client_for(u[who]).get(url).content.decode()
        assert 'data-transition="return_to_regency"' in body, who
        assert "Sekarang menunggu di:" in body and "memperbaiki data" in body, who


def test_the_regency_is_told_how_to_handle_a_returned_item_on_the_page_and_the_api(u):
    obj = forwarded()
    assessment_decide(
        item_id=obj.pk, decision="return", actor=u["ministry"], rule_codes=["INCOMPLETE"], note="x"
    )
    c = client_for(u["regency"])
    form = c.get(f"/verval/usulan/{obj.pk}/putuskan/").content.decode()
    assert 'value="verify"' in form and 'value="return"' not in form
    r = c.post(f"/verval/usulan/{obj.pk}/putuskan/", {"decision": "return", "reason": "x"})
    assert r.status_code == 400
    r = c.post(
        f"/api/v1/verval/usulan/{obj.pk}/keputusan/",
        {"decision": "return", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "decision" in r.json()["errors"]
    obj.refresh_from_db()
    assert obj.state == S.RETURNED_TO_REGENCY
    r = c.post(f"/verval/usulan/{obj.pk}/putuskan/", {"decision": "verify"})
    assert r.status_code == 302
    obj.refresh_from_db()
    assert obj.state == S.VERIFIED


def test_bulk_acceptance_refusals_on_the_page(u):
    a = forwarded()
    c = client_for(u["ministry"])
    # Nothing ticked, and a region filter the queue would drop: told so, nothing accepted.
    for body, told in (
        ({}, "Pilih paling sedikit satu usulan"),
        ({"all_results": "on", "wilayah": "33"}, "Nilai saringan ini tidak dikenal"),
    ):
        r = c.post("/penilaian/terima-massal/", body, follow=True)
        assert r.status_code == 200
        text = " ".join(str(m) for m in r.context["messages"])
        assert told in text, text
    a.refresh_from_db()
    assert a.state == S.FORWARDED and not Assessment.objects.exists()
    r = c.post("/penilaian/terima-massal/", {"item": [a.pk]}, follow=True)
    assert "1 dari 1 usulan diterima" in " ".join(str(m) for m in r.context["messages"])
