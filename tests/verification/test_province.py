"""Issue 16, the province's part (Permensos 3/2021: the province forwards the regency's results to the
minister): its summary of what the regencies sent, forwarding a submission whole or in part to the
ministry, disputing items with a reason (they stay behind), and the submission's automatic
`sent → forwarded` once no item waits. Refusals through the service, the page and the API."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.audit.models import AuditEvent
from dtks.core.dashboards import QUEUE_PROVIDERS
from dtks.core.models import Notification
from proposals.item import AlreadyDecided, ProposalItem, ProposalItemHistory
from tests.conftest import otp_force_login
from tests.proposals.factories import OTHER_PROVINCE_VILLAGE, VILLAGE_A, VILLAGE_B, item, user, users
from verification.models import RegencySubmission
from verification.province import (
    province_dashboard_counts,
    province_summary,
    submission_dispute,
    submission_forward,
)
from verification.submissions import (
    SubmissionNotFound,
    submission_gather,
    submission_send,
    submission_sign,
)

pytestmark = pytest.mark.django_db
S = ProposalItem.State
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_REGENCY_VILLAGE = "3308012001"
REASON = "Kunjungan provinsi: keluarga sudah pindah ke luar provinsi."


@pytest.fixture
def u(media):
    people = users()
    people["verifier_3308"] = people["other_regency"]
    people["verifier_3404"] = user("regency_verifier", "3404")
    for regency in ("3308", "3404"):
        people[f"supervisor_{regency}"] = user("regency_supervisor", regency)
    return people


def client_for(person) -> Client:
    c = Client()
    otp_force_login(c, person)
    return c


def sent(u, n: int = 3, *, village: str = VILLAGE_A, **kw) -> tuple[RegencySubmission, list[ProposalItem]]:
    """A submission of `village`'s regency with `n` items, gathered, signed and sent through the services."""
    regency = village[:4]
    verifier = u["regency"] if regency == "3371" else u[f"verifier_{regency}"]
    supervisor = u["supervisor"] if regency == "3371" else u[f"supervisor_{regency}"]
    items = [item(S.VERIFIED, village=village, **kw) for _ in range(n)]
    sub = submission_gather(actor=verifier)
    submission_sign(
        submission_id=sub.pk,
        actor=supervisor,
        letter=SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        letter_number="400/1/2026",
        letter_date=date.today(),
    )
    sub = submission_send(submission_id=sub.pk, actor=supervisor)
    return sub, items


def states(items) -> list[str]:
    return [ProposalItem.objects.get(pk=i.pk).state for i in items]


# ---- forwarding ----------------------------------------------------------------------------------------


def test_forwarding_the_whole_submission_moves_every_item_and_closes_it(u):
    sub, items = sent(u)
    step = submission_forward(submission_id=sub.pk, actor=u["province"], ip="10.0.0.1")
    assert step.changed == sorted(i.pk for i in items) and step.waiting == 0
    assert states(items) == [S.FORWARDED] * 3
    sub.refresh_from_db()
    assert (sub.state, sub.forwarded_by) == ("forwarded", u["province"]) and sub.forwarded_at
    for i in items:
        row = ProposalItemHistory.objects.get(item=i, transition="forward")
        assert row.detail["submission"] == sub.pk and row.detail["stage"] == "province"
    event = AuditEvent.objects.get(action="regency_submission.forward", object_id=str(sub.pk))
    assert event.detail == {"items": {"forwarded": 3}} and event.region_code == "3371"
    told = Notification.objects.filter(kind="regency_submission_forwarded")
    assert set(told.values_list("audience_role", "region_code")) == {
        ("regency_supervisor", "3371"),
        ("regency_verifier", "3371"),
    }
    assert "3 usulan diteruskan" in told.first().message


