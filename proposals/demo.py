"""Demo musyawarah (`manage.py seed_demo`): the Rejowinangun Selatan (Kota Magelang) operator's
musyawarah in every state, with items of every kind, written through the real services so the demo
shows what the pages really do:

- a draft musyawarah (no minutes yet) with a draft addition, and a spreadsheet import of it waiting
  in preview: four valid rows (two families) and two rows to fix on the page (a NIK Excel turned
  into a number, an unknown sex);
- a held one (minutes uploaded) with a draft deletion and a draft replacement pair;
- a submitted one whose items the Kota Magelang verifier decided: one submitted, one returned to the
  village with a reason, one verified (a correction with its diff), and a transfer to another
  kelurahan of Kota Magelang (its arrival half in the destination kelurahan);
- the other two channels, never in a musyawarah: two ministry proposals (a flood-hit family the
  Kota Magelang verifier is to verify; a neglected elder without a NIK yet, `NIK_PENDING`, the
  ministry verifies itself) and a citizen's self-registration of a family, which goes to the Kota
  Magelang verifier and which the village sees for information;
- a second submitted one (`VERVAL_SERIALS`), left for the verification stage's demo
  (verification/demo.py) to decide through its own service: one returned, one verified with a
  correction, one verified overriding a finding, one rejected, and one still waiting;
- in the first Sleman demo desa, its operator's submitted musyawarah (`ASSESSMENT_SERIALS`), left for
  the later stages' demos to carry on: the Sleman verifier verifies it and the head of its Dinas Sosial
  sends it to the DI Yogyakarta province, which forwards it to the ministry but for one item it
  disputes (verification/demo.py); the ministry accepts, returns and leaves items waiting
  (determination/demo.py).

Idempotent: musyawarah are recognised by their place; a rerun adds nothing. Needs the demo registry
and demo users (seeded before).
"""

import csv
import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dtks.accounts.demo import CITY, OPERATOR_VILLAGE
from dtks.accounts.demo import REGENCY as SLEMAN
from dtks.accounts.models import Role, User
from dtks.core.demo import DemoResult, DemoUnavailable
from dtks.core.models import IdempotencyKey
from dtks.registry.models import MembershipVersion
from dtks.registry.reading import TEMPLATE_COLUMNS
from dtks.registry.selectors import families_visible_to, persons_visible_to

from .imports import services as importing
from .imports.models import ImportJob
from .item import content, create, transitions
from .item.models import ProposalItem
from .musyawarah import services as musyawarah_services
from .musyawarah.models import Musyawarah

PLACES = {
    "draft": "Balai RW 03 (demo)",
    "held": "Pendopo kelurahan (demo)",
    "submitted": "Aula kelurahan (demo)",
    "verval": "Balai RW 07 (demo)",
}
# The families of the "verval" musyawarah (`_new_family` serials), with their heads' names; the third's
# second member has a birth date that disagrees with her NIK (a finding the verifier overrides).
VERVAL_SERIALS = {
    7201: "Sugiyono",
    7202: "Bambang Riyanto",
    7203: "Tukiman",
    7204: "Sarwono",
    7205: "Mulyadi",
}
VERVAL_FINDING = 7203
# The Sleman musyawarah's families (`_new_family` serials) with their heads' names; the first one's
# second member has a birth date that disagrees with her NIK (a finding the ministry sees).
ASSESSMENT_SERIALS = {
    7301: "Sukardi",
    7302: "Parjiyo",
    7303: "Ngatijo",
    7304: "Wagiman",
    7305: "Sutrisno",
    7306: "Tumijan",
}
ASSESSMENT_FINDING = 7301
ASSESSMENT_PLACE = "Balai padukuhan (demo)"
DESTINATION = "3371011007"  # Magersari, Kota Magelang
# A small, valid PDF: the minutes of the demo musyawarah.
MINUTES_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _new_family(serial: int, village: str = OPERATOR_VILLAGE) -> tuple[dict, list[dict]]:
    district = village[:6]
    family = {
        "is_family": True,
        "no_kk": f"{district}150826{serial:04d}",
        "rt": "003",
        "rw": "005",
        "alamat": "Jl. Tidar Baru",
        "house": {
            "status_kepemilikan": "KONTRAK_SEWA",
            "atap": "SENG",
            "dinding": "ANYAMAN_BAMBU",
            "lantai": "TANAH",
            "sumber_air_minum": "SUMUR_TAK_TERLINDUNG",
            "penerangan": "LISTRIK_NON_PLN",
            "fasilitas_bab": "UMUM",
        },
    }
    persons = [
        {
            "nik": f"{district}120390{serial:04d}",
            "nama": "Suparno",
            "tempat_lahir": "MAGELANG",
            "tanggal_lahir": date(1990, 3, 12),
            "jenis_kelamin": "L",
            "status_perkawinan": "KAWIN",
            "hubungan_keluarga": "KEPALA KELUARGA",
            "kategori": "PPKS",
            "kriteria": ["KEMISKINAN"],
        },
        {
            "nik": f"{district}610792{serial:04d}",
            "nama": "Wulandari",
            "tempat_lahir": "MAGELANG",
            "tanggal_lahir": date(1992, 7, 21),
            "jenis_kelamin": "P",
            "status_perkawinan": "KAWIN",
            "hubungan_keluarga": "ISTRI",
        },
    ]
    return family, persons


