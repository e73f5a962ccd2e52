"""`manage.py seed_demo` gives the Kota Magelang verifier real work in progress, decided through
`verval_decide`: items waiting in the queue, one returned with a reason, one verified with a
correction, one verified overriding a finding, one rejected with a reason code; a rerun adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from dtks.accounts.demo import CITY, OPERATOR_VILLAGE
from dtks.accounts.models import Role, User
from proposals.item import ProposalItem, ProposalItemHistory
from tests.conftest import otp_force_login
from verification.demo import DECISIONS, PROVINCE_SERIALS, kk_of
from verification.models import FieldVisit, Prelist, RegencySubmission, VervalDecision

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_decides_the_verval_demo_once(settings, tmp_path, media):
    settings.VAR_DIR = tmp_path
    out = seed()
    assert "Verval demo dibuat" in out, out
    verifier = User.objects.get(is_demo=True, role=Role.REGENCY_VERIFIER, region_code=CITY)
    decisions = VervalDecision.objects.filter(item__no_kk__in=[kk_of(d.serial) for d in DECISIONS])
    assert decisions.count() == 4
    assert set(decisions.values_list("decided_by", flat=True)) == {verifier.pk}
    by_kind = {d.decision: d for d in decisions.select_related("item")}
    assert set(by_kind) == {"return", "verify_corrected", "verify", "reject"}

    returned = by_kind["return"].item
    assert returned.state == ProposalItem.State.RETURNED_TO_VILLAGE
    assert "Foto KK tidak terbaca" in returned.last_reason

    corrected = by_kind["verify_corrected"]
    assert corrected.item.state == ProposalItem.State.VERIFIED
    assert corrected.diff["alamat"] == ["Jl. Tidar Baru", "Jl. Tidar Baru No. 14"]
    assert corrected.item.alamat == "Jl. Tidar Baru No. 14"
    assert ProposalItemHistory.objects.filter(item=corrected.item, transition="correct").count() == 1

    overridden = by_kind["verify"]
    assert overridden.item.state == ProposalItem.State.VERIFIED
    # The birth date that disagrees with the NIK (the Dukcapil re-check may add findings later).
    assert "NIK_MISMATCH" in overridden.overrides
    assert set(overridden.overrides) <= {f["rule"] for f in overridden.item.findings}
    assert any("22 Juli 1992" in text for text in overridden.overrides.values())

    rejected = by_kind["reject"]
    assert (rejected.item.state, rejected.reason_code) == (ProposalItem.State.REJECTED, "data_ganda")
    assert rejected.reason.startswith("Data ganda")

    # Items still wait in the queue: the fifth family of the verval musyawarah and stage 1's others.
    waiting = ProposalItem.objects.filter(
        state=ProposalItem.State.SUBMITTED, verifier="regency", village_code__startswith=CITY
    )
    assert waiting.filter(no_kk=kk_of(7205)).exists() and waiting.count() >= 3

    # The verifier logs in to it: the queue lists the waiting items and not the decided ones.
    c = Client()
    otp_force_login(c, verifier)
    html = c.get("/verval/").content.decode()
    assert f'data-item="{waiting.get(no_kk=kk_of(7205)).pk}"' in html
    assert f'data-item="{returned.pk}"' not in html
    # The village reads the outcomes on its items.
    operator = User.objects.get(is_demo=True, role=Role.VILLAGE_OPERATOR, region_code=OPERATOR_VILLAGE)
    village = Client()
    village.force_login(operator)
    assert "Foto KK tidak terbaca" in village.get(f"/usulan/item/{returned.pk}/").content.decode()
    page = village.get(f"/usulan/item/{corrected.item_id}/").content.decode()
    assert "Jl. Tidar Baru No. 14" in page and "Alamat dilengkapi dengan nomor rumah" in page
    # The history names the field with its old and new value, so the village sees what was changed.
    assert "Isian yang diperbaiki: Alamat (Jl. Tidar Baru → Jl. Tidar Baru No. 14)" in page

    # The regency submission: the stage 1 demo's verified item went to the province in a signed
    # submission; the two items verified here wait in the next one for the head of the Dinas Sosial.
    sent, waiting_sub = RegencySubmission.objects.filter(regency_code=CITY).order_by("number")
    assert (sent.state, waiting_sub.state) == ("sent", "open")
    assert sent.recap_sha256 and sent.letter_number == "400.9/612/2026"
    assert set(waiting_sub.entries.values_list("item_id", flat=True)) == {
        corrected.item_id,
        overridden.item_id,
    }
    supervisor = User.objects.get(is_demo=True, role=Role.REGENCY_SUPERVISOR, region_code=CITY)
    head = Client()
    otp_force_login(head, supervisor)
    page = head.get(f"/verval/pengajuan/{waiting_sub.pk}/").content.decode()
    assert "Sahkan pengajuan" in page and 'data-rule="NIK_MISMATCH"' in page
    province = User.objects.get(is_demo=True, role=Role.PROVINCE_OFFICER, region_code="33")
    officer = Client()
    otp_force_login(officer, province)
    listed = officer.get("/verval/pengajuan/").content.decode()
    assert f"/verval/pengajuan/{sent.pk}/" in listed and f"/verval/pengajuan/{waiting_sub.pk}/" not in listed
    # The province's demo: the sent submission holds three items waiting to be forwarded or disputed,
    # two of them families the verifier verified for it (one over a finding).
    province_items = ProposalItem.objects.filter(pk__in=sent.entries.values("item_id"))
    assert sent.item_count == 3 and set(province_items.values_list("state", flat=True)) == {
        "regency_approved"
    }
    assert {kk_of(serial) for serial in PROVINCE_SERIALS} <= set(
        province_items.values_list("no_kk", flat=True)
    )
    assert province_items.exclude(overrides={}).exists()
    summary = officer.get("/verval/provinsi/").content.decode()
    assert f'href="/verval/pengajuan/{sent.pk}/"' in summary and "Kota Magelang" in summary
    page = officer.get(f"/verval/pengajuan/{sent.pk}/").content.decode()
    assert "Teruskan semua usulan yang menunggu (3)" in page and "Sanggah yang dipilih" in page
    assert "Menunggu diteruskan provinsi" in officer.get("/dasbor/").content.decode()

    # Field visits: the village's pendamping visited the family still waiting, with five photos.
    prelist = Prelist.objects.get(village_code=OPERATOR_VILLAGE)
    visit = FieldVisit.objects.get(entry__prelist=prelist)
    assert visit.item_id in set(waiting.values_list("pk", flat=True)) and visit.photos.count() == 5
    review = c.get(f"/verval/usulan/{visit.item_id}/").content.decode()
    assert "visit-gaps" in review and "Rumah berdinding bambu" in review
    pendamping = User.objects.get(
        is_demo=True, role=Role.FIELD_OFFICER, assigned_villages__village_code=OPERATOR_VILLAGE
    )
    field = Client()
    field.force_login(pendamping)
    assert f"/verval/lapangan/prelist/{prelist.pk}/" in field.get("/verval/lapangan/").content.decode()

    counts = (
        FieldVisit.objects.count(),
        RegencySubmission.objects.count(),
        VervalDecision.objects.count(),
        ProposalItem.objects.count(),
        ProposalItemHistory.objects.count(),
    )
    again = seed()
    assert "Verval demo sudah ada; tidak ada yang diubah." in again, again
    assert (
        FieldVisit.objects.count(),
        RegencySubmission.objects.count(),
        VervalDecision.objects.count(),
        ProposalItem.objects.count(),
        ProposalItemHistory.objects.count(),
    ) == counts
