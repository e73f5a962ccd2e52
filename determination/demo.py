"""Demo assessment (`manage.py seed_demo`, after the verval demo): the ministry data officer's work in
progress on the Sleman families the DI Yogyakarta province forwarded (verification/demo.py), through
the services the pages use:

- two accepted at once (`assessment_accept_bulk`: items without findings);
- two returned to the Sleman Dinas Sosial with the criteria they fail and a note; the Sleman verifier
  corrects one of them (the address completed), so it is verified again and waits for the next
  submission — the other stays on the verifier's "Dikembalikan Kementerian Sosial" tab;
- the one with a finding (a birth date that disagrees with the NIK, overridden by the regency) left in
  the assessment queue, for the data officer to accept with an override reason or return;

next to the elder without a NIK the ministry verifies itself (stage 1's demo), on the queue's second
tab. The province's disputed family waits for quality assurance (a later issue).

Idempotent: only forwarded items are decided, and only when none of Sleman's has been assessed yet.
"""

from django.db import transaction

from dtks.accounts.demo import REGENCY as SLEMAN
from dtks.accounts.models import Role, User
from dtks.core.demo import DemoResult, DemoUnavailable
from proposals.item import ProposalItem
from verification.demo import corrections_of
from verification.services import verval_decide

from .assessment import assessment_accept_bulk, assessment_decide
from .models import Assessment, AssessmentDecision

RETURN_NOTE = (
    "Alamat hanya nama padukuhan; lengkapi RT/RW dan nomor rumah, lalu pastikan kondisi rumah sesuai "
    "foto kunjungan."
)
CORRECTED = "Padukuhan Karangmloko RT 02 RW 11 No. 5"


def _user(role: str, region: str = "") -> User:
    user = User.objects.filter(is_demo=True, role=role, region_code=region, is_active=True).first()
    if user is None:
        raise DemoUnavailable(f"Akun demo {Role(role).label} belum ada.")
    return user


def assessment_demo_seed() -> DemoResult:
    result = DemoResult()
    forwarded = list(
        ProposalItem.objects.filter(
            village_code__startswith=SLEMAN, state=ProposalItem.State.FORWARDED
        ).order_by("no_kk")
    )
    if not forwarded or Assessment.objects.filter(item__village_code__startswith=SLEMAN).exists():
        return result
    ministry = _user(Role.MINISTRY_DATA_OFFICER)
    verifier = _user(Role.REGENCY_VERIFIER, SLEMAN)
    # The one with a finding is left in the queue for the data officer.
    clean = [i for i in forwarded if not i.findings]
    with transaction.atomic():
        accepted = assessment_accept_bulk(actor=ministry, item_ids=[i.pk for i in clean[:2]])
        result.created.append(f"{len(accepted.changed)} usulan Sleman diterima sekaligus")
        returned = clean[2:4]
        for item in returned:
            assessment_decide(
                item_id=item.pk,
                decision=AssessmentDecision.RETURN,
                actor=ministry,
                rule_codes=["INCOMPLETE"],
                note=RETURN_NOTE,
            )
        result.created.append(f"{len(returned)} usulan Sleman dikembalikan ke kabupaten")
        if returned:
            item = ProposalItem.objects.get(pk=returned[0].pk)
            verval_decide(
                item_id=item.pk,
                decision="verify_corrected",
                actor=verifier,
                reason="Alamat dilengkapi sesuai kunjungan ulang.",
                corrections=corrections_of(item, CORRECTED, rt="002", rw="011"),
                overrides={f["rule"]: "Diperiksa ulang di lapangan." for f in item.findings or []} or None,
            )
            result.created.append(f"#{item.pk} diperbaiki kabupaten dan diverifikasi lagi")
    return result
