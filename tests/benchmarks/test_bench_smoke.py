"""The load benchmark's own path at a tiny size: generator -> baseline load, and the COPY floor.

No timing is asserted: this proves the generated extract loads with exactly the planted refusals
and findings, and that the floor files hold what the loader stores (same durable work).
"""

import pytest
from django.db import connection

from benchmarks.bench_load_registry import floor_copy, floor_tables_create, run_loader
from benchmarks.generate_extract import generate
from dtks.regions.models import Region
from dtks.registry.models import Finding, LoadError

pytestmark = pytest.mark.django_db

PERSONS = 2000


@pytest.fixture
def extract(tmp_path):
    villages = list(Region.objects.filter(level=4).values_list("code", flat=True))
    return generate(persons=PERSONS, out_dir=tmp_path, villages=villages, error_every=200)


def test_generated_extract_loads_with_only_the_planted_refusals(extract):
    assert extract.rows == PERSONS
    assert 0.25 < extract.families / PERSONS < 0.35
    assert len(extract.refused) == PERSONS // 200
    assert len(set(extract.refused.values())) >= 5  # the error kinds rotate

    out = run_loader(extract, period="2026-10")

    assert (out["rows_read"], out["rows_refused"], out["persons"], out["families"]) == (
        extract.rows,
        len(extract.refused),
        extract.persons,
        extract.families,
    )
    errors = {
        str(row): f"{field}:{code}"
        for row, field, code in LoadError.objects.filter(batch_id=out["batch_id"]).values_list(
            "row", "field", "code"
        )
    }
    assert errors == extract.refused
    assert LoadError.objects.filter(batch_id=out["batch_id"]).count() == len(extract.refused)
    for rule, n in extract.findings.items():
        assert out["findings"].get(rule, 0) == n, rule
        assert Finding.objects.filter(batch_id=out["batch_id"], rule=rule).count() == n, rule
    assert extract.findings["NIK_PENDING"] > 0


PERSON_CONTENT = (
    "nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, status_perkawinan, village_code, rt, rw,"
    " alamat, kategori, kriteria, disabilitas, program, valid_from, published"
)
FAMILY_CONTENT = (
    "no_kk, village_code, rt, rw, alamat, status_kepemilikan, atap, dinding, lantai, sumber_air_minum,"
    " penerangan, fasilitas_bab, valid_from, published"
)
MEMBER_CONTENT = """SELECT f.no_kk, p.nik, p.nama, m.hubungan_keluarga
                    FROM {m} m JOIN {f} f USING (family_id) JOIN {p} p USING (person_id)"""


def _differ(cur, left: str, right: str) -> int:
    cur.execute(f"SELECT count(*) FROM (({left}) EXCEPT ALL ({right})) a")
    n = cur.fetchone()[0]
    cur.execute(f"SELECT count(*) FROM (({right}) EXCEPT ALL ({left})) b")
    return n + cur.fetchone()[0]


def test_floor_files_hold_what_the_loader_stores(extract):
    run_loader(extract, period="2026-10")
    with connection.cursor() as cur:
        person, family, member = floor_tables_create(cur, temp=True)
        counts = floor_copy(cur, extract, [person, family, member])
        assert list(counts.values()) == [extract.persons, extract.families, extract.memberships]
        reg = {
            "p": "registry_personversion",
            "f": "registry_familyversion",
            "m": "registry_membershipversion",
        }
        flo = {"p": person, "f": family, "m": member}
        assert (
            _differ(cur, f"SELECT {PERSON_CONTENT} FROM {reg['p']}", f"SELECT {PERSON_CONTENT} FROM {person}")
            == 0
        )
        assert (
            _differ(cur, f"SELECT {FAMILY_CONTENT} FROM {reg['f']}", f"SELECT {FAMILY_CONTENT} FROM {family}")
            == 0
        )
        assert _differ(cur, MEMBER_CONTENT.format(**reg), MEMBER_CONTENT.format(**flo)) == 0
