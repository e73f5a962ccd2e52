"""Stage 1, the ministry channel (usulan Kementerian Sosial, docs/design.md §1.1): the ministry data unit
proposes only for one of three reasons; the item starts in `submitted` and is verified by the
ministry itself (then `accept_direct`) or by the regency, as the proposer chooses.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dtks.accounts.models import Role
from dtks.core.idempotency import idempotency_claim
from proposals.item.history import write_created
from proposals.item.models import ProposalItem, ProposalPerson
from proposals.item.selectors import proposal_items_of_channel

from .self_registration import item_integrity_findings, proposal_person


class MinistryReason:
    """The three permitted reasons (Permensos 3/2021): nothing else opens this channel."""

    DISASTER = "BENCANA"
    PPKS = "PPKS_TIDAK_TERTANGANI"
    OTHER_EMERGENCY = "KEDARURATAN_LAIN"

    CHOICES = [
        (DISASTER, _("Keadaan darurat bencana")),
        (PPKS, _("PPKS ditemukan belum tertangani dan/atau belum terdaftar")),
        (OTHER_EMERGENCY, _("Kondisi darurat lain yang mengancam jiwa")),
    ]
    VALUES = frozenset({DISASTER, PPKS, OTHER_EMERGENCY})


@transaction.atomic
def ministry_proposal_create(
    *,
    actor,
    reason: str,
    village_code: str,
    note: str,
    verifier: str,
    persons: list[dict],
    no_kk: str = "",
    rt: str = "",
    rw: str = "",
    alamat: str = "",
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> ProposalItem:
    """One family or one individual proposed by the ministry, created in `submitted`.

    A person may lack a NIK (stored NULL: `NIK_PENDING`, which blocks determination until recorded).
    Retrying with the same idempotency key returns the item already created.
    """
    if getattr(actor, "role", None) != Role.MINISTRY_DATA_OFFICER:
        raise PermissionDenied(_("Hanya petugas data Kementerian Sosial yang dapat mengajukan usulan ini."))
    claim = idempotency_claim(scope="ministry_proposal.create", actor=actor, key=idempotency_key)
    if claim.replayed:
        return ProposalItem.objects.get(pk=claim.object_id)
    errors = {}
    if reason not in MinistryReason.VALUES:
        errors["ministry_reason"] = [
            _(
                "Usulan Kementerian Sosial hanya untuk darurat bencana, PPKS yang belum tertangani/terdaftar, atau kondisi darurat lain."
            )
        ]
    if verifier not in ProposalItem.Verifier.values:
        errors["verifier"] = [_("Pilih siapa yang memverifikasi: Kementerian Sosial atau kabupaten/kota.")]
    if not note.strip():
        errors["note"] = [_("Tulis keterangan keadaan yang mendasari usulan ini.")]
    if not persons:
        errors["persons"] = [_("Usulan harus memuat paling sedikit satu orang.")]
    if errors:
        raise ValidationError(errors)
    item = ProposalItem(
        kind=ProposalItem.Kind.ADDITION,
        channel=ProposalItem.Channel.MINISTRY,
        # docs/design.md §4: ministry proposals start in `submitted`.
        state=ProposalItem.State.SUBMITTED,
        verifier=verifier,
        ministry_reason=reason,
        village_code=village_code,
        note=note.strip(),
        no_kk=no_kk,
        rt=rt,
        rw=rw,
        alamat=alamat.strip(),
        created_by=actor,
    )
    item.save()
    ProposalPerson.objects.bulk_create(proposal_person(item, i, p) for i, p in enumerate(persons))
    # NIK_PENDING (no NIK yet) is among them and blocks determination until a NIK is recorded.
    findings = item_integrity_findings(item, actor=actor)
    if findings:
        item.findings = findings
        item.save(update_fields=["findings"])
    write_created(
        [item],
        event="ministry_propose",
        actor=actor,
        ip=ip,
        detail={item.pk: {"ministry_reason": reason, "verifier": verifier, "persons": len(persons)}},
    )
    claim.answer(item.pk)
    return item


def ministry_proposals_visible_to(*, user) -> QuerySet[ProposalItem]:
    """Ministry proposals in the user's scope, with the first person's name and the person count."""
    return proposal_items_of_channel(user=user, channel=ProposalItem.Channel.MINISTRY)
