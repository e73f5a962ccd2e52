"""The regency's minimal pages: submitted items of its regency returned to the village with a reason,
and its own filings (correction, deletion, transfer) for determined records of the regency."""

import pytest

from proposals import item as proposal_items
from proposals.models import ProposalItem
from proposals.musyawarah import services as musyawarah_services
from tests.harness.world import HOME_VILLAGE
from tests.proposals.factories import item

from .flow import (
    OTHER_REGENCY,
    SIBLING,
    client_for,
    held_musyawarah,
    new_family,
    new_key,
    operator,
    verifier,
)

pytestmark = pytest.mark.django_db


def submitted_item(world, village=HOME_VILLAGE, serial=9001):
    op = operator(world, village)
    m = held_musyawarah(op)
    family, persons = new_family(village, serial)
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=op)
    return item


def test_regency_lists_only_its_submitted_items_and_returns_one_with_a_reason(world):
    ours, sibling = submitted_item(world), submitted_item(world, SIBLING, 9002)
    foreign = submitted_item(world, OTHER_REGENCY, 9003)
    c = client_for(verifier(world))
    page = c.get("/usulan/kabupaten/")
    assert sorted(i.pk for i in page.context["items"]) == sorted([ours.pk, sibling.pk])
    # Without a reason: refused, unchanged.
    c.post(f"/usulan/item/{ours.pk}/keputusan/", {"transition": "return_to_village", "reason": " "})
    ours.refresh_from_db()
    assert ours.state == "submitted"
    response = c.post(
        f"/usulan/item/{ours.pk}/keputusan/",
        {"transition": "return_to_village", "reason": "KK tidak terbaca.", "next": "/usulan/kabupaten/"},
    )
    assert response.status_code == 302 and response["Location"] == "/usulan/kabupaten/"
    ours.refresh_from_db()
    assert (ours.state, ours.last_reason) == ("returned_to_village", "KK tidak terbaca.")
    # Another regency's item: not found, not changed.
    assert (
        c.post(
            f"/usulan/item/{foreign.pk}/keputusan/", {"transition": "return_to_village", "reason": "x"}
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.state == "submitted"
    # Returning it again is harmless; a different decision by the village's side is refused.
    c.post(f"/usulan/item/{ours.pk}/keputusan/", {"transition": "return_to_village", "reason": "lagi"})
    ours.refresh_from_db()
    assert ours.history.exclude(from_state="").count() == 2  # its creation, then one return only
    # An external redirect target is ignored.
    response = c.post(
        f"/usulan/item/{sibling.pk}/keputusan/",
        {"transition": "return_to_village", "reason": "x", "next": "https://contoh.invalid/"},
    )
    assert response["Location"] == f"/usulan/item/{sibling.pk}/"


def test_village_cannot_return_and_regency_cannot_add(world):
    item = submitted_item(world)
    village = client_for(operator(world))
    village.post(f"/usulan/item/{item.pk}/keputusan/", {"transition": "return_to_village", "reason": "x"})
    item.refresh_from_db()
    assert item.state == "submitted"
    c = client_for(verifier(world))
    assert c.get("/usulan/kabupaten/tambah/penambahan/").status_code == 404
    assert c.get("/usulan/kabupaten/tambah/penggantian/").status_code == 404
    assert client_for(operator(world)).get("/usulan/kabupaten/").status_code == 403


def test_regency_files_a_deletion_and_a_transfer_for_records_of_its_regency(world):
    c = client_for(verifier(world))
    h, sibling = world.households[HOME_VILLAGE], world.households[SIBLING]
    response = c.post(
        "/usulan/kabupaten/tambah/penghapusan/",
        {"kunci": new_key(), "nomor": sibling.individual.nik, "deletion_reason": "MENINGGAL"},
    )
    deletion = ProposalItem.objects.get(target_person_id=sibling.individual.person_id)
    # No musyawarah: saving lands on the item.
    assert response.status_code == 302 and response["Location"] == f"/usulan/item/{deletion.pk}/"
    assert (deletion.channel, deletion.musyawarah_id, deletion.village_code) == ("regency", None, SIBLING)
    # Drafts of the regency's own filings are submitted from the item page.
    detail = c.get(f"/usulan/item/{deletion.pk}/").content.decode()
    assert 'data-transition="submit"' in detail
    c.post(f"/usulan/item/{deletion.pk}/keputusan/", {"transition": "submit"})
    deletion.refresh_from_db()
    assert deletion.state == "submitted"

    response = c.post(
        "/usulan/kabupaten/tambah/perpindahan/",
        {
            "kunci": new_key(),
            "nomor": h.no_kk,
            "destination_village": "3404012001",
            "alamat": "Sleman",
            "rt": "",
            "rw": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    out = ProposalItem.objects.get(target_family_id=h.family_id)
    assert out.channel == "regency" and out.pair.village_code == "3404012001"
    # A record of another regency is not found.
    foreign = world.households[OTHER_REGENCY]
    response = c.post(
        "/usulan/kabupaten/tambah/penghapusan/",
        {"kunci": new_key(), "nomor": foreign.no_kk, "deletion_reason": "MENINGGAL"},
    )
    assert response.status_code == 400
    assert not ProposalItem.objects.filter(target_family_id=foreign.family_id).exists()


def test_only_the_villages_proposals_have_a_return_form(world):
    """A self-registration waits on the same page for the regency's decision, without the return
    form: nobody in the village may fix it."""
    ours = submitted_item(world)
    own = item(ProposalItem.State.SUBMITTED, village=HOME_VILLAGE, channel="self_registration")
    page = client_for(verifier(world)).get("/usulan/kabupaten/")
    html = page.content.decode()
    assert {i.pk: i.returnable for i in page.context["items"]} == {ours.pk: True, own.pk: False}
    assert html.count('value="return_to_village"') == 1
    assert "Pendaftaran mandiri: diverifikasi atau ditolak dinas sosial" in html


def test_the_verifiers_dashboard_counts_the_items_it_decides_and_opens_the_verval_queue(
    world, django_assert_max_num_queries
):
    """`verval` (the verification stage's, verification/hooks.py) counts the submitted items the
    regency decides (not another regency's, not the ministry's own), says how long the oldest waits,
    and opens the queue at /verval/; the dashboard keeps its query budget (tests/core/test_dashboard.py)."""
    c = client_for(verifier(world))
    empty = c.get("/dasbor/")
    (verval, _returned) = empty.context["queues"]
    assert (verval.queue.key, verval.state.count) == ("verval", 0)
    assert "Belum ada usulan yang menunggu verifikasi" in empty.content.decode()

    ours, sibling = submitted_item(world), submitted_item(world, SIBLING, 9002)
    submitted_item(world, OTHER_REGENCY, 9003)
    item(ProposalItem.State.SUBMITTED, village=HOME_VILLAGE, channel="ministry", verifier="ministry")
    item(ProposalItem.State.DRAFT, village=HOME_VILLAGE)
    with django_assert_max_num_queries(10):
        response = c.get("/dasbor/")
    (verval, _returned) = response.context["queues"]
    assert verval.state.count == 2
    ours.refresh_from_db()
    sibling.refresh_from_db()
    assert verval.state.oldest_since == min(ours.updated_at, sibling.updated_at)
    html = response.content.decode()
    assert "2</span> usulan menunggu keputusan kabupaten/kota" in html
    assert "Terlama: usulan, menunggu" in html and 'href="/verval/"' in html
