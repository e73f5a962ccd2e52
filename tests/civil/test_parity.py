"""The civil-registry rule agrees in both forms of the proposal items' engine (docs/civil_registry.md):
each planted difference is reported by the per-item form and by the set-based form, identically."""

from datetime import date

import pytest

from dtks.accounts.models import Role
from proposals.item.integrity import item_data, item_findings
from proposals.item.integrity_set import item_findings_set
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, user
from tests.proposals.test_integrity_parity import individual, kk, make, nik, p, wife

from .factories import extract_row, load, use_source, write_extract

pytestmark = pytest.mark.django_db
CIVIL = {"CIVIL_REGISTRY_MISMATCH", "CIVIL_REGISTRY_UNAVAILABLE"}


def civil_of(findings):
    return [f for f in findings if f["rule"] in CIVIL]


@pytest.fixture
def planted(tmp_path):
    """Items whose persons differ from an extract in one way each: {name: (item, expected parts)}."""
    family_kk = kk()
    cases = {}
    rows = []

    def case(name, person, row_changes, parts, *, family=False, **item_kw):
        value = person["nik"]
        row = extract_row(
            nik=value,
            nama=person["nama"].upper(),
            tanggal_lahir=person["tanggal_lahir"].isoformat(),
            jenis_kelamin=person["jenis_kelamin"],
            no_kk=item_kw.get("no_kk", family_kk if family else ""),
            kode_wilayah=VILLAGE_A,
        )
        if row_changes is not None:
            row.update(row_changes)
            rows.append(row)
        item = make([person], family_item=family, **item_kw) if family else make([person], family_item=False)
        cases[name] = (item, parts)

    case("same", individual(nama="Budi Santoso"), {}, [])
    case("titles", individual(nama="Hj. Siti Aminah, S.Pd."), {"nama": "SITI AMINAH"}, [])
    case("bin", individual(nama="Ahmad bin Yusuf"), {"nama": "AHMAD"}, [])
    case("spacing", individual(nama="Nur  Aini"), {"nama": "NUR AINI"}, [])
    case("typo", individual(nama="Hendra Gunawan"), {"nama": "HENDRA GUNAWNA"}, [])
    case("spelling", individual(nama="Moh. Rizki"), {"nama": "MUHAMMAD RIZKI"}, [])
    case("other_name", individual(nama="Bambang"), {"nama": "SUKARNO"}, ["nama"])
    born = date(1980, 5, 3)
    case(
        "swapped", individual(nik=nik(born), nama="Dewi"), {"tanggal_lahir": "1980-03-05"}, ["tanggal_lahir"]
    )
    case("sex", individual(nama="Rina"), {"jenis_kelamin": "P"}, ["jenis_kelamin"])
    case(
        "village",
        individual(nama="Joko"),
        {"kode_wilayah": VILLAGE_B, "alamat": "JL. LAIN"},
        ["kode_wilayah"],
    )
    case("missing", individual(nama="Tidak Ada"), None, ["not_found"])
    case(
        "somebody_else",
        individual(nama="Agus"),
        {"nama": "SRI WAHYUNI", "jenis_kelamin": "P", "tanggal_lahir": "1961-01-01"},
        ["other_person"],
    )
    case("kk", p(nama="Kepala"), {"no_kk": kk()}, ["no_kk"], family=True, no_kk=family_kk)
    case("family_same", wife(nama="Istri"), {}, [], family=True, no_kk=family_kk)
    load(write_extract(tmp_path / "x.csv", rows))
    use_source("extract")
    return cases


def test_each_planted_difference_is_found_the_same_in_both_forms(planted):
    actor = user(Role.REGENCY_VERIFIER, "3371")
    items = {name: item for name, (item, _parts) in planted.items()}
    set_based = item_findings_set(items=[i.pk for i in items.values()], actor=actor)
    for name, (item, parts) in planted.items():
        per_item = item_findings(item_data(item), actor=actor)
        assert per_item == set_based[item.pk], name
        found = civil_of(per_item)
        assert [x["part"] for f in found for x in f["detail"]["parts"]] == parts, name
        if parts:
            detail = found[0]["detail"]
            assert detail["source"]["label"] == "Dukcapil Kota Magelang"
            assert "30-11-2026" in found[0]["message"]


def test_a_swapped_day_and_month_is_said_and_another_persons_data_never_shown(planted):
    swapped = civil_of(item_findings(item_data(planted["swapped"][0])))[0]
    assert swapped["detail"]["parts"][0]["swapped"] is True and "tertukar" in swapped["message"]
    other = civil_of(item_findings(item_data(planted["somebody_else"][0])))[0]
    assert other["detail"]["parts"] == [{"part": "other_person"}]
    assert "SRI" not in other["message"] and "1961" not in other["message"]


def test_no_source_no_rule(planted):
    use_source("none")
    item = planted["other_name"][0]
    assert civil_of(item_findings(item_data(item))) == []
    assert civil_of(item_findings_set(items=[item.pk])[item.pk]) == []


def test_extract_source_without_an_extract_is_unavailable_never_a_mismatch(db):
    use_source("extract")
    item = make([individual(nama="Siapa")], family_item=False)
    per_item = civil_of(item_findings(item_data(item)))
    assert [f["rule"] for f in per_item] == ["CIVIL_REGISTRY_UNAVAILABLE"]
    assert per_item[0]["detail"]["reason"] == "no_extract"
    assert civil_of(item_findings_set(items=[item.pk])[item.pk]) == per_item


def test_threshold_is_configuration(planted):
    item = planted["typo"][0]
    assert civil_of(item_findings(item_data(item))) == []
    use_source("extract", name_threshold=99)
    assert [f["fields"] for f in civil_of(item_findings(item_data(item)))] == [["nama"]]


def test_open_items_are_checked_again_when_a_new_extract_becomes_current(tmp_path):
    use_source("extract")
    item = make([individual(nama="Budi Santoso")], family_item=False)
    closed = make([individual(nama="Sudah Ditolak")], family_item=False, state="rejected")
    person = item.persons.get()
    load(write_extract(tmp_path / "1.csv", [extract_row(nik=person.nik, nama="BUDI SANTOSO",
         tanggal_lahir=person.tanggal_lahir.isoformat(), jenis_kelamin=person.jenis_kelamin)]))  # fmt: skip
    item.refresh_from_db()
    assert civil_of(item.findings) == []
    load(write_extract(tmp_path / "2.csv", [extract_row(nik=person.nik, nama="JOKO",
         tanggal_lahir=person.tanggal_lahir.isoformat(), jenis_kelamin=person.jenis_kelamin)]))  # fmt: skip
    item.refresh_from_db()
    assert [x["part"] for f in civil_of(item.findings) for x in f["detail"]["parts"]] == ["nama"]
    closed.refresh_from_db()
    assert civil_of(closed.findings or []) == []  # a closed item is left as it was
