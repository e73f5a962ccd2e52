"""The integrity engine's two forms over proposal items agree (docs/design.md §7).

A varied corpus — valid items, each defect, duplicates across items, within an item, with the
registry, in another region, with closed and paired items — is checked item by item
(`item_findings`) and as one set (`item_findings_set`) for callers of several scopes; the findings
(rule, item, person position, fields, and the message) must be identical.
"""

import itertools
import time
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dtks.accounts.models import Role
from dtks.registry.models import IntegrityRule
from proposals.item.integrity import blocks_saving, item_data, item_findings
from proposals.item.integrity_set import item_findings_set
from proposals.models import ProposalItem, ProposalPerson
from tests.proposals.factories import OTHER_PROVINCE_VILLAGE, VILLAGE_A, VILLAGE_B, item, user
from tests.registry.factories import batch, family, member, person

pytestmark = pytest.mark.django_db

HOUSE = {
    "status_kepemilikan": "MILIK_SENDIRI",
    "atap": "GENTENG_TANAH_LIAT",
    "dinding": "TEMBOK",
    "lantai": "KERAMIK",
    "sumber_air_minum": "LEDENG_METERAN",
    "penerangan": "LISTRIK_PLN",
    "fasilitas_bab": "SENDIRI",
}
_serial = itertools.count()


def nik(born: date = date(1980, 5, 15), *, female: bool = False, district: str = "337101") -> str:
    day = born.day + (40 if female else 0)
    return f"{district}{day:02d}{born.month:02d}{born.year % 100:02d}{next(_serial) % 9999 + 1:04d}"


def kk(district: str = "337101") -> str:
    return f"{district}120110{next(_serial) % 9999 + 1:04d}"


def born_of(value: str) -> tuple[date, str]:
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    return date((1900 if yy > 30 else 2000) + yy, month, day % 40), "P" if day > 40 else "L"


def p(**kw) -> dict:
    """A complete person; birth date and sex follow the NIK unless given."""
    base = {
        "nik": nik(),
        "nama": "Budi Santoso",
        "tempat_lahir": "Magelang",
        "status_perkawinan": "KAWIN",
        "hubungan_keluarga": "KEPALA KELUARGA",
    }
    base.update(kw)
    value = base["nik"]
    if value and len(value) == 16 and value.isdigit() and value[6:8] != "32":
        born, sex = born_of(value)
    else:
        born, sex = date(1980, 5, 15), "L"
    base.setdefault("tanggal_lahir", born)
    base.setdefault("jenis_kelamin", sex)
    return base


def wife(**kw) -> dict:
    own = {} if "nik" in kw else {"nik": nik(date(1983, 8, 17), female=True)}
    return p(**{"nama": "Siti", "hubungan_keluarga": "ISTRI", **own, **kw})


def child(**kw) -> dict:
    own = {} if "nik" in kw else {"nik": nik(date(2010, 1, 1))}
    return p(**{"nama": "Rudi", "hubungan_keluarga": "ANAK", "status_perkawinan": "BELUM KAWIN", **own, **kw})


def make(persons: list[dict], *, village: str = VILLAGE_A, family_item: bool = True, **kw) -> ProposalItem:
    if family_item:
        kw.setdefault("no_kk", kk(village[:6]))
        kw.setdefault("rt", "001")
        kw.setdefault("rw", "002")
        kw.setdefault("house", dict(HOUSE))
    kw.setdefault("alamat", "Jl. Pahlawan 3")
    obj = item(kw.pop("state", ProposalItem.State.DRAFT), village=village, **kw)
    ProposalPerson.objects.bulk_create(
        ProposalPerson(item=obj, position=i, **person_kw) for i, person_kw in enumerate(persons)
    )
    return obj


def individual(**kw) -> dict:
    return p(hubungan_keluarga="", **kw)


