"""A corpus of realistic pairs — our registry's record against Dukcapil's record of the same NIK (or
none) — with the outcome a careful human verifier would give (docs/civil_registry.md, "Matching").

    CASES: tuple[Case, ...]      # deterministic; `python -m benchmarks.bench_civil_corpus` scores it

The expected parts were written by hand from the policy below, not from what `compare` returns:

- **Names** are the same name when they differ only in writing: case, spacing, punctuation, word
  order, titles and honorifics (H., Hj., Dr., Ir., S.Pd., …), a patronym (bin/binti …), a known
  spelling variant (the old spelling oe/dj/tj/j/ch — Soekarno/Sukarno, Djoko/Joko —, Arabic
  transliterations — Muhammad/Muhamad/Mohammad, Nur/Noor, Siti/Sitti, Achmad/Ahmad, Taufiq/Taufik —,
  the abbreviations Moh./M./Muh./Mhd. of Muhammad, the Sundanese p for f), a word written joined or
  apart (Nur Aini/Nuraini), or one slip of the keyboard in a name of two words or more (one letter
  wrong, missing, doubled or two letters swapped). They are different names (`nama`) when a given
  name or a family name differs, or one side has a name part the other lacks (Sri Wahyuni/Sri
  Wahyuningsih, Rizki Pratama/Muhammad Rizki Pratama): the registry must then take Dukcapil's name.
- **Another person's NIK** (`other_person`, and nothing else: that person's data are never shown): the
  names are those of two people (a spouse, a parent, a child, a sibling, a neighbour) and the birth
  date or the sex differs as well.
- **Birth dates**: any difference is `tanggal_lahir`; day and month swapped is said (`swapped`).
- **Sex**, **KK** and **village of the current address** differ or not; the NIK's own region digits
  are never compared, so a NIK issued before a region split (Ciamis → Pangandaran, Papua → Papua
  Selatan, Tangerang → Tangerang Selatan, Lampung Barat → Pesisir Barat) with the same village on both
  sides is a match. Free-text addresses are not compared. An empty value on our side is not compared.
- **Missing**: Dukcapil has no such NIK → `not_found`.

Every NIK is consistent with its record (district of the village, birth date with women's day + 40,
a serial), every village code is a real Kemendagri 2025 village.
"""

from dataclasses import dataclass, field
from datetime import date

from dtks.civil.matching import PARTS, Record

# (village code, village, district) — real Kemendagri 2025 villages across the provinces.
VILLAGES = (
    ("3371011003", "Rejowinangun Selatan", "Magelang Selatan"),
    ("1171012001", "Kampung Baru", "Baiturrahman"),
    ("1271011001", "Pasar Baru", "Medan Kota"),
    ("1375011001", "Tarok Dipo", "Guguak Panjang"),
    ("3273011001", "Sukarasa", "Sukasari"),
    ("3302012001", "Cirahab", "Lumbir"),
    ("3404012001", "Balecatur", "Gamping"),
    ("3578011001", "Karang Pilang", "Karang Pilang"),
    ("5171011001", "Serangan", "Denpasar Selatan"),
    ("7371011001", "Bontorannu", "Mariso"),
    ("7315011001", "Langnga", "Mattiro Sompe"),
    ("6171011002", "Benuamelayu Laut", "Pontianak Selatan"),
    ("5271011004", "Ampenan Selatan", "Ampenan"),
    ("1471011002", "Jadirejo", "Sukajadi"),
    ("3204052001", "Cileunyi Kulon", "Cileunyi"),
    ("1212011034", "Balige I", "Balige"),
    ("7308011001", "Kahu", "Bontocani"),
    ("3205011001", "Kota Kulon", "Garut Kota"),
    ("1306012001", "Tiku Selatan", "Tanjung Mutiara"),
)

# A NIK issued before the split keeps the old regency's code; the village is in the new regency.
PRE_SPLIT = (
    ("320721", "3218012001", "Parigi, Kab. Ciamis (kini Kab. Pangandaran)"),
    ("910101", "9301011002", "Samkai, Merauke, Prov. Papua (kini Papua Selatan)"),
    ("360317", "3674011001", "Ciater, Serpong, Kab. Tangerang (kini Kota Tangerang Selatan)"),
    ("180409", "1813011005", "Pasar Krui, Kab. Lampung Barat (kini Kab. Pesisir Barat)"),
)

