"""A fast, deterministic DTKS extract (import template of docs/design.md §6) for the load benchmark.

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


class Ids:
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


_OUTPUT_FILES = (
    "extract.csv",
    "floor_person.tsv",
    "floor_family.tsv",
    "floor_membership.tsv",
    "manifest.json",
)
_FLUSH_ROWS = 20000  # CSV rows buffered before the four files are written

# Where a planted error goes (the CSV row follows TEMPLATE_COLUMNS) and what it writes there.
_COLUMN = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
_PLANTED = {
    "nik_short": lambda nik, born: nik[:15],
    "nik_excel": lambda nik, born: f"{int(nik):.5E}",
    "date": lambda nik, born: f"31-02-{born.year}",
    "sex": lambda nik, born: "X",
    "rt": lambda nik, born: "1A",
    "village": lambda nik, born: "9999999999",
    "nik_missing": lambda nik, born: "",
}


class Draw:
    """Every random draw of one extract, from one seeded stream.

    The same seed must give the same files, so callers keep the order of their draws: moving a
    draw (or skipping one behind a short-circuit) changes everything generated after it.
    """

    def __init__(self, seed: int) -> None:
        self.rand = random.Random(seed).random

    # random.choice/randrange are exact but slow; a float draw is plenty for test data.
    def choice(self, seq):
        return seq[int(self.rand() * len(seq))]

    def randrange(self, lo: int, hi: int | None = None) -> int:
        if hi is None:
            lo, hi = 0, lo
        return lo + int(self.rand() * (hi - lo))

    def birth(self, first: int, last: int) -> date:
        return date.fromordinal(self.randrange(first, last + 1))

    def date_text(self, d: date) -> str:
        """A date as extracts write it: mostly ISO, some DD-MM-YYYY and DD/MM/YYYY."""
        r = self.rand()
        if r < 0.8:
            return d.isoformat()
        if r < 0.9:
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        return f"{d.day:02d}/{d.month:02d}/{d.year}"

    def multi(self, name: str, share: float, most: int = 2) -> list[str]:
        """No code of the list `name` (1 - share of the time), else one, or up to `most` = 2 distinct."""
        if self.rand() >= share:
            return []
        codes = _codes[name]
        first = self.randrange(len(codes))
        picked = [codes[first]]
        if most > 1 and self.rand() < 0.3:
            second = (first + 1 + self.randrange(len(codes) - 1)) % len(codes)
            picked.append(codes[second])
        return picked

    def place(self, villages: list[str]) -> tuple[str, str, str, str]:
        """village, rt, rw, alamat."""
        village = self.choice(villages)
        rt = f"{self.randrange(1, 25):03d}"
        rw = f"{self.randrange(1, 12):03d}"
        if self.rand() < 0.7:
            alamat = f"JL. {self.choice(STREETS)} NO. {self.randrange(1, 200)}"
        else:
            alamat = f"DUSUN {self.choice(STREETS)}, GG. {self.randrange(1, 20)}"
        return village, rt, rw, alamat


@dataclass(slots=True)
class _Home:
    """What a family's members share (an individual's own: no KK, no house)."""

    no_kk: str
    village: str
    rt: str
    rw: str
    alamat: str
    house: list[str]
    last_name: str


@dataclass(slots=True)
class _Person:
    """One person: what the family part decides, then what `draw_person` draws (the CSV row and the
    version row are built from it)."""

    sex: str
    born: date
    marital: str
    relation: str
    with_nik: bool = True  # False: pending (NIK_PENDING), only ever an individual
    nik: str = ""
    nama: str = ""
    tempat: str = ""
    kategori: str = ""
    kriteria: list[str] = field(default_factory=list)
    disabilitas: list[str] = field(default_factory=list)
    program: list[str] = field(default_factory=list)
    sex_text: str = ""
    stored_sex: str = ""  # differs from `sex` when the row carries a NIK_MISMATCH finding


class _Files:
    """The CSV and the three floor files, written in chunks from in-memory buffers."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.f_csv = paths["extract.csv"].open("w", newline="", encoding="utf-8")
        self.f_person = paths["floor_person.tsv"].open("w", encoding="utf-8")
        self.f_family = paths["floor_family.tsv"].open("w", encoding="utf-8")
        self.f_member = paths["floor_membership.tsv"].open("w", encoding="utf-8")
        self.writer = csv.writer(self.f_csv, lineterminator="\n")
        self.writer.writerow(TEMPLATE_COLUMNS)
        self.csv_rows: list[list[str]] = []
        self.p_lines: list[str] = []
        self.m_lines: list[str] = []
        self.f_lines: list[str] = []

    def flush(self) -> None:
        self.writer.writerows(self.csv_rows)
        self.f_person.write("".join(self.p_lines))
        self.f_member.write("".join(self.m_lines))
        self.f_family.write("".join(self.f_lines))
        self.csv_rows.clear()
        self.p_lines.clear()
        self.m_lines.clear()
        self.f_lines.clear()

    def close(self) -> None:
        for fh in (self.f_csv, self.f_person, self.f_family, self.f_member):
            fh.close()


