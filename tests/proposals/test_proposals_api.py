"""The proposals API: musyawarah and items, scoped like the pages; POSTs idempotent by key; NIKs
masked in lists; 400 with field errors; constant query counts on lists."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dtks.api.services import api_token_issue
from dtks.audit.models import AuditEvent
from proposals import item as proposal_items
from proposals.models import Musyawarah, ProposalItem
from proposals.musyawarah import services as musyawarah_services
from tests.harness.world import HOME_VILLAGE
from tests.proposals.factories import item as make_item

from .flow import (
    PDF,
    SIBLING,
    held_musyawarah,
    new_family,
    operator,
    verifier,
)

pytestmark = pytest.mark.django_db


def api(u) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(actor=u)[1]}"})


def post(c, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(url, json.dumps(body), content_type="application/json", headers=headers)


MUSYAWARAH = {
    "held_on": "2026-11-02",
    "place": "Balai",
    "led_by": "Lurah",
    "attendee_count": 9,
    "input_sources": ["RT_RW"],
}


def addition_body(m, serial=9001):
    family, persons = new_family(serial=serial)
    for p in persons:
        p["tanggal_lahir"] = p["tanggal_lahir"].isoformat()
    return {"kind": "addition", "musyawarah": m.pk, "family": family, "persons": persons}


def test_musyawarah_create_is_idempotent_by_key(world):
    c = api(operator(world))
    first = post(c, "/api/v1/musyawarah/baru/", MUSYAWARAH, key="m-1")
    again = post(c, "/api/v1/musyawarah/baru/", MUSYAWARAH, key="m-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Musyawarah.objects.count() == 1
    assert post(c, "/api/v1/musyawarah/baru/", MUSYAWARAH, key="m-2").status_code == 201
    assert Musyawarah.objects.count() == 2
    bad = post(c, "/api/v1/musyawarah/baru/", {**MUSYAWARAH, "input_sources": []})
    assert bad.status_code == 400 and "input_sources" in bad.json()["errors"]
    assert post(c, "/api/v1/musyawarah/baru/", MUSYAWARAH, key="bad key!").status_code == 400


def test_minutes_hold_and_submit_through_the_api(world):
    op = operator(world)
    c = api(op)
    m_id = post(c, "/api/v1/musyawarah/baru/", MUSYAWARAH).json()["id"]
    refused = post(c, f"/api/v1/musyawarah/{m_id}/transisi/", {"transition": "hold"})
    assert refused.status_code == 400 and "minutes" in refused.json()["errors"]
    fake = c.post(
        f"/api/v1/musyawarah/{m_id}/notulen/", {"minutes": SimpleUploadedFile("n.pdf", b"GIF89a" + b"0" * 50)}
    )
    assert fake.status_code == 400 and "minutes" in fake.json()["errors"]
    ok = c.post(f"/api/v1/musyawarah/{m_id}/notulen/", {"minutes": SimpleUploadedFile("n.pdf", PDF)})
    assert ok.status_code == 200 and ok.json()["ada_notulen"] is True
    assert post(c, f"/api/v1/musyawarah/{m_id}/transisi/", {"transition": "hold"}).json()["state"] == "held"
    assert post(c, f"/api/v1/musyawarah/{m_id}/transisi/", {"transition": "hold"}).status_code == 200  # again
    m = Musyawarah.objects.get(pk=m_id)
    assert post(c, "/api/v1/usulan/baru/", addition_body(m)).status_code == 201
    assert (
        post(c, f"/api/v1/musyawarah/{m_id}/transisi/", {"transition": "submit"}).json()["state"]
        == "submitted"
    )
    assert ProposalItem.objects.get().state == "submitted"


def test_item_create_is_idempotent_masked_in_lists_and_scoped(world):
    op = operator(world)
    m = held_musyawarah(op)
    c = api(op)
    body = addition_body(m)
    first = post(c, "/api/v1/usulan/baru/", body, key="item-1")
    again = post(c, "/api/v1/usulan/baru/", body, key="item-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"] and ProposalItem.objects.count() == 1
    item_id = first.json()["id"]
    # Full NIK on the detail (logged), masked in the list.
    assert first.json()["persons"][0]["nik"] == body["persons"][0]["nik"]
    assert AuditEvent.objects.filter(action="proposal_item.view_full", object_id=str(item_id)).exists()
    row = c.get("/api/v1/usulan/").json()["results"][0]
    assert row["no_kk"] == body["family"]["no_kk"][:4] + "**********" + body["family"]["no_kk"][-2:]
    assert set(row) == {
        "id", "kind", "state", "channel", "kode_wilayah", "musyawarah", "pair", "no_kk", "nama",
        "jumlah_orang", "last_reason", "updated_at",
    }  # fmt: skip
    # Another village: nothing listed, detail 404, its musyawarah not usable.
    other = api(operator(world, SIBLING))
    assert other.get("/api/v1/usulan/").json()["results"] == []
    assert other.get(f"/api/v1/usulan/{item_id}/").status_code == 404
    assert other.get(f"/api/v1/musyawarah/{m.pk}/").status_code == 404
    assert other.get("/api/v1/musyawarah/").json()["results"] == []
    assert post(other, "/api/v1/usulan/baru/", addition_body(m, 9002)).status_code == 404
    assert (
        post(
            other, f"/api/v1/usulan/{item_id}/transisi/", {"transition": "withdraw", "reason": "x"}
        ).status_code
        == 404
    )


def test_field_errors_name_the_person_and_field(world):
    op = operator(world)
    m = held_musyawarah(op)
    body = addition_body(m)
    body["persons"][1]["nik"] = "33710155048"
    response = post(api(op), "/api/v1/usulan/baru/", body)
    assert response.status_code == 400
    assert "16 digit" in response.json()["errors"]["persons.1.nik"][0]
    assert ProposalItem.objects.count() == 0
    missing = post(api(op), "/api/v1/usulan/baru/", {"kind": "deletion", "musyawarah": m.pk})
    assert missing.status_code == 400 and {"target_family_id", "deletion_reason"} <= set(
        missing.json()["errors"]
    )


def test_return_to_village_then_a_different_decision_is_already_decided(world):
    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    item = proposal_items.proposal_item_create(
        kind="addition", actor=op, musyawarah_id=m.pk, family=family, persons=persons
    )
    musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=op)
    regency = api(verifier(world))
    url = f"/api/v1/usulan/{item.pk}/transisi/"
    assert post(regency, url, {"transition": "return_to_village"}).status_code == 400  # reason required
    done = post(regency, url, {"transition": "return_to_village", "reason": "Foto KK buram."})
    assert done.status_code == 200 and done.json()["state"] == "returned_to_village"
    assert done.json()["history"][-1]["reason"] == "Foto KK buram."
    assert post(regency, url, {"transition": "return_to_village", "reason": "lagi"}).status_code == 200
    assert post(regency, url, {"transition": "withdraw", "reason": "x"}).status_code == 409
    assert post(api(op), url, {"transition": "resubmit"}).json()["state"] == "submitted"


def test_a_self_registration_does_not_go_back_to_the_village(world):
    own = make_item(ProposalItem.State.SUBMITTED, village=HOME_VILLAGE, channel="self_registration")
    refused = post(
        api(verifier(world)),
        f"/api/v1/usulan/{own.pk}/transisi/",
        {"transition": "return_to_village", "reason": "x"},
    )
    assert refused.status_code == 400
    assert "Hanya usulan musyawarah" in json.dumps(refused.json())
    own.refresh_from_db()
    assert own.state == "submitted"


def test_deletion_of_a_record_outside_the_scope_is_not_found(world):
    op = operator(world)
    m = held_musyawarah(op)
    foreign = world.households[SIBLING]
    body = {
        "kind": "deletion",
        "musyawarah": m.pk,
        "target_family_id": foreign.family_id,
        "deletion_reason": "MENINGGAL",
    }
    assert post(api(op), "/api/v1/usulan/baru/", body).status_code == 404
    own = world.households[HOME_VILLAGE]
    ok = post(api(op), "/api/v1/usulan/baru/", {**body, "target_family_id": own.family_id})
    assert ok.status_code == 201 and len(ok.json()["persons"]) == 3


def test_lists_cost_the_same_whatever_their_length(world):
    op = operator(world)
    c = api(op)
    m = held_musyawarah(op)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    post(c, "/api/v1/usulan/baru/", addition_body(m, 9001))
    before = (count("/api/v1/usulan/"), count("/api/v1/musyawarah/"))
    for serial in range(9002, 9008):
        post(c, "/api/v1/usulan/baru/", addition_body(m, serial))
        held_musyawarah(op)
    assert (count("/api/v1/usulan/"), count("/api/v1/musyawarah/")) == before
    assert before[0] <= 3
