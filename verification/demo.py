"""Demo verval (`manage.py seed_demo`, after the musyawarah demo and before the Dukcapil one): the
Kota Magelang verifier's work in progress. Of the five families the Rejowinangun Selatan operator
submitted for it (proposals/demo.py, `VERVAL_SERIALS`), four are decided through `verval_decide`, as the
decision page does:

- one returned to the village with a reason (the village reads it on its "perlu diperbaiki" list);
- one verified with a correction (the address completed; the village sees what changed);
- one verified overriding its finding (a birth date that disagrees with the NIK) with a reason;
- one rejected with a reason code;

and the fifth stays in the queue with the stage 1 demo's other submitted items. Around them, the
regency submission (verification/submissions.py) in both of its visible states:

- before those decisions, the items the stage 1 demo already verified — and two more of its waiting
  families the verifier verifies first for the province's demo (`PROVINCE_SERIALS`, `_province_work`) —
  are gathered, signed off by the head of the Dinas Sosial with a (generated) regent's letter and sent
  to the province: the Central Java province officer logs in to a submission of three items waiting to
  be forwarded to the ministry or disputed (its summary at /verval/provinsi/ shows an overridden
  finding);
- after them, the two items just verified are gathered into the next submission, waiting for the head
  of the Dinas Sosial's signature (one with an overridden finding in its summary).

Then the field visits (verification/visits.py): the verifier draws up a prelist of the operator's
village — the family still waiting in the queue — for the village's pendamping, who has visited it
with five photos of the checklist (the others show as gaps on the item review), GPS and the house
survey.

Last, Kabupaten Sleman's part of the way to the ministry (issue 16): the Sleman verifier verifies the
families the stage 1 demo left in its desa (one overriding a finding), the head of its Dinas Sosial
signs and sends them to DI Yogyakarta, whose officer disputes one with a reason and forwards the others
(verification/province.py), for the assessment demo (determination/demo.py).

Idempotent: an item already decided is left alone, a submission is made only when the city has none
(the sent one) or has verified items not yet gathered (the open one), and the prelist only when the
village has none, so a rerun changes nothing.
Needs the musyawarah demo (seeded before).
"""

import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF
from PIL import Image, ImageDraw

from dtks.accounts.demo import CITY, OPERATOR_VILLAGE, REGENCY
from dtks.accounts.models import Role, User
from dtks.core.demo import DemoResult, DemoUnavailable
from dtks.registry.fields import PERSON_FIELDS
from proposals.item import ProposalItem

from .models import DecisionKind, Prelist, RegencySubmission, RejectReason
from .province import submission_dispute, submission_forward
from .services import verval_decide
from .submissions import items_to_gather, submission_gather, submission_send, submission_sign
from .visits import PrelistInput, VisitInput, prelist_create, visit_record

CHECKED = "Diperiksa saat kunjungan lapangan: data sesuai dokumen asli."


@dataclass(frozen=True)
class Decision:
    serial: int  # the family's serial in proposals/demo.py (its KK number ends with it)
    decision: str
    reason: str = ""
    reason_code: str = ""
    note: str = ""
    overrides: dict = field(default_factory=dict)
    alamat: str = ""  # a verification with corrections: the corrected address


DECISIONS = (
    Decision(
        7201,
        DecisionKind.RETURN,
        reason="Foto KK tidak terbaca dan surat keterangan tidak mampu belum dilampirkan; lengkapi lalu ajukan kembali.",
    ),
    Decision(
        7202,
        DecisionKind.VERIFY_CORRECTED,
        reason="Alamat dilengkapi dengan nomor rumah sesuai kunjungan lapangan.",
        alamat="Jl. Tidar Baru No. 14",
    ),
    Decision(
        7203,
        DecisionKind.VERIFY,
        note="Kunjungan 12 November 2026.",
        overrides={
            "*": "KTP asli diperiksa: tanggal lahir yang benar 22 Juli 1992; NIK lama belum dimutakhirkan Dukcapil."
        },
    ),
    Decision(
        7204,
        DecisionKind.REJECT,
        reason_code=RejectReason.DUPLICATE,
        reason="Keluarga ini sudah terdaftar di DTKS dengan nomor KK lama.",
    ),
)


