"""The civil-registry benchmarks' own paths at a tiny size (no timing asserted): the extract writer and
its COPY floor (bench_civil_load), the Dukcapil extract derived from a generated registry and the
hand-written SQL floor of the set-based check (bench_civil_check), and the corpus report
(bench_civil_corpus)."""

import pytest
from django.db import connection

from benchmarks import bench_civil_corpus
from benchmarks.bench_civil_check import FLOOR_SQL, set_villages, write_dukcapil
from benchmarks.bench_civil_load import (
    EXTRACT_COLUMNS,
    FLOOR_COLUMNS,
    floor_copy,
    floor_table_create,
    write_extract,
)
from benchmarks.bench_load_registry import run_loader
from benchmarks.generate_extract import generate
from dtks.civil import loading
from dtks.civil.checking import RULES, probe_candidates
from dtks.civil.loading import civil_extract_load
from dtks.civil.models import CivilPerson, ExtractError
from dtks.civil.registry_check import registry_civil_findings, registry_probe
from dtks.civil.sources import ExtractSource
from dtks.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages():
    codes = list(Region.objects.filter(level=4).values_list("code", flat=True))
    set_villages(codes)
    return codes


def _load(path):
    from datetime import date

    return civil_extract_load(
        path=path, source="Dukcapil (smoke)", extract_date=date(2026, 11, 30), actor="test"
    )


def test_the_written_extract_loads_with_exactly_the_planted_refusals_and_the_floor_holds_the_same(
    tmp_path, villages
):
    assert EXTRACT_COLUMNS == loading.EXTRACT_COLUMNS
    ex = write_extract(rows=2000, out_dir=tmp_path, villages=villages, error_every=200)
    assert len(ex.refused) == 10 and len(set(ex.refused.values())) == 5
    result = _load(tmp_path / "extract.csv")
    e = result.extract
    assert (e.rows_read, e.rows_refused, e.persons) == (ex.rows, len(ex.refused), ex.persons)
    refused = {
        str(r): f"{f}:{c}"
        for r, f, c in ExtractError.objects.filter(extract=e).values_list("row", "field", "code")
    }
    assert refused == ex.refused
    with connection.cursor() as cur:
        name = floor_table_create(cur, "bench_floor_civil_smoke", temp=True)
        assert floor_copy(cur, ex, name) == ex.persons
        cols = ", ".join(FLOOR_COLUMNS)
        ours = f"SELECT {cols} FROM civil_civilperson WHERE extract_id = {e.pk}"
        floor = f"SELECT {cols} FROM {name}"
        cur.execute(f"SELECT count(*) FROM (({ours}) EXCEPT ALL ({floor})) a")
        assert cur.fetchone()[0] == 0
        cur.execute(f"SELECT count(*) FROM (({floor}) EXCEPT ALL ({ours})) a")
        assert cur.fetchone()[0] == 0
    assert CivilPerson.objects.filter(extract=e).count() == ex.persons


def test_the_check_floor_is_the_same_comparisons_and_every_planted_difference_is_found(tmp_path, villages):
    registry = generate(persons=3000, out_dir=tmp_path, villages=villages, error_every=500)
    run_loader(registry, period="2026-10")
    dk = write_dukcapil(registry, tmp_path)
    assert all(n > 0 for n in dk.planted.values()), dk.planted
    _load(tmp_path / "dukcapil.csv")
    relation = ExtractSource().relation()
    with connection.cursor() as cur:
        registry_probe(cur)
        candidates = {key[0] for key, *_values in probe_candidates(cur, "civil_probe", relation)}
        cur.execute(FLOOR_SQL, {"extract": relation.params["civil_extract"]})
        floor = {r[0] for r in cur.fetchall()}
    # One hand-written join and the engine's SQL step keep exactly the same rows.
    assert candidates == floor
    found = list(registry_civil_findings(rules=RULES, source="extract"))
    assert {f["person_id"] for f in found} <= floor
    parts: dict[str, int] = {}
    for f in found:
        for p in f["detail"]["parts"]:
            parts[p["part"]] = parts.get(p["part"], 0) + 1
    assert parts.get("not_found", 0) == dk.planted["missing"]
    assert parts.get("other_person", 0) >= dk.planted["other_person"] * 0.9
    for kind, part in (
        ("swapped", "tanggal_lahir"),
        ("kk", "no_kk"),
        ("village", "kode_wilayah"),
        ("name", "nama"),
    ):
        assert parts.get(part, 0) >= dk.planted[kind], (kind, parts)


def test_the_corpus_report_runs(capsys):
    assert bench_civil_corpus.main(["--repeat", "1", "--thresholds", "85,88"]) == 0
    out = capsys.readouterr().out
    assert "threshold sweep" in out and "name decision" in out