def _musyawarah(
    operator: User, place: str, *, minutes: bool, held_on: date, led_by: str = "Lurah Rejowinangun Selatan"
) -> Musyawarah:
    m = musyawarah_services.musyawarah_create(
        actor=operator,
        held_on=held_on,
        place=place,
        led_by=led_by,
        attendee_count=24,
        attendee_names="Ketua RT 01\nKetua RW 03\nPSKS Karang Taruna\nKader PKK",
        input_sources=["RT_RW", "LURAH", "PSKS", "KANTOR_DESA"],
    )
    if minutes:
        upload = SimpleUploadedFile("notulen.pdf", MINUTES_PDF, "application/pdf")
        musyawarah_services.musyawarah_minutes_attach(musyawarah_id=m.pk, actor=operator, upload=upload)
        musyawarah_services.musyawarah_hold(musyawarah_id=m.pk, actor=operator)
    return m


def proposals_demo_seed() -> DemoResult:
    operator = User.objects.filter(
        is_demo=True, role=Role.VILLAGE_OPERATOR, region_code=OPERATOR_VILLAGE, is_active=True
    ).first()
    verifier = User.objects.filter(
        is_demo=True, role=Role.REGENCY_VERIFIER, region_code=CITY, is_active=True
    ).first()
    if operator is None or verifier is None:
        raise DemoUnavailable("Akun demo operator kelurahan/verifikator Kota Magelang belum ada.")
    result = DemoResult()
    done = set(
        Musyawarah.objects.filter(village_code=OPERATOR_VILLAGE, place__in=PLACES.values()).values_list(
            "place", flat=True
        )
    )
    families = list(
        families_visible_to(user=operator).order_by("family_id").values_list("family_id", flat=True)[:6]
    )
    in_family = MembershipVersion.objects.current().values("person_id")
    individuals = list(
        persons_visible_to(user=operator)
        .exclude(person_id__in=in_family)
        .exclude(nik=None)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:2]
    )
    if len(families) < 4:
        raise DemoUnavailable("Registri demo Rejowinangun Selatan belum dimuat.")

    with transaction.atomic():
        if PLACES["draft"] not in done:
            m = _musyawarah(operator, PLACES["draft"], minutes=False, held_on=date(2026, 11, 20))
            family, persons = _new_family(7001)
            create.proposal_item_create(
                kind="addition",
                actor=operator,
                musyawarah_id=m.pk,
                family=family,
                persons=persons,
                note="Usulan RT 03.",
            )
            result.created.append(PLACES["draft"])
        draft = Musyawarah.objects.get(village_code=OPERATOR_VILLAGE, place=PLACES["draft"])
        if draft.state == Musyawarah.State.DRAFT and not ImportJob.objects.filter(musyawarah=draft).exists():
            _import_in_preview(operator, draft)
            result.created.append(f"{PLACES['draft']}: impor {IMPORT_NAME}")
        if PLACES["held"] not in done:
            m = _musyawarah(operator, PLACES["held"], minutes=True, held_on=date(2026, 11, 12))
            create.proposal_item_create(
                kind="deletion",
                actor=operator,
                musyawarah_id=m.pk,
                target_family_id=families[0],
                deletion_reason="TIDAK_MEMENUHI_KRITERIA",
                note="Kepala keluarga sudah bekerja tetap.",
            )
            family, persons = _new_family(7002)
            target = (
                {"target_person_id": individuals[0]} if individuals else {"target_family_id": families[3]}
            )
            create.proposal_item_create(
                kind="replacement",
                actor=operator,
                musyawarah_id=m.pk,
                deletion_reason="MENINGGAL",
                family=family,
                persons=persons,
                **target,
            )
            result.created.append(PLACES["held"])
        if PLACES["submitted"] not in done:
            m = _musyawarah(operator, PLACES["submitted"], minutes=True, held_on=date(2026, 10, 28))
            family, persons = _new_family(7003)
            stays = create.proposal_item_create(
                kind="addition", actor=operator, musyawarah_id=m.pk, family=family, persons=persons
            )
            family, persons = _new_family(7004)
            persons[1]["tanggal_lahir"] = date(1992, 7, 22)  # disagrees with the NIK: a finding
            returned = create.proposal_item_create(
                kind="addition", actor=operator, musyawarah_id=m.pk, family=family, persons=persons
            )
            correction = _correction(operator, m, families[1])
            create.proposal_item_create(
                kind="transfer",
                actor=operator,
                musyawarah_id=m.pk,
                target_family_id=families[2],
                destination={
                    "kode_wilayah": DESTINATION,
                    "rt": "002",
                    "rw": "004",
                    "alamat": "Jl. Magersari Tengah",
                },
                note="Pindah ikut anak.",
            )
            musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=operator)
            transitions.proposal_item_transition(
                item_id=returned.pk,
                transition="return_to_village",
                actor=verifier,
                reason="Tanggal lahir Wulandari tidak cocok dengan NIK-nya; periksa KTP/KK.",
            )
            transitions.proposal_item_transition(
                item_id=correction.pk,
                transition="verify",
                actor=verifier,
                overrides={
                    f["rule"]: "Diperiksa di lapangan: data rumah sudah sesuai." for f in correction.findings
                },
            )
            del stays
            result.created.append(PLACES["submitted"])
        if PLACES["verval"] not in done:
            m = _musyawarah(operator, PLACES["verval"], minutes=True, held_on=date(2026, 11, 5))
            for serial, head in VERVAL_SERIALS.items():
                family, persons = _new_family(serial)
                persons[0]["nama"] = head
                if serial == VERVAL_FINDING:
                    persons[1]["tanggal_lahir"] = date(1992, 7, 22)  # disagrees with the NIK
                create.proposal_item_create(
                    kind="addition", actor=operator, musyawarah_id=m.pk, family=family, persons=persons
                )
            musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=operator)
            result.created.append(PLACES["verval"])
    _other_channels(result)
    _sleman_musyawarah(result)
    return result


