"""The regency's verval queue (/verval/), its export, the item review and their API: scoping, each
filter with its counts, keyset paging, the NIK/KK search by POST only, masking and audit, query counts
that do not grow with the rows, and the review's tabs."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.core.dashboards import dashboard_queues
from proposals.models import ProposalItem, ProposalItemHistory, ProposalPerson
from tests.harness.world import HOME_VILLAGE
from tests.proposals.factories import item
from tests.proposals.flow import OTHER_REGENCY, SIBLING, client_for, verifier
from verification.selectors import PAGE_SIZE, QueueFilters, queue_page

pytestmark = pytest.mark.django_db
S = ProposalItem.State
NIK = "3371015708850002"
KK = "3371010101200001"
CIVIL = {
    "rule": "CIVIL_REGISTRY_MISMATCH",
    "fields": ["nama"],
    "person": 0,
    "message": "Nama berbeda dengan Dukcapil.",
    "detail": {
        "source": {"kind": "extract", "label": "Dukcapil Kota Magelang", "date": "2026-11-30"},
        "parts": [{"part": "nama", "ours": "Siti Aminah", "theirs": "SITI AMINAH BINTI X", "score": 80}],
    },
}


def queued(village=HOME_VILLAGE, *, name="Warga", nik=None, **kw) -> ProposalItem:
    kw.setdefault("state", S.SUBMITTED)
    i = item(kw.pop("state"), village=village, **kw)
    ProposalPerson.objects.create(item=i, position=0, nama=name, nik=nik)
    return i


def ids(client, query="") -> list[int]:
    response = client.get(f"/verval/{query}")
    assert response.status_code == 200
    return [r.pk for r in response.context["rows"]]


@pytest.fixture
def c(world):
    return client_for(verifier(world))


def test_scoping_lists_only_the_regency_and_foreign_review_is_404(world, c):
    ours, sibling = queued(), queued(SIBLING)
    foreign = queued(OTHER_REGENCY)
    returned = queued(state=S.RETURNED_TO_REGENCY)
    ministry_verifies = queued(verifier=ProposalItem.Verifier.MINISTRY)
    draft = queued(state=S.DRAFT)
    got = ids(c)
    assert ours.pk in got and sibling.pk in got
    assert foreign.pk not in got and returned.pk not in got
    assert ministry_verifies.pk not in got and draft.pk not in got
    assert ids(c, "?tab=dikembalikan") == [returned.pk]
    assert c.get(f"/verval/usulan/{foreign.pk}/").status_code == 404
    assert c.get(f"/api/v1/verval/usulan/{foreign.pk}/").status_code == 404
    assert c.get(f"/verval/usulan/{ours.pk}/").status_code == 200
    api = {r["id"] for r in c.get("/api/v1/verval/").json()["results"]}
    assert ours.pk in api and foreign.pk not in api
    other = client_for(verifier(world, "3308"))
    assert foreign.pk in ids(other) and ours.pk not in ids(other)


def test_each_filter_and_its_counts(world, c):
    base = set(ids(c))  # the world's own submitted rows
    a = queued(kind=ProposalItem.Kind.DELETION, channel=ProposalItem.Channel.MUSYAWARAH, findings=[CIVIL])
    b = queued(SIBLING, kind=ProposalItem.Kind.TRANSFER, findings=[{"rule": "DUPLICATE_NIK", "message": "x"}])
    old = queued(name="Lama Sekali")
    ProposalItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=40))
    assert ids(c, "?jenis=deletion") == [a.pk]
    assert ids(c, "?jenis=transfer") == [b.pk]
    assert set(ids(c, f"?desa={SIBLING}")) >= {b.pk} and a.pk not in ids(c, f"?desa={SIBLING}")
    assert ids(c, "?temuan=DUPLICATE_NIK") == [b.pk]
    assert ids(c, "?temuan=CIVIL_REGISTRY_MISMATCH") == [a.pk]
    assert ids(c, "?temuan=dukcapil:nama") == [a.pk]
    assert ids(c, "?temuan=dukcapil:tanggal_lahir") == []
    assert a.pk not in ids(c, "?temuan=tanpa") and old.pk in ids(c, "?temuan=tanpa")
    assert ids(c, "?umur=31%2B") == [old.pk]
    assert old.pk not in ids(c, "?umur=0-7")
    assert ids(c, "?q=Lama") == [old.pk]
    assert ids(c, f"?q={a.pk}") == [a.pk]
    own = queued(channel=ProposalItem.Channel.SELF_REGISTRATION)
    assert ids(c, "?saluran=self_registration") == [own.pk] and own.pk not in base
    # Counts per value: each dimension with the other filters applied.
    response = c.get("/verval/?jenis=deletion")
    facets = {f["name"]: {o["value"]: o["count"] for o in f["options"]} for f in response.context["facets"]}
    assert facets["jenis"]["deletion"] == 1 and facets["jenis"]["transfer"] == 1
    assert facets["temuan"]["dukcapil:nama"] == 1 and facets["temuan"]["DUPLICATE_NIK"] == 0
    assert facets["saluran"]["musyawarah"] == 1
    assert facets["desa"][HOME_VILLAGE] == 1
    assert 'data-facet="jenis"' in response.content.decode()
    counts = c.get("/api/v1/verval/?jenis=deletion").json()["counts"]
    assert counts["kind"]["deletion"] == 1 and counts["finding"]["dukcapil:nama"] == 1
    assert counts["tab"]["antrean"] == 1


def test_keyset_paging_oldest_first_without_duplicates_or_gaps(world, c):
    at = timezone.now() - timedelta(days=3)
    made = [queued(name=f"Warga {n}") for n in range(PAGE_SIZE * 2 + 7)]
    # Half share one timestamp: the id breaks the tie.
    ProposalItem.objects.filter(pk__in=[m.pk for m in made[::2]]).update(updated_at=at)
    everything = [r.pk for r in queue_page(user=verifier(world), filters=QueueFilters(), size=10_000).rows]
    for sort in ("lama", "baru", "nomor"):
        seen, query = [], f"?urut={sort}"
        for _page in range(10):
            response = c.get(f"/verval/{query}")
            seen += [r.pk for r in response.context["rows"]]
            if not response.context["next_query"]:
                break
            query = "?" + response.context["next_query"]
        assert len(seen) == len(set(seen)) and set(seen) == set(everything), sort
    assert everything[0] in {m.pk for m in made[::2]}  # the oldest first
    api, url = [], "/api/v1/verval/"
    while url:
        body = c.get(url).json()
        api += [r["id"] for r in body["results"]]
        url = body["next"]
    assert api == everything
    assert c.get("/api/v1/verval/?setelah=x.1").status_code == 400
    assert c.get("/verval/?setelah=99999999999999999999.1").status_code == 200


def test_nik_search_by_post_only(world, c):
    target = queued(nik=NIK, no_kk=KK)
    queued(OTHER_REGENCY, nik=NIK)
    response = c.post("/verval/", {"nomor": NIK})
    assert [r.pk for r in response.context["rows"]] == [target.pk]
    html = response.content.decode()
    assert NIK not in html and "3371**********02" in html
    assert [r.pk for r in c.post("/verval/", {"nomor": KK}).context["rows"]] == [target.pk]
    # A number in the address is not searched (nor echoed).
    response = c.get(f"/verval/?q={NIK}")
    assert target.pk in [r.pk for r in response.context["rows"]] and response.context["number_in_get"]
    assert f'value="{NIK}"' not in response.content.decode()  # not put back into the search field
    assert [r["id"] for r in c.post("/api/v1/verval/cari/", {"nomor": NIK}).json()["results"]] == [target.pk]
    assert c.get(f"/api/v1/verval/?q={NIK}").status_code == 400
    assert c.post("/api/v1/verval/cari/", {"nomor": "12"}).status_code == 400


def test_export_is_filtered_masked_scoped_and_audited(world, c):
    mine = queued(no_kk=KK, name="=HYPERLINK(1)", kind=ProposalItem.Kind.DELETION)
    queued(OTHER_REGENCY, no_kk=KK, kind=ProposalItem.Kind.DELETION)
    queued()  # an addition: filtered out
    response = c.get("/verval/unduh/?jenis=deletion")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == mine.pk
    assert rows[1][8] == "3371**********01" and KK not in str(rows)
    assert not str(rows[1][6]).startswith("=")  # formula escaped
    event = AuditEvent.objects.get(action="verification.queue_download")
    assert event.detail["rows"] == 1 and event.detail["jenis"] == "deletion"


def test_query_counts_do_not_grow_with_the_rows(world, c):
    for n in range(3):
        queued(findings=[CIVIL], name=f"A{n}")
    c.get("/verval/")
    with CaptureQueriesContext(connection) as few:
        c.get("/verval/")
    for n in range(30):
        queued(SIBLING if n % 2 else HOME_VILLAGE, findings=[CIVIL], name=f"B{n}")
    with CaptureQueriesContext(connection) as many:
        response = c.get("/verval/")
    assert len(response.context["rows"]) > 30
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as api_many:
        c.get("/api/v1/verval/")
    queued()
    with CaptureQueriesContext(connection) as api_more:
        c.get("/api/v1/verval/")
    assert len(api_many) == len(api_more)


def test_review_tabs_compare_findings_civil_visits_history(world, c):
    household = world.households[HOME_VILLAGE]
    correction = item(
        S.SUBMITTED,
        kind=ProposalItem.Kind.CORRECTION,
        channel=ProposalItem.Channel.MUSYAWARAH,
        target_family_id=household.family_id,
        no_kk=household.no_kk,
        alamat="Jl. Baru Berubah 99",
        findings=[
            CIVIL,
            {"rule": "INCOMPLETE", "message": "Pekerjaan belum diisi.", "fields": ["pekerjaan"]},
        ],
    )
    head = household.head
    ProposalPerson.objects.create(
        item=correction, position=0, target_person_id=head.person_id, nik=head.nik, nama="Nama Dibetulkan"
    )
    ProposalItemHistory.objects.create(
        item=correction,
        transition="submit",
        from_state="draft",
        to_state="submitted",
        actor_label="operator desa",
        detail={"stage": "proposal"},
    )
    html = c.get(f"/verval/usulan/{correction.pk}/").content.decode()
    for anchor in ('id="isi"', 'id="temuan"', 'id="dukcapil"', 'id="kunjungan"', 'id="riwayat"'):
        assert anchor in html
    assert 'compare-row compare-row--changed" data-field="alamat"' in html
    assert "<ins>Jl. Baru Berubah 99</ins>" in html
    assert 'compare-row compare-row--changed" data-field="nama"' in html and head.nama in html
    assert 'compare-row" data-field="no_kk"' in html  # the same KK: not highlighted
    assert "Pekerjaan belum diisi." in html and "Nama berbeda dengan Dukcapil." in html
    assert html.count('class="comparison comparison--parts"') == 1 and "SITI AMINAH BINTI X" in html
    assert "Belum ada kunjungan lapangan untuk usulan ini." in html
    assert 'data-transition="submit"' in html and "operator desa" in html
    assert f"/verval/usulan/{correction.pk}/putuskan/" in html
    assert AuditEvent.objects.filter(
        action="verification.review_view_full", object_id=str(correction.pk)
    ).exists()
    data = c.get(f"/api/v1/verval/usulan/{correction.pk}/").json()
    assert data["has_record"] and "alamat" in {r["field"] for r in data["family"] if r["changed"]}
    assert [f["rule"] for f in data["findings"]] == ["CIVIL_REGISTRY_MISMATCH", "INCOMPLETE"]
    assert data["history"][0]["transition"] == "submit"
    addition = queued()
    html = c.get(f"/verval/usulan/{addition.pk}/").content.decode()
    assert "belum ada data di registri" in html


def test_dashboard_counts_and_opens_the_queue(world):
    u = verifier(world)
    queued()
    queued(state=S.RETURNED_TO_REGENCY)
    queues = {q.queue.key: q.state for q in dashboard_queues(user=u)}
    assert queues["verval"].url == "/verval/"
    assert queues["returned_by_ministry"].url == "/verval/?tab=dikembalikan"
    assert queues["returned_by_ministry"].count == 1
    assert queues["verval"].count == len(ids(client_for(u)))
    supervisor = world.users[(Role.REGENCY_SUPERVISOR, "3371")]
    assert client_for(supervisor).get("/verval/").status_code == 200
    assert 'href="/usulan/kabupaten/"' in client_for(u).get("/verval/").content.decode()
