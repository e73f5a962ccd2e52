"""Issue 14 in Debian's Chromium at 360 px: the regency verifier opens the verval queue and an item's
review, returns one item to the village with a reason, verifies one with a correction and verifies one
that has a finding by writing the override reason; the village operator then reads the outcomes on its
items; the verifier gathers the verified items into a submission, the head of the Dinas Sosial reviews its
summary (the overridden finding), is told what is missing, signs it with the mayor's letter and sends it
to the province, whose officer finds it in the list; the village sees its items approved."""

from datetime import date

import pytest

from dtks.accounts.models import Role
from proposals.item import ProposalItem, proposal_item_create
from proposals.musyawarah.services import musyawarah_submit
from tests.browser.conftest import VIEWPORT
from tests.browser.test_proposals import held, operator, sign_in
from tests.pages.musyawarah import ReturnedPage
from tests.pages.proposal_item import ItemPage
from tests.pages.verval import DecidePage, ReviewPage, SubmissionsPage, VervalQueuePage
from tests.proposals.flow import new_family
from verification.models import RegencySubmission, VervalDecision

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


RETURN_REASON = "Foto KK tidak terbaca; unggah ulang KK yang jelas."
OVERRIDE = "KTP asli diperiksa saat kunjungan: tanggal lahir benar, NIK lama belum dimutakhirkan."
CHECKED = "Diperiksa saat kunjungan lapangan."


def submitted_items(world) -> dict[str, ProposalItem]:
    """Three additions of the home village, submitted with their musyawarah; the third's second member
    has a birth date that disagrees with her NIK (a finding)."""
    op = operator(world)
    m = held(world)
    items = {}
    for key, serial in (("return", 9101), ("correct", 9102), ("finding", 9103)):
        family, persons = new_family(serial=serial)
        if key == "finding":
            persons[1]["tanggal_lahir"] = date(1987, 4, 3)
        items[key] = proposal_item_create(
            actor=op, kind="addition", musyawarah_id=m.pk, family=family, persons=persons
        )
    musyawarah_submit(musyawarah_id=m.pk, actor=op)
    for obj in items.values():
        obj.refresh_from_db()
        assert obj.state == ProposalItem.State.SUBMITTED
    assert items["finding"].findings, "the planted birth date gives a finding"
    return items


def fill_other_overrides(form: DecidePage, *, but: str = "") -> None:
    for rule in form.override_rules():
        if rule != but:
            form.override(rule, CHECKED)


