"""The Dukcapil API (dtks/civil/apis.py): the reconciliation scoped like the page, with the same counts;
the upload refusing exactly what the page refuses, with the same message under the same field (a 400,
never a 500); the extract's status and progress."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from dtks.accounts.models import Role
from dtks.api.services import api_token_issue
from dtks.civil import tasks
from dtks.civil.models import Extract
from dtks.civil.reconciliation import REASONS
from tests.harness.world import ALL_VILLAGES

from .test_pages import client_for, page_upload
from .test_reconciliation import EXPECTED
from .uploads import BAD, GOOD, body

pytestmark = pytest.mark.django_db

RECON = "/api/v1/dukcapil/rekonsiliasi/"
UPLOAD = "/api/v1/dukcapil/ekstrak/"


def api(user) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(actor=user)[1]}"})


def all_rows(c, url: str) -> list[dict]:
    rows = []
    while url:
        page = c.get(url).json()
        rows += page["results"]
        url = page["next"]
    return rows


# --- the reconciliation --------------------------------------------------------------------------------


def test_the_ministry_reads_the_country_with_every_reason(world):
    page = api(world.actor(Role.MINISTRY_DATA_OFFICER)).get(RECON).json()
    assert page["counts"] == EXPECTED
    assert (page["persons_checked"], page["persons_differing"], page["total"]) == (32, 32, 32)
    assert page["source_configured"] == "none"
    rec = page["reconciliation"]
    assert rec["extract"] == {
        "id": world.civil["extract"],
        "source": "Dukcapil (harness)",
        "extract_date": "2026-11-30",
    }
    assert rec["stale"] is False
    assert {r["person_id"] for r in page["results"]} == world.person_ids


@pytest.mark.parametrize("role", [Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR, Role.PROVINCE_OFFICER])
def test_a_region_reads_its_persons_and_counts_only(world, role):
    user = world.actor(role)
    c = api(user)
    rows = all_rows(c, RECON)
    assert {r["person_id"] for r in rows} == world.visible_person_ids(user)
    page = c.get(RECON).json()
    assert page["persons_differing"] == len(rows)
    for reason in REASONS:
        listed = all_rows(c, f"{RECON}?alasan={reason}")
        assert page["counts"][reason] == len(listed) == c.get(f"{RECON}?alasan={reason}").json()["total"]


def test_the_counts_are_the_pages(world, otp_login):
    regency = world.actor(Role.REGENCY_VERIFIER)
    html = client_for(regency, otp_login).get("/dukcapil/rekonsiliasi/").content.decode()
    chart = dict(re.findall(r'<li data-reason="(\w+)".*?<span class="bar-list__n">(\d+)</span>', html, re.S))
    assert {k: int(v) for k, v in chart.items()} == api(regency).get(RECON).json()["counts"]


def test_values_side_by_side_masked(world):
    h = world.households[ALL_VILLAGES[0]]
    page = api(world.actor(Role.REGENCY_VERIFIER)).get(f"{RECON}?wilayah={h.village}&alasan=no_kk").json()
    (row,) = page["results"]
    assert (
        row["person_id"] == h.head.person_id and row["nik"] == f"{h.head.nik[:4]}**********{h.head.nik[-2:]}"
    )
    assert row["parts"] == ["nama", "no_kk"] and row["kode_wilayah"] == h.village
    kk = next(p for p in row["detail"] if p["part"] == "no_kk")
    assert kk["ours"] == f"{h.no_kk[:4]}**********{h.no_kk[-2:]}" and h.no_kk not in str(page)
    nama = next(p for p in row["detail"] if p["part"] == "nama")
    assert (nama["ours"], nama["theirs"]) == (h.head.nama, "Bambang Ardana")


def test_a_filter_outside_the_scope_lists_and_counts_nothing(world):
    page = api(world.actor(Role.REGENCY_VERIFIER)).get(f"{RECON}?wilayah=3404").json()
    assert page["results"] == [] and page["persons_differing"] == 0 and set(page["counts"].values()) == {0}


@pytest.mark.parametrize(
    ("query", "field"), [("alasan=semua", "alasan"), ("wilayah=33x", "wilayah"), ("cursor=zzz", "cursor")]
)
def test_bad_filters_are_a_400_naming_the_parameter(world, query, field):
    answer = api(world.actor(Role.PROVINCE_OFFICER)).get(f"{RECON}?{query}")
    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_without_a_reconciliation(bare_world):
    page = api(bare_world.actor(Role.REGENCY_VERIFIER)).get(RECON).json()
    assert page["reconciliation"] is None and page["results"] == [] and page["total"] == 0


def test_the_list_costs_the_same_queries_for_few_rows_and_many(world):
    c = api(world.actor(Role.MINISTRY_DATA_OFFICER))
    c.get(RECON)
    with CaptureQueriesContext(connection) as few:
        assert len(c.get(f"{RECON}?wilayah={ALL_VILLAGES[0]}&alasan=nama").json()["results"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(c.get(RECON).json()["results"]) == 32
    assert len(few) == len(many) <= 8


# --- the upload ----------------------------------------------------------------------------------------


def test_upload_follow_and_load(bare_world, extract_dir, django_capture_on_commit_callbacks):
    ministry = bare_world.actor(Role.MINISTRY_DATA_OFFICER)
    c = api(ministry)
    with django_capture_on_commit_callbacks() as queued:
        answer = c.post(UPLOAD, body(GOOD), headers={"Idempotency-Key": "ekstrak-1"})
    assert answer.status_code == 202, answer.content
    extract = answer.json()
    assert (extract["status"], extract["source"], extract["extract_date"], extract["current"]) == (
        "queued", "Dukcapil Kota Magelang", "2026-11-30", False,
    )  # fmt: skip
    assert len(queued) == 1
    again = c.post(UPLOAD, body(GOOD), headers={"Idempotency-Key": "ekstrak-1"})
    assert again.status_code == 202 and again.json()["id"] == extract["id"] and Extract.objects.count() == 1

    assert tasks.extract_load(extract["id"]) == "loaded"
    detail = c.get(f"{UPLOAD}{extract['id']}/").json()
    assert (detail["status"], detail["current"], detail["rows_read"], detail["persons"]) == (
        "done",
        True,
        1,
        1,
    )
    assert detail["reconciling"] is True


@pytest.mark.parametrize(("make", "field", "words"), BAD)
def test_every_bad_upload_is_the_pages_refusal(bare_world, otp_login, extract_dir, make, field, words):
    ministry = bare_world.actor(Role.MINISTRY_DATA_OFFICER)
    answer = api(ministry).post(UPLOAD, make())
    assert answer.status_code == 400, answer.content
    errors = answer.json()["errors"]
    assert list(errors) == [field] and words in errors[field][0]
    # The page says the same words under the same field.
    html = page_upload(client_for(ministry, otp_login), make()).content.decode()
    label = html.index(f'for="id_{field}"')
    assert escape(errors[field][0]) in html[label : html.index("</div>", label)]
    assert not Extract.objects.exists()
    assert not extract_dir.exists() or not any(extract_dir.iterdir())


def test_several_bad_fields_at_once(bare_world, extract_dir):
    answer = api(bare_world.actor(Role.MINISTRY_DATA_OFFICER)).post(
        UPLOAD, {"sumber": "", "tanggal_ekstrak": ""}
    )
    assert answer.status_code == 400 and set(answer.json()["errors"]) == {"file", "sumber", "tanggal_ekstrak"}


@pytest.mark.parametrize("value", ["x\x00y", "a" * 10_000])
def test_hostile_sources_are_refused_not_crashed(bare_world, extract_dir, value):
    answer = api(bare_world.actor(Role.MINISTRY_DATA_OFFICER)).post(UPLOAD, body(GOOD, sumber=value))
    assert answer.status_code == 400 and "sumber" in answer.json()["errors"]


def test_only_the_data_unit_uploads_and_follows(world, extract_dir):
    for role in (Role.ADMIN, Role.REGENCY_VERIFIER):
        c = api(world.actor(role))
        assert c.post(UPLOAD, body(GOOD)).status_code == 403
        assert c.get(f"{UPLOAD}{world.civil['extract']}/").status_code == 403
    assert api(world.actor(Role.MINISTRY_DATA_OFFICER)).get(f"{UPLOAD}999999/").status_code == 404
    assert Client().get(RECON).status_code == 401
