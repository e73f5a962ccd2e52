"""A fast, deterministic DTKS extract (import template of DESIGN.md §6) for the load benchmark.

One row per person: N persons in about N/3.3 families plus a small share of individuals outside
any family, over real village codes (regions_region, level 4). NIKs are built from the village's
district code + DDMMYY (women: day + 40) + a serial that is unique per district and birth year;
KKs the same way from the date of issue. About 0.1% of the rows carry a planted format error (they
must be refused, one error each), and a few rows carry the findings a real extract has (pending
NIKs, duplicated NIKs, a sex that disagrees with the NIK) so the integrity rules have work to do.

Next to the template CSV it writes, untimed, what the loader should end up storing, split into the
three version tables (PostgreSQL COPY text format) — the input of the COPY floor — and a manifest
with the expected counts.

    python -m benchmarks.generate_extract --persons 1000000 --out var/bench/1m
"""

import argparse
import csv
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from dtks.registry.codelists import SEED
from dtks.registry.reading import TEMPLATE_COLUMNS

PERIOD = "2026-10-01"
BATCH_ID = 1  # the first batch of a fresh registry

PERSON_COLUMNS = (
    "valid_from",
    "published",
    "batch_id",
    "person_id",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "village_code",
    "rt",
    "rw",
    "alamat",
    "kategori",
    "kriteria",
    "disabilitas",
    "program",
)
FAMILY_COLUMNS = (
    "valid_from",
    "published",
    "batch_id",
    "family_id",
    "no_kk",
    "village_code",
    "rt",
    "rw",
    "alamat",
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
)
MEMBERSHIP_COLUMNS = ("valid_from", "published", "batch_id", "family_id", "person_id", "hubungan_keluarga")
HOUSE = FAMILY_COLUMNS[9:]

MALE = (
    "AHMAD",
    "AGUS",
    "BUDI",
    "BAMBANG",
    "DEDI",
    "DIDIK",
    "EKO",
    "FAJAR",
    "HADI",
    "HENDRA",
    "IRWAN",
    "JOKO",
    "KURNIAWAN",
    "LUKMAN",
    "MUHAMMAD",
    "NUR",
    "PUTU",
    "RAHMAT",
    "RUDI",
    "SLAMET",
    "SUTRISNO",
    "TAUFIK",
    "WAHYU",
    "YUSUF",
    "ZAINAL",
    "ARIF",
    "BAYU",
    "DWI",
    "GEDE",
    "HERU",
    "IMAM",
    "KADEK",
    "MADE",
    "RIZKI",
    "SURYA",
    "TEGUH",
    "WAYAN",
    "YOGA",
    "ANDI",
    "ASEP",
)
FEMALE = (
    "AISYAH",
    "ANI",
    "DEWI",
    "DIAN",
    "ENDANG",
    "FITRI",
    "INDAH",
    "KARTINI",
    "LESTARI",
    "MAYA",
    "NINGSIH",
    "NURUL",
    "PUTRI",
    "RATNA",
    "RINA",
    "SITI",
    "SRI",
    "TUTI",
    "WATI",
    "YANTI",
    "AYU",
    "EKA",
    "FATIMAH",
    "HANI",
    "IKA",
    "KOMANG",
    "LINDA",
    "MEGA",
    "NOVI",
    "RAHMA",
    "SARI",
    "UMI",
    "WULAN",
    "YULI",
    "NENG",
    "DEWANTI",
    "RETNO",
    "SUSI",
    "TRI",
    "NI LUH",
)
LAST = (
    "SANTOSO",
    "WIJAYA",
    "SAPUTRA",
    "HIDAYAT",
    "SETIAWAN",
    "PRATAMA",
    "NASUTION",
    "SIREGAR",
    "HARAHAP",
    "LUBIS",
    "SIMANJUNTAK",
    "SITUMORANG",
    "GINTING",
    "TARIGAN",
    "KUSUMA",
    "RAHMAN",
    "HAKIM",
    "SYAHPUTRA",
    "NUGROHO",
    "PURNOMO",
    "SUGIANTO",
    "WIBOWO",
    "HARTONO",
    "SUHARTO",
    "UTOMO",
    "HALIM",
    "MANURUNG",
    "PANJAITAN",
    "SINAGA",
    "TAMBUNAN",
    "PASARIBU",
    "MARPAUNG",
    "DAULAY",
    "PULUNGAN",
    "RANGKUTI",
    "BATUBARA",
    "ROSADI",
    "FIRMANSYAH",
    "IRAWAN",
    "HUTAPEA",
)
PLACES = (
    "JAKARTA",
    "BANDUNG",
    "SURABAYA",
    "MEDAN",
    "SEMARANG",
    "MAKASSAR",
    "PALEMBANG",
    "MAGELANG",
    "SOLO",
    "YOGYAKARTA",
    "MALANG",
    "BOGOR",
    "DENPASAR",
    "PADANG",
    "PEKANBARU",
    "BANJARMASIN",
    "PONTIANAK",
    "KUPANG",
    "MATARAM",
    "AMBON",
    "JAYAPURA",
    "MANADO",
    "KENDARI",
    "PALU",
    "JAMBI",
    "BENGKULU",
    "SERANG",
    "CIREBON",
    "TEGAL",
    "KEDIRI",
    "JEMBER",
    "BLITAR",
    "GARUT",
    "TASIKMALAYA",
    "SUKABUMI",
    "PURWOKERTO",
    "KLATEN",
    "BOYOLALI",
    "PATI",
    "KUDUS",
)
STREETS = (
    "MAWAR",
    "MELATI",
    "ANGGREK",
    "KENANGA",
    "DAHLIA",
    "CEMPAKA",
    "FLAMBOYAN",
    "MERDEKA",
    "PAHLAWAN",
    "SUDIRMAN",
    "DIPONEGORO",
    "GAJAH MADA",
    "KARTINI",
    "IMAM BONJOL",
    "AHMAD YANI",
    "PEMUDA",
    "PERINTIS",
    "KAMBOJA",
    "SERUNI",
    "NUSA INDAH",
)
SIZES = (1,) * 12 + (2,) * 22 + (3,) * 24 + (4,) * 22 + (5,) * 11 + (6,) * 6 + (7,) * 2 + (8,)  # mean 3.29