@pytest.fixture
def corpus():
    """Registry persons and families, then the items: {name: ProposalItem}."""
    b = batch()
    shared_in_scope = nik(date(1970, 1, 2))
    shared_elsewhere = nik(date(1971, 2, 3), district="340401")
    targeted = nik(date(1972, 3, 4))
    member_elsewhere = nik(date(1973, 4, 5))
    mover = nik(date(1976, 7, 8))
    moving_family = [nik(date(1977, 8, 9)), nik(date(1978, 9, 10), female=True)]
    corrected_individual = nik(date(1979, 10, 11))
    person(b, person_id=1, nik=shared_in_scope, nama="Registri A", village_code=VILLAGE_A)
    person(b, person_id=2, nik=shared_elsewhere, nama="Registri Sleman", village_code=OTHER_PROVINCE_VILLAGE)
    person(b, person_id=3, nik=targeted, nama="Dikoreksi", village_code=VILLAGE_A)
    person(b, person_id=4, nik=member_elsewhere, nama="Anggota Sleman", village_code=OTHER_PROVINCE_VILLAGE)
    person(b, person_id=5, nik=nik(date(1974, 5, 6)), nama="Belum terbit", published=False)
    family(b, family_id=10, no_kk=kk(), village_code=VILLAGE_A)
    family(b, family_id=11, no_kk=kk("340401"), village_code=OTHER_PROVINCE_VILLAGE)
    person(b, person_id=6, nik=mover, nama="Pindah KK", village_code=VILLAGE_A)
    person(b, person_id=7, nik=moving_family[0], village_code=VILLAGE_B)
    person(b, person_id=8, nik=moving_family[1], village_code=VILLAGE_B)
    person(b, person_id=9, nik=corrected_individual, village_code=VILLAGE_A)
    family(b, family_id=12, no_kk=kk(), village_code=VILLAGE_B)
    member(b, family_id=12, person_id=7, hubungan_keluarga="KEPALA KELUARGA")
    member(b, family_id=12, person_id=8, hubungan_keluarga="ISTRI")
    member(b, family_id=10, person_id=3, hubungan_keluarga="KEPALA KELUARGA")
    member(b, family_id=10, person_id=6, hubungan_keluarga="ANAK")
    member(b, family_id=11, person_id=4, hubungan_keluarga="ANAK")

    cross = nik(date(1990, 6, 7))
    cross_elsewhere = nik(date(1991, 7, 8))
    twin = nik(date(1992, 8, 9))
    withdrawn_nik = nik(date(1993, 9, 10))
    deleted_nik = nik(date(1994, 10, 11))
    paired = nik(date(1995, 11, 12))
    items = {
        "valid_family": make([p(), wife(), child()]),
        "valid_individual": make([individual()], family_item=False),
        "pending_individual": make([individual(nik=None)], family_item=False),
        "member_without_nik": make([p(), wife(nik=None)]),
        "ministry_without_nik": make([p(nik=None), wife(nik="")], channel=ProposalItem.Channel.MINISTRY),
        "nik_format": make([individual(nik="33710115058")], family_item=False),
        "nik_excel": make([individual(nik="3.37101E+15")], family_item=False),
        "nik_date": make([individual(nik="3371013202950001")], family_item=False),
        "nik_province": make([individual(nik="9971011505800001")], family_item=False),
        "mismatch": make([p(tanggal_lahir=date(1980, 5, 16), jenis_kelamin="P")]),
        "mismatch_sex_lowercase": make([p(nik=nik(female=True), jenis_kelamin="l ")]),
        "incomplete": make(
            [
                p(nama="", tempat_lahir="  ", tanggal_lahir=None),
                wife(hubungan_keluarga="", status_perkawinan=""),
            ],
            rt="",
            house={**HOUSE, "atap": "", "lantai": None},
        ),
        "incomplete_individual": make([individual(jenis_kelamin="")], family_item=False, alamat=""),
        "no_head": make([wife(), child()]),
        "several_heads": make([p(), wife(hubungan_keluarga="kepala keluarga"), child()]),
        "invalid_kk": make([p(), wife()], no_kk="3371013202100001"),
        "no_kk_two_persons": make([p(), wife()], no_kk="", family_item=False),
        "no_members": make([]),
        "within_item": make([p(), wife(nik=twin), child(nik=twin)]),
        "cross_a": make([p(), wife(nik=cross)]),
        "cross_b": make([p(), child(nik=cross)]),
        "cross_individual": make([individual(nik=cross)], family_item=False),
        "cross_elsewhere_here": make([p(), wife(nik=cross_elsewhere)]),
        "cross_elsewhere_there": make(
            [p(nik=nik(district="340401")), wife(nik=cross_elsewhere)], village=OTHER_PROVINCE_VILLAGE
        ),
        "cross_sibling": make([individual(nik=cross_elsewhere)], family_item=False, village=VILLAGE_B),
        "registry_in_scope": make([p(), wife(nik=shared_in_scope)]),
        "registry_elsewhere": make([individual(nik=shared_elsewhere)], family_item=False),
        "registry_member_elsewhere": make([p(), child(nik=member_elsewhere)]),
        "correction_same_person": make(
            [p(nik=targeted, target_person_id=3)], kind=ProposalItem.Kind.CORRECTION, target_family_id=10
        ),
        "moves_into_new_family": make([p(), wife(nik=mover, target_person_id=6)]),
        "unpublished_registry": make([individual(nik=nik(date(1974, 5, 6)))], family_item=False),
        "withdrawn": make(
            [individual(nik=withdrawn_nik)], family_item=False, state=ProposalItem.State.WITHDRAWN
        ),
        "vs_withdrawn": make([individual(nik=withdrawn_nik)], family_item=False),
        "deletion": make([p(nik=deleted_nik, nama="")], kind=ProposalItem.Kind.DELETION),
        "vs_deletion": make([individual(nik=deleted_nik)], family_item=False),
        "determined": make([individual(nik=cross)], family_item=False, state=ProposalItem.State.DETERMINED),
    }
    # A transfer: deletion half here, addition half elsewhere, the same person in both.
    out = make([p(nik=paired)], kind=ProposalItem.Kind.TRANSFER, target_family_id=10)
    items["transfer_out"] = out
    items["transfer_in"] = make(
        [p(nik=paired)], kind=ProposalItem.Kind.TRANSFER, village=OTHER_PROVINCE_VILLAGE, pair=out
    )
    # A whole family moves from the sibling village: the arrival half names no registry record.
    leaving = make(
        [], kind=ProposalItem.Kind.TRANSFER, village=VILLAGE_B, family_item=False, target_family_id=12
    )
    items["family_leaving"] = leaving
    items["family_arriving"] = make(
        [p(nik=moving_family[0]), wife(nik=moving_family[1])], kind=ProposalItem.Kind.TRANSFER, pair=leaving
    )
    items["individual_correction"] = make(
        [individual(nik=corrected_individual)],
        family_item=False,
        kind=ProposalItem.Kind.CORRECTION,
        target_person_id=9,
    )
    items["submitted_dup"] = make(
        [individual(nik=twin)], family_item=False, state=ProposalItem.State.SUBMITTED
    )
    return items


