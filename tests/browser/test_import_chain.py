"""One chained scenario in Debian's Chromium at 360 px, from the pieces the other browser tests cover
one by one: a village operator records a musyawarah and its minutes, imports a 50-row file with 3 bad
rows, fixes the 3 rows inline on the preview (one of them first with a value that is still wrong),
confirms — the REAL Celery worker writes the items — and submits the musyawarah to the regency; a
regency verifier returns one item with a reason; the village operator sees the reason, fixes the
item and resubmits it; an operator of another village sees none of it.
Screenshots: /tmp/import-chain-fixed.png (the preview after the three fixes), /tmp/import-row-fix.png
(an opened fix form)."""

from datetime import date

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import Role
from dtks.accounts.scope import TOTP_ROLES
from dtks.audit.models import AuditEvent
from proposals.models import ImportJob, ProposalItem, ProposalPerson
from tests.accounts.helpers import token_for
from tests.browser.conftest import VIEWPORT
from tests.browser.test_import import fifty_rows
from tests.harness.world import HOME_VILLAGE, PASSWORD, build_world
from tests.pages.dashboard import DashboardPage
from tests.pages.import_page import ImportJobPage
from tests.pages.login import LoginPage, OtpVerifyPage
from tests.pages.musyawarah import MusyawarahListPage, MusyawarahPage, ReturnedPage
from tests.pages.proposal_item import ItemPage, RegencyPage
from tests.proposals.test_import_files import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db", "celery_worker_proc")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIBLING = "3371011007"
REASON = "Alamat keluarga tidak lengkap; tulis nomor rumah."


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    # Not DTKS_IMPORT_DIR: the worker process reads the upload from the settings' own folder.
    return tmp_path


@pytest.fixture
def world(media):
    return build_world()


def sign_in(page, base_url, user) -> DashboardPage:
    landed = LoginPage(page, base_url).open().sign_in(user.username, PASSWORD)
    if user.role in TOTP_ROLES:
        assert isinstance(landed, OtpVerifyPage), page.url
        landed = landed.verify(token_for(TOTPDevice.objects.get(user=user, confirmed=True)))
    assert isinstance(landed, DashboardPage), page.url
    return landed


