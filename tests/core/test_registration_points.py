"""Where the core shows what a stage owns, the core offers a registration point and the stage fills it
(docs/design.md §3): panels on the registry's person and family pages, sections of the data-subject
report, the determination's per-record contributors, each stage's routes and API operations, the
demo. These tests fill each point the way a stage does and read it back through the core."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from dtks.accounts.models import Role
from dtks.registry.contributors import CONTRIBUTORS, apply_contributors, record_contributor
from proposals.models import ProposalItem, ProposalPerson
from tests.conftest import otp_force_login
from tests.harness.world import HOME_VILLAGE, build_world

pytestmark = pytest.mark.django_db


def open_item(village: str, *, state: str = "submitted", **fields) -> ProposalItem:
    """An item created directly in a state (test set-up)."""
    return ProposalItem.objects.create(
        kind=fields.pop("kind", "deletion"), channel="musyawarah", village_code=village, state=state, **fields
    )


def test_the_person_page_shows_the_open_proposals_on_the_person_in_the_readers_scope(client):
    world = build_world()
    home = world.households[HOME_VILLAGE]
    mine = open_item(HOME_VILLAGE, target_person_id=home.individual.person_id)
    done = open_item(HOME_VILLAGE, state="rejected", target_person_id=home.individual.person_id)  # closed
    verifier = world.users[(Role.REGENCY_VERIFIER, HOME_VILLAGE[:4])]
    otp_force_login(client, verifier)
    html = client.get(f"/registri/orang/{home.individual.person_id}/").content.decode()
    assert "Usulan yang sedang berjalan" in html
    assert f"/usulan/item/{mine.pk}/" in html and f"/usulan/item/{done.pk}/" not in html


def test_the_family_page_says_when_nothing_is_open(client):
    world = build_world()
    home = world.households[HOME_VILLAGE]
    client.force_login(world.users[(Role.VILLAGE_OPERATOR, HOME_VILLAGE)])
    html = client.get(f"/registri/keluarga/{home.family_id}/").content.decode()
    assert "Tidak ada usulan yang sedang berjalan atas data ini." in html
    item = open_item(HOME_VILLAGE, target_family_id=home.family_id)
    html = client.get(f"/registri/keluarga/{home.family_id}/").content.decode()
    assert f"/usulan/item/{item.pk}/" in html


def test_the_data_subject_report_has_the_proposals_naming_the_nik():
    nik = "3371011505800009"
    item = open_item(HOME_VILLAGE, kind="addition")
    ProposalPerson.objects.create(item=item, nama="Warga Diusulkan", nik=nik, tanggal_lahir=date(1980, 5, 15))
    out = io.StringIO()
    call_command("data_subject_report", nik=nik, stdout=out)
    text = out.getvalue()
    assert "== Usulan yang memuat orang ini (1)" in text
    assert f"usulan {item.pk} (Penambahan, Musyawarah desa/kelurahan, Diajukan)" in text
    assert "Warga Diusulkan" in text
    assert "Tidak ada data tentang NIK ini di registri." in text  # not registered (yet)


def test_contributors_run_in_order_inside_the_runs_transaction():
    ran = []

    @record_contributor("test-kedua", order=20)
    def second(cursor, *, run_id, period):
        ran.append(("kedua", run_id, period))

    @record_contributor("test-pertama", order=10)
    def first(cursor, *, run_id, period):
        cursor.execute("SELECT %s::int", [run_id])
        ran.append(("pertama", cursor.fetchone()[0], period))

    try:
        with connection.cursor() as cur:
            names = apply_contributors(cur, run_id=7, period=date(2026, 12, 1))
        assert names.index("test-pertama") < names.index("test-kedua")
        assert ran == [("pertama", 7, date(2026, 12, 1)), ("kedua", 7, date(2026, 12, 1))]
    finally:
        CONTRIBUTORS.pop("test-kedua")
        CONTRIBUTORS.pop("test-pertama")


def test_each_stage_brings_its_own_routes_and_api_operations():
    from dtks.api.urls import urlpatterns as api_patterns
    from dtks.permissions import CORE_ROUTES, routes

    table = routes()
    stage_rows = set(table) - set(CORE_ROUTES)
    assert "proposals:item" in stage_rows and "api:item-list" in stage_rows
    assert not any(name.startswith("proposals:") for name in CORE_ROUTES)
    assert "item-list" in {p.name for p in api_patterns}