def by_item(corpus, actor):
    per_item = {
        o.pk: item_findings(item_data(ProposalItem.objects.get(pk=o.pk)), actor=actor)
        for o in corpus.values()
    }
    set_based = item_findings_set(
        items=ProposalItem.objects.filter(pk__in=[o.pk for o in corpus.values()]), actor=actor
    )
    return per_item, set_based


def rules_of(findings) -> list[tuple]:
    return [(f["rule"], f["person"], tuple(f["fields"])) for f in findings]


@pytest.mark.parametrize("who", ["village", "regency", "ministry", "nobody"])
def test_both_forms_agree_for_every_item_and_scope(corpus, who):
    actor = {
        "village": lambda: user(Role.VILLAGE_OPERATOR, VILLAGE_A),
        "regency": lambda: user(Role.REGENCY_VERIFIER, "3371"),
        "ministry": lambda: user(Role.MINISTRY_DATA_OFFICER),
        "nobody": lambda: None,
    }[who]()
    per_item, set_based = by_item(corpus, actor)
    assert set(set_based) == set(per_item)
    names = {o.pk: name for name, o in corpus.items()}
    for pk, findings in per_item.items():
        assert set_based[pk] == findings, names[pk]
    # The corpus exercises every rule the engine has.
    seen = {f["rule"] for fs in per_item.values() for f in fs}
    assert seen == {
        "NIK_INVALID",
        "NIK_PENDING",
        "NIK_MISMATCH",
        "DUPLICATE_NIK",
        "MEMBER_OVERLAP",
        "FAMILY_NOT_A_SET",
        "INCOMPLETE",
    }