def test_import_with_inline_fixes_then_submit_return_and_resubmit(
    page, base_url, world, tmp_path, outside_requests, browser
):
    operator = world.users[(Role.VILLAGE_OPERATOR, HOME_VILLAGE)]
    assert page.viewport_size == VIEWPORT  # 360 px wide, the fix step included

    # The village operator records the musyawarah with its minutes.
    sign_in(page, base_url, operator)
    m = (
        MusyawarahListPage(page, base_url)
        .open()
        .new()
        .record(
            held_on="2026-11-02", place="Balai kelurahan", led_by="Lurah", attendees=31, sources=["RT/RW"]
        )
    )
    minutes = tmp_path / "notulen.pdf"
    minutes.write_bytes(PDF)
    m.upload_minutes(str(minutes)).hold()
    assert m.state() == "Terlaksana (notulen diunggah)"
    m_id = m.pk

    # A 50-row file with 3 bad rows: a date that does not exist (row 7, a wife), an unknown sex
    # code (row 43, an individual), a NIK Excel turned into a number (row 50, an individual).
    good = fifty_rows()
    bad = [dict(r) for r in good]
    bad[5]["tanggal_lahir"] = "31/02/1983"
    bad[41]["jenis_kelamin"] = "W"
    bad[48]["nik"] = "3.37101E+15"
    (tmp_path / "usulan.csv").write_bytes(csv_bytes(bad))
    job = m.import_file().upload(tmp_path / "usulan.csv").wait_until("previewed")
    assert job.count("rows_total") == 50 and job.count("rows_invalid") == 3
    assert job.error_rows() == {7: ["tanggal_lahir"], 43: ["jenis_kelamin"], 50: ["nik"]}
    assert (job.count("items_new"), job.count("items_blocked")) == (17, 3)

    # Row 7: the form shows the row's values, the message beside the date; a still-wrong date keeps
    # the row bad with the new message, then the right one makes it valid — no reload, no re-upload.
    fix = job.fix_row(7)
    assert fix.value("nama") == "Siti Keluarga2" and fix.value("nik") == good[5]["nik"]
    assert list(fix.field_errors()) == ["tanggal_lahir"]
    assert "31/02/1983" in fix.field_errors()["tanggal_lahir"][0]
    assert not job.has_horizontal_scroll()
    fix.fill(tanggal_lahir="30/02/1983").save()
    assert not fix.ok() and fix.is_open()
    assert "30/02/1983" in fix.field_errors()["tanggal_lahir"][0]
    assert job.count("rows_invalid") == 3
    fix.fill(tanggal_lahir="17/08/1983").save()
    assert fix.ok()
    assert (job.count("rows_invalid"), job.count("items_new"), job.count("items_blocked")) == (2, 18, 2)

    fix = job.fix_row(43)
    assert list(fix.field_errors()) == ["jenis_kelamin"] and fix.value("jenis_kelamin") == ""
    fix.fill(jenis_kelamin="P").save()
    assert fix.ok()
    job.fix_row(50).fill(nik=good[48]["nik"]).save()
    assert job.error_rows() == {} and sorted(job.fixed_rows()) == [7, 43, 50]
    assert (job.count("rows_invalid"), job.count("items_new"), job.count("items_blocked")) == (0, 20, 0)
    assert not job.has_horizontal_scroll()
    page.screenshot(path="/tmp/import-chain-fixed.png", full_page=True)
    assert AuditEvent.objects.filter(action="proposal_import.row_fix").count() == 4
    assert not ProposalItem.objects.exists()

    # The confirm button was swapped with the counts: it imports all 20; the worker writes them.
    job.confirm().wait_until("done")
    assert job.count("items_done") == 20
    assert ProposalItem.objects.filter(musyawarah_id=m_id, state="draft").count() == 20
    assert ProposalPerson.objects.filter(item__musyawarah_id=m_id).count() == 50
    assert ProposalPerson.objects.filter(nik=good[48]["nik"], tanggal_lahir=date(1950, 3, 10)).exists()
    wife = ProposalPerson.objects.get(nik=good[5]["nik"])
    assert wife.tanggal_lahir == date(1983, 8, 17)

    # The musyawarah goes to the regency with its 20 items.
    m = MusyawarahPage(page, base_url, m_id).open().submit()
    assert m.state() == "Diajukan ke kabupaten/kota"
    rows = m.item_rows()
    assert len(rows) == 20 and {r["state"] for r in rows} == {"Diajukan"}
    family_item = ProposalItem.objects.filter(musyawarah_id=m_id).exclude(no_kk="").order_by("pk").first()

    # A regency verifier (TOTP) returns one family with a reason.
    regency_context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    regency_page = regency_context.new_page()
    sign_in(regency_page, base_url, world.users[(Role.REGENCY_VERIFIER, "3371")])
    regency = RegencyPage(regency_page, base_url).open()
    assert family_item.pk in regency.item_ids()
    regency.return_to_village(family_item.pk, REASON)
    assert family_item.pk not in regency.item_ids()
    regency_context.close()

    # The village operator sees the reason, fixes the address and resubmits.
    returned = ReturnedPage(page, base_url).open()
    assert returned.rows() == [{"id": family_item.pk, "reason": REASON}]
    item = returned.open_item(family_item.pk)
    assert REASON in item.last_reason()
    form = item.edit()
    form.form().locator("fieldset.family-fieldset").get_by_label("Alamat", exact=True).fill(
        "Jl. Pahlawan 1 No. 7"
    )
    item = form.save()
    assert isinstance(item, ItemPage), form.errors()
    item = ItemPage(page, base_url, family_item.pk).open().act("resubmit")
    assert item.state() == "Diajukan"
    assert REASON in " ".join(item.history_reasons())
    assert ReturnedPage(page, base_url).open().rows() == []
    assert not item.has_horizontal_scroll()
    family_item.refresh_from_db()
    assert (family_item.state, family_item.alamat) == ("submitted", "Jl. Pahlawan 1 No. 7")

    # An operator of another village sees none of it.
    job_id = ImportJob.objects.get(musyawarah_id=m_id).pk
    other_context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
    other = other_context.new_page()
    sign_in(other, base_url, world.users[(Role.VILLAGE_OPERATOR, SIBLING)])
    assert MusyawarahListPage(other, base_url).open().dates() == []
    assert ReturnedPage(other, base_url).open().rows() == []
    for path in (
        f"/usulan/musyawarah/{m_id}/",
        f"/usulan/item/{family_item.pk}/",
        f"/usulan/impor/{job_id}/",
        f"/usulan/musyawarah/{m_id}/impor/",
    ):
        assert other.goto(base_url + path).status == 404, path
    other_context.close()
    assert outside_requests == []


def test_the_fix_form_reads_at_360_px(page, base_url, world, tmp_path):
    """The page helper's own check: the form's fields are the template's columns with labels, and
    neither the closed nor the opened form makes the page scroll sideways."""
    from proposals.models import Musyawarah

    operator = world.users[(Role.VILLAGE_OPERATOR, HOME_VILLAGE)]
    m = Musyawarah.objects.create(
        village_code=HOME_VILLAGE,
        held_on=date(2026, 11, 2),
        place="Balai",
        led_by="Lurah",
        attendee_count=9,
        created_by=operator,
    )
    rows = fifty_rows()[:5]
    rows[4] = {**rows[4], "rt": "12345", "kode_wilayah": "3371011007"}
    (tmp_path / "a.csv").write_bytes(csv_bytes(rows))
    sign_in(page, base_url, operator)
    page.goto(f"{base_url}/usulan/musyawarah/{m.pk}/")
    job = MusyawarahPage(page, base_url).import_file().upload(tmp_path / "a.csv").wait_until("previewed")
    assert isinstance(job, ImportJobPage)
    assert job.error_rows() == {6: ["rt", "kode_wilayah"]}
    assert not job.has_horizontal_scroll()
    fix = job.fix_row(6)
    assert len(fix.labels()) == 23 and fix.labels()[:2] == ["Kode wilayah", "RT"]
    assert fix.value("rt") == ""  # a bad RT is not offered back cut to three digits
    assert fix.value("kode_wilayah") == "3371011007"
    assert not job.has_horizontal_scroll()
    fix.body.screenshot(path="/tmp/import-row-fix.png")
    fix.fill(kode_wilayah=HOME_VILLAGE, rt="12").save()
    assert fix.ok() and job.count("items_new") == 2
