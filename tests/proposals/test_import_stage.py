"""The import's stage (proposals/imports/services.py): the valid rows of a preview wait in an unlogged
table; fixed rows join it at confirm, by their group; a stage lost to a crash is rebuilt from the
stored file; the items are written with the integrity engine's findings, the same the per-item
engine gives them once saved.

A crash of PostgreSQL empties every unlogged table (the manual, "CREATE TABLE … UNLOGGED"). The tests
do that to the stage's rows with a DELETE, which leaves the server up for the other tests.
"""

from datetime import date

import pytest
from django.db import connection

from proposals.imports import fix as import_fix
from proposals.imports import services as importing
from proposals.item.integrity import item_data, item_findings
from proposals.models import ImportJob, ImportRow, ImportStageRow, ProposalItem, ProposalPerson
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item
from tests.proposals.test_import_files import family_rows, individual_row, nik
from tests.proposals.test_import_fix import preview
from tests.registry.factories import batch, family, member, person

pytestmark = pytest.mark.django_db


def run(job, operator, **kw) -> ImportJob:
    importing.import_job_confirm(job_id=job.pk, actor=operator)
    importing.import_job_run(job_id=job.pk, **kw)
    job.refresh_from_db()
    return job


def crash(job) -> None:
    """What a PostgreSQL crash does to the stage: its rows are gone, everything else is there."""
    assert ImportStageRow.objects.filter(job_id=job.pk).delete()[0] > 0


def members(no_kk: str) -> list[tuple[int, str, str]]:
    fam = ProposalItem.objects.get(no_kk=no_kk)
    return [(p.position, p.nama, p.hubungan_keluarga) for p in fam.persons.order_by("position")]


def test_the_stage_is_an_unlogged_table():
    with connection.cursor() as cur:
        cur.execute("SELECT relpersistence FROM pg_class WHERE relname = 'proposals_importstagerow'")
        assert cur.fetchone() == ("u",)


def test_the_preview_stages_the_valid_groups_and_keeps_the_groups_with_an_error(
    import_dir, musyawarah, operator
):
    bad = family_rows(2)
    bad[1]["tanggal_lahir"] = "31/02/1983"
    job = preview(musyawarah, operator, family_rows(1, size=4) + bad + [individual_row(1)])
    staged = list(ImportStageRow.objects.filter(job_id=job.pk).order_by("item_id", "position"))
    # Two items staged, with their ids drawn in key order, members head first; the bad family's
    # three rows (one bad) wait in ImportRow.
    assert len(staged) == 5 and job.stage_rows == 5
    items = sorted({r.item_id for r in staged})
    assert [r.group_key for r in staged if r.position == 0] == [
        "kk:3371011201100001",
        f"nik:{individual_row(1)['nik']}",
    ]
    assert [(r.position, r.members, r.heads) for r in staged if r.item_id == items[0]] == [
        (0, 4, 1),
        (1, 4, 1),
        (2, 4, 1),
        (3, 4, 1),
    ]
    assert sorted(ImportRow.objects.filter(job=job).values_list("row_no", "ok")) == [
        (6, True),
        (7, False),
        (8, True),
    ]
    assert (job.items_total, job.items_new, job.items_blocked) == (3, 2, 1)
    job = run(job, operator)
    assert job.items_done == 2 and job.status == ImportJob.Status.DONE
    # The item ids are the ones the preview drew.
    assert sorted(ProposalItem.objects.values_list("id", flat=True)) == items
    assert not ImportStageRow.objects.exists()
    assert list(ImportRow.objects.filter(job=job).values_list("row_no", flat=True)) == [7]


def test_a_fixed_row_joins_a_staged_family_by_its_kk(import_dir, musyawarah, operator):
    fam = family_rows(1)  # rows 2–4, staged
    stray = individual_row(1, nik="3.37101E+15", nama="Anak Susulan")  # row 5: a child, NIK broken by Excel
    job = preview(musyawarah, operator, fam + [stray])
    assert (job.items_total, job.items_blocked) == (2, 1)
    child = nik(date(2012, 6, 1), "L", 77)
    row = import_fix.import_row_fix(
        job_id=job.pk,
        row_no=5,
        values={
            "nik": child,
            "tanggal_lahir": "2012-06-01",
            "jenis_kelamin": "L",
            "no_kk": fam[0]["no_kk"],
            "hubungan_keluarga": "ANAK",
            "status_perkawinan": "BELUM KAWIN",
        },
        actor=operator,
    )
    assert row.ok and row.group_key == f"kk:{fam[0]['no_kk']}"
    job.refresh_from_db()
    # One family now, not two items: the fixed row belongs to the staged one.
    assert (job.items_total, job.items_new, job.items_blocked) == (1, 1, 0)
    job = run(job, operator)
    assert job.items_done == 1
    assert members(fam[0]["no_kk"]) == [
        (0, "Budi Keluarga1", "KEPALA KELUARGA"),
        (1, "Siti Keluarga1", "ISTRI"),
        (2, "Anak Keluarga1", "ANAK"),
        (3, "Anak Susulan", "ANAK"),
    ]


def test_a_row_still_bad_in_a_staged_family_holds_the_family_back(import_dir, musyawarah, operator):
    fam = family_rows(1)
    job = preview(musyawarah, operator, fam + family_rows(2) + [individual_row(1, nik="3.37101E+15")])
    # The fix moves the row into family 1 but its date is still impossible.
    row = import_fix.import_row_fix(
        job_id=job.pk,
        row_no=8,
        values={"nik": individual_row(1)["nik"], "no_kk": fam[0]["no_kk"], "tanggal_lahir": "31/02/1950"},
        actor=operator,
    )
    assert not row.ok
    job.refresh_from_db()
    assert (job.items_total, job.items_new, job.items_blocked) == (2, 1, 1)
    job = run(job, operator)
    assert list(ProposalItem.objects.values_list("no_kk", flat=True)) == [family_rows(2)[0]["no_kk"]]


