"""The demo extract: every kind of difference planted, deterministic, loaded through the real loader."""

from datetime import date

import pytest

from dtks.civil.demo import civil_demo_seed, demo_extract_content, registry_records
from dtks.civil.matching import Record
from dtks.civil.models import Extract, Reconciliation, Settings
from dtks.civil.registry_check import registry_civil_findings
from tests.registry.factories import batch, family, member, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    b = batch()
    family(b, family_id=1, no_kk="3371011201100003", alamat="Jl. Mawar 1")
    for i in range(120):
        born = date(1950 + i % 50, 1 + i % 12, 1 + i % 28)
        female = i % 2 == 1
        nik = f"337101{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}{i + 1:04d}"
        person(b, person_id=100 + i, nik=nik, nama=f"Warga Nomor {i}", tanggal_lahir=born,
               jenis_kelamin="P" if female else "L")  # fmt: skip
        member(b, family_id=1, person_id=100 + i, hubungan_keluarga="ANAK")


def test_every_kind_is_planted_and_the_file_is_the_same_twice(registry):
    extra = [Record(nik="3371014107900001", nama="Usulan Baru", tanggal_lahir=date(1990, 7, 1), jenis_kelamin="P",
                    village_code="3371011003")]  # fmt: skip
    content, planted = demo_extract_content(registry_records(), extra)
    assert content == demo_extract_content(registry_records(), extra)[0]
    assert all(n > 0 for n in planted.values()), planted


def test_seed_loads_it_sets_the_source_and_the_rerun_changes_nothing(registry):
    first = civil_demo_seed()
    rec = Reconciliation.objects.get()
    assert rec.persons_checked == 120 and rec.persons_differing > 0
    assert any("rekonsiliasi Dukcapil" in c for c in first.created)
    assert Settings.load().source == "extract" and any("ekstrak Dukcapil" in c for c in first.created)
    again = civil_demo_seed()
    assert again.created == [] and Extract.objects.count() == 1
    parts = {p["part"] for f in registry_civil_findings() for p in f["detail"]["parts"]}
    assert {
        "not_found",
        "other_person",
        "nama",
        "tanggal_lahir",
        "jenis_kelamin",
        "no_kk",
        "kode_wilayah",
    } <= parts