STREETS = (
    "Jl. Melati",
    "Jl. Diponegoro",
    "Gg. Mawar",
    "Dusun Krajan",
    "Jl. Sisingamangaraja",
    "Lorong Jambu",
)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    ours: Record
    theirs: Record | None
    expected: tuple[str, ...]  # parts, in matching.PARTS order; () = a match
    swapped: bool = False  # tanggal_lahir expected with "swapped": true
    note: str = ""
    tags: tuple[str, ...] = field(default=())


# --- name pairs (ours, Dukcapil's, sex) --------------------------------------------------------------

# The same name, written differently: case, spacing, punctuation, word order.
SAME_WRITING = (
    ("Budi Santoso", "BUDI SANTOSO", "L"),
    ("siti aminah", "SITI AMINAH", "P"),
    ("Agus  Salim", "AGUS SALIM", "L"),
    (" Dewi Lestari ", "DEWI LESTARI", "P"),
    ("Ma'ruf Amin", "MARUF AMIN", "L"),
    ("Nur'aini", "NURAINI", "P"),
    ("I Gede Putu Wirawan", "I GEDE PUTU WIRAWAN", "L"),
    ("Ni Luh Putu Ayu Sari", "NI LUH PUTU AYU SARI", "P"),
    ("Rahmat Hidayat.", "RAHMAT HIDAYAT", "L"),
    ("Sri-Rahayu", "SRI RAHAYU", "P"),
    ("Andi Baso Mappaewa", "ANDI BASO MAPPAEWA", "L"),
    ("La Ode Muhammad Syarif", "LA ODE MUHAMMAD SYARIF", "L"),
    ("Hutagalung, Tiurma", "TIURMA HUTAGALUNG", "P"),
    ("Siregar Poltak", "POLTAK SIREGAR", "L"),
    ("Cut Nyak Meutia", "CUT NYAK MEUTIA", "P"),
    ("Dedi  Mulyadi ,", "DEDI MULYADI", "L"),
    ("Ujang Sopandi", "UJANG SOPANDI", "L"),
    ("Zulkifli Dt. Rajo Mangkuto", "ZULKIFLI DT RAJO MANGKUTO", "L"),
    ("Rosmawati Br. Simanjuntak", "ROSMAWATI BR SIMANJUNTAK", "P"),
    ("Daeng  Mattiro", "DAENG MATTIRO", "L"),
)

TITLES = (
    ("H. Ahmad Dahlan", "AHMAD DAHLAN", "L"),
    ("Hj. Siti Maryam", "SITI MARYAM", "P"),
    ("Dr. Ir. Bambang Sutrisno, M.Si.", "BAMBANG SUTRISNO", "L"),
    ("Drs. Sutarno", "SUTARNO", "L"),
    ("Sri Wahyuni, S.Pd.", "SRI WAHYUNI", "P"),
    ("Dewi Kartika, S.E.", "DEWI KARTIKA", "P"),
    ("Ir. Hendra Gunawan", "HENDRA GUNAWAN", "L"),
    ("KH. Abdullah Faqih", "ABDULLAH FAQIH", "L"),
    ("Ahmad Fauzi", "H. AHMAD FAUZI", "L"),
    ("Endang Sulastri, S.Pd.I", "ENDANG SULASTRI", "P"),
    ("dr. Rina Marlina", "RINA MARLINA", "P"),
    ("Hj. Nurhayati, S.H.", "NURHAYATI", "P"),
    ("Prof. Dr. Yohanes Sahetapy, S.H., M.H.", "YOHANES SAHETAPY", "L"),
    ("Drs. H. Muchtar Lubis", "MUCHTAR LUBIS", "L"),
    ("Teguh Prasetyo, A.Md.", "TEGUH PRASETYO", "L"),
    ("Ny. Sumarni", "SUMARNI", "P"),
    ("Sdr. Joko Susilo", "JOKO SUSILO", "L"),
    ("Lukman Hakim, Lc.", "LUKMAN HAKIM", "L"),
    ("Drs. Hj. Rosmiati", "ROSMIATI", "P"),
    ("Hj. Ani Yuliani, S.Ag.", "ANI YULIANI S AG", "P"),
)