def kk_of(serial: int) -> str:
    """The demo family's KK number (proposals/demo.py, `_new_family`)."""
    return f"{OPERATOR_VILLAGE[:6]}150826{serial:04d}"


def corrections_of(item: ProposalItem, alamat: str, **family_fields) -> dict:
    """The item's content with the address (and any other family field given) corrected, as
    `verval_decide` takes it."""
    persons = []
    for p in item.persons.order_by("position"):
        row = {"target_person_id": p.target_person_id, **{k: getattr(p, k) for k in PERSON_FIELDS}}
        if row.get("tanggal_lahir") is not None:
            row["tanggal_lahir"] = row["tanggal_lahir"].isoformat()
        persons.append(row)
    family = {
        "no_kk": item.no_kk,
        "rt": item.rt,
        "rw": item.rw,
        "alamat": alamat,
        "house": dict(item.house or {}),
        "is_family": True,
        **family_fields,
    }
    return {"family": family, "persons": persons}


def _overrides(item: ProposalItem, given: dict) -> dict:
    """A reason for every finding on the item: the decision's own (`"*"` for any rule), else CHECKED."""
    rules = {f.get("rule") for f in item.findings or [] if f.get("rule")}
    return {rule: given.get(rule) or given.get("*") or CHECKED for rule in sorted(rules)}


def _demo_user(role: str, region: str) -> User:
    user = User.objects.filter(is_demo=True, role=role, region_code=region, is_active=True).first()
    if user is None:
        raise DemoUnavailable(f"Akun demo {Role(role).label} ({region}) belum ada.")
    return user


def demo_letter(head: str = "WALI KOTA MAGELANG") -> SimpleUploadedFile:
    """A one-page PDF standing in for the mayor's (regent's) approval letter (the demo has no scanner)."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(
        0,
        7,
        f"{head}\n\nPersetujuan atas hasil verifikasi dan validasi Data Terpadu Kesejahteraan "
        "Sosial.\n\n(Contoh untuk demo DTKS.)",
    )
    return SimpleUploadedFile("surat-persetujuan.pdf", bytes(pdf.output()), content_type="application/pdf")


# ---- the province's demo (issue 16) ------------------------------------------------------------------

# Stage 1's waiting families (proposals/demo.py) that join the submission sent to the province, so
# that its officer has several items to forward or dispute: a musyawarah's addition and the ministry's
# flood-hit family, whose finding the verifier overrides.
PROVINCE_SERIALS = {
    7003: "",
    7005: "Rumah rusak berat diperiksa di pengungsian Balai RW 05; KK asli hanyut, data dicocokkan dengan KTP.",
}


def _province_work(verifier: User, result: DemoResult) -> None:
    """Before the first submission is gathered (only then: a rerun changes nothing), the verifier
    verifies the `PROVINCE_SERIALS` families, so they are sent to the province with it."""
    if RegencySubmission.objects.filter(regency_code=CITY).exists():
        return
    waiting = ProposalItem.objects.filter(
        village_code=OPERATOR_VILLAGE,
        state=ProposalItem.State.SUBMITTED,
        verifier=ProposalItem.Verifier.REGENCY,
        no_kk__in=[kk_of(serial) for serial in PROVINCE_SERIALS],
    )
    for item in waiting.order_by("pk"):
        reason = PROVINCE_SERIALS[int(item.no_kk[-4:])]
        verval_decide(
            item_id=item.pk,
            decision=DecisionKind.VERIFY,
            actor=verifier,
            note="Diverifikasi untuk pengajuan ke provinsi.",
            overrides=_overrides(item, {"*": reason} if reason else {}),
        )
        result.created.append(f"#{item.pk} {DecisionKind.VERIFY.label} (untuk pengajuan ke provinsi)")


# ---- the regency submission -------------------------------------------------------------------------


def _sent_submission(verifier: User, supervisor: User, result: DemoResult) -> None:
    """The city's first submission, sent to the province: what the stage 1 demo verified."""
    if (
        RegencySubmission.objects.filter(regency_code=CITY).exists()
        or not items_to_gather(user=verifier).exists()
    ):
        return
    sub = submission_gather(actor=verifier)
    submission_sign(
        submission_id=sub.pk,
        actor=supervisor,
        letter=demo_letter(),
        letter_number="400.9/612/2026",
        letter_date=date(2026, 11, 27),
        note="Hasil verifikasi dan validasi November 2026.",
    )
    submission_send(submission_id=sub.pk, actor=supervisor)
    result.created.append(f"Pengajuan {sub.label} dikirim ke provinsi")


