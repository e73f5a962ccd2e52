"""The import benchmark's phase map (benchmarks/bench_import.py, PHASES) against the import's own
statements: every statement of a preview, a confirm and a run that touches the import's tables falls
in a named phase, so the decomposition the benchmark prints cannot drift into "other" when a
statement or a table is renamed."""

import re

import pytest
from django.db import connection

from benchmarks.bench_import import PHASES, phase_of
from tests.proposals.test_import_files import family_rows, individual_row
from tests.proposals.test_import_fix import preview
from tests.proposals.test_import_stage import run

pytestmark = pytest.mark.django_db


def test_every_statement_of_an_import_falls_in_its_phase(import_dir, musyawarah, operator):
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(str(sql))
        return execute(sql, params, many, context)

    bad = family_rows(2)
    bad[1]["tanggal_lahir"] = "31/02/1983"  # a group held back: the ImportRow statements run too
    with connection.execute_wrapper(record):
        job = preview(musyawarah, operator, family_rows(1, size=4) + bad + [individual_row(1)])
        job = run(job, operator)
    assert job.items_done == 2
    by_phase: dict[str, list[str]] = {}
    for sql in seen:
        by_phase.setdefault(phase_of(sql), []).append(sql)
    assert {name for name, _ in PHASES} <= set(by_phase)
    strays = [s for s in by_phase.get("other", []) if re.search(r"\b(load_|imp_|ig_)|importstagerow", s)]
    assert strays == [], "\n".join(" ".join(s.split())[:120] for s in strays)
    assert any("INSERT INTO proposals_importstagerow" in s for s in by_phase["stage the valid rows"])
    writes = by_phase["write items, persons, history, audit"]
    assert any("INTO proposals_proposalitem" in s for s in writes)
    assert any("INTO proposals_proposalperson" in s for s in writes)
    assert any("INTO proposals_proposalitemhistory" in s and "INTO audit_auditevent" in s for s in writes)