PATRONYMS = (
    ("Ahmad bin Abdullah", "AHMAD", "L"),
    ("Siti Khadijah binti Usman", "SITI KHADIJAH", "P"),
    ("Muhammad Yusuf bin Ismail", "MUHAMMAD YUSUF BIN ISMAIL", "L"),
    ("Nurhaliza Bt. Hasan", "NURHALIZA", "P"),
    ("Rahmah binti H. Sulaiman", "RAHMAH", "P"),
    ("Abdul Karim", "ABDUL KARIM BIN MAHMUD", "L"),
    ("Fatimah Binti Ali", "FATIMAH BT ALI", "P"),
    ("Zainal Abidin bin Ahmad", "ZAINAL ABIDIN", "L"),
    ("Hasanah binti Makmur", "HASANAH BINTI MAKMUR", "P"),
    ("Ismail Bin Daud", "ISMAIL", "L"),
    ("Aminah binti Jafar", "AMINAH", "P"),
    ("Umar Bn. Said", "UMAR", "L"),
)

# Known spelling variants: old spelling, Arabic transliteration, abbreviations of Muhammad, Sundanese p/f.
SPELLING = (
    ("Muhamad Rizki", "MUHAMMAD RIZKI", "L"),
    ("Mohammad Hatta", "MUHAMMAD HATTA", "L"),
    ("Moh. Yusuf", "MUHAMMAD YUSUF", "L"),
    ("M. Nasir", "MUHAMMAD NASIR", "L"),
    ("Mochamad Ridwan", "MUHAMMAD RIDWAN", "L"),
    ("Muh. Arifin", "MUHAMMAD ARIFIN", "L"),
    ("Mhd. Ilham", "MUHAMMAD ILHAM", "L"),
    ("Moch. Subekti", "MOCHAMMAD SUBEKTI", "L"),
    ("Mohamad Sobari", "MUHAMAD SOBARI", "L"),
    ("Nur Hidayah", "NOOR HIDAYAH", "P"),
    ("Noor Aisyah", "NUR AISYAH", "P"),
    ("Siti Rahmah", "SITTI RAHMAH", "P"),
    ("Sitti Nurbaya", "SITI NURBAYA", "P"),
    ("Soekarno", "SUKARNO", "L"),
    ("Soeharto", "SUHARTO", "L"),
    ("Koesnadi Hardjosoemantri", "KUSNADI HARJOSUMANTRI", "L"),
    ("Djoko Santoso", "JOKO SANTOSO", "L"),
    ("Djuariah", "JUARIAH", "P"),
    ("Tjahjo Kumolo", "CAHYO KUMOLO", "L"),
    ("Achmad Sobirin", "AHMAD SOBIRIN", "L"),
    ("Rachmat Hidajat", "RAHMAT HIDAYAT", "L"),
    ("Chairul Anwar", "KHAIRUL ANWAR", "L"),
    ("Choirul Huda", "KHOIRUL HUDA", "L"),
    ("Abdurrahman Wahid", "ABDUL RAHMAN WAHID", "L"),
    ("Fathurrahman", "FATHUR RAHMAN", "L"),
    ("Syamsul Bahri", "SAMSUL BAHRI", "L"),
    ("Zainal Arifin", "ZAENAL ARIFIN", "L"),
    ("Jusuf Kalla", "YUSUF KALLA", "L"),
    ("Qomariyah", "KOMARIAH", "P"),
    ("Febri Yanti", "PEBRI YANTI", "P"),
    ("Taufiq Hidayat", "TAUFIK HIDAYAT", "L"),
    ("Rizqi Ramadhan", "RIZKI RAMADAN", "L"),
    ("Dhani Setiawan", "DANI SETIAWAN", "L"),
    ("Fathimah Azzahra", "FATIMAH AZ ZAHRA", "P"),
    ("Ahmad Syaifullah", "AHMAD SAIFULLAH", "L"),
    ("Yusup Supriatna", "YUSUF SUPRIATNA", "L"),
    ("Oemar Bakri", "UMAR BAKRI", "L"),
    ("Soedirman", "SUDIRMAN", "L"),
    ("Tjut Meutia", "CUT MEUTIA", "P"),
    ("Moehammad Sjafei", "MUHAMMAD SYAFEI", "L"),
    ("Asep Saepudin", "ASEP SYAIFUDDIN", "L"),
    ("Sjamsiah", "SYAMSIAH", "P"),
)

