"""The reconciliation: which current registry persons disagree with the current Dukcapil extract, and
why (docs/civil_registry.md, "Reconciliation"). Regencies fix their data from it before the next
determination; the ministry reads it nationally.

    reconciliation_request(*, extract_id=None, actor) -> Extract | None     # queue a computation
    reconciliation_compute(*, extract_id, actor) -> Reconciliation | None    # the task's body

It is materialised: computing runs the set-based civil-registry check over the whole registry once
(`registry_civil_findings(source="extract", rules={"CIVIL_REGISTRY_MISMATCH"})`: the extract is compared
whatever source the rules use), copies the findings into a temporary table with one `COPY`, and from
there writes, in one transaction, the new `Reconciliation`, its rows in (village, person) order and
the counts per village — removing the previous reconciliation in the same transaction, so readers see
the old one or the new one, never a mix. Pages then read indexed tables, scoped by village code.

A reconciliation belongs to one extract generation. If a newer extract became current while it was
being computed, its result is dropped: the newer extract's own computation follows.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from dtks.accounts.models import Role
from dtks.audit.services import audit_record

from .checking import MISMATCH
from .matching import PARTS
from .models import Extract, Reconciliation
from .registry_check import registry_civil_findings

logger = logging.getLogger(__name__)

LOCK = "dtks.civil.reconciliation"
REASONS = PARTS  # not_found, other_person, nama, tanggal_lahir, jenis_kelamin, no_kk, kode_wilayah

_VILLAGE_COUNTS = ", ".join(f"count(*) FILTER (WHERE '{r}' = ANY(parts)) AS {r}" for r in REASONS)
_VILLAGES_SQL = f"""
INSERT INTO civil_reconciliationvillage
    (reconciliation_id, village_code, persons_checked, persons_differing, {", ".join(REASONS)})
SELECT %(rec)s, coalesce(c.village_code, d.village_code), coalesce(c.n, 0), coalesce(d.n, 0),
       {", ".join(f"coalesce(d.{r}, 0)" for r in REASONS)}
FROM (SELECT village_code, count(*) AS n FROM registry_personversion
      WHERE published AND valid_to IS NULL AND nik IS NOT NULL GROUP BY village_code) c
FULL JOIN (SELECT village_code, count(*) AS n, {_VILLAGE_COUNTS}
           FROM civil_recon GROUP BY village_code) d ON d.village_code = c.village_code
"""
_ROWS_SQL = """
INSERT INTO civil_reconciliationrow (reconciliation_id, person_id, village_code, nik, nama, parts, detail)
SELECT %(rec)s, r.person_id, r.village_code, r.nik, coalesce(p.nama, ''), r.parts, r.detail
FROM civil_recon r
LEFT JOIN registry_personversion p ON p.person_id = r.person_id AND p.published AND p.valid_to IS NULL
ORDER BY r.village_code, r.person_id
"""


def reconciliation_request(*, extract_id: int | None = None, actor, ip: str | None = None) -> Extract | None:
    """Queue the computation against `extract_id` (default: the current extract) and mark it running
    on the extract's row, for the pages. None when no extract is current. `actor` is a system actor's
    name (after a load) or the ministry data officer who pressed "Hitung ulang"."""
    if not isinstance(actor, str) and getattr(actor, "role", None) != Role.MINISTRY_DATA_OFFICER:
        raise PermissionDenied("Hanya petugas Pusdatin yang dapat menghitung ulang rekonsiliasi.")
    qs = Extract.objects.filter(current=True)
    if extract_id is not None:
        qs = qs.filter(pk=extract_id)
    with transaction.atomic():
        extract = qs.select_for_update(no_key=True).first()
        if extract is None:
            return None
        Extract.objects.filter(pk=extract.pk).update(reconciling=True)
        extract.reconciling = True
        if not isinstance(actor, str):  # a person pressed "Hitung ulang"
            audit_record(
                actor=actor,
                action="civil.reconciliation_requested",
                object_type="civil.extract",
                object_id=extract.pk,
                ip=ip,
            )
        from .tasks import reconciliation_compute as task

        task.delay_on_commit(extract.pk)
    return extract


def reconciliation_compute(*, extract_id: int, actor: str = "sistem:dukcapil") -> Reconciliation | None:
    """Compare the registry with extract `extract_id` and replace the reconciliation (see the module
    docstring). None when the extract is not current (any more), or another computation runs."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK])
        if not cur.fetchone()[0]:
            return None  # the running one reads the same registry and extract, or a newer one
        try:
            return _compute(cur, extract_id, actor)
        finally:
            Extract.objects.filter(pk=extract_id).update(reconciling=False)
            cur.execute("DROP TABLE IF EXISTS pg_temp.civil_recon")
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])


def _compute(cur, extract_id: int, actor: str) -> Reconciliation | None:
    if not Extract.objects.filter(pk=extract_id, current=True).exists():
        return None
    findings = list(registry_civil_findings(source="extract", rules={MISMATCH}))
    if any(f["detail"]["source"].get("ref") != extract_id for f in findings):
        return None  # a newer extract became current meanwhile
    with transaction.atomic():
        # The extract row locked: it cannot stop being current until this commits.
        if not Extract.objects.select_for_update(no_key=True).filter(pk=extract_id, current=True).exists():
            return None
        cur.execute("DROP TABLE IF EXISTS pg_temp.civil_recon")
        cur.execute(
            "CREATE TEMP TABLE civil_recon (person_id bigint, village_code text, nik text, parts text[],"
            " detail jsonb)"
        )
        with cur.copy("COPY civil_recon (person_id, village_code, nik, parts, detail) FROM STDIN") as cp:
            cp.set_types(["int8", "text", "text", "text[]", "jsonb"])
            for f in findings:
                parts = f["detail"]["parts"]
                cp.write_row(
                    (f["person_id"], f["village_code"], f["nik"], [p["part"] for p in parts],
                     Jsonb({"parts": parts}))
                )  # fmt: skip
        cur.execute("ANALYZE civil_recon")
        # The previous reconciliation goes in the same transaction as the new one arrives.
        cur.execute("DELETE FROM civil_reconciliationrow")
        cur.execute("DELETE FROM civil_reconciliationvillage")
        cur.execute("DELETE FROM civil_reconciliation")
        rec = Reconciliation.objects.create(extract_id=extract_id, computed_at=timezone.now(), actor=actor)
        cur.execute(_ROWS_SQL, {"rec": rec.pk})
        cur.execute(_VILLAGES_SQL, {"rec": rec.pk})
        cur.execute(
            f"""SELECT coalesce(sum(persons_checked), 0), coalesce(sum(persons_differing), 0),
                       {", ".join(f"coalesce(sum({r}), 0)" for r in REASONS)}
                FROM civil_reconciliationvillage WHERE reconciliation_id = %s""",
            [rec.pk],
        )
        checked, differing, *by_reason = cur.fetchone()
        rec.persons_checked, rec.persons_differing = int(checked), int(differing)
        rec.counts = {r: int(n) for r, n in zip(REASONS, by_reason, strict=True)}
        rec.save(update_fields=["persons_checked", "persons_differing", "counts"])
        audit_record(
            actor=actor,
            action="civil.reconciliation_computed",
            object_type="civil.reconciliation",
            object_id=rec.pk,
            detail={"extract": extract_id, "persons_checked": rec.persons_checked,
                    "persons_differing": rec.persons_differing, "counts": rec.counts},
        )  # fmt: skip
    logger.info("civil reconciliation %s: %s of %s persons differ", rec.pk, differing, checked)
    return rec