def _sleman_musyawarah(result: DemoResult) -> None:
    """The Sleman demo desa's submitted musyawarah (`ASSESSMENT_SERIALS`); once only, by its place."""
    operator = (
        User.objects.filter(
            is_demo=True, role=Role.VILLAGE_OPERATOR, region_code__startswith=SLEMAN, is_active=True
        )
        .order_by("region_code")
        .first()
    )
    if (
        operator is None
        or Musyawarah.objects.filter(village_code=operator.region_code, place=ASSESSMENT_PLACE).exists()
    ):
        return
    with transaction.atomic():
        m = _musyawarah(
            operator, ASSESSMENT_PLACE, minutes=True, held_on=date(2026, 10, 14), led_by="Lurah desa"
        )
        for serial, head in ASSESSMENT_SERIALS.items():
            family, persons = _new_family(serial, operator.region_code)
            family["alamat"] = "Padukuhan Karangmloko"
            persons[0]["nama"] = head
            for p in persons:
                p["tempat_lahir"] = "SLEMAN"
            if serial == ASSESSMENT_FINDING:
                persons[1]["tanggal_lahir"] = date(1992, 7, 22)  # disagrees with the NIK
            create.proposal_item_create(
                kind="addition", actor=operator, musyawarah_id=m.pk, family=family, persons=persons
            )
        musyawarah_services.musyawarah_submit(musyawarah_id=m.pk, actor=operator)
    result.created.append(f"{ASSESSMENT_PLACE} ({operator.region_code})")


MINISTRY_KEYS = ("demo:kemensos:banjir", "demo:kemensos:ppks")
SELF_REGISTRATION_FORM = "demo-pendaftaran-mandiri"