# A word joined or split.
SPACING = (
    ("Nur Aini", "NURAINI", "P"),
    ("Abdul Rahman", "ABDULRAHMAN", "L"),
    ("Siti Nur Haliza", "SITI NURHALIZA", "P"),
    ("Dwi Nurjanah", "DWI NUR JANAH", "P"),
    ("Muhammad Al Fatih", "MUHAMMAD ALFATIH", "L"),
    ("Sri Mulyani", "SRIMULYANI", "P"),
    ("Putri Ayu Lestari", "PUTRIAYU LESTARI", "P"),
    ("Rahmawati", "RAHMA WATI", "P"),
    ("Nurul Hidayah", "NURUL  HIDAYAH", "P"),
    ("Abdul Ghani", "ABDULGHANI", "L"),
)

# One slip of the keyboard in a name of two words or more.
TYPOS = (
    ("Budi Santoso", "BUDI SANTOSA", "L"),
    ("Siti Aminah", "SITI AMINA", "P"),
    ("Hendra Gunawan", "HENDRA GUNAWNA", "L"),
    ("Rudi Hartono", "RUDI HARTONNO", "L"),
    ("Indah Permatasari", "INDAH PERMATSARI", "P"),
    ("Eko Prasetyo", "EKO PRASETIO", "L"),
    ("Lestari Handayani", "LESTARI HANDAYANO", "P"),
    ("Agus Setiawan", "AGUS SETIAWN", "L"),
    ("I Wayan Sudarsana", "I WAYAN SUDARSNA", "L"),
    ("Martha Simanjuntak", "MARTA SIMANJUNTAK", "P"),
    ("Ratna Sari Dewi", "RATNA SARI DEWY", "P"),
    ("Bambang Pamungkas", "BAMBANG PAMUNKAS", "L"),
    ("Nining Kurniasih", "NINING KURNIASI", "P"),
    ("Dadang Suherman", "DADANG SUHERMAM", "L"),
    ("Andi Pangerang", "ANDI PANGERAN", "L"),
    ("Ujang Komarudin", "UJANG KOMARUDDIN", "L"),
    ("Wahyu Nugroho", "WAHYU NUGORHO", "L"),
    ("Yuliana Hutapea", "YULIANA HUTAPAE", "P"),
    ("Dewi Sari", "DEWI SARY", "P"),
    ("Rini Yanti", "RINI YANTY", "P"),
    ("Tono Sudiro", "TONO SUDIRA", "L"),
)

# Different names: another given or family name, or a name part one side lacks.
DIFFERENT = (
    ("Siti Aminah", "SITI FATIMAH", "P"),
    ("Budi Santoso", "BUDI HARTONO", "L"),
    ("Sri Wahyuni", "SRI WAHYUNINGSIH", "P"),
    ("Rizki Pratama", "MUHAMMAD RIZKI PRATAMA", "L"),
    ("Rosmawati", "ROSMAWATI SIMANJUNTAK", "P"),
    ("Dewi", "DEWI KUSUMAWATI", "P"),
    ("Agus", "AGUS SALIM", "L"),
    ("Yanti", "SUPRIYANTI", "P"),
    ("Asep Sunandar", "ASEP SURYANA", "L"),
    ("Ahmad Fauzi", "AHMAD FAUZAN", "L"),
    ("Nurhayati", "NURHASANAH", "P"),
    ("Eko Susanto", "EKO SUSILO", "L"),
    ("Hendra", "HENDRA WIJAYA", "L"),
    ("Lina Marlina", "LINA HERLINA", "P"),
    ("Bayu Aji", "BAYU AJI PAMUNGKAS", "L"),
    ("Tuti Alawiyah", "TUTI HANDAYANI", "P"),
    ("Poltak Siregar", "POLTAK NASUTION", "L"),
    ("Andi Amir", "ANDI AMRAN", "L"),
    ("Wahyu Hidayat", "WAHYU HIDAYATULLAH", "L"),
    ("Siti Nurjanah", "SITI NURHAYATI", "P"),
    ("Dian Puspita", "DIAN PUSPITASARI", "P"),
    ("Made Sukerta", "MADE SUARTA", "L"),
)