class _Generator:
    """Families, individuals and planted defects, appended to `_Files` buffers; counts what it wrote."""

    def __init__(
        self, *, files: _Files, villages: list[str], seed: int, error_every: int, prefix: str
    ) -> None:
        self.out = files
        self.villages = villages
        self.draw = Draw(seed)
        self.error_every = error_every
        self.prefix = prefix  # valid_from, published, batch_id of every version row
        self.nik_ids, self.kk_ids = Ids(), Ids()
        self.row = 0
        self.person_id = 0
        self.family_id = 0
        self.members = 0
        self.next_error = error_every // 2
        self.errors = 0
        self.pending = 0
        self.mismatch = 0
        self.dups = 0
        self.refused: dict[str, str] = {}
        self.last_clean: list[str] | None = None  # a family member's CSV row an individual may repeat

    def run(self, persons: int, individual_share: float) -> None:
        """Families and individuals interleaved, so individuals spread evenly over the file."""
        individuals = round(persons * individual_share)
        in_families = persons - individuals
        done_members = 0
        done_individuals = 0
        while done_members < in_families or done_individuals < individuals:
            if done_members < in_families:
                size = min(self.draw.choice(SIZES), in_families - done_members)
                self.family(size)
                done_members += size
            while done_individuals < individuals and (
                done_members >= in_families or done_individuals * in_families < individuals * done_members
            ):
                self.individual()
                done_individuals += 1
            if len(self.out.csv_rows) >= _FLUSH_ROWS:
                self.out.flush()
        self.out.flush()

    # --- families and individuals ----------------------------------------------------------------

    def family(self, size: int) -> None:
        d = self.draw
        village, rt, rw, alamat = d.place(self.villages)
        issued = date.fromordinal(d.randrange(KK_FIRST, KK_LAST + 1))
        no_kk = self.kk_ids.make(village[:6], issued.day, issued.month, issued.year)
        house = [d.choice(_codes[h]) for h in HOUSE]
        self.family_id += 1
        self.out.f_lines.append(
            _tsv((f"{self.prefix}{self.family_id}", no_kk, village, rt, rw, alamat, *house))
        )
        home = _Home(no_kk, village, rt, rw, alamat, house, last_name=d.choice(LAST))
        head_sex = "L" if d.rand() < 0.85 else "P"
        head_born = d.birth(BIRTH_FIRST, ADULT_LAST)
        married = size > 1 and d.rand() < 0.85
        marital = "KAWIN" if married else d.choice(("BELUM KAWIN", "CERAI HIDUP", "CERAI MATI"))
        # The head's row never carries a planted error: a family always keeps its head.
        self.person(home, _Person(head_sex, head_born, marital, "KEPALA KELUARGA"), may_err=False)
        rest = size - 1
        if married:
            spouse_sex, relation = ("P", "ISTRI") if head_sex == "L" else ("L", "SUAMI")
            born = d.birth(BIRTH_FIRST, ADULT_LAST)
            self.person(home, _Person(spouse_sex, born, "KAWIN", relation))
            rest -= 1
        child_first = min(head_born.toordinal() + 18 * 365, CHILD_LAST - 1)
        for _ in range(rest):
            self.person(home, self.relative(head_born, child_first))

    def relative(self, head_born: date, child_first: int) -> _Person:
        """A member other than the head and spouse: mostly a child, else a parent or other kin."""
        d = self.draw
        r = d.rand()
        # Each branch draws sex, then birth date, then (last branch) the relation: keep that order.
        if r < 0.85:
            sex = d.choice("LP")
            born = d.birth(child_first, CHILD_LAST)
            return _Person(sex, born, "BELUM KAWIN", "ANAK")
        if r < 0.93:
            sex = d.choice("LP")
            born = d.birth(BIRTH_FIRST, head_born.toordinal())
            return _Person(sex, born, "CERAI MATI", "ORANG TUA")
        sex = d.choice("LP")
        born = d.birth(child_first, CHILD_LAST)
        return _Person(sex, born, "BELUM KAWIN", d.choice(("CUCU", "FAMILI LAIN", "PEMBANTU")))

    def individual(self) -> None:
        # A person outside any family: 10% without a NIK yet (NIK_PENDING), ~5% a second record of
        # someone already listed in a family ("data ganda": DUPLICATE_NIK on both).
        d = self.draw
        src = self.last_clean
        if src is not None and d.rand() < 0.05:
            self.duplicate(src)
            return
        village, rt, rw, alamat = d.place(self.villages)
        # Drawn in this order (sex, birth, marital status, last name, NIK or not): keep it.
        sex = d.choice("LP")
        born = d.birth(BIRTH_FIRST, ADULT_LAST)
        marital = d.choice(_codes["status_perkawinan"])
        home = _Home("", village, rt, rw, alamat, [""] * len(HOUSE), last_name=d.choice(LAST))
        self.person(home, _Person(sex, born, marital, "", with_nik=d.rand() >= 0.1))

    def duplicate(self, src: list[str]) -> None:
        """The family member's CSV row `src` again, as an individual elsewhere (same NIK)."""
        self.last_clean = None
        self.row += 1
        village, rt, rw, alamat = self.draw.place(self.villages)
        no_family, no_house = "", [""] * len(HOUSE)
        # no_kk, nik, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, status_perkawinan, hubungan, ...
        row = [no_family, *src[1:7], "", village, rt, rw, alamat, "", "", "", "", *no_house]
        self.out.csv_rows.append(row)
        self.person_id += 1
        self.dups += 1
        self.out.p_lines.append(
            _tsv(
                (
                    f"{self.prefix}{self.person_id}",
                    src[1],
                    src[2],
                    src[3],
                    _parse(src[4]),
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

    # --- one person ----------------------------------------------------------------------------

    def person(self, home: _Home, p: _Person, *, may_err: bool = True) -> None:
        """The person's CSV row; unless a planted error refuses it, their version rows too."""
        self.row += 1
        row_no = self.row + 1  # line 1 is the header
        self.draw_person(home, p)
        row = self.csv_row(home, p)
        error = None
        if may_err and p.with_nik and row_no >= self.next_error:
            error = self.plant_error(row, p, home.no_kk)
            self.refused[str(row_no)] = error
        self.out.csv_rows.append(row)
        if error is None:
            self.store(home, p, row)

    def draw_person(self, home: _Home, p: _Person) -> None:
        """Fills in `p`: NIK (from the serial counters), name, birthplace, codes, sex as written."""
        d = self.draw
        if p.with_nik:
            day = p.born.day + (40 if p.sex == "P" else 0)
            p.nik = self.nik_ids.make(home.village[:6], day, p.born.month, p.born.year)
        first = d.choice(MALE if p.sex == "L" else FEMALE)
        p.nama = f"{first} {home.last_name}" if d.rand() < 0.85 else first
        p.tempat = d.choice(PLACES)
        p.kategori = "PPKS" if d.rand() < 0.3 else ""
        p.kriteria = d.multi("kriteria", 0.3)
        p.disabilitas = d.multi("disabilitas", 0.02, 1)
        p.program = d.multi("program", 0.25)
        p.sex_text = p.sex if d.rand() < 0.9 else _labels["jenis_kelamin"][p.sex]
        # A sex that disagrees with the NIK (loaded, finding NIK_MISMATCH) on ~0.2% of the rows.
        p.stored_sex = p.sex
        if p.with_nik and d.rand() < 0.002:
            p.stored_sex = "P" if p.sex == "L" else "L"
            p.sex_text = p.stored_sex

    def csv_row(self, home: _Home, p: _Person) -> list[str]:
        # In TEMPLATE_COLUMNS order; the date is drawn before the RT (the order of the draws).
        born_text = self.draw.date_text(p.born)
        rt = home.rt.lstrip("0") if self.draw.rand() < 0.5 else home.rt
        return [
            home.no_kk,
            p.nik,
            p.nama,
            p.tempat,
            born_text,
            p.sex_text,
            p.marital,
            p.relation,
            home.village,
            rt,
            home.rw,
            home.alamat,
            p.kategori,
            ";".join(p.kriteria),
            ",".join(p.disabilitas),
            "; ".join(p.program),
            *home.house,
        ]

    def plant_error(self, row: list[str], p: _Person, no_kk: str) -> str:
        """Spoils one field of `row` with the next error kind in rotation; returns "field:code"."""
        kind, field_name, code = ERROR_KINDS[self.errors % len(ERROR_KINDS)]
        if kind == "nik_missing" and not no_kk:  # an individual may lack a NIK: not an error
            kind, field_name, code = ERROR_KINDS[0]
        row[_COLUMN[field_name]] = _PLANTED[kind](p.nik, p.born)
        self.errors += 1
        self.next_error += self.error_every
        return f"{field_name}:{code}"

    def store(self, home: _Home, p: _Person, row: list[str]) -> None:
        """What the loader stores for a person it accepts (the floor files), and the findings."""
        self.person_id += 1
        pid = str(self.person_id)
        if not p.with_nik:
            self.pending += 1
        if p.stored_sex != p.sex:
            self.mismatch += 1
        self.out.p_lines.append(
            f"{self.prefix}{pid}\t{p.nik or NULL}\t{p.nama}\t{p.tempat}\t{p.born.isoformat()}\t{p.stored_sex}\t"
            f"{p.marital}\t{home.village}\t{home.rt}\t{home.rw}\t{home.alamat}\t{p.kategori}\t"
            f"{{{','.join(p.kriteria)}}}\t{{{','.join(p.disabilitas)}}}\t{{{','.join(p.program)}}}\n"
        )
        if home.no_kk:
            self.out.m_lines.append(f"{self.prefix}{self.family_id}\t{pid}\t{p.relation}\n")
            self.members += 1
            if p.with_nik and p.stored_sex == p.sex:
                self.last_clean = row


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
    paths = {name: out_dir / name for name in _OUTPUT_FILES}
    files = _Files(paths)
    gen = _Generator(
        files=files,
        villages=sorted(villages),
        seed=seed,
        error_every=error_every,
        prefix=f"{period}\tt\t{batch_id}\t",
    )
    gen.run(persons, individual_share)
    files.close()

    extract = Extract(
        csv=str(paths["extract.csv"]),
        person_tsv=str(paths["floor_person.tsv"]),
        family_tsv=str(paths["floor_family.tsv"]),
        membership_tsv=str(paths["floor_membership.tsv"]),
        rows=gen.row,
        persons=gen.person_id,
        families=gen.family_id,
        memberships=gen.members,
        refused=gen.refused,
        findings={
            "NIK_PENDING": gen.pending,
            "NIK_MISMATCH": gen.mismatch,
            "DUPLICATE_NIK": 2 * gen.dups,
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
