"""The demo registry (`manage.py seed_demo`): a synthetic DTKS extract loaded through the real baseline path.

The demo is an import-template CSV (docs/design.md §6) written under `VAR_DIR/demo/` and loaded with
`registry_baseline_load` exactly as a real extract would be, so every screen that reads the registry,
its findings (§7) and its refused rows has something to show. Content:

- every kelurahan of Kota Magelang (3371, Jawa Tengah) and a few desa of Kabupaten Sleman (3404, DI
  Yogyakarta), read from the region table, never from a list in this file;
- about 600 families (heads, mostly male but some widows and divorced women; spouses; children with
  plausible ages; sometimes a parent/parent-in-law, a married child with spouse and grandchildren, a
  relative) and about 20 individuals outside any family (elderly living alone, homeless persons);
- names from Faker `id_ID`; NIK = the village's kecamatan code + DDMMYY of the birth date (women: day
  + 40) + a serial unique per (kecamatan, DDMMYY); KK = kecamatan code + DDMMYY of issue + serial;
- house conditions, criteria, disabilities, programmes and categories as codes of `codelists.SEED`,
  skewed towards poor households.

Planted defects, all accepted by the loader and recorded as findings: one NIK on two persons in two
families (`DUPLICATE_NIK`, 2 persons), a NIK whose DDMMYY disagrees with the birth date
(`NIK_MISMATCH`), a person without tempat lahir and one without status perkawinan (`INCOMPLETE`), a
family without house conditions (`INCOMPLETE`), a family whose head is missing (`FAMILY_NOT_A_SET`),
two individuals without a NIK (`NIK_PENDING`). Three further rows hold deliberate format errors the
loader refuses (a NIK Excel turned into a number, 31/02, an unknown relationship code), so the
refused-rows report has something to show.

Determinism: Faker and `random.Random` are seeded with `SEED` and ages are computed at `DEMO_PERIOD`,
never at today's date, so the same region data gives the same file byte for byte; a second run is
answered "already loaded" by the loader (it compares the file's SHA-256). The period is fixed,
`DEMO_PERIOD` = 2026-10 (the month before this demo was written), so the demo does not depend on the
day it is seeded and later determinations have months after it; `seed_demo --period` overrides it.
"""

import csv
import hashlib
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from faker import Faker

from dtks.regions.models import Level, Region

from .codelists import SEED as CODE_SEED
from .loading import BaselineRefused, BaselineResult, registry_baseline_load
from .models import Batch, FamilyVersion, Finding, LoadError, MembershipVersion, PersonVersion
from .reading import TEMPLATE_COLUMNS

SEED = 3371
DEMO_PERIOD = date(2026, 10, 1)
AGE_DATE = DEMO_PERIOD  # ages are computed at this date, never at today's (the file must not change)
ACTOR = "sistem:seed_demo"
FILE_NAME = "dtks-demo-baseline.csv"
CITY_CODE = "3371"  # Kota Magelang: all its kelurahan
REGENCY_CODE = "3404"  # Kabupaten Sleman (another province): REGENCY_VILLAGES of its desa
REGENCY_VILLAGES = 8
FAMILIES_PER_KELURAHAN = (24, 30)
FAMILIES_PER_DESA = (16, 22)

# fmt: off
NEARBY_TOWNS = (
    "MAGELANG", "SLEMAN", "TEMANGGUNG", "PURWOREJO", "WONOSOBO", "SEMARANG", "YOGYAKARTA", "BANTUL",
    "KLATEN", "BOYOLALI", "KULON PROGO",
)
DUSUN = (
    "Jetis", "Krapyak", "Karanganyar", "Gondang", "Kembang", "Ngabean", "Tegalsari", "Sidorejo",
    "Plosokuning", "Sendangsari", "Ngemplak", "Kadisoka", "Banjarharjo", "Karangasem", "Sumberan",
    "Pundong", "Kradenan", "Glondong",
)
STREETS = (
    "Pemuda", "Tidar", "Diponegoro", "Ahmad Yani", "Pahlawan", "Sudirman", "Urip Sumoharjo",
    "Tentara Pelajar", "Ikhlas", "Kalimas", "Sriwijaya", "Singosari", "Majapahit", "Pajajaran", "Kartini",
    "Cempaka", "Kenanga", "Mawar", "Melati", "Anggrek", "Sunan Bonang", "Sunan Kalijaga", "Gatot Subroto",
    "Veteran", "Bayeman", "Kyai Sepanjang", "Pierre Tendean", "Soekarno-Hatta", "Jeruk", "Beringin",
    "Tuguran", "Kemiri", "Kalingga",
)
HOMELESS_PLACES = (
    "Tidak tetap, sekitar Terminal Tidar", "Tidak tetap, emperan pertokoan Jl. Pemuda",
    "Tidak tetap, sekitar Alun-alun Kota Magelang", "Tidak tetap, sekitar Pasar Rejowinangun",
)

