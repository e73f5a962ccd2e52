"""A village operator imports a 50-row file with 3 bad rows in Chromium at 360 px: sees each bad row's
field and fix, uploads the corrected file, confirms, and watches the progress bar until the items are
made. Preview and import run in a REAL Celery worker. Screenshot: /tmp/import-preview.png."""

from datetime import date

import pytest

from dtks.accounts.models import Role, User
from proposals.models import ImportJob, Musyawarah, ProposalItem, ProposalPerson
from tests.pages.import_page import ImportUploadPage
from tests.pages.login import LoginPage
from tests.proposals.test_import_files import csv_bytes, family_rows, individual_row

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db", "celery_worker_proc")]

PASSWORD = "Operator-Impor-2026!"


def fifty_rows() -> list[dict]:
    rows = [r for k in range(1, 11) for r in family_rows(k, size=4)]  # 40 rows, 10 families
    return rows + [individual_row(k) for k in range(1, 11)]  # 10 individuals


def test_operator_imports_fifty_rows_fixes_three_and_confirms(page, base_url, outside_requests, tmp_path):
    operator = User.objects.create_user(
        "operator.impor", password=PASSWORD, role=Role.VILLAGE_OPERATOR, region_code="3371011003"
    )
    m = Musyawarah.objects.create(
        village_code="3371011003",
        held_on=date(2026, 11, 2),
        place="Balai kelurahan",
        led_by="Lurah",
        attendee_count=30,
        created_by=operator,
    )
    good = fifty_rows()
    bad = [dict(r) for r in good]
    bad[5]["tanggal_lahir"] = "31/02/1983"  # row 7: a family member
    bad[41]["jenis_kelamin"] = "W"  # row 43: an individual
    bad[48]["nik"] = "3.37101E+15"  # row 50: Excel made the NIK a number
    (tmp_path / "usulan.csv").write_bytes(csv_bytes(bad))
    (tmp_path / "usulan-perbaikan.csv").write_bytes(csv_bytes(good))

    LoginPage(page, base_url).open().sign_in(operator.username, PASSWORD)
    upload = ImportUploadPage(page, base_url, m.pk).open()
    assert upload.heading() == "Impor usulan dari berkas"
    job = upload.upload(tmp_path / "usulan.csv").wait_until("previewed")
    assert job.count("rows_total") == 50 and job.count("rows_invalid") == 3
    assert job.error_rows() == {7: ["tanggal_lahir"], 43: ["jenis_kelamin"], 50: ["nik"]}
    assert "format kolom NIK sebagai Teks" in job.error_text()
    assert job.count("items_blocked") == 3 and job.count("items_new") == 17
    assert not job.has_horizontal_scroll()
    page.screenshot(path="/tmp/import-preview.png", full_page=True)
    assert not ProposalItem.objects.exists()

    fixed = job.upload_fix(tmp_path / "usulan-perbaikan.csv").wait_until("previewed")
    assert fixed.error_rows() == {} and fixed.count("items_new") == 20
    assert ImportJob.objects.filter(status=ImportJob.Status.CANCELLED).count() == 1  # the first preview
    fixed.confirm().wait_until("done")
    assert fixed.count("items_done") == 20
    assert ProposalItem.objects.filter(musyawarah=m, state="draft").count() == 20
    assert ProposalPerson.objects.count() == 50
    assert outside_requests == []
