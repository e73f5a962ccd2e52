"""NIK/KK validation: the Python form and its SQL twin (`dtks_id_error`) must agree on every input."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from lokal.provinces import PROVINCES

from dtks.registry.identity import check_kk, check_nik, nik_mismatch, normalise_id, validate_nik

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "errors", "sex"),
    [
        ("3371015508950001", [], "P"),  # 15 + 40 = 55: a woman born 15-08-95
        ("3371011508950001", [], "L"),
        ("3371 0115 0895 0001", [], "L"),  # separators are tolerated
        ("33.7101.150895.0001", [], "L"),
        ("337101150895001", ["format"], None),
        ("33710115089500a1", ["format"], None),
        ("3.37101E+15", ["excel"], None),
        ("3371011508950000.0", ["excel"], None),
        ("9971011508950001", ["province"], None),
        ("3300011508950001", ["region_zero"], None),
        ("3371013202950001", ["date"], None),  # 32 February
        ("3371017202950001", ["date"], None),  # 72 - 40 = 32
        ("3371012902960001", [], "L"),  # 29-02 in a leap year
        ("3371012902970001", ["date"], None),
        ("3371011508950000", ["serial"], None),
    ],
)
def test_check_nik(raw, errors, sex):
    check = check_nik(raw)
    assert check.errors == errors
    assert check.sex == sex
    for message in check.messages:
        assert message.startswith("NIK")  # names the field


def test_unknown_regency_is_only_a_warning():
    check = check_nik("3399011508950001")
    assert check.valid
    assert check.warnings == ["region_unknown"]


def test_kk_has_no_plus_forty():
    assert check_kk("3371015508950001").errors == ["date"]
    assert check_kk("3371011508950001").valid
    assert check_kk("3371011508950001").message("format").startswith("Nomor KK")


def test_excel_message_tells_the_fix():
    check = check_nik("3.37101E+15")
    assert "format kolom NIK sebagai Teks" in check.messages[0]


def test_validator_raises_in_indonesian():
    with pytest.raises(ValidationError) as exc:
        validate_nik("123")
    assert "NIK harus 16 digit angka" in exc.value.messages[0]
    validate_nik("3371011508950001")


def test_mismatch_names_the_fields():
    from datetime import date

    check = check_nik("3371015508950001")  # woman, 15-08-95
    assert nik_mismatch(check, birth_date=date(1995, 8, 15), sex="P") == []
    assert nik_mismatch(check, birth_date=date(2095, 8, 15), sex="P") == []  # the century is ambiguous
    assert nik_mismatch(check, birth_date=date(1995, 8, 16), sex="L") == ["tanggal_lahir", "jenis_kelamin"]


def _corpus(n: int = 3000) -> list[str]:
    rng = random.Random(20261123)
    provinces = list(PROVINCES)
    values = [
        "",
        " ",
        "3.37101E+15",
        "3371011508950000.0",
        "33710115089500",
        "3371-0115-0895-0001",
        "0000000000000000",
        "9999999999999999",
        "3371014002950001",
        "3371013112990001",
    ]
    for _ in range(n):
        prov = rng.choice(provinces + ["00", "99", "10"])
        digits = prov + f"{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}"
        day = rng.choice([rng.randint(0, 80), rng.randint(1, 31)])
        digits += f"{day:02d}{rng.randint(0, 13):02d}{rng.randint(0, 99):02d}{rng.choice([0, rng.randint(1, 9999)]):04d}"
        roll = rng.random()
        if roll < 0.05:
            digits = digits[:-1]
        elif roll < 0.08:
            digits = digits[:10] + " " + digits[10:]
        values.append(digits)
    return values


def test_sql_twin_agrees_with_python():
    corpus = _corpus()
    with connection.cursor() as cur:
        cur.execute(
            """SELECT v, dtks_id_error(n, true, p.code IS NOT NULL), dtks_id_error(n, false, p.code IS NOT NULL), n
               FROM unnest(%s::text[]) AS v
               CROSS JOIN LATERAL dtks_normalise_id(v) AS n
               LEFT JOIN regions_region p ON p.code = left(n, 2) AND p.level = 1""",
            [corpus],
        )
        rows = cur.fetchall()
    assert len(rows) == len(corpus)
    disagreements = []
    for raw, sql_nik, sql_kk, sql_norm in rows:
        nik, kk = check_nik(raw), check_kk(raw)
        py = (nik.errors[0] if nik.errors else None, kk.errors[0] if kk.errors else None, normalise_id(raw))
        if py != (sql_nik, sql_kk, sql_norm):
            disagreements.append((raw, py, (sql_nik, sql_kk, sql_norm)))
    assert disagreements == []
    # The corpus exercises every outcome, so agreement is not vacuous.
    assert {r[1] for r in rows} >= {None, "format", "province", "region_zero", "date", "serial", "excel"}


def test_sql_twin_agrees_on_every_date_part():
    """DD 00–99 × MM 00–13 × leap and common years: the SQL check's calendar (a map of the DDMM
    parts, migration 0006, so it stays inlinable) agrees with Python's for NIK (women +40) and KK."""
    values = [
        f"337101{d:02d}{m:02d}{y:02d}0001" for d in range(100) for m in range(14) for y in (0, 1, 4, 23, 99)
    ]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT v, dtks_id_error(v, true, true), dtks_id_error(v, false, true) FROM unnest(%s::text[]) AS v",
            [values],
        )
        rows = cur.fetchall()
    disagreements = [
        (v, nik, kk)
        for v, nik, kk in rows
        if (nik, kk)
        != (
            check_nik(v).errors[0] if check_nik(v).errors else None,
            check_kk(v).errors[0] if check_kk(v).errors else None,
        )
    ]
    assert len(rows) == 7000 and disagreements == []
    assert {r[1] for r in rows} == {None, "date"} and {r[2] for r in rows} == {None, "date"}


def test_province_table_matches_lokal():
    with connection.cursor() as cur:
        cur.execute("SELECT code FROM regions_region WHERE level = 1")
        assert {r[0] for r in cur.fetchall()} == set(PROVINCES)