def test_the_findings_are_the_intended_ones(corpus):
    actor = user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    got = {name: item_findings(item_data(o), actor=actor) for name, o in corpus.items()}
    r = {name: rules_of(f) for name, f in got.items()}
    assert r["valid_family"] == [] and r["valid_individual"] == []
    assert r["pending_individual"] == [("NIK_PENDING", 0, ("nik",))]
    assert r["member_without_nik"] == [("NIK_INVALID", 1, ("nik",))]
    assert "NIK wajib" in got["member_without_nik"][0]["message"]
    assert blocks_saving(got["member_without_nik"]) and not blocks_saving(got["pending_individual"])
    assert r["ministry_without_nik"] == [("NIK_PENDING", 0, ("nik",)), ("NIK_PENDING", 1, ("nik",))]
    assert "format kolom NIK sebagai Teks" in got["nik_excel"][0]["message"]
    assert [x[0] for x in r["nik_format"] + r["nik_date"] + r["nik_province"]] == ["NIK_INVALID"] * 3
    assert r["mismatch"] == [("NIK_MISMATCH", 0, ("tanggal_lahir", "jenis_kelamin"))]
    message = got["mismatch"][0]["message"]
    assert "Tanggal lahir (16-05-80)" in message and "15-05-80" in message and "Jenis kelamin (P)" in message
    assert r["mismatch_sex_lowercase"] == [("NIK_MISMATCH", 0, ("jenis_kelamin",))]
    assert r["incomplete"] == [
        ("INCOMPLETE", None, ("rt", "atap", "lantai")),
        ("INCOMPLETE", 0, ("nama", "tempat_lahir", "tanggal_lahir")),
        ("INCOMPLETE", 1, ("status_perkawinan", "hubungan_keluarga")),
    ]
    assert got["incomplete"][0]["message"] == "Data belum lengkap: RT, Atap, Lantai wajib diisi."
    assert r["incomplete_individual"] == [("INCOMPLETE", 0, ("jenis_kelamin", "alamat"))]
    assert r["no_head"] == [("FAMILY_NOT_A_SET", None, ("hubungan_keluarga",))]
    assert "2 kepala keluarga" in got["several_heads"][0]["message"]
    assert r["invalid_kk"] == [("FAMILY_NOT_A_SET", None, ("no_kk",))]
    assert got["invalid_kk"][0]["message"].startswith("Nomor KK")
    assert ("FAMILY_NOT_A_SET", None, ("no_kk",)) in r["no_kk_two_persons"]
    assert r["no_members"] == [("FAMILY_NOT_A_SET", None, ("persons",))]
    assert r["within_item"] == [("DUPLICATE_NIK", 1, ("nik",)), ("DUPLICATE_NIK", 2, ("nik",))]
    assert "anggota urutan 2" in got["within_item"][0]["message"]
    # Two open family items and an open individual share a NIK; the determined item no longer counts.
    assert r["cross_a"] == [("DUPLICATE_NIK", 1, ("nik",)), ("MEMBER_OVERLAP", 1, ("no_kk",))]
    b, ind = corpus["cross_b"].pk, corpus["cross_individual"].pk
    assert f"usulan #{b}, usulan #{ind}" in got["cross_a"][0]["message"]
    assert r["cross_individual"] == [("DUPLICATE_NIK", 0, ("nik",))]  # an individual overlaps no family


def test_other_region_reveals_nothing(corpus):
    actor = user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    got = {name: item_findings(item_data(o), actor=actor) for name, o in corpus.items()}
    for name in ("registry_elsewhere", "cross_elsewhere_here"):
        dup = next(f for f in got[name] if f["rule"] == "DUPLICATE_NIK")
        assert dup["message"].startswith("NIK ini sudah terdaftar di wilayah lain."), name
        assert "#" not in dup["message"] and "ID" not in dup["message"] and "Sleman" not in dup["message"]
    overlap = next(f for f in got["registry_member_elsewhere"] if f["rule"] == "MEMBER_OVERLAP")
    assert "wilayah lain" in overlap["message"] and "ID" not in overlap["message"]
    # The sibling village is another region for a village operator, not for the regency.
    regency = user(Role.REGENCY_VERIFIER, "3371")
    sibling = corpus["cross_sibling"].pk
    assert (
        f"usulan #{sibling}"
        in item_findings(item_data(corpus["cross_elsewhere_here"]), actor=regency)[0]["message"]
    )
    # In scope, the registry record is named.
    dup = next(f for f in got["registry_in_scope"] if f["rule"] == "DUPLICATE_NIK")
    assert "orang di registri (ID 1)" in dup["message"]
    # Public/system callers get no names at all.
    anonymous = item_findings(item_data(corpus["registry_in_scope"]), actor=None)
    assert all("ID" not in f["message"] for f in anonymous)