# Two different people: ours, and the person Dukcapil has under the NIK (the relation is the note).
OTHER_PEOPLE = (
    ("Slamet Riyadi", "L", "SUMIYATI", "P", "his wife's NIK"),
    ("Sumiyati", "P", "SLAMET RIYADI", "L", "her husband's NIK"),
    ("Muhammad Rizal", "L", "NUR AINI", "P", "his mother's NIK"),
    ("Dewi Sartika", "P", "ADITYA PRATAMA", "L", "her son's NIK"),
    ("Bambang Sugiarto", "L", "HARYONO", "L", "his brother's NIK"),
    ("Siti Nurhaliza", "P", "FITRIANI", "P", "her sister's NIK"),
    ("Poltak Siregar", "L", "TIURMA SIREGAR", "P", "his sister's NIK (one marga)"),
    ("Andi Baso", "L", "ANDI TENRI", "P", "his daughter's NIK"),
    ("Asep Saepudin", "L", "UJANG SUPRIATNA", "L", "a neighbour's NIK"),
    ("I Made Wirawan", "L", "NI KADEK AYU", "P", "his daughter's NIK"),
    ("Yohana Manurung", "P", "RUDOLF MANURUNG", "L", "her father's NIK (one marga)"),
    ("Rahmat Hidayat", "L", "JOKO SUSILO", "L", "a stranger's NIK"),
    ("Ratna Dewi", "P", "SUPARMI", "P", "her mother-in-law's NIK"),
    ("Ahmad Fauzi", "L", "SITI KHODIJAH", "P", "his wife's NIK"),
    ("Hasanuddin", "L", "ABDUL MAJID", "L", "his father's NIK"),
    ("Wulan Sari", "P", "KARTONO", "L", "her grandfather's NIK"),
)

PLAIN_NAMES = (
    ("Sutrisno", "L"),
    ("Endang Rahayu", "P"),
    ("Eka Saputra", "L"),
    ("Dwi Astuti", "P"),
    ("Tri Wahyudi", "L"),
    ("Nur Kholis", "L"),
    ("Yuni Kartika", "P"),
    ("Rudi Hermawan", "L"),
    ("Fitri Handayani", "P"),
    ("Darmawan Lubis", "L"),
    ("Suryani", "P"),
    ("Imam Syafii", "L"),
)


# --- records ------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.n = 0
        self.cases: list[Case] = []

    def person(self, nama: str, sex: str, *, village: tuple[str, str, str] | None = None, born=None,
               nik_region: str | None = None, kk: bool = True) -> Record:  # fmt: skip
        self.n += 1
        n = self.n
        code, desa, _kec = village or VILLAGES[n % len(VILLAGES)]
        born = born or date(1950 + (n * 7) % 55, 1 + (n * 5) % 12, 1 + (n * 11) % 28)
        day = born.day + (40 if sex == "P" else 0)
        nik = f"{nik_region or code[:6]}{day:02d}{born:%m%y}{n % 9000 + 1:04d}"
        issued = date(2008 + n % 17, 1 + n % 12, 1 + n % 27)
        no_kk = f"{code[:6]}{issued:%d%m%y}{(n * 3) % 9000 + 1:04d}" if kk else ""
        alamat = (
            f"{STREETS[n % len(STREETS)]} No. {n % 90 + 1}, RT {n % 9 + 1:03d}/RW {n % 5 + 1:03d}, {desa}"
        )
        return Record(nik=nik, nama=nama, tanggal_lahir=born, jenis_kelamin=sex, no_kk=no_kk,
                      village_code=code, alamat=alamat)  # fmt: skip

    def add(self, kind: str, ours: Record, theirs: Record | None, expected=(), **kw) -> None:
        order = {p: i for i, p in enumerate(PARTS)}
        expected = tuple(sorted(expected, key=order.__getitem__))
        self.cases.append(Case(f"{kind}-{sum(c.kind == kind for c in self.cases) + 1:02d}", kind, ours,
                               theirs, expected, **kw))  # fmt: skip


def _replace(r: Record, **kw) -> Record:
    return Record(**{**r.__dict__, **kw})


def _dukcapil(ours: Record, nama: str) -> Record:
    """Dukcapil's record of our person: the same data, its own spelling of the name and address."""
    return _replace(ours, nama=nama, alamat=ours.alamat.upper().replace("NO. ", ""))


