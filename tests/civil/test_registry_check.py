"""The civil-registry rule over the current registry (the set-based form the command and the
reconciliation run)."""

from datetime import date

import pytest

from dtks.civil.registry_check import registry_civil_findings
from tests.registry.factories import batch, family, member, person

from .factories import OTHER_VILLAGE, VILLAGE, extract_row, load, use_source, write_extract

pytestmark = pytest.mark.django_db


def test_registry_persons_are_compared_with_the_extract(tmp_path):
    b = batch()
    person(
        b,
        person_id=1,
        nik="3371011505800001",
        nama="Budi Santoso",
        tanggal_lahir=date(1980, 5, 15),
        jenis_kelamin="L",
    )
    person(
        b,
        person_id=2,
        nik="3371015708850002",
        nama="Siti",
        tanggal_lahir=date(1985, 8, 17),
        jenis_kelamin="P",
    )
    person(b, person_id=3, nik="3371010101900003", nama="Tak Terdaftar", village_code=OTHER_VILLAGE)
    person(b, person_id=4, nik=None, nama="Tanpa NIK")
    family(b, family_id=10, no_kk="3371011201100003")
    member(b, family_id=10, person_id=1, hubungan_keluarga="KEPALA KELUARGA")
    member(b, family_id=10, person_id=2, hubungan_keluarga="ISTRI")
    load(
        write_extract(
            tmp_path / "x.csv",
            [
                extract_row(),
                extract_row(nik="3371015708850002", nama="SITI", tanggal_lahir="1985-08-17", jenis_kelamin="P",
                            no_kk="3371011201100099"),
            ],
        )
    )  # fmt: skip
    use_source("extract")
    found = list(registry_civil_findings())
    assert [(f["person_id"], [p["part"] for p in f["detail"]["parts"]]) for f in found] == [
        (2, ["no_kk"]),
        (3, ["not_found"]),
    ]
    assert [f["person_id"] for f in registry_civil_findings(region=OTHER_VILLAGE)] == [3]
    assert found[0]["village_code"] == VILLAGE and found[0]["nik"] == "3371015708850002"
