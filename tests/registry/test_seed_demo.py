"""`manage.py seed_demo`: the demo registry, loaded through the real baseline path."""

import csv
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from dtks.regions.models import Level, Region
from dtks.registry.codelists import SEED
from dtks.registry.demo import (
    ACTOR,
    CITY_CODE,
    DEMO_PERIOD,
    FILE_NAME,
    HOUSE,
    HOUSE_WEIGHTS,
    REGENCY_CODE,
    demo_build,
)
from dtks.registry.identity import check_kk, check_nik, nik_mismatch
from dtks.registry.loading import registry_baseline_load
from dtks.registry.models import Batch, FamilyVersion, Finding, LoadError, MembershipVersion, PersonVersion
from dtks.registry.reading import TEMPLATE_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Batch, PersonVersion, FamilyVersion, MembershipVersion, Finding, LoadError)
    }


def test_house_weights_are_codes_of_the_code_lists():
    for column, tables in HOUSE_WEIGHTS.items():
        codes = {code for code, _label in SEED[column]}
        for table in tables:
            assert set(table) <= codes, column


def test_seed_loads_the_demo_as_the_baseline(var_dir):
    out = seed_demo()

    path = var_dir / "demo" / FILE_NAME
    with path.open(newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == list(TEMPLATE_COLUMNS)
    batch = Batch.objects.get(kind=Batch.Kind.BASELINE)
    assert (batch.period, batch.actor, batch.source_name) == (DEMO_PERIOD, ACTOR, FILE_NAME)
    assert batch.published_at is not None
    families = FamilyVersion.objects.current()
    assert families.count() >= 500
    assert batch.families == families.count()
    demo = demo_build()
    assert (batch.persons, batch.families, batch.rows_read) == (demo.persons, demo.families, demo.persons + 3)

    kelurahan = set(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=CITY_CODE).values_list("code", flat=True)
    )
    assert len(kelurahan) == 17
    used = set(families.values_list("village_code", flat=True))
    assert kelurahan <= used
    other = used - kelurahan
    assert other and all(code.startswith(REGENCY_CODE) for code in other)
    assert set(Region.objects.filter(code__in=other).values_list("kind", flat=True)) == {"desa"}
    assert Region.objects.get(code=REGENCY_CODE[:2]).code != CITY_CODE[:2]  # another province
    assert f"{families.count():,}".replace(",", ".") + " keluarga" in out
    assert "Temuan integritas: DUPLICATE_NIK: 2" in out


def test_families_have_a_realistic_structure(var_dir):
    seed_demo()
    persons = {p.person_id: p for p in PersonVersion.objects.current()}
    members = list(MembershipVersion.objects.current())
    relations = Counter(m.hubungan_keluarga for m in members)
    for rel in ("KEPALA KELUARGA", "ISTRI", "ANAK", "CUCU", "MENANTU"):
        assert relations[rel] >= 10, rel
    assert relations["ORANG TUA"] + relations["MERTUA"] >= 10
    assert relations["SUAMI"] >= 1

    heads = [persons[m.person_id] for m in members if m.hubungan_keluarga == "KEPALA KELUARGA"]
    female_heads = [h for h in heads if h.jenis_kelamin == "P"]
    assert 0.1 < len(female_heads) / len(heads) < 0.35
    assert Counter(h.status_perkawinan for h in female_heads)["CERAI MATI"] >= 20
    for m in members:
        p = persons[m.person_id]
        if m.hubungan_keluarga == "ISTRI" and p.status_perkawinan:
            assert p.jenis_kelamin == "P" and p.status_perkawinan == "KAWIN"
        if m.hubungan_keluarga == "ANAK" and p.tanggal_lahir.year >= 2010:
            assert p.status_perkawinan == "BELUM KAWIN"

    outside = set(persons) - {m.person_id for m in members}
    assert 15 <= len(outside) <= 25
    assert any(persons[i].nik is None for i in outside)

    people = list(persons.values())
    assert sum("KEMISKINAN" in p.kriteria for p in people) > len(people) / 2
    for prog in ("PKH", "BPNT", "PBI_JK", "PIP"):
        assert any(prog in p.program for p in people), prog
    assert sum(bool(p.disabilitas) for p in people) >= 20
    assert {p.kategori for p in people} >= {"PPKS", "PENERIMA_BANTUAN"}
    for column in HOUSE:
        values = set(FamilyVersion.objects.current().values_list(column, flat=True)) - {""}
        assert len(values) >= 2 and values <= {code for code, _ in SEED[column]}, column