def _build() -> tuple[Case, ...]:  # noqa: C901 — one block per kind of case, in reading order
    b = _Builder()
    for kind, pairs in (
        ("writing", SAME_WRITING),
        ("title", TITLES),
        ("patronym", PATRONYMS),
        ("spelling", SPELLING),
        ("spacing", SPACING),
        ("typo", TYPOS),
    ):
        for ours_name, theirs_name, sex in pairs:
            ours = b.person(ours_name, sex)
            b.add(kind, ours, _dukcapil(ours, theirs_name), ())
    for ours_name, theirs_name, sex in DIFFERENT:
        ours = b.person(ours_name, sex)
        b.add("name", ours, _dukcapil(ours, theirs_name), ("nama",))

    # Birth dates: day and month swapped (both ≤ 12), and other differences.
    for i, (nama, sex) in enumerate(PLAIN_NAMES[:10]):
        born = date(1955 + 4 * i, 1 + i % 11, 2 + (i * 5) % 10)  # day 2..11, month 1..11, never equal
        if born.day == born.month:
            born = born.replace(day=12)
        ours = b.person(nama, sex, born=born)
        theirs = _replace(
            _dukcapil(ours, nama.upper()), tanggal_lahir=born.replace(day=born.month, month=born.day)
        )
        b.add("swapped", ours, theirs, ("tanggal_lahir",), swapped=True)
    for i, (nama, sex) in enumerate(PLAIN_NAMES):
        ours = b.person(nama, sex)
        bd = ours.tanggal_lahir
        other = (
            bd.replace(year=bd.year + 1),  # a year typed wrong
            bd.replace(day=bd.day % 27 + 1),  # a day typed wrong
            date(bd.year, 1, 1)
            if (bd.month, bd.day) != (1, 1)
            else date(bd.year, 7, 1),  # a placeholder 1 January
            date(bd.year, 12, 31),
        )[i % 4]
        # Ours has the placeholder in the third kind (a registry default), Dukcapil the true date.
        if i % 4 == 2:
            ours, theirs = _replace(ours, tanggal_lahir=other), _dukcapil(ours, nama.upper())
        else:
            theirs = _replace(_dukcapil(ours, nama.upper()), tanggal_lahir=other)
        b.add("date", ours, theirs, ("tanggal_lahir",))

    # Sex typed wrong (names that fit either sex).
    for nama, sex in (("Eka Saputra", "L"), ("Dwi Astuti", "P"), ("Tri Wahyudi", "L"), ("Nur Kholis", "L"),
                      ("Yuni Kartika", "P"), ("Ikhsan Nur", "L"), ("Rini Suryani", "P")):  # fmt: skip
        ours = b.person(nama, sex)
        theirs = _replace(_dukcapil(ours, nama.upper()), jenis_kelamin="P" if sex == "L" else "L")
        b.add("sex", ours, theirs, ("jenis_kelamin",))

    # KK: a new card after a split of the family; none on our side (an individual) is not compared.
    for i, (nama, sex) in enumerate(PLAIN_NAMES[:8]):
        ours = b.person(nama, sex)
        theirs = _dukcapil(ours, nama.upper())
        if i % 2 == 0:
            new_kk = f"{ours.village_code[:6]}0302{21 + i:02d}{7000 + i:04d}"
            b.add("kk", ours, _replace(theirs, no_kk=new_kk), ("no_kk",))
        else:
            b.add("kk", _replace(ours, no_kk=""), theirs, ())

    # Moved: another village (the addresses shown, only the codes compared); same village, other text.
    moves = (("3371011003", "3371011007"), ("3273011001", "3273011002"), ("1271011001", "1271011002"),
             ("3404012001", "3404012002"), ("7371011001", "7371011002"), ("5171011001", "5171011002"))  # fmt: skip
    for i, (nama, sex) in enumerate(PLAIN_NAMES[:6]):
        ours = b.person(nama, sex, village=next(v for v in VILLAGES if v[0] == moves[i][0]))
        theirs = _replace(_dukcapil(ours, nama.upper()), village_code=moves[i][1], alamat="DESA TETANGGA")
        b.add("village", ours, theirs, ("kode_wilayah",))
    for nama, sex in PLAIN_NAMES[6:10]:
        ours = b.person(nama, sex)
        theirs = _replace(_dukcapil(ours, nama.upper()), alamat=f"DS. {ours.alamat.split(', ')[-1].upper()}")
        b.add("address_text", ours, theirs, ())

    # A NIK issued before a region split: its region digits are the old regency's; the village matches.
    for i, (nama, sex) in enumerate(PLAIN_NAMES[:8]):
        old, village_code, note = PRE_SPLIT[i % len(PRE_SPLIT)]
        village = (village_code, note.split(",")[0], "")
        ours = b.person(nama, sex, village=village, nik_region=old)
        theirs = _dukcapil(ours, nama.upper())
        if i >= 4:  # Dukcapil writes the new regency in the address; ours still the old one
            theirs = _replace(theirs, alamat=note.upper())
        b.add("pre_split", ours, theirs, (), note=note)

    # Another person's NIK: names of two people, and the birth date or the sex differs too.
    for i, (ours_name, ours_sex, theirs_name, theirs_sex, note) in enumerate(OTHER_PEOPLE):
        ours = b.person(ours_name, ours_sex)
        bd = ours.tanggal_lahir
        theirs_born = bd.replace(year=bd.year + (-27 if "father" in note or "mother" in note
                                                else 26 if "son" in note or "daughter" in note else 3 + i % 5))  # fmt: skip
        theirs = _replace(_dukcapil(ours, theirs_name), tanggal_lahir=theirs_born, jenis_kelamin=theirs_sex)
        if "stranger" in note or "neighbour" in note:
            theirs = _replace(theirs, no_kk=f"{ours.village_code[:6]}1111{10 + i:02d}{6000 + i:04d}")
        b.add("other_person", ours, theirs, ("other_person",), note=note)

    # Dukcapil has no such NIK (a typed NIK, a newborn not yet recorded, a record removed on death).
    for nama, sex in (*PLAIN_NAMES[:6], ("Aisyah Putri", "P"), ("Fajar Nugraha", "L")):
        b.add("missing", b.person(nama, sex), None, ("not_found",))

    # Combinations: a tolerated name difference with a real difference elsewhere.
    ours = b.person("H. Sutrisno", "L", born=date(1961, 4, 9))
    b.add("combined", ours, _replace(_dukcapil(ours, "SUTRISNO"), tanggal_lahir=date(1961, 9, 4)),
          ("tanggal_lahir",), swapped=True)  # fmt: skip
    ours = b.person("Siti Aminah binti Kasim", "P")
    b.add(
        "combined",
        ours,
        _replace(_dukcapil(ours, "SITI AMINAH"), village_code="3371011007"),
        ("kode_wilayah",),
    )
    ours = b.person("Moh. Irfan", "L")
    b.add(
        "combined",
        ours,
        _replace(_dukcapil(ours, "MUHAMMAD IRFAN"), no_kk=f"{ours.no_kk[:12]}9999"),
        ("no_kk",),
    )
    ours = b.person("Djumadi", "L")
    b.add("combined", ours, _replace(_dukcapil(ours, "JUMADI"), jenis_kelamin="P"), ("jenis_kelamin",))
    ours = b.person("Eko Prasetyo", "L")
    b.add("combined", ours, _replace(_dukcapil(ours, "EKO PRASETIO"), tanggal_lahir=ours.tanggal_lahir.replace(year=1990)),
          ("tanggal_lahir",))  # fmt: skip
    ours = b.person("Sri Wahyuni", "P")
    b.add("combined", ours, _replace(_dukcapil(ours, "SRI WAHYUNINGSIH"), village_code="3371011007"),
          ("nama", "kode_wilayah"))  # fmt: skip
    ours = b.person("Hj. Nur Aini, S.Pd.", "P")
    b.add(
        "combined", ours, _replace(_dukcapil(ours, "NOOR AINI"), no_kk=f"{ours.no_kk[:12]}8888"), ("no_kk",)
    )
    ours = b.person("Sri Wahyuni", "P")
    theirs = _replace(
        _dukcapil(ours, "SRI WAHYUNINGSIH"), tanggal_lahir=ours.tanggal_lahir.replace(year=1971)
    )
    b.add(
        "combined",
        ours,
        theirs,
        ("nama", "tanggal_lahir"),
        note="her name cut short, her birth year typed wrong",
    )

    # An empty value on our side is not compared (INCOMPLETE reports it).
    ours = b.person("", "L")
    b.add("empty", ours, _dukcapil(ours, "BAMBANG HERU"), ())
    ours = b.person("Sumarno", "L")
    b.add("empty", _replace(ours, tanggal_lahir=None, village_code=""), _dukcapil(ours, "SUMARNO"), ())
    return tuple(b.cases)


CASES = _build()

# The name decision: a "positive" is a name mismatch reported (`nama` or `other_person`).
NAME_PARTS = ("nama", "other_person")


def name_positive(parts) -> bool:
    return any(p in NAME_PARTS for p in parts)