def test_a_stage_lost_before_the_confirm_is_rebuilt_from_the_file(import_dir, musyawarah, operator):
    rows = family_rows(1) + family_rows(2, size=4) + [individual_row(1), individual_row(2, nik="12")]
    job = preview(musyawarah, operator, rows)
    fixed = import_fix.import_row_fix(
        job_id=job.pk, row_no=10, values={"nik": individual_row(2)["nik"]}, actor=operator
    )
    assert fixed.ok
    crash(job)
    job = run(job, operator)
    assert job.status == ImportJob.Status.DONE and job.items_done == 4
    assert ProposalItem.objects.count() == 4 and ProposalPerson.objects.count() == len(rows)
    # The fixed row was taken from ImportRow, as fixed, not from the file.
    assert ProposalPerson.objects.filter(nik=individual_row(2)["nik"]).count() == 1


def test_a_stage_lost_during_the_run_is_rebuilt_and_nothing_is_written_twice(
    import_dir, musyawarah, operator
):
    rows = [r for k in range(1, 6) for r in family_rows(k)]
    job = preview(musyawarah, operator, rows)
    importing.import_job_confirm(job_id=job.pk, actor=operator)
    assert importing.import_job_run(job_id=job.pk, chunk=2, max_chunks=1).items_written == 2
    crash(job)
    importing.import_job_run(job_id=job.pk, chunk=2)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.items_done == 5
    keys = list(ProposalItem.objects.values_list("natural_key", flat=True))
    assert len(keys) == len(set(keys)) == 5
    assert ProposalPerson.objects.count() == 15 and not ImportStageRow.objects.exists()


def test_imported_items_carry_the_findings_the_per_item_engine_gives_them(import_dir, musyawarah, operator):
    """The chunk is checked before it is written, from the stage; once saved, each item checked on
    its own (item_findings) has exactly the findings the import stored."""
    b = batch()
    in_registry = nik(date(1961, 4, 5), "L", 901)
    person(b, person_id=1, nik=in_registry, village_code=VILLAGE_A)
    in_registry_family = nik(date(1962, 5, 6), "P", 902)
    person(b, person_id=2, nik=in_registry_family, village_code=VILLAGE_B)
    family(b, family_id=20, no_kk="3371011201109999", village_code=VILLAGE_B)
    member(b, family_id=20, person_id=2, hubungan_keluarga="ISTRI")
    elsewhere = item(village=VILLAGE_B, no_kk="")
    proposed = nik(date(1963, 6, 7), "L", 903)
    ProposalPerson.objects.create(item=elsewhere, position=0, nik=proposed, nama="Di desa lain")

    incomplete = family_rows(1)
    incomplete[0].update(tempat_lahir="", status_perkawinan="")
    incomplete[0]["atap"] = ""
    no_head = family_rows(2)
    no_head[0]["hubungan_keluarga"] = "SUAMI"
    dup_family = family_rows(3)
    dup_family[1].update(nik=in_registry_family, tanggal_lahir="1962-05-06", jenis_kelamin="P")
    rows = (
        incomplete
        + no_head
        + dup_family
        + [
            individual_row(1, tanggal_lahir="1950-03-09"),  # the NIK says 02-03-50: NIK_MISMATCH
            individual_row(2, nik=""),  # NIK_PENDING
            individual_row(3, nik=in_registry, tanggal_lahir="1961-04-05", jenis_kelamin="L"),
            individual_row(4, nik=proposed, tanggal_lahir="1963-06-07", jenis_kelamin="L", alamat=""),
        ]
    )
    job = run(preview(musyawarah, operator, rows), operator, chunk=2)
    assert job.items_done == 7
    rules = set()
    for obj in ProposalItem.objects.filter(musyawarah=musyawarah).prefetch_related("persons"):
        assert obj.findings == item_findings(item_data(obj), actor=operator), obj.natural_key
        rules |= {f["rule"] for f in obj.findings}
    assert rules == {
        "INCOMPLETE",
        "FAMILY_NOT_A_SET",
        "NIK_MISMATCH",
        "NIK_PENDING",
        "DUPLICATE_NIK",
        "MEMBER_OVERLAP",
    }


def test_a_preview_left_for_two_weeks_is_cancelled_by_the_system(
    import_dir, musyawarah, operator, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from dtks.audit.models import AuditEvent

    old = preview(musyawarah, operator, family_rows(1) + [individual_row(1, nik="12")])
    fresh = preview(musyawarah, operator, family_rows(2))
    ImportJob.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=15))
    with django_capture_on_commit_callbacks(execute=True):
        assert importing.import_jobs_expire() == [old.pk]
    old.refresh_from_db()
    assert old.status == ImportJob.Status.CANCELLED and "14 hari" in old.error_message
    assert not ImportStageRow.objects.filter(job_id=old.pk).exists()
    assert not ImportRow.objects.filter(job=old).exists()
    assert not (import_dir / old.stored_name).exists() and (import_dir / fresh.stored_name).exists()
    assert AuditEvent.objects.filter(action="proposal_import.expire", object_id=str(old.pk)).count() == 1
    assert ImportStageRow.objects.filter(job_id=fresh.pk).count() == 3
    assert importing.import_jobs_expire() == []