def _open_submission(verifier: User, result: DemoResult) -> None:
    """The next submission, gathered and waiting for the head of the Dinas Sosial's signature."""
    if not items_to_gather(user=verifier).exists():
        return
    sub = submission_gather(actor=verifier)
    result.created.append(f"Pengajuan {sub.label} menunggu pengesahan ({sub.item_count} usulan)")


def verification_demo_seed() -> DemoResult:
    verifier = _demo_user(Role.REGENCY_VERIFIER, CITY)
    supervisor = _demo_user(Role.REGENCY_SUPERVISOR, CITY)
    items = {
        i.no_kk: i
        for i in ProposalItem.objects.filter(
            village_code=OPERATOR_VILLAGE,
            channel=ProposalItem.Channel.MUSYAWARAH,
            no_kk__in=[kk_of(d.serial) for d in DECISIONS],
        )
    }
    if len(items) < len(DECISIONS):
        raise DemoUnavailable("Usulan demo musyawarah untuk verval belum ada; jalankan demo Musyawarah dulu.")
    result = DemoResult()
    with transaction.atomic():
        _province_work(verifier, result)
        _sent_submission(verifier, supervisor, result)
        for d in DECISIONS:
            item = items[kk_of(d.serial)]
            if item.state != ProposalItem.State.SUBMITTED:
                continue  # decided already (this demo's earlier run, or by hand)
            verifies = d.decision in (DecisionKind.VERIFY, DecisionKind.VERIFY_CORRECTED)
            verval_decide(
                item_id=item.pk,
                decision=d.decision,
                actor=verifier,
                reason=d.reason,
                reason_code=d.reason_code,
                note=d.note,
                overrides=_overrides(item, d.overrides) if verifies else None,
                corrections=corrections_of(item, d.alamat)
                if d.decision == DecisionKind.VERIFY_CORRECTED
                else None,
            )
            result.created.append(f"#{item.pk} {DecisionKind(d.decision).label}")
        _open_submission(verifier, result)
        _prelist_and_visit(verifier, result)
        _sleman_to_the_ministry(result)
    return result


# ---- Sleman, on its way to the ministry (issue 16) ------------------------------------------------------

# The Sleman musyawarah's families (proposals/demo.py, `ASSESSMENT_SERIALS`): the first has a finding the
# verifier overrides; the province disputes the last one and forwards the others.
SLEMAN_OVERRIDE = (
    "KTP asli diperiksa saat kunjungan: tanggal lahir benar, NIK lama belum dimutakhirkan Dukcapil."
)
SLEMAN_DISPUTED = 7306
SLEMAN_DISPUTE = (
    "Keluarga ini tercatat pindah ke Kabupaten Bantul menurut laporan kecamatan; mohon diperiksa ulang."
)