# Planted format errors, in rotation: (kind, field, code). Each makes exactly one LoadError row.
ERROR_KINDS = (
    ("nik_short", "nik", "format"),
    ("nik_excel", "nik", "excel"),
    ("date", "tanggal_lahir", "date"),
    ("sex", "jenis_kelamin", "unknown"),
    ("rt", "rt", "format"),
    ("village", "kode_wilayah", "region_unknown"),
    ("nik_missing", "nik", "required_in_family"),
)

_codes = {name: [c for c, _ in entries] for name, entries in SEED.items()}
_labels = {name: dict(entries) for name, entries in SEED.items()}
BIRTH_FIRST = date(1940, 1, 1).toordinal()
ADULT_LAST = date(2004, 12, 31).toordinal()
CHILD_LAST = date(2026, 6, 30).toordinal()
KK_FIRST = date(2005, 1, 1).toordinal()
KK_LAST = date(2026, 6, 30).toordinal()


@dataclass
class Extract:
    """What was written and what the loader must report for it."""

    csv: str
    person_tsv: str
    family_tsv: str
    membership_tsv: str
    rows: int  # data rows in the CSV (= persons in the file)
    persons: int  # expected loaded persons (rows minus refused)
    families: int
    memberships: int
    refused: dict[str, str] = field(default_factory=dict)  # "row_no" -> "field:code"
    findings: dict[str, int] = field(default_factory=dict)
    villages: int = 0
    seconds: float = 0.0
    bytes: int = 0

    @classmethod
    def load(cls, manifest: Path) -> "Extract":
        return cls(**json.loads(manifest.read_text()))