def test_a_partial_forward_keeps_the_disputed_items_behind(u):
    sub, (a, b, c) = sent(u)
    step = submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk], reason=REASON)
    assert (step.changed, step.waiting) == ([a.pk], 2)
    step = submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[b.pk])
    assert (step.changed, step.waiting) == ([b.pk], 1)
    sub.refresh_from_db()
    assert sub.state == "sent"  # c still waits
    # "Forward the rest": the disputed item stays behind.
    step = submission_forward(submission_id=sub.pk, actor=u["province"])
    assert (step.changed, step.waiting) == ([c.pk], 0)
    assert states([a, b, c]) == [S.DISPUTED, S.FORWARDED, S.FORWARDED]
    a.refresh_from_db()
    assert a.last_reason == REASON
    history = ProposalItemHistory.objects.get(item=a, transition="dispute_by_province")
    assert history.reason == REASON and history.detail["submission"] == sub.pk
    sub.refresh_from_db()
    assert sub.state == "forwarded"
    event = AuditEvent.objects.get(action="regency_submission.forward", object_id=str(sub.pk))
    assert event.detail == {"items": {"forwarded": 2, "disputed": 1}}
    assert Notification.objects.filter(kind="disputed_by_province", region_code="3371").count() == 2


def test_disputing_the_last_waiting_item_closes_the_submission_too(u):
    sub, (a, b) = sent(u, 2)
    submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk])
    submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[b.pk], reason=REASON)
    sub.refresh_from_db()
    assert sub.state == "forwarded"
    assert AuditEvent.objects.filter(action="regency_submission.forward").count() == 1


def test_forwarding_twice_is_harmless(u):
    sub, (a, b) = sent(u, 2)
    submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk])
    again = submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk])
    assert (again.changed, again.unchanged, again.waiting) == ([], [a.pk], 1)
    assert ProposalItemHistory.objects.filter(item=a, transition="forward").count() == 1
    # Once every item is dealt with, the submission's step is done: "already done", nothing changes.
    submission_forward(submission_id=sub.pk, actor=u["province"])
    histories = ProposalItemHistory.objects.count()
    with pytest.raises(AlreadyDecided, match="sudah diteruskan"):
        submission_forward(submission_id=sub.pk, actor=u["province"])
    with pytest.raises(AlreadyDecided):
        submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[b.pk], reason=REASON)
    assert ProposalItemHistory.objects.count() == histories
    assert AuditEvent.objects.filter(action="regency_submission.forward").count() == 1


# ---- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "regency", "ministry"])
def test_only_the_province_forwards_or_disputes(u, who):
    sub, items = sent(u)
    with pytest.raises(PermissionDenied):
        submission_forward(submission_id=sub.pk, actor=u[who])
    with pytest.raises(PermissionDenied):
        submission_dispute(submission_id=sub.pk, actor=u[who], item_ids=[items[0].pk], reason=REASON)
    assert states(items) == [S.REGENCY_APPROVED] * 3


@pytest.mark.parametrize("who", ["other_province", "village"])
def test_a_submission_out_of_scope_is_not_found(u, who):
    sub, items = sent(u)
    with pytest.raises(SubmissionNotFound):
        submission_forward(submission_id=sub.pk, actor=u[who])
    with pytest.raises(SubmissionNotFound):
        submission_dispute(submission_id=sub.pk, actor=u[who], item_ids=[items[0].pk], reason=REASON)
    assert states(items) == [S.REGENCY_APPROVED] * 3


def test_a_submission_not_yet_sent_is_not_the_province_s(u):
    item(S.VERIFIED)
    sub = submission_gather(actor=u["regency"])
    with pytest.raises(SubmissionNotFound):
        submission_forward(submission_id=sub.pk, actor=u["province"])