def _sleman_to_the_ministry(result: DemoResult) -> None:
    """The Sleman families go the whole way to the ministry through the services the pages use: verified
    (a finding overridden), gathered, signed off with the regent's letter and sent to DI Yogyakarta,
    which disputes one and forwards the rest. Once only: when Sleman has no submission yet."""
    sleman = REGENCY
    items = list(
        ProposalItem.objects.filter(
            village_code__startswith=sleman,
            channel=ProposalItem.Channel.MUSYAWARAH,
            state=ProposalItem.State.SUBMITTED,
        ).order_by("no_kk")
    )
    if not items or RegencySubmission.objects.filter(regency_code=sleman).exists():
        return
    verifier = _demo_user(Role.REGENCY_VERIFIER, sleman)
    supervisor = _demo_user(Role.REGENCY_SUPERVISOR, sleman)
    province = _demo_user(Role.PROVINCE_OFFICER, sleman[:2])
    for item in items:
        verval_decide(
            item_id=item.pk,
            decision=DecisionKind.VERIFY,
            actor=verifier,
            note="Dikunjungi pendamping; kondisi rumah sesuai usulan.",
            overrides=_overrides(item, {"*": SLEMAN_OVERRIDE}),
        )
    sub = submission_gather(actor=verifier)
    submission_sign(
        submission_id=sub.pk,
        actor=supervisor,
        letter=demo_letter("BUPATI SLEMAN"),
        letter_number="400.9/1187/2026",
        letter_date=date(2026, 11, 24),
        note="Hasil verifikasi dan validasi Oktober 2026.",
    )
    submission_send(submission_id=sub.pk, actor=supervisor)
    disputed = [i.pk for i in items if i.no_kk.endswith(f"{SLEMAN_DISPUTED:04d}")]
    submission_dispute(submission_id=sub.pk, actor=province, item_ids=disputed, reason=SLEMAN_DISPUTE)
    submission_forward(submission_id=sub.pk, actor=province)
    result.created.append(
        f"Sleman: {len(items)} usulan diverifikasi, pengajuan {sub.label} dikirim; "
        f"{len(items) - len(disputed)} diteruskan ke Kementerian Sosial, {len(disputed)} disanggah provinsi"
    )


DEMO_PHOTOS = {
    "depan": (176, 148, 110),
    "atap": (150, 70, 50),
    "dinding": (210, 200, 180),
    "kk": (235, 235, 225),
    "kepala": (120, 110, 100),
}


def demo_photo(kind: str, color: tuple[int, int, int]) -> SimpleUploadedFile:
    """A plain picture standing in for a phone photo (the demo has no camera), with the label drawn."""
    image = Image.new("RGB", (1200, 900), color)
    ImageDraw.Draw(image).text((40, 40), f"Foto demo: {kind}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"{kind}.jpg", out.getvalue(), content_type="image/jpeg")


def _prelist_and_visit(verifier: User, result: DemoResult) -> None:
    if Prelist.objects.filter(village_code=OPERATOR_VILLAGE).exists():
        return
    officer = User.objects.filter(
        is_demo=True, role=Role.FIELD_OFFICER, assigned_villages__village_code=OPERATOR_VILLAGE
    ).first()
    if officer is None:
        raise DemoUnavailable("Akun demo pendamping desa/kelurahan operator belum ada.")
    prelist = prelist_create(
        actor=verifier,
        data=PrelistInput(
            village_code=OPERATOR_VILLAGE, title="Verval Desember 2026", officer_ids=[officer.pk]
        ),
    )
    entry = prelist.entries.order_by("position").first()
    visit_record(
        actor=officer,
        data=VisitInput(
            entry_id=entry.pk,
            client_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"dtks-demo-visit-{entry.pk}")),
            visited_on=timezone.localdate(),
            latitude="-7.486110",
            longitude="110.219440",
            accuracy_m="9",
            house={"atap": "SENG", "dinding": "BAMBU", "lantai": "TANAH"},
            note="Rumah berdinding bambu, lantai tanah; lima anggota keluarga tinggal serumah.",
            photos={kind: demo_photo(kind, color) for kind, color in DEMO_PHOTOS.items()},
        ),
    )
    result.created.append(
        f"Prelist {prelist.title} ({prelist.entries.count()} keluarga) dengan satu kunjungan"
    )
