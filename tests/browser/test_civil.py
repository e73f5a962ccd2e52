"""The ministry data officer loads a Dukcapil extract in Chromium at 360 px and watches it load in a
REAL Celery worker (progress, then the result with the refused rows); the reconciliation the worker
computes after it is read by a regency verifier, each typing a real TOTP code. Screenshots:
/tmp/dukcapil-ekstrak.png, /tmp/dukcapil-rekonsiliasi.png."""

import csv
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from dtks.accounts.models import Role
from dtks.civil.loading import EXTRACT_COLUMNS
from dtks.civil.models import Reconciliation
from tests.accounts.helpers import token_for
from tests.harness.world import PASSWORD, build_world, civil_extract_rows
from tests.pages.civil import DukcapilPage, ReconciliationPage
from tests.pages.login import LoginPage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db", "celery_worker_proc")]


def sign_in(page, base_url, user):
    verify = LoginPage(page, base_url).open().sign_in(user.username, PASSWORD)
    verify.verify(token_for(TOTPDevice.objects.get(user=user, confirmed=True)))


@pytest.fixture
def stored_files():
    folder = Path(settings.DTKS_IMPORT_DIR) / "dukcapil"
    before = set(folder.glob("*")) if folder.exists() else set()
    yield folder
    for path in set(folder.glob("*")) - before:
        path.unlink(missing_ok=True)


def test_upload_progress_result_and_the_regencys_reconciliation(
    page, base_url, outside_requests, tmp_path, stored_files
):
    world = build_world()
    path = tmp_path / "ekstrak.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXTRACT_COLUMNS)
        for r in civil_extract_rows(world):
            writer.writerow([r.get(c, "") for c in EXTRACT_COLUMNS])
        writer.writerow(["3371011505800001", "TANPA TANGGAL", "", "", "L", "", "3371011003", ""])  # refused

    sign_in(page, base_url, world.actor(Role.MINISTRY_DATA_OFFICER))
    dukcapil = DukcapilPage(page, base_url).open()
    assert dukcapil.heading() == "Pencocokan dengan Dukcapil"
    assert dukcapil.source() == "none" and dukcapil.says_rules_do_not_run()
    extract = dukcapil.upload(path, source="Dukcapil Kab. Magelang", day="2026-11-30")
    assert extract.status() in ("queued", "loading", "done")
    extract.wait_until("done")
    assert extract.result() == {"baris dibaca": 25, "baris ditolak": 1, "penduduk dimuat": 24}
    assert extract.refused_rows() == {26: "tanggal_lahir"}
    assert not extract.has_horizontal_scroll()
    page.screenshot(path="/tmp/dukcapil-ekstrak.png", full_page=True)

    deadline = time.monotonic() + 60
    while not Reconciliation.objects.exists():
        assert time.monotonic() < deadline, "the worker did not compute the reconciliation"
        time.sleep(0.2)

    with page.expect_navigation():
        page.locator("header form[action='/akun/keluar/'] button").click()
    sign_in(page, base_url, world.actor(Role.REGENCY_VERIFIER))
    recon = ReconciliationPage(page, base_url).open()
    assert recon.counts() == {"not_found": 2, "other_person": 0, "nama": 2, "tanggal_lahir": 2,
                              "jenis_kelamin": 1, "no_kk": 2, "kode_wilayah": 1}  # fmt: skip
    assert len(recon.persons()) == 8
    assert not recon.has_horizontal_scroll()
    page.screenshot(path="/tmp/dukcapil-rekonsiliasi.png", full_page=True)
    recon.open_reason("nama")
    assert recon.persons() == ["Budi Ardana", "Budi Bestari"]
    assert recon.comparison_rows("Budi Ardana") == [
        ("Nama", "Budi Ardana", "Bambang Ardana (kemiripan 64%)"),
        ("Nomor KK", "3371**********01", "3371**********00 (berbeda pada digit ke-13, 16)"),
    ]
    assert recon.differing("Budi Ardana") == ["nama", "no_kk"]
    assert not recon.has_horizontal_scroll()
    assert outside_requests == []
