"""The Dukcapil pages (dtks/civil/views.py) as their users meet them: the ministry data officer loads an
extract through the page (the task run in-process, as the worker would) and sees progress, then the
result and the refused rows; every bad upload is refused with the field and the fix and stores nothing;
a regency reads the reconciliation of its persons only, with counts, a chart, filters, paging and an
audited XLSX; the proposal item page shows a civil finding's comparison."""

import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from openpyxl import load_workbook

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from dtks.civil import tasks
from dtks.civil.models import Extract, ExtractError, Reconciliation
from dtks.civil.reconciliation import reconciliation_compute
from dtks.registry.models import PersonVersion
from tests.harness.world import ALL_VILLAGES, civil_extract_rows

from .factories import load, use_source, write_extract
from .uploads import BAD, GOOD, GOOD_ROW, body, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

OVERVIEW = "/dukcapil/"
RECON = "/dukcapil/rekonsiliasi/"


def client_for(user, otp_login) -> Client:
    c = Client()
    otp_login(c, user)
    return c


def form_key(c) -> str:
    (key,) = re.findall(r'name="kunci" value="([0-9a-f]{32})"', c.get(OVERVIEW).content.decode())
    return key


def page_upload(c, data: dict, *, key: str | None = None):
    return c.post("/dukcapil/ekstrak/", {**data, "kunci": key or form_key(c)})


def person_links(response) -> set[int]:
    return {int(i) for i in re.findall(r'href="/registri/orang/(\d+)/"', response.content.decode())}


# --- the data unit's page and the upload ---------------------------------------------------------------


def test_the_overview_says_the_source_is_missing_and_who_changes_it(bare_world, otp_login):
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    html = c.get(OVERVIEW).content.decode()
    assert 'data-source="none"' in html and "source-none" in html
    assert "tidak berjalan pada usulan" in html and "Administrator" in html
    assert "CIVIL_REGISTRY_MISMATCH" in html and "CIVIL_REGISTRY_UNAVAILABLE" in html
    assert "Belum ada ekstrak Dukcapil yang dimuat." in html
    assert 'action="/dukcapil/ekstrak/"' in html  # the upload form
    use_source("extract")
    html = c.get(OVERVIEW).content.decode()
    assert "source-none" not in html and 'data-source="extract"' in html


def test_the_administrator_reads_the_overview_without_the_upload_or_the_refusals(world, otp_login):
    c = client_for(world.actor(Role.ADMIN), otp_login)
    html = c.get(OVERVIEW).content.decode()
    assert "Dukcapil (harness)" in html and 'action="/dukcapil/ekstrak/"' not in html
    assert f'href="/dukcapil/ekstrak/{world.civil["extract"]}/"' not in html
    assert c.get(f"/dukcapil/ekstrak/{world.civil['extract']}/").status_code == 403