# House conditions: weights per code (codes of codelists.SEED); the second table for very poor families.
HOUSE_WEIGHTS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "status_kepemilikan": (
        {"MILIK_SENDIRI": 62, "KONTRAK_SEWA": 16, "BEBAS_SEWA": 16, "DINAS": 1, "LAINNYA": 5},
        {"MILIK_SENDIRI": 48, "KONTRAK_SEWA": 14, "BEBAS_SEWA": 30, "LAINNYA": 8},
    ),
    "atap": (
        {"GENTENG_TANAH_LIAT": 58, "GENTENG_KERAMIK": 6, "GENTENG_METAL": 6, "BETON": 3, "ASBES": 14,
         "SENG": 10, "SIRAP": 1, "LAINNYA": 2},
        {"GENTENG_TANAH_LIAT": 45, "ASBES": 18, "SENG": 24, "SIRAP": 3, "BAMBU": 4, "JERAMI": 2,
         "LAINNYA": 4},
    ),
    "dinding": (
        {"TEMBOK": 62, "PLESTERAN_BAMBU": 10, "KAYU": 10, "ANYAMAN_BAMBU": 12, "BAMBU": 4, "LAINNYA": 2},
        {"TEMBOK": 30, "PLESTERAN_BAMBU": 14, "KAYU": 14, "ANYAMAN_BAMBU": 26, "BATANG_KAYU": 4, "BAMBU": 10,
         "LAINNYA": 2},
    ),
    "lantai": (
        {"KERAMIK": 25, "UBIN": 18, "SEMEN": 38, "KAYU_RENDAH": 3, "TANAH": 13, "LAINNYA": 3},
        {"KERAMIK": 6, "UBIN": 8, "SEMEN": 40, "BAMBU": 3, "KAYU_RENDAH": 6, "TANAH": 35, "LAINNYA": 2},
    ),
    "sumber_air_minum": (
        {"AIR_ISI_ULANG": 20, "LEDENG_METERAN": 20, "LEDENG_ECERAN": 5, "SUMUR_BOR": 14,
         "SUMUR_TERLINDUNG": 28, "SUMUR_TAK_TERLINDUNG": 5, "MATA_AIR_TERLINDUNG": 6, "AIR_KEMASAN": 2},
        {"AIR_ISI_ULANG": 8, "LEDENG_ECERAN": 8, "SUMUR_BOR": 6, "SUMUR_TERLINDUNG": 35,
         "SUMUR_TAK_TERLINDUNG": 22, "MATA_AIR_TERLINDUNG": 10, "MATA_AIR_TAK_TERLINDUNG": 6, "AIR_HUJAN": 2,
         "AIR_PERMUKAAN": 3},
    ),
    "penerangan": (
        {"LISTRIK_PLN": 97, "LISTRIK_NON_PLN": 3},
        {"LISTRIK_PLN": 84, "LISTRIK_NON_PLN": 13, "BUKAN_LISTRIK": 3},
    ),
    "fasilitas_bab": (
        {"SENDIRI": 72, "BERSAMA": 18, "UMUM": 8, "TIDAK_ADA": 2},
        {"SENDIRI": 40, "BERSAMA": 30, "UMUM": 18, "TIDAK_ADA": 12},
    ),
}
# fmt: on
HOUSE = tuple(HOUSE_WEIGHTS)


class DemoUnavailable(Exception):
    """The demo cannot be built (regions not loaded); the message is for the user."""


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    kind: str  # kelurahan / desa
    town: str  # the city's or regency's name without "Kota"/"Kabupaten", as a birthplace
    dusun: tuple[str, ...] = ()  # desa only: its hamlets (one RW each)

    @property
    def district(self) -> str:
        return self.code[:6]


