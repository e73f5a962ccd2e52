"""Issue 16 end to end in Debian's Chromium at 360 px: the province disputes one item of a submission and
forwards the rest; the ministry's data officer finds them on the dashboard and in the assessment queue,
accepts two at once, is told what a return needs, returns one with the criterion and a note; the regency
verifier finds it on the "returned by the ministry" tab and verifies it with a correction; it travels
again (signed, sent, forwarded) and comes back to the ministry, which accepts it; the village reads the
item's whole path on its item page."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from determination.models import Assessment
from dtks.accounts.models import Role
from proposals.item import ProposalItem, ProposalPerson
from tests.browser.conftest import VIEWPORT
from tests.browser.test_proposals import sign_in
from tests.browser.test_province import PDF, sent_submission
from tests.harness.world import HOME_VILLAGE
from tests.pages.assessment import AssessmentQueuePage, AssessmentReviewPage
from tests.pages.proposal_item import ItemPage
from tests.pages.verval import ReviewPage, SubmissionPage, VervalQueuePage
from tests.proposals.flow import new_family
from verification.province import submission_forward
from verification.submissions import submission_gather, submission_send, submission_sign

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
S = ProposalItem.State
DISPUTE = "Keluarga ini menurut kecamatan sudah pindah ke luar provinsi."
NOTE = "Alamat belum lengkap: tulis RT/RW dan nomor rumah."


def new_page(browser, base_url, user):
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, user)
    return context, page


def test_province_forwards_the_ministry_assesses_and_a_returned_item_comes_back(
    page, base_url, media, world, browser, outside_requests
):
    sub, (a, b, c, d) = sent_submission(world, HOME_VILLAGE, 4, alamat="Jl. Tidar")
    # The one the ministry returns is a family the regency can correct (a head with a valid NIK).
    family, persons = new_family(serial=9161)
    ProposalPerson.objects.create(item=c, position=0, **persons[0])
    ProposalItem.objects.filter(pk=c.pk).update(no_kk=family["no_kk"])

    # The province disputes one and forwards the rest.
    sign_in(page, base_url, world.users[(Role.PROVINCE_OFFICER, "33")])
    submission = SubmissionPage(page, base_url, sub.pk).open()
    submission.tick(d.pk).dispute_selected(DISPUTE)
    submission.forward_all()
    assert submission.item_states() == {
        a.pk: "forwarded",
        b.pk: "forwarded",
        c.pk: "forwarded",
        d.pk: "disputed",
    }

    # The ministry: the dashboard counts them; the queue lists them, oldest first, at 360 px.
    ministry = world.users[(Role.MINISTRY_DATA_OFFICER, "")]
    ministry_context, mp = new_page(browser, base_url, ministry)
    queue = AssessmentQueuePage(mp, base_url).open()
    assert queue.heading() == "Antrean penilaian Kementerian Sosial"
    assert {a.pk, b.pk, c.pk} <= set(queue.item_ids()) and d.pk not in queue.item_ids()
    assert not queue.has_horizontal_scroll(), queue.scroll_width()
    mp.screenshot(path="/tmp/penilaian-antrean-360.png", full_page=True)

    # Two accepted at once.
    queue.tick(a.pk, b.pk).accept_ticked()
    assert any("2 dari 2 usulan diterima" in m for m in queue.messages()), queue.messages()
    assert {a.pk, b.pk}.isdisjoint(queue.item_ids())

    # The third: its review says where it waits; a return without the criterion and note is refused.
    review = queue.open_review(c.pk)
    assert review.state() == "Diteruskan provinsi"
    assert "Kementerian Sosial: penilaian kriteria integritas" in review.waiting()
    assert not review.has_horizontal_scroll(), review.scroll_width()
    form = review.decide().choose("Kembalikan ke kabupaten/kota")
    assert form.save() is form
    errors = " ".join(form.errors())
    assert (
        "Pilih paling sedikit satu kriteria" in errors and "Tulis catatan untuk kabupaten/kota" in errors
    ), errors
    assert ProposalItem.objects.get(pk=c.pk).state == S.FORWARDED
    landed = form.choose("Kembalikan ke kabupaten/kota").rule("INCOMPLETE").note(NOTE).save()
    assert isinstance(landed, AssessmentReviewPage), form.errors()
    assert landed.state() == "Dikembalikan ke kabupaten/kota"

    # The regency verifier finds it on its tab and verifies it with a correction.
    verifier_context, vp = new_page(browser, base_url, world.users[(Role.REGENCY_VERIFIER, "3371")])
    returned = VervalQueuePage(vp, base_url).open("tab=dikembalikan")
    assert c.pk in returned.item_ids()
    review = returned.open_review(c.pk)
    timeline = " ".join(review.page.locator("main ol.timeline > li").all_inner_texts())
    assert NOTE in timeline and "Kriteria yang tidak terpenuhi: Data belum lengkap" in timeline, timeline
    form = review.decide().choose("Verifikasi dengan perbaikan")
    form.correct(family_alamat="Jl. Tidar RT 02 RW 05 No. 9").reason(
        "Alamat dilengkapi saat kunjungan ulang."
    )
    # The corrected family still lacks its house data: the page asks for that finding's reason.
    assert form.save() is form
    assert any("Data belum lengkap (INCOMPLETE)" in e for e in form.errors()), form.errors()
    assert ProposalItem.objects.get(pk=c.pk).state == S.RETURNED_TO_REGENCY
    landed = form.override("INCOMPLETE", "Data rumah dicatat saat kunjungan berikutnya.").save()
    assert isinstance(landed, ReviewPage), form.errors()
    assert landed.state() == "Terverifikasi"
    assert not landed.has_horizontal_scroll()
    verifier_context.close()

    # It travels again: gathered, signed, sent and forwarded (the services the pages use).
    verifier, supervisor = (
        world.users[(Role.REGENCY_VERIFIER, "3371")],
        world.users[(Role.REGENCY_SUPERVISOR, "3371")],
    )
    again = submission_gather(actor=verifier)
    submission_sign(
        submission_id=again.pk,
        actor=supervisor,
        letter=SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
        letter_number="400/6/2026",
        letter_date=date.today(),
    )
    submission_send(submission_id=again.pk, actor=supervisor)
    submission_forward(submission_id=again.pk, actor=world.users[(Role.PROVINCE_OFFICER, "33")])

    # It comes back to the ministry, which reads its whole path and accepts it.
    queue = AssessmentQueuePage(mp, base_url).open()
    assert c.pk in queue.item_ids()
    review = queue.open_review(c.pk)
    path = review.timeline()
    assert sum("diteruskan provinsi" in step for step in path) == 2, path
    assert any("diperbaiki kabupaten/kota setelah dikembalikan" in step for step in path), path
    landed = review.decide().choose("Terima").save()
    assert isinstance(landed, AssessmentReviewPage)
    assert landed.state() == "Diterima Kementerian"
    assert "penetapan berikutnya" in landed.waiting()
    mp.screenshot(path="/tmp/penilaian-perjalanan-360.png", full_page=True)
    ministry_context.close()
    assert Assessment.objects.filter(item_id=c.pk).count() == 2

    # The village reads the same path on its item page.
    village_context, village = new_page(browser, base_url, world.users[(Role.VILLAGE_OPERATOR, HOME_VILLAGE)])
    item = ItemPage(village, base_url, c.pk).open()
    assert item.state() == "Diterima Kementerian"
    history = " ".join(item.history())
    assert NOTE in history and "Isian yang diperbaiki: Alamat" in history, history
    assert not item.has_horizontal_scroll()
    village_context.close()
    assert outside_requests == []