def test_upload_progress_result_and_refusals_through_the_pages(
    bare_world, otp_login, extract_dir, django_capture_on_commit_callbacks
):
    ministry = bare_world.actor(Role.MINISTRY_DATA_OFFICER)
    c = client_for(ministry, otp_login)
    rows = civil_extract_rows(bare_world) + [{**GOOD_ROW, "nik": "12345"}, {**GOOD_ROW, "jenis_kelamin": "X"}]
    with django_capture_on_commit_callbacks() as queued:
        response = page_upload(
            c, body(xlsx_bytes(rows), name="ekstrak magelang.xlsx", sumber=" Dukcapil Kab. Magelang ")
        )
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
    )
    extract = Extract.objects.get()
    assert response["Location"] == f"/dukcapil/ekstrak/{extract.pk}/"
    assert (extract.status, extract.source, extract.extract_date) == (
        "queued",
        "Dukcapil Kab. Magelang",
        date(2026, 11, 30),
    )
    assert (extract.created_by, extract.file_name) == (ministry, "ekstrak magelang.xlsx")
    assert extract.stored_name.endswith(".xlsx") and "magelang" not in extract.stored_name
    assert [p.name for p in extract_dir.iterdir()] == [extract.stored_name]
    assert len(queued) == 1  # the load task, sent when the upload commits
    assert AuditEvent.objects.filter(action="civil.extract_upload", object_id=str(extract.pk)).count() == 1

    page = c.get(response["Location"]).content.decode()
    assert f'hx-get="/dukcapil/ekstrak/{extract.pk}/progres/"' in page and "menunggu giliran" in page
    partial = c.get(f"/dukcapil/ekstrak/{extract.pk}/progres/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "hx-trigger" in partial.content.decode()

    with django_capture_on_commit_callbacks() as reconcile:
        assert tasks.extract_load(extract.pk) == "loaded"  # the task, in-process
    extract.refresh_from_db()
    assert (extract.status, extract.current, extract.rows_read, extract.rows_refused, extract.persons) == (
        "done", True, 26, 2, 24,
    )  # fmt: skip
    assert extract.reconciling and len(reconcile) == 1
    done = c.get(f"/dukcapil/ekstrak/{extract.pk}/progres/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    page = c.get(f"/dukcapil/ekstrak/{extract.pk}/").content.decode()
    assert "hx-get" not in page and "Rekonsiliasi dengan registri sedang dihitung" in page
    assert 'data-row="26"' in page and 'data-row="27"' in page
    assert "L atau P" in page

    tasks.reconciliation_compute(extract.pk)
    assert Reconciliation.objects.get().extract == extract

    csv_response = c.get(f"/dukcapil/ekstrak/{extract.pk}/ditolak.csv")
    text = csv_response.content.decode("utf-8-sig")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0] == "baris,kolom,kode,pesan" and len(text.splitlines()) == 3
    assert (
        AuditEvent.objects.filter(action="civil.extract_refusals_download", object_id=str(extract.pk)).count()
        == 1
    )


def test_refused_rows_are_paged(bare_world, otp_login, tmp_path, monkeypatch):
    from dtks.civil import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    bad = [{**GOOD_ROW, "nik": f"12{i}"} for i in range(5)]
    extract = load(write_extract(tmp_path / "x.csv", bad)).extract
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    first = c.get(f"/dukcapil/ekstrak/{extract.pk}/").content.decode()
    assert first.count("data-row=") == 2 and "Halaman 1 dari 3" in first
    last = c.get(f"/dukcapil/ekstrak/{extract.pk}/?halaman=3").content.decode()
    assert re.findall(r'data-row="(\d+)"', last) == ["6"]


def test_a_load_that_fails_says_why_and_keeps_the_current_extract(world, otp_login, extract_dir):
    c = client_for(world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    assert page_upload(c, body(GOOD)).status_code == 302
    extract = Extract.objects.get(current=False, stored_name__gt="")
    # The stored file is gone before the worker reads it (a disk cleaned by hand).
    (extract_dir / extract.stored_name).unlink()
    assert tasks.extract_load(extract.pk) == "failed"
    extract.refresh_from_db()
    assert extract.status == "failed" and "tidak ditemukan" in extract.error_message
    assert Extract.objects.get(current=True).pk == world.civil["extract"]
    page = c.get(f"/dukcapil/ekstrak/{extract.pk}/").content.decode()
    assert "gagal dimuat" in page and "tidak ditemukan" in page


@pytest.mark.parametrize(("make", "field", "words"), BAD)
def test_every_bad_upload_names_its_field_and_stores_nothing(
    bare_world, otp_login, extract_dir, make, field, words
):
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    response = page_upload(c, make())
    assert response.status_code == 400
    html = response.content.decode()
    label = html.index(f'for="id_{field}"')
    assert words in html[label : html.index("</div>", label)], html[label : label + 600]
    assert not Extract.objects.exists()
    assert not extract_dir.exists() or not any(extract_dir.iterdir())


def test_a_file_over_the_cap_is_refused_while_streaming(bare_world, otp_login, extract_dir, settings):
    settings.DTKS_CIVIL_EXTRACT_MAX_BYTES = 100
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    response = page_upload(c, body(csv_bytes([GOOD_ROW] * 3)))
    assert response.status_code == 400 and "lebih besar dari 100 bita" in response.content.decode()
    assert not Extract.objects.exists()
    assert not extract_dir.exists() or not any(extract_dir.iterdir())


def test_the_current_file_again_is_refused(world, otp_login, extract_dir, tmp_path):
    c = client_for(world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    current = load(write_extract(tmp_path / "x.csv", [GOOD_ROW]), day=date(2026, 12, 1)).extract
    response = page_upload(c, body((tmp_path / "x.csv").read_bytes()))
    assert response.status_code == 400
    assert escape("sama persis dengan ekstrak yang sedang berlaku (Dukcapil Kota Magelang, 01-12-2026)") in (
        response.content.decode()
    )
    assert list(Extract.objects.values_list("pk", flat=True).order_by("pk"))[-1] == current.pk


def test_a_double_submit_is_one_extract(bare_world, otp_login, extract_dir):
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    key = form_key(c)
    first = page_upload(c, body(GOOD), key=key)
    again = page_upload(c, body(GOOD), key=key)
    assert first["Location"] == again["Location"] and Extract.objects.count() == 1
    assert len(list(extract_dir.iterdir())) == 1


def test_an_upload_without_its_key_is_refused(bare_world, otp_login, extract_dir):
    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    response = c.post("/dukcapil/ekstrak/", body(GOOD))
    assert response.status_code == 400 and "kunci pengiriman hilang" in response.content.decode()
    assert not Extract.objects.exists()


# --- the reconciliation page ---------------------------------------------------------------------------


def test_a_regency_sees_its_persons_with_counts_chart_and_both_values(world, otp_login):
    regency = world.actor(Role.REGENCY_VERIFIER)  # 3371: two villages
    c = client_for(regency, otp_login)
    response = c.get(RECON)
    html = response.content.decode()
    assert person_links(response) == world.visible_person_ids(regency)
    assert "Dibandingkan dengan ekstrak Dukcapil (harness) (data per 30-11-2026)" in html
    chart = dict(re.findall(r'<li data-reason="(\w+)".*?<span class="bar-list__n">(\d+)</span>', html, re.S))
    assert chart == {"not_found": "2", "other_person": "0", "nama": "2", "tanggal_lahir": "2",
                     "jenis_kelamin": "1", "no_kk": "2", "kode_wilayah": "1"}  # fmt: skip
    assert '<rect x="0" y="0" height="10" width="100"></rect>' in html  # the largest bar
    assert '<rect x="0" y="0" height="10" width="50"></rect>' in html
    assert "<script" not in html.split("<main", 1)[1]
    # Both values side by side, the NIK masked, the KK masked.
    h = world.households[ALL_VILLAGES[0]]
    assert h.head.nik not in html and f"{h.head.nik[:4]}**********{h.head.nik[-2:]}" in html
    assert "Bambang Ardana" in html and h.no_kk not in html
    assert 'comparison__row--differs" data-part="nama"' in html
    assert "NIK ini tidak ditemukan di data Dukcapil" in html
    assert "source-none" in html  # no source configured: the rules do not run, said once


def test_the_counts_match_the_list_for_every_filter(world, otp_login):
    province = world.actor(Role.PROVINCE_OFFICER)
    c = client_for(province, otp_login)
    for query, want in (
        ("", 16),
        ("?alasan=nama", 4),
        ("?wilayah=3308", 8),
        ("?wilayah=330801", 8),  # a district
        ("?wilayah=3308012001&alasan=tanggal_lahir", 1),
        ("?wilayah=3404", 16),  # another province: not offered, so the whole scope is listed
    ):
        response = c.get(RECON + query)
        assert len(person_links(response)) == want, query
        assert f"{want} orang." in response.content.decode(), query


def test_other_person_shows_no_data_of_that_person(world, otp_login):
    c = client_for(world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    html = c.get(RECON + "?alasan=other_person").content.decode()
    assert "milik orang lain" in html and "Joko Susilo" not in html
    assert len(re.findall(r'class="card reconciliation-row"', html)) == 2


def test_the_list_is_keyset_paged(world, otp_login, monkeypatch):
    from dtks.civil import views

    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    c = client_for(world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    seen: list[int] = []
    url = RECON + "?alasan=nama"
    while url:
        html = c.get(url).content.decode()
        seen += [int(i) for i in re.findall(r'data-person="(\d+)"', html)]
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = RECON + nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [h.head.person_id for h in sorted(world.households.values(), key=lambda h: h.village)]


@pytest.mark.parametrize("role", [Role.REGENCY_VERIFIER, Role.MINISTRY_DATA_OFFICER])
def test_the_list_costs_the_same_queries_for_few_rows_and_many(world, otp_login, role):
    c = client_for(world.actor(role), otp_login)
    c.get(RECON)  # warm: session, settings row
    with CaptureQueriesContext(connection) as few:
        assert len(person_links(c.get(RECON + f"?wilayah={ALL_VILLAGES[0]}&alasan=nama"))) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(person_links(c.get(RECON))) >= 8
    assert len(many) == len(few) and len(many) <= 14, [q["sql"][:120] for q in many.captured_queries]


def test_empty_states(bare_world, otp_login, tmp_path):
    regency = bare_world.actor(Role.REGENCY_VERIFIER)
    c = client_for(regency, otp_login)
    html = c.get(RECON).content.decode()
    assert "no-extract" in html and "Belum ada ekstrak Dukcapil" in html and "Unduh XLSX" not in html
    # An extract that agrees with the registry of this regency: no differences.
    rows = [r for r in civil_extract_rows(bare_world) if r["kode_wilayah"][:4] != "3371"]
    extract = load(write_extract(tmp_path / "x.csv", rows)).extract
    html = c.get(RECON).content.decode()
    assert "reconciliation-pending" in html  # loaded, not yet reconciled
    reconciliation_compute(extract_id=extract.pk)
    html = c.get(RECON).content.decode()
    assert "no-extract" not in html and '<span class="stat">8</span>' in html  # 8 persons checked …
    assert "no-differences" not in html  # … the regency's own persons are all missing from this extract
    # An extract that agrees with every person of the regency.
    persons = PersonVersion.objects.current().filter(village_code__startswith="3371")
    agree = [
        {"nik": p.nik, "nama": p.nama, "tempat_lahir": p.tempat_lahir, "tanggal_lahir": p.tanggal_lahir.isoformat(),
         "jenis_kelamin": p.jenis_kelamin, "no_kk": "", "kode_wilayah": p.village_code, "alamat": p.alamat}
        for p in persons
    ]  # fmt: skip
    extract = load(write_extract(tmp_path / "y.csv", agree), day=date(2026, 12, 1)).extract
    reconciliation_compute(extract_id=extract.pk)
    html = c.get(RECON).content.decode()
    assert "no-differences" in html and "Tidak ada perbedaan" in html


def test_a_stale_reconciliation_says_a_newer_extract_is_coming(world, otp_login, tmp_path):
    load(write_extract(tmp_path / "x.csv", civil_extract_rows(world)[:3]), day=date(2026, 12, 2))
    c = client_for(world.actor(Role.REGENCY_VERIFIER), otp_login)
    html = c.get(RECON).content.decode()
    assert "Ekstrak yang lebih baru (Dukcapil Kota Magelang, 02-12-2026) sudah dimuat" in html
    assert len(person_links(c.get(RECON))) == 8  # the old one is still shown


def test_recompute_is_the_data_units(world, otp_login, django_capture_on_commit_callbacks):
    ministry = client_for(world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    assert "Hitung ulang" in ministry.get(RECON).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = ministry.post("/dukcapil/rekonsiliasi/hitung-ulang/")
    assert response.status_code == 302 and len(queued) == 1
    assert Extract.objects.get(current=True).reconciling
    regency = client_for(world.actor(Role.REGENCY_VERIFIER), otp_login)
    assert "Hitung ulang" not in regency.get(RECON).content.decode()
    assert regency.post("/dukcapil/rekonsiliasi/hitung-ulang/").status_code == 403


# --- the XLSX download ---------------------------------------------------------------------------------


def test_the_xlsx_holds_the_scoped_filtered_list_escaped_and_is_audited(world, otp_login):
    from tests.registry import factories

    regency = world.actor(Role.REGENCY_VERIFIER)
    # A person Dukcapil does not know, whose name a spreadsheet would run as a formula.
    formula = '=HYPERLINK("http://x","klik")'
    factories.person(factories.batch(), person_id=990_001, nik="3371010101900099", nama=formula,
                     village_code=ALL_VILLAGES[0], tanggal_lahir=date(1990, 1, 1), jenis_kelamin="L")  # fmt: skip
    reconciliation_compute(extract_id=world.civil["extract"])
    c = client_for(regency, otp_login)
    response = c.get("/dukcapil/rekonsiliasi/unduh.xlsx?alasan=not_found")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="rekonsiliasi-dukcapil-not_found.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    header, *rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert header[:6] == ("ID orang", "Nama", "NIK (disamarkan)", "Kelurahan/desa", "Kode wilayah", "Alasan")
    by_id = {r[0]: r for r in rows}
    children = {world.households[v].members[2].person_id for v in ALL_VILLAGES[:2]}
    assert set(by_id) == children | {990_001}
    assert by_id[990_001][1] == "'" + formula  # escaped, as the configuration exports are
    assert by_id[990_001][2] == "3371**********99"
    assert by_id[990_001][5] == "NIK tidak ada di Dukcapil"
    assert "tidak ditemukan di data Dukcapil" in by_id[990_001][-1]
    about = dict(wb.worksheets[1].iter_rows(values_only=True))
    assert about["Sumber ekstrak"] == "Dukcapil (harness)" and about["Orang berbeda"] == 3
    event = AuditEvent.objects.get(action="civil.reconciliation_download")
    assert (
        event.actor_id == regency.pk and event.detail["rows"] == 3 and event.detail["alasan"] == "not_found"
    )
    assert event.region_code == "3371"


def test_the_xlsx_shows_both_values_with_the_kk_masked(world, otp_login):
    c = client_for(world.actor(Role.REGENCY_VERIFIER), otp_login)
    wb = load_workbook(
        io.BytesIO(c.get(f"/dukcapil/rekonsiliasi/unduh.xlsx?wilayah={ALL_VILLAGES[0]}").content)
    )
    header, *rows = list(wb.worksheets[0].iter_rows(values_only=True))
    h = world.households[ALL_VILLAGES[0]]
    head = next(r for r in rows if r[0] == h.head.person_id)
    columns = dict(zip(header, head, strict=True))
    assert (columns["Nama — data ini"], columns["Nama — Dukcapil"]) == (h.head.nama, "Bambang Ardana")
    assert columns["Nomor KK (disamarkan) — data ini"] == f"{h.no_kk[:4]}**********{h.no_kk[-2:]}"
    assert h.no_kk not in repr(rows) and h.head.nik not in repr(rows)
    assert "kemiripan" in columns["Keterangan"]


def test_the_xlsx_of_another_province_is_empty(world, otp_login):
    c = client_for(world.actor(Role.PROVINCE_OFFICER), otp_login)  # 33
    wb = load_workbook(io.BytesIO(c.get("/dukcapil/rekonsiliasi/unduh.xlsx?wilayah=3404").content))
    ids = {r[0] for r in list(wb.worksheets[0].iter_rows(values_only=True))[1:]}
    assert ids == world.visible_person_ids(world.actor(Role.PROVINCE_OFFICER))  # a foreign filter is ignored


def test_no_xlsx_without_a_reconciliation(bare_world, otp_login):
    c = client_for(bare_world.actor(Role.REGENCY_VERIFIER), otp_login)
    response = c.get("/dukcapil/rekonsiliasi/unduh.xlsx")
    assert response.status_code == 302 and not AuditEvent.objects.filter(
        action="civil.reconciliation_download"
    )


# --- the comparison on the proposal item's page --------------------------------------------------------


def test_the_item_page_shows_the_comparison_of_a_civil_finding(world, otp_login):
    from proposals.models import ProposalItem, ProposalPerson

    village = ALL_VILLAGES[0]
    source = {
        "kind": "extract",
        "ref": world.civil["extract"],
        "label": "Dukcapil Kota Magelang",
        "date": "2026-11-30",
    }
    item = ProposalItem.objects.create(
        kind="addition", channel="self_registration", village_code=village, state="submitted",
        findings=[
            {"rule": "CIVIL_REGISTRY_MISMATCH", "fields": ["nama", "tanggal_lahir"], "person": 0, "message": "Berbeda.",
             "detail": {"source": source, "parts": [
                 {"part": "nama", "ours": "Siti Aminah", "theirs": "SITI AMINAH BINTI X", "score": 80},
                 {"part": "tanggal_lahir", "ours": "1985-08-17", "theirs": "1985-08-18"},
                 {"part": "kode_wilayah", "ours": village, "theirs": ALL_VILLAGES[1],
                  "ours_alamat": "Jl. Melati 1", "theirs_alamat": "Jl. Mawar 2"},
             ]}},
            {"rule": "CIVIL_REGISTRY_MISMATCH", "fields": ["nik"], "person": 1, "message": "Milik orang lain.",
             "detail": {"source": source, "parts": [{"part": "other_person"}]}},
        ],
    )  # fmt: skip
    ProposalPerson.objects.create(item=item, position=0, nama="Siti Aminah", nik="3371015708850002")
    ProposalPerson.objects.create(item=item, position=1, nama="Tono", nik="3371010101900003")
    c = client_for(world.actor(Role.REGENCY_VERIFIER), otp_login)
    html = c.get(f"/usulan/item/{item.pk}/").content.decode()
    assert html.count('class="comparison comparison--parts"') == 1
    assert html.count('class="comparison comparison--other_person"') == 1
    table = html[html.index("comparison--parts") :]
    assert 'comparison__row--differs" data-part="nama"' in table
    assert "SITI AMINAH BINTI X" in table and "kemiripan 80%" in table
    assert "17-08-1985" in table and "18-08-1985" in table
    assert "Rejowinangun Selatan" in table and "Magersari" in table
    assert 'class="comparison__row" data-part="alamat"' in table  # shown, not compared, not highlighted
    assert "Sumber: Dukcapil Kota Magelang, data per 30-11-2026." in html
    assert "— Siti Aminah" in html and "— Tono" in html  # the person each finding is about
    assert "milik orang lain (data orang itu tidak ditampilkan)" in html


# --- a load that waits, and one that is picked up again ------------------------------------------------


def test_a_queued_extract_waits_while_another_load_holds_the_lock(bare_world, otp_login, extract_dir):
    import psycopg
    from django.db import connection as django_connection

    from dtks.civil.loading import LOCK
    from dtks.civil.services import civil_extract_run

    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    page_upload(c, body(GOOD))
    extract = Extract.objects.get()
    params = django_connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])  # another worker's load
        assert civil_extract_run(extract_id=extract.pk) == "busy"
        assert Extract.objects.get(pk=extract.pk).status == "queued"
        other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    assert civil_extract_run(extract_id=extract.pk) == "loaded"
    assert civil_extract_run(extract_id=extract.pk) == "skipped"  # sent twice: nothing more


def test_a_load_left_by_a_dead_worker_is_sent_again_and_starts_over(
    bare_world, otp_login, extract_dir, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    from dtks.civil.models import CivilPerson
    from dtks.civil.services import civil_extract_run, civil_extracts_resume

    c = client_for(bare_world.actor(Role.MINISTRY_DATA_OFFICER), otp_login)
    page_upload(c, body(GOOD))
    extract = Extract.objects.get()
    # A worker died after writing the generation's rows, before making it current.
    Extract.objects.filter(pk=extract.pk).update(
        status="loading", updated_at=timezone.now() - timedelta(hours=1)
    )
    CivilPerson.objects.create(
        extract_id=extract.pk, nik=GOOD_ROW["nik"], nama="SEPARUH", village_code="3371011003"
    )
    ExtractError.objects.create(extract_id=extract.pk, row=9, field="nik", code="format", message="lama")
    sent = []
    monkeypatch.setattr(tasks.extract_load, "delay", sent.append)
    assert civil_extracts_resume() == [extract.pk] and sent == [extract.pk]
    assert civil_extract_run(extract_id=extract.pk) == "loaded"
    extract.refresh_from_db()
    assert (extract.status, extract.current, extract.persons) == ("done", True, 1)
    assert list(CivilPerson.objects.filter(extract=extract).values_list("nama", flat=True)) == [
        "BUDI SANTOSO"
    ]
    assert not ExtractError.objects.filter(extract=extract).exists()
    assert civil_extracts_resume(stale_seconds=0) == []  # nothing left to pick up