@dataclass(frozen=True)
class Home:
    village: Village
    rt: str
    rw: str
    alamat: str


@dataclass
class Person:
    nik: str | None
    nama: str
    tempat_lahir: str
    tanggal_lahir: date
    jenis_kelamin: str
    status_perkawinan: str
    hubungan_keluarga: str = ""
    age: int = 0
    kategori: str = ""
    kriteria: list[str] = field(default_factory=list)
    disabilitas: list[str] = field(default_factory=list)
    program: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # cells written as given (planted format errors)
    refused: tuple[str, str] | None = None  # (field, code) the loader must refuse this row with


@dataclass
class Family:
    no_kk: str
    home: Home
    house: dict[str, str]
    poverty: str
    members: list[Person]

    def first(self, hubungan: str) -> Person | None:
        return next((p for p in self.members if p.hubungan_keluarga == hubungan), None)


@dataclass
class Planted:
    """What the demo plants, for the summary and the tests."""

    duplicate_nik: str = ""
    nik_mismatch: str = ""
    incomplete_persons: dict[str, str] = field(default_factory=dict)  # NIK -> missing field
    incomplete_family: str = ""  # no_kk
    headless_family: str = ""  # no_kk
    nik_pending: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (file row, field, code)


@dataclass
class Demo:
    content: bytes
    villages: list[Village]
    families: int
    persons: int  # rows the loader should accept
    individuals: int
    planted: Planted


