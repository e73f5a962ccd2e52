#!/usr/bin/env bash
# CI: the benchmarks at smoke size (docs/design.md §8: benchmarks run in CI at smoke size
# only). Uses the PostgreSQL server of DATABASE_URL; creates and drops its own scratch databases
# (dtks_bench, dtks_bench_civil, dtks_bench_check, dtks_bench_verval, dtks_bench_bulk, dtks_bench_plist,
# dtks_bench_recheck and their _tpl templates, dtks_bench_bulk_filled, dtks_bench_recheck_filled). Prints the figures; exits 0 unless a step fails or the loaded counts (or the
# verval floors' rows, the re-run's findings against its floor's) differ (add --strict to fail on goals).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python
"$PYTHON" -m benchmarks.bench_load_registry \
    --persons "${BENCH_PERSONS:-20000}" --scale "${BENCH_SCALE:-5}" \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}" \
    --workdir "${BENCH_WORKDIR:-var/bench}" "$@"
"$PYTHON" -m benchmarks.bench_import --rows "${BENCH_IMPORT_ROWS:-5000}" --memory-rows "${BENCH_IMPORT_MEMORY_ROWS:-20000}" --iie-rows 300 --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}"
# The civil registry (docs/civil_registry.md): the matcher on its corpus, the extract load against COPY,
# the set-based check against one SQL join.
"$PYTHON" -m benchmarks.bench_civil_corpus --repeat 3
"$PYTHON" -m benchmarks.bench_civil_load --rows "${BENCH_CIVIL_ROWS:-20000}" --small "${BENCH_CIVIL_SMALL:-5000}" --repeat 1 \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}" --workdir "${BENCH_WORKDIR:-var/bench}"
"$PYTHON" -m benchmarks.bench_civil_check --persons "${BENCH_CIVIL_PERSONS:-20000}" --small "${BENCH_CIVIL_SMALL:-5000}" --repeat 1 \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}" --workdir "${BENCH_WORKDIR:-var/bench}"
# The verval stage (issue 14): the queue's page and counts against bare SQL (and, in the same run, the
# ministry's assessment queue of issue 16), a bulk decision against one UPDATE … RETURNING.
"$PYTHON" -m benchmarks.bench_verval_queue --items "${BENCH_VERVAL_ITEMS:-20000}" --regency-items "${BENCH_VERVAL_REGENCY:-5000}" \
    --repeat 3 --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}"
"$PYTHON" -m benchmarks.bench_verval_bulk --items "${BENCH_VERVAL_BULK:-500}" --repeat 3 \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}"
# The registry's person list (issue 14): the first and a deep page of a regency against bare SQL on the list's
# index, and the page's whole GET.
"$PYTHON" -m benchmarks.bench_person_list --persons "${BENCH_PLIST_PERSONS:-20000}" \
    --regency-persons "${BENCH_PLIST_REGENCY:-10000}" --page "${BENCH_PLIST_PAGE:-100}" --repeat 3 \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}"
# The assessment's integrity re-run (issue 16): proposal_items_recheck on the forwarded items against one hand-written
# SQL statement writing the same findings; the civil-registry step apart.
"$PYTHON" -m benchmarks.bench_assessment_recheck --items "${BENCH_RECHECK_ITEMS:-5000}" \
    --persons "${BENCH_RECHECK_PERSONS:-20000}" --repeat 3 \
    --database-url "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dtks}" --workdir "${BENCH_WORKDIR:-var/bench}"