@pytest.mark.parametrize(
    ("kw", "field", "text"),
    [
        ({"item_ids": []}, "items", "Pilih minimal satu usulan"),
        ({"item_ids": None}, "items", "Pilih usulan yang disanggah"),
        ({"reason": ""}, "reason", "Tulis alasan sanggahan"),
        ({"reason": "   \n "}, "reason", "Tulis alasan sanggahan"),
        ({"reason": "x" * 4001}, "reason", "paling panjang"),
        ({"item_ids": ["satu"]}, "items", "harus berupa angka"),
    ],
)
def test_bad_dispute_input_is_refused_naming_the_field(u, kw, field, text):
    sub, items = sent(u)
    args = {"item_ids": [items[0].pk], "reason": REASON, **kw}
    with pytest.raises(ValidationError) as exc:
        submission_dispute(submission_id=sub.pk, actor=u["province"], **args)
    assert text in exc.value.message_dict[field][0]
    assert states(items) == [S.REGENCY_APPROVED] * 3


def test_an_item_of_another_submission_or_not_waiting_refuses_the_whole_request(u):
    sub, (a, b, c) = sent(u)
    _other, (foreign,) = sent(u, 1, village=OTHER_REGENCY_VILLAGE)
    with pytest.raises(ValidationError) as exc:
        submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk, foreign.pk])
    assert f"#{foreign.pk} tidak termasuk pengajuan {sub.label}" in exc.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as exc:
        submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[999_999_999])
    assert "tidak termasuk" in exc.value.message_dict["items"][0]
    submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[b.pk], reason=REASON)
    # A disputed item cannot be forwarded, nor a forwarded one disputed; nothing of the request is saved.
    with pytest.raises(ValidationError) as exc:
        submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk, b.pk])
    assert f"#{b.pk} berstatus Disanggah" in exc.value.message_dict["items"][0]
    assert states([a, b, c, foreign]) == [
        S.REGENCY_APPROVED,
        S.DISPUTED,
        S.REGENCY_APPROVED,
        S.REGENCY_APPROVED,
    ]
    submission_forward(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk])
    with pytest.raises(ValidationError, match="berstatus Diteruskan provinsi"):
        submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk, c.pk], reason=REASON)
    assert states([a, c]) == [S.FORWARDED, S.REGENCY_APPROVED]
    assert ProposalItemHistory.objects.filter(item=foreign, transition="forward").count() == 0


# ---- the summary -------------------------------------------------------------------------------------------


def test_the_summary_counts_per_regency_what_waits(u):
    sub, (a, *_rest) = sent(
        u, 3, findings=[{"rule": "DUPLICATE_NIK"}], overrides={"DUPLICATE_NIK": "Kembar."}
    )
    item_b = item(
        S.VERIFIED,
        village=VILLAGE_B,
        kind=ProposalItem.Kind.DELETION,
        findings=[{"rule": "INCOMPLETE"}, {"rule": "NIK_MISMATCH"}],
        overrides={"INCOMPLETE": "RT belum ada.", "NIK_MISMATCH": "KTP diperiksa."},
    )
    second = submission_gather(actor=u["regency"])
    submission_sign(
        submission_id=second.pk,
        actor=u["supervisor"],
        letter=SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        letter_number="400/2/2026",
        letter_date=date.today(),
    )
    submission_send(submission_id=second.pk, actor=u["supervisor"])
    other_regency, _items = sent(u, 2, village=OTHER_REGENCY_VILLAGE)
    sent(u, 4, village=OTHER_PROVINCE_VILLAGE)  # another province: never counted
    submission_dispute(submission_id=sub.pk, actor=u["province"], item_ids=[a.pk], reason=REASON)

    summary = province_summary(user=u["province"])
    by_code = {r.code: r for r in summary.regencies}
    assert set(by_code) == {"3371", "3308"}
    city = by_code["3371"]
    assert city.name == "Kota Magelang"
    assert [(s["id"], s["items"], s["waiting"]) for s in city.submissions] == [
        (sub.pk, 3, 2),
        (second.pk, 1, 1),
    ]
    assert city.waiting == 3  # the disputed item no longer waits
    assert [(k, n) for k, _l, n in city.by_kind] == [("addition", 2), ("deletion", 1)]
    assert {r: n for r, _l, n in city.by_finding} == {"DUPLICATE_NIK": 2, "INCOMPLETE": 1, "NIK_MISMATCH": 1}
    assert city.overridden == 4
    assert city.oldest_since == RegencySubmission.objects.get(pk=sub.pk).sent_at and city.oldest_days == 0
    assert (by_code["3308"].waiting, by_code["3308"].by_finding) == (2, [])
    assert (summary.submissions, summary.waiting) == (3, 5)
    assert province_dashboard_counts(user=u["province"]) == {
        "regency_submissions": (3, city.oldest_since),
        "province": (5, city.oldest_since),
    }
    assert item_b.pk in {
        i for i in RegencySubmission.objects.get(pk=second.pk).entries.values_list("item_id", flat=True)
    }

    # A submission the province has finished leaves the summary.
    submission_forward(submission_id=other_regency.pk, actor=u["province"])
    assert {r.code for r in province_summary(user=u["province"]).regencies} == {"3371"}
    assert {r.code for r in province_summary(user=u["other_province"]).regencies} == {"3404"}


