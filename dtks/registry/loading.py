"""Baseline load (DESIGN.md §5): an existing DTKS extract becomes the first published period.

COPY into a staging table, set-based validation, then INSERT … SELECT into the version tables and
the integrity findings, all in one transaction. Rows with a format error or that would break a
constraint are reported per row and not loaded; the rest load with their findings recorded.
Publication happens in the same transaction as the write — the registry is empty before a baseline,
so no reader can see a half-loaded period — which spares rewriting every row to flip `published`.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from dtks.audit.services import audit_record

from .identity import IdCheck
from .integrity import integrity_findings_write
from .models import Batch
from .reading import TEMPLATE_COLUMNS, FileRefused, open_sheet, staged_rows

logger = logging.getLogger(__name__)

# Single-valued coded columns -> code list; multi-valued ones are split on ; , |
CODED = (
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "kategori",
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
)
MULTI = ("kriteria", "disabilitas", "program")
HOUSE = ("status_kepemilikan", "atap", "dinding", "lantai", "sumber_air_minum", "penerangan", "fasilitas_bab")
MAX_LENGTH = {"nama": 150, "tempat_lahir": 100, "alamat": 255}

FIELD_LABELS = {
    "nik": "NIK",
    "no_kk": "Nomor KK",
    "nama": "Nama",
    "tempat_lahir": "Tempat lahir",
    "tanggal_lahir": "Tanggal lahir",
    "jenis_kelamin": "Jenis kelamin",
    "status_perkawinan": "Status perkawinan",
    "hubungan_keluarga": "Hubungan keluarga",
    "kode_wilayah": "Kode wilayah",
    "rt": "RT",
    "rw": "RW",
    "alamat": "Alamat",
    "kategori": "Kategori",
    "kriteria": "Kriteria",
    "disabilitas": "Disabilitas",
    "program": "Program",
    "status_kepemilikan": "Status kepemilikan bangunan",
    "atap": "Atap",
    "dinding": "Dinding",
    "lantai": "Lantai",
    "sumber_air_minum": "Sumber air minum",
    "penerangan": "Penerangan",
    "fasilitas_bab": "Fasilitas BAB",
}


ID_ERRORS = ("excel", "format", "province", "region_zero", "date", "serial")


class BaselineRefused(Exception):
    """The load cannot start (not a row problem); the message is for the user."""


@dataclass
class BaselineResult:
    batch_id: int
    period: date
    already_loaded: bool = False
    rows_read: int = 0
    rows_refused: int = 0
    persons: int = 0
    families: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)


def row_error_message(code: str, *, value: str | None) -> tuple[str, str]:
    """('nik:format', value) -> (field, message in Bahasa Indonesia naming the field and the fix)."""
    field_name, _, kind = code.partition(":")
    label = FIELD_LABELS.get(field_name, field_name)
    if field_name in ("nik", "no_kk") and kind in ID_ERRORS:
        return field_name, IdCheck(field=field_name, value=value).message(kind)
    messages = {
        "required": f"{label} wajib diisi.",
        "required_in_family": f"{label} wajib diisi untuk anggota keluarga (baris dengan no_kk); "
        "hanya individu di luar keluarga yang boleh tanpa NIK.",
        "date": f"{label} bukan tanggal yang ada ({value}); tulis YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY.",
        "unknown": f'{label} "{value}" tidak ada di daftar kode; gunakan salah satu kode/label yang berlaku.',
        "format": f'{label} harus angka 1–3 digit (tertulis "{value}").',
        "too_long": f"{label} terlalu panjang (maksimal {MAX_LENGTH.get(field_name)} karakter).",
        "region_unknown": f'{label} "{value}" bukan kode kelurahan/desa Kemendagri 2025 (10 digit); '
        "periksa kode wilayahnya.",
    }
    return field_name, messages[kind]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _stage_norm_sql(*, person_ids: bool = True) -> str:
    coded_select = ",\n".join(f"c_{c}.code AS {c}" for c in CODED)
    coded_joins = "\n".join(
        f"LEFT JOIN load_codes c_{c} ON c_{c}.list = '{c}' AND c_{c}.key = replace(upper(btrim(s.{c})), '_', ' ')"
        for c in CODED
    )
    multi_select = ",\n".join(f"coalesce(m_{c}.codes, '{{}}') AS {c}" for c in MULTI)
    multi_joins = "\n".join(
        f"LEFT JOIN load_multi m_{c} ON m_{c}.row_no = s.row_no AND m_{c}.col = '{c}'" for c in MULTI
    )
    errors = [
        # NULL (no error) || text is NULL, removed below: each check is evaluated once.
        "'nik:' || dtks_id_error(s.nik, true, pn.code IS NOT NULL)",
        "CASE WHEN s.no_kk IS NOT NULL AND s.nik IS NULL THEN 'nik:required_in_family' END",
        "'no_kk:' || dtks_id_error(s.no_kk, false, pk.code IS NOT NULL)",
        "CASE WHEN NOT s.tanggal_lahir_ok THEN 'tanggal_lahir:date' END",
        "CASE WHEN s.kode_wilayah IS NULL THEN 'kode_wilayah:required'"
        " WHEN v.code IS NULL THEN 'kode_wilayah:region_unknown' END",
        "CASE WHEN s.rt IS NOT NULL AND btrim(s.rt) !~ '^[0-9]{1,3}$' THEN 'rt:format' END",
        "CASE WHEN s.rw IS NOT NULL AND btrim(s.rw) !~ '^[0-9]{1,3}$' THEN 'rw:format' END",
        *(f"CASE WHEN length(s.{c}) > {n} THEN '{c}:too_long' END" for c, n in MAX_LENGTH.items()),
        *(f"CASE WHEN s.{c} IS NOT NULL AND c_{c}.code IS NULL THEN '{c}:unknown' END" for c in CODED),
        *(f"CASE WHEN m_{c}.bad THEN '{c}:unknown' END" for c in MULTI),
    ]
    # A proposal import validates the same way but writes no registry rows: no person ids drawn.
    person_id = (
        "CASE WHEN cardinality(x.errors) = 0 THEN nextval('registry_person_id_seq') END"
        if person_ids
        else "NULL::bigint"
    )
    return f"""
    CREATE TEMP TABLE load_norm AS
    SELECT {person_id} AS person_id, x.*
    FROM (
        SELECT s.row_no, s.nik, s.no_kk,
               coalesce(btrim(s.nama), '') AS nama, coalesce(btrim(s.tempat_lahir), '') AS tempat_lahir,
               CASE WHEN s.tanggal_lahir_ok THEN s.tanggal_lahir::date END AS tanggal_lahir,
               v.code AS village_code,
               coalesce(lpad(btrim(s.rt), 3, '0'), '') AS rt, coalesce(lpad(btrim(s.rw), 3, '0'), '') AS rw,
               coalesce(btrim(s.alamat), '') AS alamat,
               {coded_select},
               {multi_select},
               array_remove(ARRAY[{", ".join(errors)}]::text[], NULL) AS errors
        FROM (SELECT row_no, dtks_normalise_id(nik) AS nik, dtks_normalise_id(no_kk) AS no_kk, nama,
                     tempat_lahir, tanggal_lahir, tanggal_lahir_ok,
                     nullif(regexp_replace(kode_wilayah, '[^0-9]', '', 'g'), '') AS kode_wilayah,
                     rt, rw, alamat, {", ".join(CODED)}
              -- OFFSET 0 keeps this subquery from being flattened: otherwise the inlined
              -- normalisation is re-evaluated at every reference to nik/no_kk (4× slower).
              FROM load_stage OFFSET 0) s
        LEFT JOIN regions_region pn ON pn.code = left(s.nik, 2) AND pn.level = 1
        LEFT JOIN regions_region pk ON pk.code = left(s.no_kk, 2) AND pk.level = 1
        LEFT JOIN regions_region v ON v.code = s.kode_wilayah AND v.level = 4
        {coded_joins}
        {multi_joins}
    ) x
    """


def _multi_sql() -> str:
    parts = [
        f"""SELECT s.row_no, '{c}'::text AS col,
                   array_agg(l.code ORDER BY t.ord) FILTER (WHERE l.code IS NOT NULL) AS codes,
                   bool_or(l.code IS NULL) AS bad,
                   string_agg(btrim(t.v), ', ') FILTER (WHERE l.code IS NULL) AS bad_values
            FROM load_stage s
            CROSS JOIN LATERAL unnest(regexp_split_to_array(s.{c}, '[;,|]')) WITH ORDINALITY t(v, ord)
            LEFT JOIN load_codes l ON l.list = '{c}' AND l.key = replace(upper(btrim(t.v)), '_', ' ')
            WHERE s.{c} IS NOT NULL AND btrim(t.v) <> ''
            GROUP BY s.row_no"""
        for c in MULTI
    ]
    return "CREATE TEMP TABLE load_multi AS " + " UNION ALL ".join(parts)


def stage_validate(cur, *, person_ids: bool = True) -> None:
    """Set-based validation of `load_stage` (a temp table, or a temp view over a real staging
    table) into `load_norm`: normalised values and an `errors` array of 'field:kind' codes per row.
    Shared by the baseline load and the proposal import (proposals/importing.py)."""
    cur.execute(
        """CREATE TEMP TABLE load_codes ON COMMIT DROP AS
           SELECT DISTINCT list, replace(upper(k), '_', ' ') AS key, code
           FROM registry_code, LATERAL (VALUES (code), (label)) AS keys(k) WHERE active"""
    )
    cur.execute(_multi_sql())
    cur.execute("ANALYZE load_codes")
    cur.execute("ANALYZE load_multi")
    cur.execute(_stage_norm_sql(person_ids=person_ids))
    cur.execute("ANALYZE load_norm")


def stage_refused(cur, *, where: str = "n.person_id IS NULL") -> list[tuple[int, str, str | None]]:
    """(row_no, 'field:kind', offending value) for every error of `load_norm`, by row."""
    cur.execute(
        f"""SELECT n.row_no, e.code, CASE split_part(e.code, ':', 1)
               WHEN 'nik' THEN s.nik WHEN 'no_kk' THEN s.no_kk WHEN 'tanggal_lahir' THEN s.tanggal_lahir
               WHEN 'kode_wilayah' THEN s.kode_wilayah WHEN 'rt' THEN s.rt WHEN 'rw' THEN s.rw
               WHEN 'kriteria' THEN m.bad_values WHEN 'disabilitas' THEN m.bad_values
               WHEN 'program' THEN m.bad_values
               ELSE (to_jsonb(s) ->> split_part(e.code, ':', 1)) END
           FROM load_norm n
           CROSS JOIN LATERAL unnest(n.errors) AS e(code)
           JOIN load_stage s ON s.row_no = n.row_no
           LEFT JOIN load_multi m ON m.row_no = n.row_no AND m.col = split_part(e.code, ':', 1)
           WHERE {where} ORDER BY n.row_no"""
    )
    return cur.fetchall()


def _drop_temp(cur) -> None:
    # Inside an outer transaction (tests) ON COMMIT DROP has not fired yet.
    for t in ("load_stage", "load_codes", "load_multi", "load_norm", "load_family"):
        cur.execute(f"DROP TABLE IF EXISTS pg_temp.{t}")


def registry_baseline_load(
    *, path: Path, period: date, actor: str, progress: Callable[[str], None] | None = None
) -> BaselineResult:
    """Load a DTKS extract (template of DESIGN.md §6) as the registry's first published period."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, t0: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - t0, 3)
        return now

    path = Path(path)
    if not path.is_file():
        raise BaselineRefused(f"Berkas tidak ditemukan: {path}")
    if period.day != 1:
        raise BaselineRefused("Periode harus hari pertama bulan (YYYY-MM).")
    sha = _sha256(path)
    sheet = open_sheet(path)  # FileRefused for a file that is not the template

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('dtks.registry.baseline'))")
        existing = Batch.objects.filter(kind=Batch.Kind.BASELINE).first()
        if existing is not None:
            if existing.source_sha256 == sha:
                return BaselineResult(
                    batch_id=existing.pk,
                    period=existing.period,
                    already_loaded=True,
                    rows_read=existing.rows_read,
                    rows_refused=existing.rows_refused,
                    persons=existing.persons,
                    families=existing.families,
                )
            raise BaselineRefused(
                f"Registri sudah berisi muat awal periode {existing.period:%Y-%m} "
                f"(batch {existing.pk}); muat awal hanya untuk registri kosong."
            )
        batch = Batch.objects.create(
            kind=Batch.Kind.BASELINE,
            period=period,
            source_name=path.name[:255],
            source_sha256=sha,
            actor=actor,
        )
        t = time.perf_counter()
        _drop_temp(cur)
        cols = ", ".join(f"{c} text" for c in TEMPLATE_COLUMNS)
        cur.execute(
            f"CREATE TEMP TABLE load_stage (row_no int, {cols}, tanggal_lahir_ok boolean) ON COMMIT DROP"
        )
        say("Menyalin baris ke tabel sementara (COPY)…")
        rows_read = 0
        with cur.copy(
            f"COPY load_stage (row_no, {', '.join(TEMPLATE_COLUMNS)}, tanggal_lahir_ok) FROM STDIN"
        ) as cp:
            for row in staged_rows(sheet):
                cp.write_row(row)
                rows_read += 1
        # Temporary tables are never auto-analyzed; without statistics the planner picks nested loops.
        cur.execute("ANALYZE load_stage")
        t = step("copy_stage", t)
        say("Memeriksa format dan kode (berbasis himpunan)…")
        stage_validate(cur)
        t = step("validate", t)

        # Refused rows: reported per row and field, not loaded.
        refused = stage_refused(cur)
        if refused:
            with cur.copy("COPY registry_loaderror (batch_id, row, field, code, message) FROM STDIN") as cp:
                for row_no, code, value in refused:
                    field_name, message = row_error_message(code, value=value)
                    cp.write_row((batch.pk, row_no, field_name, code.partition(":")[2], message[:300]))
        rows_refused = len({r[0] for r in refused})
        t = step("report_refused", t)

        say("Menulis versi keluarga, orang dan keanggotaan…")
        cur.execute(
            f"""CREATE TEMP TABLE load_family ON COMMIT DROP AS
                SELECT nextval('registry_family_id_seq') AS family_id, f.* FROM (
                    SELECT DISTINCT ON (no_kk) no_kk, village_code, rt, rw, alamat, {", ".join(HOUSE)}
                    FROM load_norm WHERE person_id IS NOT NULL AND no_kk IS NOT NULL
                    ORDER BY no_kk, (hubungan_keluarga = 'KEPALA KELUARGA') DESC NULLS LAST, row_no
                ) f"""
        )
        version = "valid_from, published, batch_id"
        cur.execute(
            f"""INSERT INTO registry_personversion ({version}, person_id, nik, nama, tempat_lahir, tanggal_lahir,
                    jenis_kelamin, status_perkawinan, village_code, rt, rw, alamat, kategori, kriteria,
                    disabilitas, program)
                SELECT %(period)s, true, %(batch)s, person_id, nik, nama, tempat_lahir, tanggal_lahir,
                    coalesce(jenis_kelamin, ''), coalesce(status_perkawinan, ''), village_code, rt, rw, alamat,
                    coalesce(kategori, ''), kriteria, disabilitas, program
                FROM load_norm WHERE person_id IS NOT NULL""",
            {"period": period, "batch": batch.pk},
        )
        persons = cur.rowcount
        cur.execute(
            f"""INSERT INTO registry_familyversion ({version}, family_id, no_kk, village_code, rt, rw, alamat,
                    {", ".join(HOUSE)})
                SELECT %(period)s, true, %(batch)s, family_id, no_kk, village_code, rt, rw, alamat,
                    {", ".join(f"coalesce({h}, '')" for h in HOUSE)}
                FROM load_family""",
            {"period": period, "batch": batch.pk},
        )
        families = cur.rowcount
        cur.execute(
            f"""INSERT INTO registry_membershipversion ({version}, family_id, person_id, hubungan_keluarga)
                SELECT %(period)s, true, %(batch)s, f.family_id, n.person_id, coalesce(n.hubungan_keluarga, '')
                FROM load_norm n JOIN load_family f ON f.no_kk = n.no_kk
                WHERE n.person_id IS NOT NULL""",
            {"period": period, "batch": batch.pk},
        )
        # The integrity rules join these tables within the same transaction: give the planner the
        # new row counts (ANALYZE sees this transaction's rows), or it plans for empty tables.
        cur.execute("ANALYZE registry_personversion, registry_familyversion, registry_membershipversion")
        t = step("write_versions", t)

        say("Menjalankan aturan integritas…")
        findings = integrity_findings_write(batch_id=batch.pk)
        t = step("integrity", t)
        _drop_temp(cur)

        Batch.objects.filter(pk=batch.pk).update(
            rows_read=rows_read,
            rows_refused=rows_refused,
            persons=persons,
            families=families,
            published_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="registry.baseline_published",
            object_type="registry.batch",
            object_id=batch.pk,
            detail={
                "period": f"{period:%Y-%m}",
                "file": path.name,
                "sha256": sha,
                "rows_read": rows_read,
                "rows_refused": rows_refused,
                "persons": persons,
                "families": families,
                "findings": findings,
            },
        )
    result = BaselineResult(
        batch_id=batch.pk,
        period=period,
        rows_read=rows_read,
        rows_refused=rows_refused,
        persons=persons,
        families=families,
        findings=findings,
        warnings=list(sheet.warnings),
        seconds=round(time.perf_counter() - started, 3),
        steps=steps,
    )
    logger.info(
        "baseline load batch=%s rows=%s refused=%s in %.1fs",
        batch.pk,
        rows_read,
        rows_refused,
        result.seconds,
    )
    return result


__all__ = [
    "BaselineRefused",
    "BaselineResult",
    "FileRefused",
    "registry_baseline_load",
    "row_error_message",
    "stage_refused",
    "stage_validate",
]