def demo_villages() -> list[Village]:
    """Every kelurahan of CITY_CODE and REGENCY_VILLAGES desa of REGENCY_CODE, spread over its kecamatan."""
    regencies = {r.code: r.name for r in Region.objects.filter(code__in=[CITY_CODE, REGENCY_CODE])}
    if len(regencies) != 2:
        raise DemoUnavailable("Wilayah Kemendagri belum dimuat: jalankan `manage.py load_regions` dulu.")

    def town(code: str) -> str:
        return regencies[code].removeprefix("Kota ").removeprefix("Kabupaten ").upper()

    city = [
        Village(r.code, r.name, r.kind, town(CITY_CODE))
        for r in Region.objects.filter(level=Level.VILLAGE, code__startswith=CITY_CODE).order_by("code")
    ]
    desa = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=REGENCY_CODE, kind="desa").order_by(
            "code"
        )
    )
    if not city or len(desa) < REGENCY_VILLAGES:
        raise DemoUnavailable("Wilayah Kemendagri belum lengkap: jalankan `manage.py load_regions` dulu.")
    by_district: dict[str, list[Region]] = {}
    for r in desa:
        by_district.setdefault(r.code[:6], []).append(r)
    districts = sorted(by_district)
    picked = [by_district[districts[i * len(districts) // REGENCY_VILLAGES]] for i in range(REGENCY_VILLAGES)]
    regency = []
    for i, candidates in enumerate(picked):
        r = candidates[(i * 7) % len(candidates)]
        hamlets = tuple(DUSUN[(i * 3 + k) % len(DUSUN)] for k in range(4))
        regency.append(Village(r.code, r.name, r.kind, town(REGENCY_CODE), hamlets))
    return city + regency


class _Builder:
    def __init__(self, villages: list[Village]):
        self.villages = villages
        self.rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
        self.fake = Faker("id_ID")
        self.fake.seed_instance(SEED)
        self.serials: dict[str, int] = {}
        self.families: list[Family] = []
        self.individuals: list[tuple[Person, Home]] = []
        self.planted = Planted()

    # --- identities ---------------------------------------------------------------------------------

    def _serial(self, key: str) -> str:
        # Serials start somewhere plausible and count up, so (district, DDMMYY) never repeats one.
        n = self.serials.get(key) or self.rng.randint(0, 400)
        self.serials[key] = n + 1
        return f"{n + 1:04d}"

    def nik(self, district: str, born: date, sex: str) -> str:
        day = born.day + (40 if sex == "P" else 0)
        head = f"{district}{day:02d}{born:%m%y}"
        return head + self._serial("nik" + head)

    def kk(self, district: str, members: list[Person]) -> str:
        # Issued (or last reissued) after the youngest member's birth, from 2008 until the period.
        since = max([date(2008, 1, 1), *(p.tanggal_lahir for p in members)])
        issued = since + timedelta(days=self.rng.randint(0, (AGE_DATE - since).days - 1))
        head = f"{district}{issued:%d%m%y}"
        return head + self._serial("kk" + head)

    def born(self, age: int) -> date:
        start = AGE_DATE.replace(year=AGE_DATE.year - age - 1) + timedelta(days=1)
        return start + timedelta(days=self.rng.randint(0, 364))

    def name(self, sex: str) -> str:
        f = self.fake
        first = f.first_name_male() if sex == "L" else f.first_name_female()
        if self.rng.random() < 0.3:  # a single name, common in Java
            return first.upper()
        last = f.last_name_male() if sex == "L" else f.last_name_female()
        return f"{first} {last}".upper()

    def birthplace(self, village: Village) -> str:
        r = self.rng.random()
        if r < 0.8:
            return village.town
        if r < 0.97:
            return self.rng.choice([t for t in NEARBY_TOWNS if t != village.town])
        return self.fake.city_name().upper()

    def person(
        self, village: Village, hubungan: str = "", *, age: int, sex: str = "", status: str = "BELUM KAWIN"
    ) -> Person:
        """A person living in `village` (NIK issued in its kecamatan); sex drawn when not given."""
        sex = sex or self.rng.choice("LP")
        age = max(age, 0)
        born = self.born(age)
        return Person(
            nik=self.nik(village.district, born, sex),
            nama=self.name(sex),
            tempat_lahir=self.birthplace(village),
            tanggal_lahir=born,
            jenis_kelamin=sex,
            status_perkawinan=status,
            hubungan_keluarga=hubungan,
            age=age,
        )

    # --- homes and houses ---------------------------------------------------------------------------

    def home(self, village: Village) -> Home:
        rng = self.rng
        if village.kind == "desa":
            rw = rng.randint(1, len(village.dusun))
            return Home(village, str(rng.randint(1, 6)), str(rw), f"Dusun {village.dusun[rw - 1]}")
        prefix = "Jl." if rng.random() < 0.75 else "Gg."
        alamat = f"{prefix} {rng.choice(STREETS)} No. {rng.randint(1, 120)}"
        return Home(village, f"{rng.randint(1, 8):03d}", f"{rng.randint(1, 12):03d}", alamat)

    def house(self, poverty: str) -> dict[str, str]:
        out = {}
        for column, (modest, poor) in HOUSE_WEIGHTS.items():
            table = poor if poverty == "sangat_miskin" else modest
            out[column] = self.rng.choices(list(table), weights=list(table.values()))[0]
        return out

    # --- families -----------------------------------------------------------------------------------

    def children(self, village: Village, mother_age: int, *, max_age: int) -> list[Person]:
        rng = self.rng
        n = rng.choices([0, 1, 2, 3, 4], weights=[8, 22, 35, 22, 13])[0]
        kids, age = [], mother_age - rng.randint(20, 32)
        for _ in range(n):
            if age < 0:
                break
            if age <= max_age:
                kids.append(self.person(village, "ANAK", age=age))
            age -= rng.randint(2, 7)
        return kids

    def family(self, village: Village) -> Family:
        rng = self.rng
        kind = rng.choices(
            ["couple", "wife_head", "widow", "divorced", "widower", "elder_alone", "single"],
            weights=[68, 2, 13, 4, 5, 5, 3],
        )[0]
        members: list[Person] = []
        mother_age = None
        if kind in ("couple", "wife_head"):
            head_sex = "L" if kind == "couple" else "P"
            head_age = rng.randint(24, 75) if kind == "couple" else rng.randint(28, 60)
            head = self.person(village, "KEPALA KELUARGA", age=head_age, sex=head_sex, status="KAWIN")
            gap = rng.randint(-2, 8)
            spouse_age = max(19, head_age - gap if head_sex == "L" else head_age + gap)
            spouse_sex, spouse_rel = ("P", "ISTRI") if head_sex == "L" else ("L", "SUAMI")
            spouse = self.person(village, spouse_rel, age=spouse_age, sex=spouse_sex, status="KAWIN")
            members += [head, spouse]
            mother_age = spouse_age if head_sex == "L" else head_age
        elif kind in ("widow", "divorced", "widower"):
            sex = "L" if kind == "widower" else "P"
            age = rng.randint(28, 50) if kind == "divorced" else rng.randint(40, 80)
            status = "CERAI HIDUP" if kind == "divorced" else "CERAI MATI"
            members.append(self.person(village, "KEPALA KELUARGA", age=age, sex=sex, status=status))
            mother_age = age if sex == "P" else age - rng.randint(0, 6)
        elif kind == "elder_alone":
            sex = "P" if rng.random() < 0.8 else "L"
            age = rng.randint(65, 88)
            members.append(self.person(village, "KEPALA KELUARGA", age=age, sex=sex, status="CERAI MATI"))
        else:
            members.append(self.person(village, "KEPALA KELUARGA", age=rng.randint(22, 45)))
        head = members[0]

        if mother_age is not None:
            kids = self.children(village, mother_age, max_age=35 if head.age < 60 else 40)
            members += kids
            married = next((k for k in kids if k.age >= 24 and rng.random() < 0.2), None)
            if married is not None:  # a married child still on the parents' KK, with spouse and children
                married.status_perkawinan = "KAWIN"
                in_law_sex = "P" if married.jenis_kelamin == "L" else "L"
                in_law_age = married.age + rng.randint(-3, 3)
                members.append(
                    self.person(village, "MENANTU", age=in_law_age, sex=in_law_sex, status="KAWIN")
                )
                mum_age = married.age if married.jenis_kelamin == "P" else married.age + rng.randint(-3, 3)
                for k in range(rng.randint(1, 2)):
                    age = mum_age - rng.randint(20, 26) - 3 * k
                    if age >= 0:
                        members.append(self.person(village, "CUCU", age=age))
        if head.age >= 55 and len(members) <= 2 and rng.random() < 0.15:  # grandparents raising a grandchild
            members.append(self.person(village, "CUCU", age=rng.randint(4, 15)))
        if kind in ("couple", "wife_head") and head.age <= 55 and rng.random() < 0.12:
            relation = rng.choice(["ORANG TUA", "MERTUA"])
            sex = "P" if rng.random() < 0.75 else "L"
            age = min(92, head.age + rng.randint(22, 32))
            members.append(self.person(village, relation, age=age, sex=sex, status="CERAI MATI"))
        if rng.random() < 0.03:
            members.append(self.person(village, "FAMILI LAIN", age=rng.randint(15, 25)))

        poverty = rng.choices(["sangat_miskin", "miskin", "rentan"], weights=[30, 45, 25])[0]
        if kind == "elder_alone" and poverty == "rentan":
            poverty = "miskin"
        fam = Family(
            self.kk(village.district, members), self.home(village), self.house(poverty), poverty, members
        )
        self.attributes(fam)
        return fam

    def attributes(self, fam: Family) -> None:
        """Criteria, disabilities, programmes and category, per person."""
        rng = self.rng
        poor = fam.poverty != "rentan"
        disaster = rng.random() < 0.02
        for p in fam.members:
            if p.age >= 3 and rng.random() < (0.1 if p.age >= 70 else 0.025):
                p.disabilitas = [
                    rng.choice(["FISIK", "NETRA", "RUNGU"] if p.age >= 70 else list(_codes("disabilitas")))
                ]
            p.kriteria = (["KEMISKINAN"] if poor else []) + (["KEDISABILITASAN"] if p.disabilitas else [])
            if disaster:
                p.kriteria.append("KORBAN_BENCANA")
        pbi = rng.random() < {"sangat_miskin": 0.9, "miskin": 0.7, "rentan": 0.35}[fam.poverty]
        bpnt = rng.random() < {"sangat_miskin": 0.8, "miskin": 0.5, "rentan": 0.15}[fam.poverty]
        pkh_eligible = poor and any(p.age < 18 or p.age >= 60 or p.disabilitas for p in fam.members)
        pkh = pkh_eligible and rng.random() < (0.6 if fam.poverty == "sangat_miskin" else 0.35)
        rutilahu = (
            fam.house["lantai"] == "TANAH" or fam.house["dinding"] in ("ANYAMAN_BAMBU", "BAMBU")
        ) and (rng.random() < 0.15)
        head = fam.members[0]
        carer = fam.first("ISTRI") or head  # PKH is paid to the mother where there is one
        for p in fam.members:
            if pbi:
                p.program.append("PBI_JK")
            if pkh and p is carer:
                p.program.append("PKH")
            if pkh and p.hubungan_keluarga in ("ANAK", "CUCU") and 6 <= p.age <= 21 and rng.random() < 0.6:
                p.program.append("PIP")
            if p.disabilitas and rng.random() < 0.3:
                p.program.append("ATENSI")
        if bpnt:
            head.program.append("BPNT")
        if rutilahu:
            head.program.append("RUTILAHU")
        for p in fam.members:
            p.kategori = _category(p, rng)

    def build(self) -> None:
        rng = self.rng
        for village in self.villages:
            low, high = FAMILIES_PER_DESA if village.kind == "desa" else FAMILIES_PER_KELURAHAN
            for _ in range(rng.randint(low, high)):
                self.families.append(self.family(village))
        self.outside_families()
        self.plant()

    def outside_families(self) -> None:
        """About 20 individuals outside any family (rows without no_kk)."""
        rng = self.rng
        city = [v for v in self.villages if v.kind == "kelurahan"]
        for _ in range(12):  # elderly living alone, without a KK of their own
            village = rng.choice(self.villages)
            sex = "P" if rng.random() < 0.7 else "L"
            p = self.person(village, age=rng.randint(66, 90), sex=sex, status="CERAI MATI")
            p.kriteria = ["KETELANTARAN", "KEMISKINAN"]
            p.program = ["PBI_JK"] + (["ATENSI"] if rng.random() < 0.5 else [])
            if rng.random() < 0.25:
                p.disabilitas = [rng.choice(["FISIK", "NETRA", "RUNGU"])]
                p.kriteria.append("KEDISABILITASAN")
            p.kategori = "PPKS"
            self.individuals.append((p, self.home(village)))
        for k in range(6):  # homeless persons found in the city; the last two have no NIK yet
            village = rng.choice(city)
            sex = "L" if rng.random() < 0.7 else "P"
            status = rng.choice(["BELUM KAWIN", "CERAI HIDUP"])
            p = self.person(village, age=rng.randint(25, 60), sex=sex, status=status)
            if k >= 4:
                p.nik = None
                p.tanggal_lahir = p.tanggal_lahir.replace(month=7, day=1)  # an estimated birth date
                self.planted.nik_pending += 1
            p.kriteria = ["KETUNAAN_SOSIAL"]
            p.program = ["ATENSI"]
            p.kategori = "PPKS"
            self.individuals.append((p, Home(village, "", "", rng.choice(HOMELESS_PLACES))))
        for _ in range(2):  # persons with a psychosocial disability, neglected
            village = rng.choice(self.villages)
            p = self.person(village, age=rng.randint(30, 55))
            p.disabilitas = ["MENTAL"]
            p.kriteria = ["KEDISABILITASAN", "KETELANTARAN"]
            p.program = ["PBI_JK", "ATENSI"]
            p.kategori = "PPKS"
            self.individuals.append((p, self.home(village)))

    # --- planted defects ----------------------------------------------------------------------------

    def plant(self) -> None:
        rng, used = self.rng, set()

        def pick(test, *, desa: bool = False) -> int:
            candidates = [
                i
                for i, f in enumerate(self.families)
                if i not in used and (f.home.village.kind == "desa") == desa and test(f)
            ]
            i = rng.choice(candidates)
            used.add(i)
            return i

        def has(rel: str, *, min_age: int = 0, max_age: int = 200, sex: str = ""):
            return lambda f: any(
                p.hubungan_keluarga == rel and min_age <= p.age <= max_age and sex in ("", p.jenis_kelamin)
                for p in f.members
            )

        # DUPLICATE_NIK: a daughter married into a new family in the same village, still on her parents' KK.
        a = pick(has("ANAK", min_age=20, max_age=30, sex="P"))
        parents = self.families[a]
        daughter = next(
            p
            for p in parents.members
            if p.hubungan_keluarga == "ANAK" and p.jenis_kelamin == "P" and 20 <= p.age <= 30
        )
        village = parents.home.village
        age = daughter.age + rng.randint(1, 5)
        husband = self.person(village, "KEPALA KELUARGA", age=age, sex="L", status="KAWIN")
        wife = Person(
            nik=daughter.nik,
            nama=daughter.nama,
            tempat_lahir=daughter.tempat_lahir,
            tanggal_lahir=daughter.tanggal_lahir,
            jenis_kelamin="P",
            status_perkawinan="KAWIN",
            hubungan_keluarga="ISTRI",
            age=daughter.age,
        )
        baby = self.person(village, "ANAK", age=rng.randint(0, 2))
        members = [husband, wife, baby]
        young = Family(
            self.kk(village.district, members), self.home(village), self.house("miskin"), "miskin", members
        )
        self.attributes(young)
        self.families.insert(a + 1, young)
        used = {i + 1 if i > a else i for i in used} | {a + 1}
        self.planted.duplicate_nik = daughter.nik or ""

        # NIK_MISMATCH: a head's birth date typed one day late (the NIK keeps the true one).
        head = self.families[pick(has("KEPALA KELUARGA", min_age=30), desa=True)].members[0]
        head.tanggal_lahir += timedelta(days=1)
        self.planted.nik_mismatch = head.nik or ""

        # INCOMPLETE persons: a child without tempat lahir, a wife without status perkawinan.
        child = next(p for p in self.families[pick(has("ANAK"))].members if p.hubungan_keluarga == "ANAK")
        child.tempat_lahir = ""
        wife = next(
            p for p in self.families[pick(has("ISTRI"), desa=True)].members if p.hubungan_keluarga == "ISTRI"
        )
        wife.status_perkawinan = ""
        self.planted.incomplete_persons = {
            child.nik or "": "tempat_lahir",
            wife.nik or "": "status_perkawinan",
        }

        # INCOMPLETE family: house conditions never surveyed.
        fam = self.families[pick(lambda f: True)]
        fam.house = {}
        self.planted.incomplete_family = fam.no_kk

        # FAMILY_NOT_A_SET: the head died and the KK was not updated (wife and children remain, no head).
        fam = self.families[
            pick(lambda f: f.members[0].jenis_kelamin == "L" and has("ISTRI")(f) and has("ANAK")(f))
        ]
        fam.members.pop(0)
        self.planted.headless_family = fam.no_kk

        # Deliberate FORMAT errors the loader refuses (the refused-rows report has something to show):
        # 1. a NIK that Excel turned into a number (3.37101E+15);
        fam = self.families[pick(lambda f: f.first("ISTRI") is not None and f.first("ISTRI").age < 40)]
        kid = self.person(fam.home.village, "ANAK", age=rng.randint(1, 4))
        kid.cells["nik"] = f"{int(kid.nik or 0):.5E}"
        kid.refused = ("nik", "excel")
        fam.members.append(kid)
        # 2. a birth date that does not exist (31/02, the NIK says 13/02);
        fam = self.families[
            pick(lambda f: f.first("ISTRI") is not None and f.first("ISTRI").age >= 55, desa=True)
        ]
        son = self.person(fam.home.village, "ANAK", age=0, sex="L")
        year = AGE_DATE.year - fam.first("ISTRI").age + 24
        son.tanggal_lahir = date(year, 2, 13)
        son.age = AGE_DATE.year - year - 1
        son.nik = self.nik(fam.home.village.district, son.tanggal_lahir, "L")
        son.cells["tanggal_lahir"] = f"31/02/{year}"
        son.refused = ("tanggal_lahir", "date")
        fam.members.append(son)
        # 3. a relationship outside the code list (a nephew should be FAMILI LAIN).
        fam = self.families[pick(has("KEPALA KELUARGA", min_age=40))]
        nephew = self.person(fam.home.village, "FAMILI LAIN", age=rng.randint(12, 20), sex="L")
        nephew.cells["hubungan_keluarga"] = "KEPONAKAN"
        nephew.refused = ("hubungan_keluarga", "unknown")
        fam.members.append(nephew)

    # --- the file -----------------------------------------------------------------------------------

    def render(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(TEMPLATE_COLUMNS)
        row_no = 1
        rows = [(p, f.home, f.house, f.no_kk) for f in self.families for p in f.members]
        rows += [(p, home, {}, "") for p, home in self.individuals]
        for p, home, house, no_kk in rows:
            row_no += 1
            # Sleman's desa came from an office that exports dates as DD/MM/YYYY.
            date_format = "%d/%m/%Y" if home.village.kind == "desa" else "%Y-%m-%d"
            cells = {
                "no_kk": no_kk,
                "nik": p.nik or "",
                "nama": p.nama,
                "tempat_lahir": p.tempat_lahir,
                "tanggal_lahir": p.tanggal_lahir.strftime(date_format),
                "jenis_kelamin": p.jenis_kelamin,
                "status_perkawinan": p.status_perkawinan,
                "hubungan_keluarga": p.hubungan_keluarga,
                "kode_wilayah": home.village.code,
                "rt": home.rt,
                "rw": home.rw,
                "alamat": home.alamat,
                "kategori": p.kategori,
                "kriteria": ";".join(p.kriteria),
                "disabilitas": ";".join(p.disabilitas),
                "program": ";".join(p.program),
                **{h: house.get(h, "") for h in HOUSE},
            }
            cells.update(p.cells)
            if p.refused:
                self.planted.refused.append((row_no, *p.refused))
            writer.writerow([cells[c] for c in TEMPLATE_COLUMNS])
        return buf.getvalue().encode("utf-8")


def _codes(list_name: str) -> tuple[str, ...]:
    return tuple(code for code, _label in CODE_SEED[list_name])


def _category(p: Person, rng: random.Random) -> str:
    if p.kriteria:
        return "PPKS"
    if p.program:
        return "PENERIMA_BANTUAN"
    return "PSKS" if p.age >= 25 and rng.random() < 0.05 else ""


def demo_build() -> Demo:
    """The demo extract (deterministic for the same region data) and what it plants."""
    builder = _Builder(demo_villages())
    builder.build()
    content = builder.render()
    refused = len(builder.planted.refused)
    persons = sum(len(f.members) for f in builder.families) + len(builder.individuals) - refused
    return Demo(
        content=content,
        villages=builder.villages,
        families=len(builder.families),
        persons=persons,
        individuals=len(builder.individuals),
        planted=builder.planted,
    )


def demo_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / FILE_NAME


@dataclass
class DemoSeed:
    status: str  # "loaded", "already_loaded" or "other_baseline"
    path: Path
    demo: Demo
    batch: Batch | None = None
    result: BaselineResult | None = None


def registry_demo_seed(*, period: date = DEMO_PERIOD, actor: str = ACTOR) -> DemoSeed:
    """Write the demo extract under VAR_DIR and load it as the baseline (never over another baseline)."""
    demo = demo_build()
    path = demo_path()
    existing = Batch.objects.filter(kind=Batch.Kind.BASELINE).first()
    if existing is not None and existing.source_sha256 != hashlib.sha256(demo.content).hexdigest():
        return DemoSeed(status="other_baseline", path=path, demo=demo, batch=existing)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_bytes() != demo.content:
        path.write_bytes(demo.content)
    try:
        result = registry_baseline_load(path=path, period=period, actor=actor)
    except BaselineRefused:
        # Another baseline was loaded between our check and the load's lock.
        return DemoSeed(
            status="other_baseline",
            path=path,
            demo=demo,
            batch=Batch.objects.filter(kind=Batch.Kind.BASELINE).first(),
        )
    status = "already_loaded" if result.already_loaded else "loaded"
    return DemoSeed(
        status=status, path=path, demo=demo, batch=Batch.objects.get(pk=result.batch_id), result=result
    )


def demo_summary(*, batch: Batch) -> dict:
    """Counts of what a baseline batch holds, read from the registry (also for an earlier run)."""
    families = FamilyVersion.objects.filter(batch_id=batch.pk)
    persons = PersonVersion.objects.filter(batch_id=batch.pk)
    members = MembershipVersion.objects.filter(batch_id=batch.pk)
    findings = dict(
        Finding.objects.filter(batch=batch).values_list("rule").annotate(n=Count("id")).order_by("rule")
    )
    return {
        "families": families.count(),
        "persons": persons.count(),
        "outside_families": persons.exclude(person_id__in=members.values("person_id")).count(),
        "villages": families.values("village_code").distinct().count(),
        "rows_refused": batch.rows_refused,
        "findings": findings,
        "load_errors": list(LoadError.objects.filter(batch=batch)),
    }
