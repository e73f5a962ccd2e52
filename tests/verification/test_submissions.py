"""Issue 14, "The regency submission": verified items are gathered into a submission; the head of the
Dinas Sosial reviews its summary, signs it off with the regent's/mayor's letter (its items become
`regency_approved`, a recap PDF is kept with its SHA-256) and sends it to the province. Refusals are
tested through the service, the page and the API; two supervisors signing at once — one wins."""

import hashlib
import re
import threading
import zlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.audit.models import AuditEvent
from dtks.core.models import Notification
from proposals.item import AlreadyDecided, ProposalItem, ProposalItemHistory, proposal_item_transition
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, user, users
from verification.models import RegencySubmission, SubmissionItem
from verification.submissions import (
    SubmissionNotFound,
    items_to_gather,
    submission_gather,
    submission_send,
    submission_sign,
    submission_summary,
    submissions_visible_to,
)

pytestmark = pytest.mark.django_db
S = ProposalItem.State
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = date.today()


@pytest.fixture
def u(media):
    return users()


def letter(content: bytes = PDF, name: str = "surat.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def client_for(person) -> Client:
    c = Client()
    otp_force_login(c, person)
    return c


def verified(n: int = 3, *, village: str = VILLAGE_A, **kw) -> list[ProposalItem]:
    return [item(S.VERIFIED, village=village, **kw) for _ in range(n)]


def sign(u, sub, **kw):
    args = {"letter": letter(), "letter_number": "400/123/2026", "letter_date": TODAY}
    return submission_sign(submission_id=sub.pk, actor=u["supervisor"], **{**args, **kw})


# ---- gathering -------------------------------------------------------------------------------------


def test_gather_freezes_the_regency_verified_items_and_again_adds_only_new_ones(u):
    mine = verified(2) + verified(1, village=VILLAGE_B)
    item(S.SUBMITTED)  # not verified
    item(S.VERIFIED, village="3308010001")  # another regency
    sub = submission_gather(actor=u["regency"])
    assert (sub.state, sub.number, sub.regency_code, sub.item_count) == ("open", 1, "3371", 3)
    assert set(sub.entries.values_list("item_id", flat=True)) == {i.pk for i in mine}
    assert not items_to_gather(user=u["regency"]).exists()

    later = item(S.VERIFIED)
    again = submission_gather(actor=u["supervisor"])
    assert again.pk == sub.pk and again.item_count == 4
    assert SubmissionItem.objects.filter(item=later, submission=sub).exists()
    # A retry with nothing new changes nothing.
    assert submission_gather(actor=u["regency"]).item_count == 4
    assert AuditEvent.objects.filter(action="regency_submission.gather", object_id=str(sub.pk)).count() == 3


def test_gather_is_refused_with_nothing_verified_and_for_other_roles(u):
    with pytest.raises(ValidationError, match="Belum ada usulan terverifikasi"):
        submission_gather(actor=u["regency"])
    verified(1)
    for who in ("village", "province", "ministry"):
        with pytest.raises(PermissionDenied):
            submission_gather(actor=u[who])
    assert not RegencySubmission.objects.exists()


def test_a_signed_submission_does_not_block_the_next_one(u):
    verified(2)
    first = submission_gather(actor=u["regency"])
    sign(u, first)
    verified(1)
    second = submission_gather(actor=u["regency"])
    assert (second.number, second.item_count) == (2, 1)


# ---- summary ----------------------------------------------------------------------------------------


def test_summary_counts_kinds_villages_channels_and_overridden_findings(u):
    verified(2)
    item(S.VERIFIED, kind=ProposalItem.Kind.DELETION, village=VILLAGE_B)
    item(S.VERIFIED, overrides={"DUPLICATE_NIK": "Kembar, sudah dicek di lapangan."})
    item(S.VERIFIED, overrides={"DUPLICATE_NIK": "Sama.", "INCOMPLETE": "Alamat tidak ada RT."})
    sub = submission_gather(actor=u["regency"])
    with CaptureQueriesContext(connection) as ctx:
        s = submission_summary(sub)
    assert len(ctx.captured_queries) <= 8
    assert s.total == 5
    assert [(code, n) for code, _l, n in s.by_kind] == [("addition", 4), ("deletion", 1)]
    assert dict((code, n) for code, _l, n in s.by_village) == {VILLAGE_A: 4, VILLAGE_B: 1}
    assert [(rule, n) for rule, _l, n in s.overrides] == [("DUPLICATE_NIK", 2), ("INCOMPLETE", 1)]
    assert len(s.overridden_items) == 2
    assert s.overridden_items[1]["rules"][1] == ("INCOMPLETE", "Alamat tidak ada RT.")


# ---- sign-off ---------------------------------------------------------------------------------------


def test_sign_approves_every_item_keeps_the_letter_and_a_hashed_recap(u):
    items = verified(3)
    sub = submission_gather(actor=u["regency"])
    sub = sign(u, sub, note="Sesuai rapat 2 Desember.")
    assert sub.state == "signed"
    assert (sub.signed_by, sub.letter_number, sub.letter_date) == (u["supervisor"], "400/123/2026", TODAY)
    assert sub.letter_sha256 == hashlib.sha256(PDF).hexdigest()
    for i in items:
        i.refresh_from_db()
        assert i.state == S.REGENCY_APPROVED
        row = ProposalItemHistory.objects.get(item=i, transition="approve_in_submission")
        assert row.detail["submission"] == sub.pk
    pdf = sub.recap.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == sub.recap_sha256
    event = AuditEvent.objects.get(action="regency_submission.sign", object_id=str(sub.pk))
    assert event.detail["recap_sha256"] == sub.recap_sha256 and event.detail["items"] == 3


def pdf_text(pdf: bytes) -> str:
    """The text operands of a PDF's (deflated) content streams: enough to read what fpdf2 wrote."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(re.findall(r"\((.*?)\) ?Tj", "\n".join(out)))


def test_the_recap_names_what_was_signed(u):
    items = verified(2)
    sub = sign(u, submission_gather(actor=u["regency"]))
    text = pdf_text(sub.recap.read())
    assert "400/123/2026" in text and "Kota Magelang" in text
    assert all(f"#{i.pk}" in text for i in items)
    assert "Menurut jenis usulan" in text


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"letter": None}, "letter"),
        ({"letter": letter(b"")}, "letter"),
        ({"letter": letter(b"MZ\x90\x00 not a pdf", "surat.pdf")}, "letter"),
        ({"letter_number": ""}, "letter_number"),
        ({"letter_number": "x" * 101}, "letter_number"),
        ({"letter_date": None}, "letter_date"),
        ({"letter_date": TODAY + timedelta(days=1)}, "letter_date"),
    ],
)
def test_bad_sign_input_is_refused_naming_the_field_and_nothing_moves(u, kw, field):
    items = verified(2)
    sub = submission_gather(actor=u["regency"])
    with pytest.raises(ValidationError) as exc:
        sign(u, sub, **kw)
    assert field in exc.value.message_dict
    sub.refresh_from_db()
    assert sub.state == "open" and not sub.letter
    assert all(ProposalItem.objects.get(pk=i.pk).state == S.VERIFIED for i in items)


def test_sign_and_send_are_the_supervisor_s_and_only_in_its_regency(u):
    verified(1)
    sub = submission_gather(actor=u["regency"])
    with pytest.raises(PermissionDenied):
        submission_sign(
            submission_id=sub.pk, actor=u["regency"], letter=letter(), letter_number="1", letter_date=TODAY
        )
    other = user("regency_supervisor", "3308")
    with pytest.raises(SubmissionNotFound):
        submission_sign(
            submission_id=sub.pk, actor=other, letter=letter(), letter_number="1", letter_date=TODAY
        )
    with pytest.raises(SubmissionNotFound):
        submission_sign(
            submission_id=sub.pk, actor=u["province"], letter=letter(), letter_number="1", letter_date=TODAY
        )


def test_signing_twice_is_already_decided_and_send_needs_a_signature(u):
    verified(1)
    sub = submission_gather(actor=u["regency"])
    with pytest.raises(ValidationError, match="belum dapat"):
        submission_send(submission_id=sub.pk, actor=u["supervisor"])
    sign(u, sub)
    with pytest.raises(AlreadyDecided):
        sign(u, sub)
    submission_send(submission_id=sub.pk, actor=u["supervisor"])
    with pytest.raises(AlreadyDecided):
        submission_send(submission_id=sub.pk, actor=u["supervisor"])


def test_an_item_that_left_verified_is_taken_out_at_sign_off(u):
    a, b = verified(2)
    sub = submission_gather(actor=u["regency"])
    # It leaves `verified` through the machine itself, outside this submission.
    proposal_item_transition(item_id=b.pk, transition="approve_in_submission", actor=u["supervisor"])
    sub = sign(u, sub)
    assert sub.item_count == 1
    assert list(sub.entries.values_list("item_id", flat=True)) == [a.pk]


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_signing_at_once_one_wins(media):
    u = users()
    second = user("regency_supervisor", "3371", name="kepala-dinas-2")
    verified(3)
    sub = submission_gather(actor=u["regency"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(actor):
        try:
            barrier.wait()
            submission_sign(
                submission_id=sub.pk, actor=actor, letter=letter(), letter_number="9/2026", letter_date=TODAY
            )
            outcomes.append("signed")
        except AlreadyDecided:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in (u["supervisor"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "signed"]
    assert ProposalItemHistory.objects.filter(transition="approve_in_submission").count() == 3


# ---- sending and who sees what ----------------------------------------------------------------------


def test_send_tells_the_province_and_only_then_it_sees_the_submission(u):
    verified(2)
    sub = submission_gather(actor=u["regency"])
    assert not submissions_visible_to(user=u["province"]).exists()
    sign(u, sub)
    assert not submissions_visible_to(user=u["province"]).exists()
    submission_send(submission_id=sub.pk, actor=u["supervisor"])
    assert list(submissions_visible_to(user=u["province"])) == [sub]
    assert not submissions_visible_to(user=u["other_province"]).exists()
    assert not submissions_visible_to(user=u["village"]).exists()
    note = Notification.objects.get(kind="regency_submission")
    assert (note.audience_role, note.region_code) == ("province_officer", "3371")
    assert "2 usulan" in note.message


# ---- pages --------------------------------------------------------------------------------------------


def test_the_supervisor_signs_and_sends_through_the_pages(u):
    verified(2)
    item(S.VERIFIED, overrides={"INCOMPLETE": "RT belum ada."})
    c = client_for(u["regency"])
    r = c.post("/verval/pengajuan/kumpulkan/")
    sub = RegencySubmission.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/verval/pengajuan/{sub.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert "menunggu pengesahan kepala dinas" in page and "sahkan/" not in page

    s = client_for(u["supervisor"])
    page = s.get(f"/verval/pengajuan/{sub.pk}/").content.decode()
    assert 'data-rule="INCOMPLETE"' in page and "RT belum ada." in page
    r = s.post(
        f"/verval/pengajuan/{sub.pk}/sahkan/",
        {"letter": letter(), "letter_number": "400/7/2026", "letter_date": TODAY.isoformat()},
    )
    assert r.status_code == 302
    page = s.get(r["Location"]).content.decode()
    sub.refresh_from_db()
    assert sub.state == "signed" and sub.recap_sha256 in page
    recap = s.get(f"/verval/pengajuan/{sub.pk}/rekap/")
    assert recap.status_code == 200 and recap["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(recap.streaming_content)).hexdigest() == sub.recap_sha256
    assert AuditEvent.objects.filter(action="regency_submission.recap_view").count() == 1
    assert s.post(f"/verval/pengajuan/{sub.pk}/kirim/").status_code == 302
    sub.refresh_from_db()
    assert sub.state == "sent"
    p = client_for(u["province"])
    assert f"/verval/pengajuan/{sub.pk}/" in p.get("/verval/pengajuan/").content.decode()
    letter_response = p.get(f"/verval/pengajuan/{sub.pk}/surat/")
    assert letter_response.status_code == 200
    assert AuditEvent.objects.filter(
        action="regency_submission.letter_view", actor_id=u["province"].pk
    ).exists()


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"letter_number": "1/2026", "letter_date": TODAY.isoformat()}, "Unggah surat persetujuan"),
        ({"letter_date": TODAY.isoformat(), "with_letter": True}, "Tulis nomor surat"),
        (
            {"letter_number": "1", "letter_date": "31-02-2026", "with_letter": True},
            "Tanggal surat tidak terbaca",
        ),
        ({"letter_number": "1", "with_letter": True, "exe": True}, "harus PDF, JPEG, atau PNG"),
    ],
)
def test_a_refused_sign_off_shows_the_message_on_the_page(u, data, field_text):
    verified(1)
    sub = submission_gather(actor=u["regency"])
    body = {k: v for k, v in data.items() if k not in ("with_letter", "exe")}
    if data.get("with_letter"):
        body["letter"] = letter(b"MZ\x90\x00binary" if data.get("exe") else PDF)
    r = client_for(u["supervisor"]).post(f"/verval/pengajuan/{sub.pk}/sahkan/", body)
    assert r.status_code == 400
    assert field_text in r.content.decode()
    sub.refresh_from_db()
    assert sub.state == "open"


def test_the_verifier_may_not_sign_through_the_page(u):
    verified(1)
    sub = submission_gather(actor=u["regency"])
    r = client_for(u["regency"]).post(
        f"/verval/pengajuan/{sub.pk}/sahkan/",
        {"letter": letter(), "letter_number": "1", "letter_date": TODAY.isoformat()},
    )
    assert r.status_code == 403


def test_the_submission_page_reads_a_fixed_number_of_queries(u):
    verified(3)
    sub = submission_gather(actor=u["regency"])
    c = client_for(u["supervisor"])
    c.get(f"/verval/pengajuan/{sub.pk}/")
    with CaptureQueriesContext(connection) as small:
        c.get(f"/verval/pengajuan/{sub.pk}/")
    verified(40, village=VILLAGE_B)
    submission_gather(actor=u["regency"])
    with CaptureQueriesContext(connection) as large:
        assert c.get(f"/verval/pengajuan/{sub.pk}/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# ---- API -----------------------------------------------------------------------------------------------


def test_the_api_offers_every_step(u):
    verified(2)
    c = client_for(u["regency"])
    r = c.post("/api/v1/verval/pengajuan/kumpulkan/")
    assert r.status_code == 201
    pk = r.json()["id"]
    s = client_for(u["supervisor"])
    detail = s.get(f"/api/v1/verval/pengajuan/{pk}/").json()
    assert detail["summary"]["total"] == 2 and len(detail["item_ids"]) == 2
    r = s.post(
        f"/api/v1/verval/pengajuan/{pk}/sahkan/",
        {"letter": letter(), "letter_number": "400/1/2026", "letter_date": TODAY.isoformat()},
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "signed" and len(r.json()["recap_sha256"]) == 64
    again = s.post(
        f"/api/v1/verval/pengajuan/{pk}/sahkan/",
        {"letter": letter(), "letter_number": "400/1/2026", "letter_date": TODAY.isoformat()},
    )
    assert again.status_code == 409
    assert s.post(f"/api/v1/verval/pengajuan/{pk}/kirim/").json()["state"] == "sent"
    listed = client_for(u["province"]).get("/api/v1/verval/pengajuan/").json()
    assert [row["id"] for row in listed["results"]] == [pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"letter_number": "1", "letter_date": TODAY.isoformat()}, "letter"),
        ({"letter_number": "", "letter_date": TODAY.isoformat(), "with_letter": True}, "letter_number"),
        ({"letter_number": "1", "letter_date": "kemarin", "with_letter": True}, "letter_date"),
        (
            {
                "letter_number": "1",
                "letter_date": (TODAY + timedelta(days=3)).isoformat(),
                "with_letter": True,
            },
            "letter_date",
        ),
    ],
)
def test_the_api_refuses_bad_sign_input_with_field_errors(u, body, field):
    verified(1)
    sub = submission_gather(actor=u["regency"])
    data = {k: v for k, v in body.items() if k != "with_letter"}
    if body.get("with_letter"):
        data["letter"] = letter()
    r = client_for(u["supervisor"]).post(f"/api/v1/verval/pengajuan/{sub.pk}/sahkan/", data)
    assert r.status_code == 400
    assert field in r.json()["errors"]
    sub.refresh_from_db()
    assert sub.state == "open"


def test_gathering_nothing_is_refused_on_the_page_and_the_api(u):
    c = client_for(u["regency"])
    page = c.post("/verval/pengajuan/kumpulkan/")
    assert page.status_code == 400 and "Belum ada usulan terverifikasi" in page.content.decode()
    api = c.post("/api/v1/verval/pengajuan/kumpulkan/")
    assert api.status_code == 400 and "Belum ada usulan terverifikasi" in str(api.json()["errors"])
    assert not RegencySubmission.objects.exists()
