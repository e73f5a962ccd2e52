"""`manage.py seed_demo` also records musyawarah in every state through the proposal services."""

from io import StringIO

import pytest
from django.core.management import call_command

from proposals.models import ImportJob, ImportRow, Musyawarah, ProposalItem

pytestmark = pytest.mark.django_db


def test_seed_demo_records_musyawarah_in_every_state_once(settings, tmp_path, media):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Musyawarah demo dibuat" in out.getvalue()
    states = dict(Musyawarah.objects.filter(village_code="3371011003").values_list("place", "state"))
    assert sorted(states.values()) == ["draft", "held", "submitted", "submitted"]
    # The first Sleman demo desa's submitted musyawarah, carried on by the later stages' demos
    # (tests/determination/test_demo.py).
    sleman = Musyawarah.objects.get(village_code__startswith="3404")
    assert (sleman.state, sleman.items.count()) == ("submitted", 6)
    items = ProposalItem.objects.all()
    kinds = set(items.values_list("kind", flat=True))
    assert kinds == {"addition", "deletion", "replacement", "correction", "transfer"}
    item_states = set(items.values_list("state", flat=True))
    assert {"draft", "submitted", "returned_to_village", "verified"} <= item_states
    # (the "Balai RW 07" musyawarah's items are decided by the verval demo: tests/verification/test_demo.py)
    returned = items.get(state="returned_to_village", musyawarah__place="Aula kelurahan (demo)")
    assert "Wulandari" in returned.last_reason
    arrival = items.filter(kind="transfer").exclude(village_code="3371011003").get()
    assert arrival.village_code == "3371011007" and arrival.state == "submitted"
    correction = items.get(kind="correction")
    assert "alamat" in correction.diff
    # The demo's Dukcapil extract (dtks/civil/demo.py) knows the demo items' persons, with differences
    # planted: the open items were checked against it once it was loaded.
    assert "ekstrak Dukcapil" in out.getvalue()
    civil = [f for i in items.filter(state__in=["submitted", "draft"]) for f in i.findings or []
             if f["rule"] == "CIVIL_REGISTRY_MISMATCH"]  # fmt: skip
    assert len({p["part"] for f in civil for p in f["detail"]["parts"]}) >= 2, civil
    # The draft musyawarah has an import waiting in preview, with two rows to fix on the page.
    job = ImportJob.objects.get()
    assert (job.musyawarah.state, job.status) == ("draft", "previewed")
    assert (job.rows_total, job.rows_invalid, job.items_new, job.items_blocked) == (6, 2, 2, 2)
    bad = {r.nama: [e["code"] for e in r.errors] for r in ImportRow.objects.filter(job=job, ok=False)}
    assert bad == {"Sri Rahayu": ["excel"], "Paijo": ["unknown"]}

    # The other channels, outside any musyawarah: two ministry proposals and a self-registration.
    ministry = items.filter(channel="ministry")
    assert sorted(ministry.values_list("ministry_reason", "verifier")) == [
        ("BENCANA", "regency"),
        ("PPKS_TIDAK_TERTANGANI", "ministry"),
    ]
    pending = ministry.get(verifier="ministry")
    assert pending.persons.get().nik is None and "NIK_PENDING" in {f["rule"] for f in pending.findings}
    own = items.get(channel="self_registration")
    assert (own.state, own.village_code, own.musyawarah_id, own.persons.count()) == (
        "submitted",
        "3371011003",
        None,
        2,
    )
    assert own.receipt_code

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert "tidak ada yang diubah" in again.getvalue()
    assert (Musyawarah.objects.count(), ProposalItem.objects.count()) == (5, items.count())
    assert ImportJob.objects.count() == 1