class _Ids:
    """Unique NIK/KK serials per (district, YY): a dict of counters, not a set of every number."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def make(self, district: str, day: int, month: int, year: int) -> str:
        yy = year % 100
        key = f"{district}{yy:02d}"
        serial = self.next.get(key, 1)
        if serial > 9999:
            raise RuntimeError(f"more than 9,999 serials for district {district}, year {yy:02d}")
        self.next[key] = serial + 1
        return f"{district}{day:02d}{month:02d}{yy:02d}{serial:04d}"


NULL = "\\N"


def _tsv(values) -> str:
    """One line of COPY text format (the generated values hold no tab, newline or backslash)."""
    return "\t".join(values) + "\n"


def generate(
    *,
    persons: int,
    out_dir: Path,
    villages: list[str],
    seed: int = 2026,
    error_every: int = 1000,
    individual_share: float = 0.015,
    period: str = PERIOD,
    batch_id: int = BATCH_ID,
) -> Extract:
    """Write extract.csv, floor_{person,family,membership}.tsv and manifest.json into out_dir."""
    started = time.perf_counter()
    if persons < 1 or not villages:
        raise ValueError("need at least one person and one village")
    out_dir.mkdir(parents=True, exist_ok=True)
    villages = sorted(villages)
    rng = random.Random(seed)
    rand = rng.random

    # random.choice/randrange are exact but slow; a float draw is plenty for test data.
    def choice(seq):
        return seq[int(rand() * len(seq))]

    def randrange(lo, hi=None):
        if hi is None:
            lo, hi = 0, lo
        return lo + int(rand() * (hi - lo))

    nik_ids, kk_ids = _Ids(), _Ids()
    prefix = f"{period}\tt\t{batch_id}\t"  # valid_from, published, batch_id of every version row

    paths = {
        k: out_dir / f"{k}"
        for k in (
            "extract.csv",
            "floor_person.tsv",
            "floor_family.tsv",
            "floor_membership.tsv",
            "manifest.json",
        )
    }
    f_csv = paths["extract.csv"].open("w", newline="", encoding="utf-8")
    f_person = paths["floor_person.tsv"].open("w", encoding="utf-8")
    f_family = paths["floor_family.tsv"].open("w", encoding="utf-8")
    f_member = paths["floor_membership.tsv"].open("w", encoding="utf-8")
    writer = csv.writer(f_csv, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)

    state = {
        "row": 0,
        "person_id": 0,
        "family_id": 0,
        "members": 0,
        "next_error": error_every // 2,
        "errors": 0,
        "pending": 0,
        "mismatch": 0,
        "dups": 0,
    }
    refused: dict[str, str] = {}
    csv_rows: list[list[str]] = []
    p_lines: list[str] = []
    m_lines: list[str] = []
    f_lines: list[str] = []
    last_clean: list[list[str] | None] = [None]

    def flush() -> None:
        writer.writerows(csv_rows)
        f_person.write("".join(p_lines))
        f_member.write("".join(m_lines))
        f_family.write("".join(f_lines))
        csv_rows.clear()
        p_lines.clear()
        m_lines.clear()
        f_lines.clear()

    def birth(first: int, last: int) -> date:
        return date.fromordinal(randrange(first, last + 1))

    def date_text(d: date) -> str:
        r = rand()
        if r < 0.8:
            return d.isoformat()
        if r < 0.9:
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        return f"{d.day:02d}/{d.month:02d}/{d.year}"

    def multi(name: str, share: float, most: int = 2) -> list[str]:
        if rand() >= share:
            return []
        codes = _codes[name]
        first = randrange(len(codes))
        picked = [codes[first]]
        if most > 1 and rand() < 0.3:
            second = (first + 1 + randrange(len(codes) - 1)) % len(codes)
            picked.append(codes[second])
        return picked

    def person_row(
        *,
        no_kk: str,
        village: str,
        rt: str,
        rw: str,
        alamat: str,
        house: list[str],
        sex: str,
        born: date,
        marital: str,
        relation: str,
        last_name: str,
        with_nik: bool = True,
        may_err: bool = True,
    ) -> None:
        state["row"] += 1
        row_no = state["row"] + 1  # line 1 is the header
        district = village[:6]
        nik = (
            nik_ids.make(district, born.day + (40 if sex == "P" else 0), born.month, born.year)
            if with_nik
            else ""
        )
        first = choice(MALE if sex == "L" else FEMALE)
        nama = f"{first} {last_name}" if rand() < 0.85 else first
        tempat = choice(PLACES)
        kategori = "PPKS" if rand() < 0.3 else ""
        kriteria, disabilitas, program = (
            multi("kriteria", 0.3),
            multi("disabilitas", 0.02, 1),
            multi("program", 0.25),
        )
        sex_text = sex if rand() < 0.9 else _labels["jenis_kelamin"][sex]
        # A sex that disagrees with the NIK (loaded, finding NIK_MISMATCH) on ~0.2% of the rows.
        stored_sex = sex
        if with_nik and rand() < 0.002:
            stored_sex = "P" if sex == "L" else "L"
            sex_text = stored_sex
        row = [
            no_kk,
            nik,
            nama,
            tempat,
            date_text(born),
            sex_text,
            marital,
            relation,
            village,
            rt.lstrip("0") if rand() < 0.5 else rt,
            rw,
            alamat,
            kategori,
            ";".join(kriteria),
            ",".join(disabilitas),
            "; ".join(program),
            *house,
        ]

        error = None
        if may_err and with_nik and row_no >= state["next_error"]:
            kind, field_name, code = ERROR_KINDS[state["errors"] % len(ERROR_KINDS)]
            if kind == "nik_missing" and not no_kk:
                kind, field_name, code = ERROR_KINDS[0]
            error = f"{field_name}:{code}"
            if kind == "nik_short":
                row[1] = nik[:15]
            elif kind == "nik_excel":
                row[1] = f"{int(nik):.5E}"
            elif kind == "date":
                row[4] = f"31-02-{born.year}"
            elif kind == "sex":
                row[5] = "X"
            elif kind == "rt":
                row[9] = "1A"
            elif kind == "village":
                row[8] = "9999999999"
            elif kind == "nik_missing":
                row[1] = ""
            state["errors"] += 1
            state["next_error"] += error_every
            refused[str(row_no)] = error
        csv_rows.append(row)
        if error:
            return None
        state["person_id"] += 1
        pid = str(state["person_id"])
        if not with_nik:
            state["pending"] += 1
        if stored_sex != sex:
            state["mismatch"] += 1
        p_lines.append(
            f"{prefix}{pid}\t{nik or NULL}\t{nama}\t{tempat}\t{born.isoformat()}\t{stored_sex}\t{marital}\t"
            f"{village}\t{rt}\t{rw}\t{alamat}\t{kategori}\t{{{','.join(kriteria)}}}\t"
            f"{{{','.join(disabilitas)}}}\t{{{','.join(program)}}}\n"
        )
        if no_kk:
            m_lines.append(f"{prefix}{state['family_id']}\t{pid}\t{relation}\n")
            state["members"] += 1
            if with_nik and stored_sex == sex:
                last_clean[0] = row
        return None

    def place() -> tuple[str, str, str, str]:
        village = choice(villages)
        rt = f"{randrange(1, 25):03d}"
        rw = f"{randrange(1, 12):03d}"
        if rand() < 0.7:
            alamat = f"JL. {choice(STREETS)} NO. {randrange(1, 200)}"
        else:
            alamat = f"DUSUN {choice(STREETS)}, GG. {randrange(1, 20)}"
        return village, rt, rw, alamat

    def family(size: int) -> None:
        village, rt, rw, alamat = place()
        issued = date.fromordinal(randrange(KK_FIRST, KK_LAST + 1))
        no_kk = kk_ids.make(village[:6], issued.day, issued.month, issued.year)
        house = [choice(_codes[h]) for h in HOUSE]
        state["family_id"] += 1
        f_lines.append(_tsv((f"{prefix}{state['family_id']}", no_kk, village, rt, rw, alamat, *house)))
        last_name = choice(LAST)
        common = {
            "no_kk": no_kk,
            "village": village,
            "rt": rt,
            "rw": rw,
            "alamat": alamat,
            "house": house,
            "last_name": last_name,
        }
        head_sex = "L" if rand() < 0.85 else "P"
        head_born = birth(BIRTH_FIRST, ADULT_LAST)
        married = size > 1 and rand() < 0.85
        person_row(
            **common,
            sex=head_sex,
            born=head_born,
            marital="KAWIN" if married else choice(("BELUM KAWIN", "CERAI HIDUP", "CERAI MATI")),
            relation="KEPALA KELUARGA",
            may_err=False,
        )
        rest = size - 1
        if married:
            person_row(
                **common,
                sex="P" if head_sex == "L" else "L",
                born=birth(BIRTH_FIRST, ADULT_LAST),
                marital="KAWIN",
                relation="ISTRI" if head_sex == "L" else "SUAMI",
            )
            rest -= 1
        child_first = min(head_born.toordinal() + 18 * 365, CHILD_LAST - 1)
        for _ in range(rest):
            r = rand()
            if r < 0.85:
                person_row(
                    **common,
                    sex=choice("LP"),
                    born=birth(child_first, CHILD_LAST),
                    marital="BELUM KAWIN",
                    relation="ANAK",
                )
            elif r < 0.93:
                person_row(
                    **common,
                    sex=choice("LP"),
                    born=birth(BIRTH_FIRST, head_born.toordinal()),
                    marital="CERAI MATI",
                    relation="ORANG TUA",
                )
            else:
                person_row(
                    **common,
                    sex=choice("LP"),
                    born=birth(child_first, CHILD_LAST),
                    marital="BELUM KAWIN",
                    relation=choice(("CUCU", "FAMILI LAIN", "PEMBANTU")),
                )

    def individual() -> None:
        # A person outside any family: 10% without a NIK yet (NIK_PENDING), ~5% a second record of
        # someone already listed in a family ("data ganda": DUPLICATE_NIK on both).
        src = last_clean[0]
        if src is not None and rand() < 0.05:
            last_clean[0] = None
            state["row"] += 1
            village, rt, rw, alamat = place()
            row = [
                "",
                src[1],
                src[2],
                src[3],
                src[4],
                src[5],
                src[6],
                "",
                village,
                rt,
                rw,
                alamat,
                "",
                "",
                "",
                "",
                *([""] * len(HOUSE)),
            ]
            csv_rows.append(row)
            state["person_id"] += 1
            state["dups"] += 1
            born = _parse(src[4])
            p_lines.append(
                _tsv(
                    (
                        f"{prefix}{state['person_id']}",
                        src[1],
                        src[2],
                        src[3],
                        born,
                        _sex(src[5]),
                        src[6],
                        village,
                        rt,
                        rw,
                        alamat,
                        "",
                        "{}",
                        "{}",
                        "{}",
                    )
                )
            )
            return
        village, rt, rw, alamat = place()
        sex = choice("LP")
        person_row(
            no_kk="",
            village=village,
            rt=rt,
            rw=rw,
            alamat=alamat,
            house=[""] * len(HOUSE),
            sex=sex,
            born=birth(BIRTH_FIRST, ADULT_LAST),
            marital=choice(_codes["status_perkawinan"]),
            relation="",
            last_name=choice(LAST),
            with_nik=rand() >= 0.1,
        )

    individuals = round(persons * individual_share)
    in_families = persons - individuals
    done_members = 0
    done_individuals = 0
    while done_members < in_families or done_individuals < individuals:
        if done_members < in_families:
            size = min(choice(SIZES), in_families - done_members)
            family(size)
            done_members += size
        while done_individuals < individuals and (
            done_members >= in_families or done_individuals * in_families < individuals * done_members
        ):
            individual()
            done_individuals += 1
        if len(csv_rows) >= 20000:
            flush()
    flush()
    for fh in (f_csv, f_person, f_family, f_member):
        fh.close()

    loaded = state["person_id"]
    extract = Extract(
        csv=str(paths["extract.csv"]),
        person_tsv=str(paths["floor_person.tsv"]),
        family_tsv=str(paths["floor_family.tsv"]),
        membership_tsv=str(paths["floor_membership.tsv"]),
        rows=state["row"],
        persons=loaded,
        families=state["family_id"],
        memberships=state["members"],
        refused=refused,
        findings={
            "NIK_PENDING": state["pending"],
            "NIK_MISMATCH": state["mismatch"],
            "DUPLICATE_NIK": 2 * state["dups"],
            "MEMBER_OVERLAP": 0,
            "FAMILY_NOT_A_SET": 0,
            "INCOMPLETE": 0,
        },
        villages=len(villages),
        seconds=round(time.perf_counter() - started, 3),
        bytes=os.path.getsize(paths["extract.csv"]),
    )
    assert extract.rows == persons, (extract.rows, persons)
    paths["manifest.json"].write_text(json.dumps(asdict(extract), indent=1))
    return extract


def _parse(text: str) -> str:
    if "-" in text and len(text.split("-")[0]) == 4:
        return text
    d, m, y = text.replace("/", "-").split("-")
    return f"{y}-{m}-{d}"


def _sex(text: str) -> str:
    return {"Laki-laki": "L", "Perempuan": "P"}.get(text, text)


def village_codes(database_url: str) -> list[str]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 4 ORDER BY code")]
    if not codes:
        raise SystemExit(
            "regions_region has no villages: run `manage.py load_regions` on that database first"
        )
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for extract.csv and the floor files"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dtks"),
        help="a database with regions loaded (village codes are read from it)",
    )
    args = parser.parse_args(argv)
    ex = generate(
        persons=args.persons, out_dir=args.out, villages=village_codes(args.database_url), seed=args.seed
    )
    print(
        f"{ex.rows:,} rows ({ex.bytes / 1e6:.0f} MB), {ex.families:,} families, {len(ex.refused):,} planted "
        f"refusals, {ex.villages:,} villages, in {ex.seconds:.1f} s -> {ex.csv}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