def test_every_nik_and_kk_is_valid_and_consistent(var_dir):
    seed_demo()
    planted = demo_build().planted
    districts = set(Region.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
    niks = Counter()
    for p in PersonVersion.objects.current().exclude(nik=None):
        check = check_nik(p.nik)
        assert check.valid and not check.warnings, p.nik
        assert p.nik[:6] == p.village_code[:6] and p.nik[:6] in districts
        expected = ["tanggal_lahir"] if p.nik == planted.nik_mismatch else []
        assert nik_mismatch(check, birth_date=p.tanggal_lahir, sex=p.jenis_kelamin) == expected, p.nik
        niks[p.nik] += 1
    assert [n for n, k in niks.items() if k > 1] == [planted.duplicate_nik]
    kks = list(FamilyVersion.objects.current().values_list("no_kk", "village_code"))
    assert len({kk for kk, _ in kks}) == len(kks)
    for kk, village in kks:
        check = check_kk(kk)
        assert check.valid and not check.warnings and kk[:6] == village[:6], kk


def test_findings_are_exactly_the_planted_defects(var_dir):
    seed_demo()
    planted = demo_build().planted
    batch = Batch.objects.get(kind=Batch.Kind.BASELINE)
    assert Counter(Finding.objects.filter(batch=batch).values_list("rule", flat=True)) == {
        "DUPLICATE_NIK": 2,
        "NIK_MISMATCH": 1,
        "INCOMPLETE": 3,
        "FAMILY_NOT_A_SET": 1,
        "NIK_PENDING": 2,
    }
    nik_of = dict(PersonVersion.objects.current().values_list("person_id", "nik"))
    family_of = dict(MembershipVersion.objects.current().values_list("person_id", "family_id"))
    kk_of = dict(FamilyVersion.objects.current().values_list("family_id", "no_kk"))

    duplicates = Finding.objects.filter(rule="DUPLICATE_NIK")
    assert {nik_of[f.person_id] for f in duplicates} == {planted.duplicate_nik}
    assert len({family_of[f.person_id] for f in duplicates}) == 2  # members of two different families

    (mismatch,) = Finding.objects.filter(rule="NIK_MISMATCH")
    assert (nik_of[mismatch.person_id], mismatch.fields) == (planted.nik_mismatch, ["tanggal_lahir"])

    incomplete = Finding.objects.filter(rule="INCOMPLETE")
    assert {nik_of[f.person_id]: f.fields for f in incomplete if f.person_id} == {
        nik: [column] for nik, column in planted.incomplete_persons.items()
    }
    (family,) = [f for f in incomplete if f.family_id]
    assert (kk_of[family.family_id], family.fields) == (planted.incomplete_family, list(HOUSE))

    (not_a_set,) = Finding.objects.filter(rule="FAMILY_NOT_A_SET")
    assert kk_of[not_a_set.family_id] == planted.headless_family
    assert not_a_set.detail == {"reason": "no_head", "heads": 0}

    pending = Finding.objects.filter(rule="NIK_PENDING")
    assert len(pending) == planted.nik_pending == 2
    assert not any(f.person_id in family_of for f in pending)  # only individuals outside a family


def test_refused_rows_are_exactly_the_deliberate_ones(var_dir):
    out = seed_demo()
    planted = demo_build().planted
    batch = Batch.objects.get(kind=Batch.Kind.BASELINE)
    refused = sorted(LoadError.objects.filter(batch=batch).values_list("row", "field", "code"))
    assert refused == sorted(planted.refused)
    assert {(f, c) for _row, f, c in refused} == {
        ("nik", "excel"),
        ("tanggal_lahir", "date"),
        ("hubungan_keluarga", "unknown"),
    }
    assert batch.rows_refused == 3
    assert batch.rows_read == batch.persons + 3
    assert "format kolom NIK sebagai Teks" in out and "31/02/" in out and "KEPONAKAN" in out


def test_a_second_run_changes_nothing(var_dir):
    seed_demo()
    path = var_dir / "demo" / FILE_NAME
    first, before = path.read_bytes(), counts()

    out = seed_demo()

    assert "sudah dimuat" in out
    assert counts() == before
    assert path.read_bytes() == first == demo_build().content


def test_another_baseline_is_left_alone(var_dir, tmp_path):
    other = tmp_path / "other.csv"
    row = {c: "" for c in TEMPLATE_COLUMNS} | {
        "no_kk": "3371011104110113",
        "nik": "3371011207720355",
        "nama": "PRABOWO",
        "tempat_lahir": "MAGELANG",
        "tanggal_lahir": "1972-07-12",
        "jenis_kelamin": "L",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
        "kode_wilayah": "3371011003",
        "rt": "1",
        "rw": "2",
        "alamat": "Jl. Tidar No. 1",
    }
    with other.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    registry_baseline_load(path=other, period=date(2026, 1, 1), actor="test")
    before = counts()

    out = seed_demo()

    assert "muat awal lain" in out and "other.csv" in out
    assert counts() == before
    assert not (var_dir / "demo" / FILE_NAME).exists()