def test_verifier_decides_from_the_queue_and_the_village_reads_the_outcomes(
    page, base_url, world, browser, outside_requests, media
):
    items = submitted_items(world)
    verifier = world.users[(Role.REGENCY_VERIFIER, "3371")]
    sign_in(page, base_url, verifier)

    # The queue, at 360 px, without sideways scrolling.
    queue = VervalQueuePage(page, base_url).open()
    assert queue.heading() == "Antrean verifikasi dan validasi"
    assert {i.pk for i in items.values()} <= set(queue.item_ids())
    assert not queue.has_horizontal_scroll(), queue.scroll_width()
    page.screenshot(path="/tmp/verval-antrean-360.png", full_page=True)

    # An item's review, then its decision: returned to the village with a reason.
    review = queue.open_review(items["return"].pk)
    assert review.heading().startswith(f"Usulan #{items['return'].pk}")
    assert review.state() == "Diajukan"
    assert not review.has_horizontal_scroll()
    form = review.decide().choose("Kembalikan ke desa/kelurahan")
    fill_other_overrides(form)  # (left empty: only a verification needs them)
    landed = form.reason(RETURN_REASON).save()
    assert isinstance(landed, ReviewPage), form.errors()
    assert landed.state() == "Dikembalikan ke desa/kelurahan"
    assert any("Kembalikan ke desa/kelurahan" in m for m in landed.messages()), landed.messages()

    # Verified with a correction: the address completed.
    queue = VervalQueuePage(page, base_url).open()
    assert items["return"].pk not in queue.item_ids()
    form = queue.open_decision(items["correct"].pk).choose("Verifikasi dengan perbaikan")
    fill_other_overrides(form)
    form.correct(family_alamat="Jl. Baru 1 No. 7").reason("Nomor rumah dilengkapi saat kunjungan.")
    assert not form.has_horizontal_scroll()
    landed = form.save()
    assert isinstance(landed, ReviewPage), form.errors()
    assert landed.state() == "Terverifikasi"

    # Verified with a finding: refused until the override reason is written.
    review = ReviewPage(page, base_url, items["finding"].pk).open()
    rules = review.finding_rules()
    assert "NIK_MISMATCH" in rules, rules
    form = review.decide().choose("Verifikasi sesuai usulan")
    fill_other_overrides(form, but="NIK_MISMATCH")
    assert form.save() is form
    assert any("tulis alasan pengabaiannya" in e for e in form.errors()), form.errors()
    assert ProposalItem.objects.get(pk=items["finding"].pk).state == ProposalItem.State.SUBMITTED
    form.choose("Verifikasi sesuai usulan").override("NIK_MISMATCH", OVERRIDE)
    landed = form.save()
    assert isinstance(landed, ReviewPage), form.errors()
    assert landed.state() == "Terverifikasi"
    decision = VervalDecision.objects.get(item_id=items["finding"].pk)
    assert decision.overrides["NIK_MISMATCH"] == OVERRIDE

    queue = VervalQueuePage(page, base_url).open()
    assert not {i.pk for i in items.values()} & set(queue.item_ids())
    assert not queue.has_horizontal_scroll()

    # The verifier gathers the two verified items into a submission.
    submissions = SubmissionsPage(page, base_url).open()
    assert submissions.to_gather() == 2
    gathered = submissions.gather()
    assert gathered.state() == "Disusun"
    assert set(gathered.item_ids()) == {items["correct"].pk, items["finding"].pk}

    # The head of the Dinas Sosial reviews it, is told what is missing, then signs with the letter.
    head_context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")
    head_page = head_context.new_page()
    head_page.set_default_timeout(10_000)
    sign_in(head_page, base_url, world.users[(Role.REGENCY_SUPERVISOR, "3371")])
    sub = SubmissionsPage(head_page, base_url).open().open_submission(gathered.pk)
    assert sub.total() == 2 and "NIK_MISMATCH" in sub.overridden_rules()
    assert not sub.has_horizontal_scroll(), sub.scroll_width()
    sub.sign(number="400/88/2026", day=date.today().isoformat())
    assert any("Unggah surat persetujuan" in e for e in sub.errors()), sub.errors()
    assert sub.state() == "Disusun"
    letter = media / "surat-wali-kota.pdf"
    letter.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    sub.sign(letter=str(letter), number="400/88/2026", day=date.today().isoformat())
    assert sub.state() == "Disahkan kepala dinas", sub.errors()
    stored = RegencySubmission.objects.get(pk=gathered.pk)
    assert sub.recap_sha256() == stored.recap_sha256
    head_page.screenshot(path="/tmp/verval-pengajuan-360.png", full_page=True)
    assert sub.send().state() == "Dikirim ke provinsi"
    head_context.close()

    # The province officer finds it.
    province_context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")
    province_page = province_context.new_page()
    province_page.set_default_timeout(10_000)
    sign_in(province_page, base_url, world.users[(Role.PROVINCE_OFFICER, "33")])
    assert gathered.pk in SubmissionsPage(province_page, base_url).open().submission_ids()
    province_context.close()

    # The village operator reads the outcomes on its items.
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", service_workers="block")
    village = context.new_page()
    village.set_default_timeout(10_000)
    sign_in(village, base_url, operator(world))
    returned = ReturnedPage(village, base_url).open()
    assert {"id": items["return"].pk, "reason": RETURN_REASON} in returned.rows()
    item = returned.open_item(items["return"].pk)
    assert RETURN_REASON in item.last_reason()

    item = ItemPage(village, base_url, items["correct"].pk).open()
    assert item.state() == "Disahkan kabupaten/kota"
    assert "Jl. Baru 1 No. 7" in item.facts()
    history = " ".join(item.history())
    assert "Nomor rumah dilengkapi saat kunjungan." in history
    assert "Isian yang diperbaiki: Alamat" in history
    assert not item.has_horizontal_scroll()
    village.screenshot(path="/tmp/verval-diperbaiki-desa.png", full_page=True)

    item = ItemPage(village, base_url, items["finding"].pk).open()
    assert item.state() == "Disahkan kabupaten/kota"
    assert "Temuan yang diabaikan dengan alasan" in " ".join(item.history())
    context.close()
    assert outside_requests == []