def _other_channels(result: DemoResult) -> None:
    """Ministry proposals and a self-registration, through their services; idempotent by their
    idempotency keys (a rerun returns the items already there)."""
    from .channels.ministry import MinistryReason, ministry_proposal_create
    from .channels.self_registration import Submission, self_registration_submit

    ministry = User.objects.filter(is_demo=True, role=Role.MINISTRY_DATA_OFFICER, is_active=True).first()
    if (
        ministry is not None
        and not IdempotencyKey.objects.filter(
            scope="ministry_proposal.create", key__in=MINISTRY_KEYS
        ).exists()
    ):
        family, persons = _new_family(7005)
        scalar = [{k: v for k, v in p.items() if not isinstance(v, list)} for p in persons]
        ministry_proposal_create(
            actor=ministry,
            reason=MinistryReason.DISASTER,
            village_code=OPERATOR_VILLAGE,
            note="Banjir Kali Progo 3 November 2026: rumah rusak berat, keluarga mengungsi di balai RW.",
            verifier=ProposalItem.Verifier.REGENCY,
            persons=scalar,
            no_kk=family["no_kk"],
            rt=family["rt"],
            rw=family["rw"],
            alamat="Pengungsian Balai RW 05",
            idempotency_key=MINISTRY_KEYS[0],
        )
        ministry_proposal_create(
            actor=ministry,
            reason=MinistryReason.PPKS,
            village_code=DESTINATION,
            note="Lansia terlantar ditemukan tim reaksi cepat; belum punya KTP, NIK sedang diurus ke Dukcapil.",
            verifier=ProposalItem.Verifier.MINISTRY,
            persons=[{"nik": None, "nama": "Mbah Karto", "jenis_kelamin": "L", "tempat_lahir": "MAGELANG"}],
            alamat="Emperan toko Jl. Pemuda",
            idempotency_key=MINISTRY_KEYS[1],
        )
        result.created.append("usulan Kementerian Sosial (2)")
    family, persons = _new_family(7006)
    persons[0]["nama"], persons[1]["nama"] = "Slamet Riyadi", "Sumarni"
    submission = Submission(
        kind=ProposalItem.Kind.ADDITION,
        village_code=OPERATOR_VILLAGE,
        no_kk=family["no_kk"],
        rt=family["rt"],
        rw=family["rw"],
        alamat="Jl. Tidar Baru Gg. 2",
        phone="081234567890",
        note="Suami kena PHK bulan lalu; istri buruh cuci harian.",
        persons=[{k: v for k, v in p.items() if not isinstance(v, list)} for p in persons],
    )
    _item, created = self_registration_submit(submission=submission, form_key=SELF_REGISTRATION_FORM)
    if created:
        result.created.append("pendaftaran mandiri (1)")


IMPORT_NAME = "usulan-rt03.csv"


def _import_in_preview(operator: User, m: Musyawarah) -> None:
    """An office's file through the real import: stored, checked and previewed (the preview runs
    here, not on the worker, so the demo shows it at once; the task finds it done)."""
    rows = []
    for serial in (7101, 7102):
        family, persons = _new_family(serial)
        for person in persons:
            rows.append(
                {
                    **{k: v for k, v in family.items() if k in TEMPLATE_COLUMNS},
                    **family["house"],
                    **{k: v for k, v in person.items() if k in TEMPLATE_COLUMNS},
                    "tanggal_lahir": person["tanggal_lahir"].strftime("%d/%m/%Y"),
                    "kriteria": ";".join(person.get("kriteria", [])),
                    "kode_wilayah": OPERATOR_VILLAGE,
                }
            )
    excel = dict(rows[0], no_kk="", nik="3.37101E+15", nama="Sri Rahayu", hubungan_keluarga="")
    unknown_sex = dict(rows[1], no_kk="", nik=f"{OPERATOR_VILLAGE[:6]}0101600009", nama="Paijo")
    unknown_sex.update(jenis_kelamin="X", hubungan_keluarga="", tanggal_lahir="01/01/1960")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(TEMPLATE_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows([*rows, excel, unknown_sex])
    upload = SimpleUploadedFile(IMPORT_NAME, buf.getvalue().encode("utf-8"), "text/csv")
    job = importing.import_job_create(musyawarah_id=m.pk, uploaded=upload, actor=operator)
    importing.import_job_preview(job_id=job.pk)


def _correction(operator: User, m: Musyawarah, family_id: int):
    snap = content.target_snapshot(actor=operator, target_family_id=family_id, target_person_id=None)
    family = {**snap["family"], "alamat": (snap["family"]["alamat"] or "") + " (gang masuk)"}
    persons = [dict(p) for p in snap["persons"]]
    if persons and not persons[0].get("tempat_lahir"):
        persons[0]["tempat_lahir"] = "MAGELANG"
    return create.proposal_item_create(
        kind="correction",
        actor=operator,
        musyawarah_id=m.pk,
        target_family_id=family_id,
        family=family,
        persons=persons,
    )
