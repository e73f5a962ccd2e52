"""Issue 16 in Debian's Chromium at 360 px: the province officer finds the waiting items on the dashboard,
opens the province summary, then a submission; is told to choose items before disputing, disputes one
with a reason, forwards another, then the rest; the submission is forwarded to the ministry and the head
of the Dinas Sosial reads each item's outcome."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dtks.accounts.models import Role
from proposals.item import ProposalItem
from tests.browser.conftest import VIEWPORT
from tests.browser.test_proposals import sign_in
from tests.harness.world import HOME_VILLAGE
from tests.pages.verval import ProvincePage, SubmissionPage
from tests.proposals.factories import item
from verification.submissions import submission_gather, submission_send, submission_sign

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "Kunjungan provinsi: keluarga sudah pindah ke luar provinsi."


def sent_submission(world, village: str, n: int, **kw):
    regency = village[:4]
    items = [item(ProposalItem.State.VERIFIED, village=village, **kw) for _ in range(n)]
    sub = submission_gather(actor=world.users[(Role.REGENCY_VERIFIER, regency)])
    supervisor = world.users[(Role.REGENCY_SUPERVISOR, regency)]
    submission_sign(
        submission_id=sub.pk,
        actor=supervisor,
        letter=SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        letter_number="400/5/2026",
        letter_date=date.today(),
    )
    return submission_send(submission_id=sub.pk, actor=supervisor), items


def test_province_forwards_a_submission_in_part_and_the_regency_reads_the_outcome(
    page, base_url, world, browser, outside_requests
):
    sub, (a, b, c) = sent_submission(
        world, HOME_VILLAGE, 3, findings=[{"rule": "INCOMPLETE"}], overrides={"INCOMPLETE": "RT belum ada."}
    )
    sent_submission(world, "3308012001", 2)

    dashboard = sign_in(page, base_url, world.users[(Role.PROVINCE_OFFICER, "33")])
    assert "Menunggu diteruskan provinsi" in dashboard.queue_titles()
    summary = ProvincePage(page, base_url).open()
    assert summary.regencies() == {"3308": 2, "3371": 3}
    assert not summary.has_horizontal_scroll(), summary.scroll_width()
    page.screenshot(path="/tmp/verval-provinsi-360.png", full_page=True)

    submission = summary.open_submission(sub.pk)
    assert submission.state() == "Dikirim ke provinsi"
    assert set(submission.selectable_ids()) == {a.pk, b.pk, c.pk}
    assert not submission.has_horizontal_scroll(), submission.scroll_width()
    # Nothing ticked: the page says what to do, and nothing moves.
    submission.dispute_selected(REASON)
    assert any("Pilih minimal satu usulan" in e for e in submission.province_errors()), (
        submission.province_errors()
    )
    submission.tick(a.pk).dispute_selected(REASON)
    assert submission.item_states()[a.pk] == "disputed"
    assert set(submission.selectable_ids()) == {b.pk, c.pk}
    submission.tick(b.pk).forward_selected()
    assert submission.item_states()[b.pk] == "forwarded"
    assert not submission.has_horizontal_scroll(), submission.scroll_width()
    page.screenshot(path="/tmp/verval-pengajuan-provinsi-360.png", full_page=True)
    submission.forward_all()
    assert submission.state() == "Diteruskan ke Kementerian Sosial"
    assert submission.item_states() == {a.pk: "disputed", b.pk: "forwarded", c.pk: "forwarded"}
    assert ProvincePage(page, base_url).open().regencies() == {"3308": 2}

    # The head of the Dinas Sosial reads the outcome, the dispute's reason included.
    head_context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")
    head_page = head_context.new_page()
    head_page.set_default_timeout(10_000)
    sign_in(head_page, base_url, world.users[(Role.REGENCY_SUPERVISOR, "3371")])
    regency_view = SubmissionPage(head_page, base_url, sub.pk).open()
    assert regency_view.state() == "Diteruskan ke Kementerian Sosial"
    assert regency_view.item_states() == {a.pk: "disputed", b.pk: "forwarded", c.pk: "forwarded"}
    assert REASON in head_page.locator("main table.submission-items").inner_text()
    assert regency_view.selectable_ids() == []
    assert not regency_view.has_horizontal_scroll()
    head_context.close()
    assert outside_requests == []