def test_the_summary_reads_a_fixed_number_of_queries(u):
    sent(u, 2)
    with CaptureQueriesContext(connection) as small:
        province_summary(user=u["province"])
    for village in (VILLAGE_B, OTHER_REGENCY_VILLAGE):
        sent(u, 15, village=village, findings=[{"rule": "INCOMPLETE"}], overrides={"INCOMPLETE": "Ya."})
    with CaptureQueriesContext(connection) as large:
        summary = province_summary(user=u["province"])
    assert summary.waiting == 32 and summary.submissions == 3
    assert len(large.captured_queries) == len(small.captured_queries) <= 3


def test_the_dashboard_shows_the_province_queue(u):
    sent(u, 2)
    state = QUEUE_PROVIDERS["province"](user=u["province"])
    assert (state.count, state.url) == (2, "/verval/provinsi/") and state.oldest_since
    html = client_for(u["province"]).get("/dasbor/").content.decode()
    assert "Menunggu diteruskan provinsi" in html and 'href="/verval/provinsi/"' in html
    assert QUEUE_PROVIDERS["province"](user=u["other_province"]).count == 0


# ---- pages -----------------------------------------------------------------------------------------------


def test_the_province_page_shows_each_regency_and_links_its_submissions(u):
    sub, _items = sent(u, 2, findings=[{"rule": "INCOMPLETE"}], overrides={"INCOMPLETE": "RT belum ada."})
    foreign, _ = sent(u, 1, village=OTHER_PROVINCE_VILLAGE)
    c = client_for(u["province"])
    c.get("/verval/provinsi/")
    with CaptureQueriesContext(connection) as small:
        r = c.get("/verval/provinsi/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-regency="3371"' in html and "Kota Magelang" in html
    assert f'href="/verval/pengajuan/{sub.pk}/"' in html and f"/verval/pengajuan/{foreign.pk}/" not in html
    assert 'data-rule="INCOMPLETE"' in html and "<svg" in html
    assert "https://" not in html and "http://" not in html
    sent(u, 20, village=OTHER_REGENCY_VILLAGE)
    with CaptureQueriesContext(connection) as large:
        assert 'data-regency="3308"' in c.get("/verval/provinsi/").content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert client_for(u["supervisor"]).get("/verval/provinsi/").status_code == 403


def test_the_province_forwards_and_disputes_through_the_submission_page(u):
    sub, (a, b, c) = sent(u)
    p = client_for(u["province"])
    page = p.get(f"/verval/pengajuan/{sub.pk}/").content.decode()
    assert "Teruskan semua usulan yang menunggu (3)" in page and f'value="{a.pk}"' in page
    r = p.post(f"/verval/pengajuan/{sub.pk}/sanggah/", {"items": [a.pk], "reason": REASON})
    assert r.status_code == 302 and r["Location"] == f"/verval/pengajuan/{sub.pk}/"
    page = p.get(r["Location"]).content.decode()
    assert "1 usulan disanggah" in page and REASON in page
    assert f'name="items" value="{a.pk}"' not in page  # no longer waiting: not offered again
    r = p.post(f"/verval/pengajuan/{sub.pk}/teruskan/", {"items": [b.pk]})
    assert r.status_code == 302
    r = p.post(f"/verval/pengajuan/{sub.pk}/teruskan/", {"semua": "1"})
    page = p.get(r["Location"]).content.decode()
    assert "selesai" in page and "Diteruskan ke Kementerian Sosial" in page
    assert "Teruskan semua usulan" not in page
    assert states([a, b, c]) == [S.DISPUTED, S.FORWARDED, S.FORWARDED]
    # The regency reads the outcome: the submission's state, each item's, and the dispute's reason.
    regency_page = client_for(u["supervisor"]).get(f"/verval/pengajuan/{sub.pk}/").content.decode()
    assert 'data-state="forwarded"' in regency_page and "Diteruskan ke Kementerian Sosial" in regency_page
    assert f'data-item="{a.pk}" data-state="disputed"' in regency_page and REASON in regency_page
    assert f'data-item="{b.pk}" data-state="forwarded"' in regency_page
    assert 'name="items"' not in regency_page
    # Forwarding again: already done, nothing changes.
    again = p.post(f"/verval/pengajuan/{sub.pk}/teruskan/", {"semua": "1"})
    assert again.status_code == 409 and "sudah diteruskan" in again.content.decode()


@pytest.mark.parametrize(
    ("path", "body", "text"),
    [
        ("teruskan", {}, "Pilih minimal satu usulan"),
        ("sanggah", {"reason": REASON}, "Pilih minimal satu usulan"),
        ("sanggah", {"items": "FIRST", "reason": "  "}, "Tulis alasan sanggahan"),
        ("sanggah", {"items": "FIRST", "reason": "x" * 4001}, "paling panjang 4.000 karakter"),
        ("teruskan", {"items": "FOREIGN"}, "tidak termasuk pengajuan"),
        ("teruskan", {"items": "abc"}, "Nomor usulan tidak dikenal"),
        ("teruskan", {"items": "9" * 40}, "Nomor usulan tidak dikenal"),
    ],
)
def test_a_refused_step_shows_the_message_on_the_page(u, path, body, text):
    sub, items = sent(u)
    _other, (foreign,) = sent(u, 1, village=OTHER_REGENCY_VILLAGE)
    swap = {"FIRST": str(items[0].pk), "FOREIGN": str(foreign.pk)}
    data = {k: swap.get(v, v) for k, v in body.items()}
    r = client_for(u["province"]).post(f"/verval/pengajuan/{sub.pk}/{path}/", data)
    assert r.status_code == 400
    assert text in r.content.decode()
    assert states(items) == [S.REGENCY_APPROVED] * 3


def test_the_page_refuses_other_roles_and_other_provinces(u):
    sub, items = sent(u)
    assert (
        client_for(u["supervisor"]).post(f"/verval/pengajuan/{sub.pk}/teruskan/", {"semua": "1"}).status_code
        == 403
    )
    other = client_for(u["other_province"])
    assert other.post(f"/verval/pengajuan/{sub.pk}/teruskan/", {"semua": "1"}).status_code == 404
    assert (
        other.post(
            f"/verval/pengajuan/{sub.pk}/sanggah/", {"items": items[0].pk, "reason": REASON}
        ).status_code
        == 404
    )
    assert states(items) == [S.REGENCY_APPROVED] * 3


# ---- API ---------------------------------------------------------------------------------------------------


def test_the_api_forwards_and_disputes(u):
    sub, (a, b, c) = sent(u)
    p = client_for(u["province"])
    summary = p.get("/api/v1/verval/provinsi/").json()
    assert summary["waiting"] == 3 and summary["results"][0]["regency_code"] == "3371"
    assert summary["results"][0]["submissions"][0]["id"] == sub.pk
    r = p.post(
        f"/api/v1/verval/pengajuan/{sub.pk}/sanggah/",
        {"items": [a.pk], "reason": REASON},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert (r.json()["changed"], r.json()["waiting"]) == ([a.pk], 2)
    r = p.post(
        f"/api/v1/verval/pengajuan/{sub.pk}/teruskan/", {"items": [b.pk]}, content_type="application/json"
    )
    assert (r.json()["changed"], r.json()["submission"]["state"]) == ([b.pk], "sent")
    retry = p.post(
        f"/api/v1/verval/pengajuan/{sub.pk}/teruskan/", {"items": [b.pk]}, content_type="application/json"
    )
    assert retry.status_code == 200 and (retry.json()["changed"], retry.json()["unchanged"]) == ([], [b.pk])
    r = p.post(f"/api/v1/verval/pengajuan/{sub.pk}/teruskan/", {}, content_type="application/json")
    body = r.json()
    assert (body["changed"], body["waiting"], body["submission"]["state"]) == ([c.pk], 0, "forwarded")
    assert body["submission"]["forwarded_at"]
    again = p.post(f"/api/v1/verval/pengajuan/{sub.pk}/teruskan/", {}, content_type="application/json")
    assert again.status_code == 409
    # The regency reads the outcome on the submission's detail.
    detail = client_for(u["supervisor"]).get(f"/api/v1/verval/pengajuan/{sub.pk}/").json()
    assert detail["state"] == "forwarded"
    assert {row["code"]: row["count"] for row in detail["summary"]["by_state"]} == {
        "forwarded": 2,
        "disputed": 1,
    }


@pytest.mark.parametrize(
    ("path", "body", "field", "text"),
    [
        ("teruskan", {"items": []}, "items", "Pilih minimal satu usulan"),
        ("sanggah", {"reason": REASON}, "items", "Pilih usulan yang disanggah"),
        ("sanggah", {"items": "FIRST", "reason": ""}, "reason", "Tulis alasan sanggahan"),
        ("sanggah", {"items": "FIRST"}, "reason", "Tulis alasan sanggahan"),
        ("teruskan", {"items": "FOREIGN"}, "items", "tidak termasuk pengajuan"),
        ("teruskan", {"items": "satu"}, "items", ""),
        ("teruskan", {"items": [10**40]}, "items.0", ""),
    ],
)
def test_the_api_refuses_bad_input_with_field_errors(u, path, body, field, text):
    sub, items = sent(u)
    _other, (foreign,) = sent(u, 1, village=OTHER_REGENCY_VILLAGE)
    swap = {"FIRST": [items[0].pk], "FOREIGN": [foreign.pk]}
    data = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = client_for(u["province"]).post(
        f"/api/v1/verval/pengajuan/{sub.pk}/{path}/", data, content_type="application/json"
    )
    assert r.status_code == 400, r.content
    errors = r.json()["errors"]
    assert field in errors and text in errors[field][0]
    assert states(items) == [S.REGENCY_APPROVED] * 3


def test_the_api_refuses_other_roles_and_other_provinces(u):
    sub, items = sent(u)
    url = f"/api/v1/verval/pengajuan/{sub.pk}/teruskan/"
    assert client_for(u["supervisor"]).post(url, {}, content_type="application/json").status_code == 403
    assert client_for(u["other_province"]).post(url, {}, content_type="application/json").status_code == 404
    assert client_for(u["supervisor"]).get("/api/v1/verval/provinsi/").status_code == 403
    assert client_for(u["other_province"]).get("/api/v1/verval/provinsi/").json()["results"] == []
    assert states(items) == [S.REGENCY_APPROVED] * 3


def test_a_regency_province_officer_must_be_of_the_submission_s_province(u):
    """The permission of the submission's own transition names the province (in scope), not any officer."""
    sub, _items = sent(u)
    assert sub.is_province_officer(u["province"])
    assert not sub.is_province_officer(u["other_province"])
    assert not sub.is_province_officer(u["supervisor"])