def test_targets_pairs_and_closed_items_are_not_duplicates(corpus):
    actor = user(Role.MINISTRY_DATA_OFFICER)
    got = {name: rules_of(item_findings(item_data(o), actor=actor)) for name, o in corpus.items()}
    assert got["correction_same_person"] == []  # the registry person it corrects, in its own family
    # The same registry person proposed into a new family: not a duplicate, but still in family 10.
    assert got["moves_into_new_family"] == [("MEMBER_OVERLAP", 1, ("no_kk",))]
    assert got["unpublished_registry"] == []
    assert got["vs_withdrawn"] == [] and got["vs_deletion"] == [] and got["deletion"] == []
    assert got["transfer_out"] == [] and got["transfer_in"] == []
    assert got["family_leaving"] == [] and got["family_arriving"] == []
    assert got["individual_correction"] == []


def test_disabled_rules_are_skipped_by_both_forms(corpus):
    IntegrityRule.objects.filter(code__in=["DUPLICATE_NIK", "INCOMPLETE"]).update(enabled=False)
    per_item, set_based = by_item(corpus, user(Role.MINISTRY_DATA_OFFICER))
    assert per_item == set_based
    rules = {f["rule"] for fs in per_item.values() for f in fs}
    assert "DUPLICATE_NIK" not in rules and "INCOMPLETE" not in rules
    assert {"MEMBER_OVERLAP", "NIK_INVALID", "NIK_PENDING"} <= rules


def test_nik_invalid_cannot_be_switched_off():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        IntegrityRule.objects.filter(code="NIK_INVALID").update(enabled=False)
    rules = {r.code: r for r in IntegrityRule.objects.all()}
    # On, but they run only with a civil-registry source configured (tests/civil).
    assert rules["CIVIL_REGISTRY_MISMATCH"].enabled and rules["CIVIL_REGISTRY_UNAVAILABLE"].enabled
    assert {c for c, r in rules.items() if r.blocking} == {
        "NIK_INVALID",
        "NIK_PENDING",
        "DUPLICATE_NIK",
        "MEMBER_OVERLAP",
    }


def test_per_item_query_count_is_constant_for_a_family_of_six(corpus):
    actor = user(Role.VILLAGE_OPERATOR, VILLAGE_A)
    six = {
        "kind": "addition",
        "channel": "musyawarah",
        "village_code": VILLAGE_A,
        "no_kk": kk(),
        "rt": "1",
        "rw": "2",
        "alamat": "Jl. Pahlawan 3",
        "house": HOUSE,
        "persons": [p(), wife()] + [child(nik=nik(date(2010 + i, 1, 1))) for i in range(4)],
    }
    with CaptureQueriesContext(connection) as ctx:
        assert item_findings(six, actor=actor) == []
    assert len(ctx.captured_queries) <= 2  # the rule configuration + one national lookup
    one = {**six, "persons": six["persons"][:1]}
    with CaptureQueriesContext(connection) as ctx1:
        item_findings(one, actor=actor)
    assert len(ctx1.captured_queries) == len(ctx.captured_queries)


def test_set_based_form_on_10000_items(capsys):
    """Prints the set-based form's time for 10,000 items (no timing assertion)."""
    village_items = ProposalItem.objects.bulk_create(
        ProposalItem(
            kind="addition",
            channel="musyawarah",
            village_code=VILLAGE_A,
            no_kk=kk() if i % 2 else "",
            rt="001",
            rw="002",
            alamat="Jl. X",
            house=HOUSE,
        )
        for i in range(10_000)
    )
    people = []
    for i, obj in enumerate(village_items):
        born = date(1960 + (i // 336) % 30, 1 + (i // 28) % 12, 1 + i % 28)
        people.append(ProposalPerson(item=obj, position=0, **p(nik=nik(born))))
        if obj.no_kk:
            people.append(ProposalPerson(item=obj, position=1, **wife(nik=nik(born, female=True))))
    # A few duplicates across items.
    for obj in village_items[:50]:
        people.append(ProposalPerson(item=obj, position=5, **child(nik="3371010101100001")))
    ProposalPerson.objects.bulk_create(people, batch_size=5000)
    t0 = time.perf_counter()
    result = item_findings_set(items=ProposalItem.objects.all(), actor=user(Role.REGENCY_VERIFIER, "3371"))
    elapsed = time.perf_counter() - t0
    assert len(result) == 10_000
    assert sum(1 for fs in result.values() for f in fs if f["rule"] == "DUPLICATE_NIK") == 50
    with capsys.disabled():
        print(f"\nset-based integrity: 10,000 items / {len(people):,} persons in {elapsed:.2f} s")
