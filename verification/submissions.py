"""The regency's submission (issue 14, "The regency submission"; docs/verification.md): its reads and its
writes.

- `submission_gather`: the regency's verified items not yet in a submission are frozen into its open
  submission (created when there is none), one `INSERT … SELECT` over the scoped selector. Items
  verified later wait for the next gathering. A verifier or the supervisor may gather.
- `submission_sign`: the head of the Dinas Sosial signs it off with the regent's/mayor's approval
  letter (stored, hashed): its items move `verified → regency_approved` through the item machine's
  bulk-transition service, the recap PDF is generated and kept with its SHA-256, all in one
  transaction — a submission is signed exactly when its items are approved.
- `submission_send`: signed → sent; the province's officers are told in their inbox.

Every write is a transition of `RegencySubmission` (verification/models.py) with an audit row.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from dtks.accounts.models import Role
from dtks.accounts.scope import region_q, scoped_selector
from dtks.audit.services import audit_record
from dtks.core.documents import document_check, document_name, document_sha256
from dtks.core.notifications import notify_many
from dtks.regions.selectors import region_get, region_labels
from dtks.registry.models import Finding
from proposals.item import (
    AlreadyDecided,
    ProposalItem,
    ProposalPerson,
    proposal_items_bulk_transition,
    proposal_items_visible_to,
)

from .models import RegencySubmission, SubmissionItem
from .recap import submission_recap_pdf

S = RegencySubmission.State
GATHERERS = frozenset({Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR})
LETTER_NOUN = gettext_lazy("surat persetujuan bupati/wali kota")
NUMBER_MAX = 100
NOTE_MAX = 4000


class SubmissionNotFound(ObjectDoesNotExist):
    """The submission does not exist or is outside the actor's scope (callers answer 404)."""


# ---- reads ----------------------------------------------------------------------------------------


@scoped_selector
def submissions_visible_to(*, user) -> QuerySet[RegencySubmission]:
    """Regency submissions in the user's scope, newest first: a regency sees its own in every state; a
    province (and the ministry) only those sent to it, waiting or already forwarded — one still being
    gathered or signed is the regency's business."""
    qs = RegencySubmission.objects.filter(region_q(user, field="regency_code"))
    if getattr(user, "role", None) not in GATHERERS:
        qs = qs.filter(state__in=(S.SENT, S.FORWARDED))
    return qs.order_by("-created_at", "-pk")


def items_to_gather(*, user) -> QuerySet[ProposalItem]:
    """The verified items of the user's regency not yet in its open submission (read through the
    scoped selector; only the regency's own villages, not the arrivals of its departures)."""
    pending = SubmissionItem.objects.filter(submission__state=S.OPEN).values("item_id")
    return (
        proposal_items_visible_to(user=user)
        .filter(region_q(user), state=ProposalItem.State.VERIFIED)
        .exclude(pk__in=pending)
    )


def submission_dashboard_counts(*, user) -> tuple[int, datetime | None]:
    """The dashboard's count and oldest time: for the regency, its verified items waiting to be
    signed off; for a province, the submissions sent to it that it has not yet dealt with."""
    if getattr(user, "role", None) in GATHERERS:
        agg = (
            proposal_items_visible_to(user=user)
            .filter(region_q(user), state=ProposalItem.State.VERIFIED)
            .aggregate(n=Count("pk"), oldest=Min("updated_at"))
        )
    else:
        agg = (
            submissions_visible_to(user=user)
            .filter(state=S.SENT)
            .aggregate(n=Count("pk"), oldest=Min("sent_at"))
        )
    return agg["n"], agg["oldest"]


def region_name(code: str) -> str:
    region = region_get(code=code)
    return region.name if region is not None else code


@dataclass
class Summary:
    """What the supervisor reviews before signing: counts by kind, channel and village, and the
    findings the verifiers overrode (per rule, with the items)."""

    total: int = 0
    persons: int = 0
    by_kind: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, n)
    by_channel: list[tuple[str, str, int]] = field(default_factory=list)
    by_village: list[tuple[str, str, int]] = field(default_factory=list)
    overrides: list[tuple[str, str, int]] = field(default_factory=list)  # (rule, label, items)
    overridden_items: list[dict] = field(default_factory=list)  # the first OVERRIDDEN_SHOWN
    by_state: list[tuple[str, str, int]] = field(default_factory=list)  # the items' states now

    @property
    def overridden_total(self) -> int:
        return sum(n for *_rest, n in self.overrides)


OVERRIDDEN_SHOWN = 50


def submission_summary(submission: RegencySubmission) -> Summary:
    """The summary of one submission (already read through `submissions_visible_to`): a fixed number
    of GROUP BY queries, and one read of the overridden items' `overrides`."""
    entries = ProposalItem.objects.filter(pk__in=submission.entries.values("item_id"))
    kinds = dict(ProposalItem.Kind.choices)
    channels = dict(ProposalItem.Channel.choices)
    summary = Summary()
    for row in entries.values("kind").annotate(n=Count("pk")).order_by("-n", "kind"):
        summary.by_kind.append((row["kind"], str(kinds.get(row["kind"], row["kind"])), row["n"]))
    for row in entries.values("channel").annotate(n=Count("pk")).order_by("-n", "channel"):
        summary.by_channel.append(
            (row["channel"], str(channels.get(row["channel"], row["channel"])), row["n"])
        )
    villages = list(entries.values("village_code").annotate(n=Count("pk")).order_by("-n", "village_code"))
    names = region_labels(r["village_code"] for r in villages)
    summary.by_village = [
        (r["village_code"], names.get(r["village_code"], r["village_code"]), r["n"]) for r in villages
    ]
    summary.total = sum(n for *_rest, n in summary.by_kind)
    # Where the items are now: the regency and the province read the outcome of each step here.
    states = dict(ProposalItem.State.choices)
    for row in entries.values("state").annotate(n=Count("pk")).order_by("-n", "state"):
        summary.by_state.append((row["state"], str(states.get(row["state"], row["state"])), row["n"]))
    summary.persons = ProposalPerson.objects.filter(item__in=entries).count()
    per_rule: Counter[str] = Counter()
    for pk, overrides, village in (
        entries.exclude(overrides={}).values_list("pk", "overrides", "village_code").order_by("pk").iterator()
    ):
        rules = sorted(overrides or {})
        per_rule.update(rules)
        if len(summary.overridden_items) < OVERRIDDEN_SHOWN:
            summary.overridden_items.append(
                {"pk": pk, "village_code": village, "rules": [(r, overrides[r]) for r in rules]}
            )
    summary.overrides = [(rule, Finding.rule_label(rule), n) for rule, n in per_rule.most_common()]
    shown = region_labels(i["village_code"] for i in summary.overridden_items)
    for i in summary.overridden_items:
        i["village"] = shown.get(i["village_code"], i["village_code"])
    return summary


# ---- writes ---------------------------------------------------------------------------------------


def submission_audit(sub: RegencySubmission, step: str, *, actor, ip: str | None, detail: dict) -> None:
    """The audit row of a step of the submission's machine (`regency_submission.<step>`)."""
    audit_record(
        actor=actor,
        action=f"regency_submission.{step}",
        object_type="verification.regencysubmission",
        object_id=sub.pk,
        region_code=sub.regency_code,
        ip=ip,
        detail=detail,
    )


def submission_locked(submission_id: int, actor) -> RegencySubmission:
    """The submission, locked for a step of its machine; SubmissionNotFound outside the actor's scope."""
    if not submissions_visible_to(user=actor).filter(pk=submission_id).exists():
        raise SubmissionNotFound("Pengajuan tidak ditemukan.")
    return RegencySubmission.objects.select_for_update(no_key=True).get(pk=submission_id)


def _open_submission(regency: str, actor) -> RegencySubmission:
    """The regency's open submission, locked; created (with the next number) when there is none. Two
    gatherings at once: the second waits for the first's row (the one-open constraint), then adds."""
    found = RegencySubmission.objects.select_for_update(no_key=True).filter(
        regency_code=regency, state=S.OPEN
    )
    sub = found.first()
    if sub is not None:
        return sub
    last = RegencySubmission.objects.filter(regency_code=regency).aggregate(n=Max("number"))["n"] or 0
    try:
        with transaction.atomic():
            return RegencySubmission.objects.create(regency_code=regency, number=last + 1, created_by=actor)
    except IntegrityError:
        return found.get()


@transaction.atomic
def submission_gather(*, actor, ip: str | None = None) -> RegencySubmission:
    """Adds the regency's verified items not yet gathered to its open submission (creating it).
    Gathering again with nothing new changes nothing, so a retried request is harmless."""
    if getattr(actor, "role", None) not in GATHERERS:
        raise PermissionDenied("Hanya dinas sosial kabupaten/kota yang menyusun pengajuan.")
    regency = getattr(actor, "region_code", "") or ""
    if len(regency) != 4:
        raise PermissionDenied("Akun Anda tidak terikat pada satu kabupaten/kota.")
    pending = items_to_gather(user=actor)
    if (
        not pending.exists()
        and not RegencySubmission.objects.filter(regency_code=regency, state=S.OPEN).exists()
    ):
        raise ValidationError(
            "Belum ada usulan terverifikasi yang belum diajukan; verifikasi usulan di antrean verval dahulu."
        )
    sub = _open_submission(regency, actor)
    select_sql, params = pending.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {SubmissionItem._meta.db_table} (submission_id, item_id) "  # noqa: S608 - our SQL
            f"SELECT %s, t.item_id FROM ({select_sql}) AS t (item_id) ON CONFLICT DO NOTHING",
            [sub.pk, *params],
        )
        added = cur.rowcount
    if added:
        sub.item_count = sub.entries.count()
        sub.save(update_fields=["item_count"])
    submission_audit(
        sub,
        "gather",
        actor=actor,
        ip=ip,
        detail={"added": added, "items": sub.item_count},
    )
    return sub


def _clean_letter(*, letter, letter_number: str, letter_date, note: str) -> tuple[str, date, str]:
    errors: dict[str, str] = {}
    letter_number = (letter_number or "").strip()
    if not letter_number:
        errors["letter_number"] = "Tulis nomor surat persetujuan bupati/wali kota."
    elif len(letter_number) > NUMBER_MAX:
        errors["letter_number"] = f"Nomor surat paling panjang {NUMBER_MAX} karakter."
    if not isinstance(letter_date, date):
        errors["letter_date"] = "Isi tanggal surat persetujuan (tanggal yang tertera pada surat)."
    elif letter_date > timezone.localdate():
        errors["letter_date"] = "Tanggal surat tidak boleh di masa depan."
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = "Catatan paling panjang 4.000 karakter."
    if letter is None:
        errors["letter"] = "Unggah surat persetujuan bupati/wali kota (PDF atau hasil pindaian)."
    else:
        try:
            document_check(letter, field="letter", noun=LETTER_NOUN)
        except ValidationError as exc:
            errors.update({k: v[0].messages[0] for k, v in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    return letter_number, letter_date, note


def _check_transition(
    sub: RegencySubmission, method, actor, *, done_states: tuple[str, ...], verb: str
) -> None:
    """The submission's machine decides: a state already past this step is "already done" (a second
    supervisor, or a retry), another role or region is refused."""
    if not can_proceed(method, check_conditions=False):
        if sub.state in done_states:
            raise AlreadyDecided(
                f"Pengajuan {sub.label} sudah {verb} ({sub.get_state_display()}).", code="already_decided"
            )
        raise ValidationError(
            f"Pengajuan {sub.label} berstatus {sub.get_state_display()}; langkah ini belum dapat diambil."
        )
    if not method._django_fsm.has_transition_perm(sub, sub.state, actor):
        raise PermissionDenied(
            "Hanya kepala dinas sosial kabupaten/kota ini yang mengesahkan dan mengirim pengajuan."
        )


@transaction.atomic
def submission_sign(
    *,
    submission_id: int,
    actor,
    letter,
    letter_number: str,
    letter_date,
    note: str = "",
    ip: str | None = None,
) -> RegencySubmission:
    """Open → signed: the letter stored, every item `verified → regency_approved` (items that left
    `verified` meanwhile are taken out of the submission), the recap PDF generated and hashed."""
    sub = submission_locked(submission_id, actor)
    _check_transition(sub, sub.sign, actor, done_states=(S.SIGNED, S.SENT), verb="disahkan")
    letter_number, letter_date, note = _clean_letter(
        letter=letter, letter_number=letter_number, letter_date=letter_date, note=note
    )
    ids = list(sub.entries.values_list("item_id", flat=True))
    if not ids:
        raise ValidationError("Pengajuan ini belum berisi usulan; kumpulkan usulan terverifikasi dahulu.")
    result = proposal_items_bulk_transition(
        item_ids=ids,
        transition="approve_in_submission",
        actor=actor,
        detail={"submission": sub.pk, "letter_number": letter_number},
        ip=ip,
    )
    if result.skipped:
        sub.entries.filter(item_id__in=list(result.skipped)).delete()
    if not result.changed:
        raise ValidationError("Tidak ada usulan dalam pengajuan ini yang masih berstatus Terverifikasi.")
    mime = document_check(letter, field="letter", noun=LETTER_NOUN)
    sub.letter_sha256 = document_sha256(letter)
    sub.letter.save(document_name(mime), letter, save=False)
    sub.letter_number, sub.letter_date, sub.note = letter_number, letter_date, note
    sub.item_count = len(result.changed)
    sub.sign()
    sub.signed_by, sub.signed_at = actor, timezone.now()
    pdf = submission_recap_pdf(sub, submission_summary(sub), regency_name=region_name(sub.regency_code))
    sub.recap_sha256 = document_sha256(ContentFile(pdf))
    sub.recap.save(
        f"{sub.regency_code}-{sub.number}-{sub.recap_sha256[:12]}.pdf", ContentFile(pdf), save=False
    )
    sub.save()
    submission_audit(
        sub,
        "sign",
        actor=actor,
        ip=ip,
        detail={
            "items": sub.item_count,
            "taken_out": {str(k): v for k, v in result.skipped.items()},
            "letter_number": letter_number,
            "letter_sha256": sub.letter_sha256,
            "recap_sha256": sub.recap_sha256,
        },
    )
    return sub


@transaction.atomic
def submission_send(*, submission_id: int, actor, ip: str | None = None) -> RegencySubmission:
    """Signed → sent to the province; its officers are told in their inbox."""
    sub = submission_locked(submission_id, actor)
    _check_transition(sub, sub.send, actor, done_states=(S.SENT,), verb="dikirim")
    sub.send()
    sub.sent_by, sub.sent_at = actor, timezone.now()
    sub.save()
    submission_audit(
        sub,
        "send",
        actor=actor,
        ip=ip,
        detail={"items": sub.item_count},
    )
    regency = region_name(sub.regency_code)
    notify_many(
        [
            {
                "role": Role.PROVINCE_OFFICER,
                "region_code": sub.regency_code,
                "kind": "regency_submission",
                "message": f"Pengajuan {sub.label} ({regency}) dengan %(n)d usulan dikirim ke provinsi."
                % {"n": sub.item_count},
                "url": reverse("verification:submission", args=[sub.pk]),
                "count": 1,
            }
        ]
    )
    return sub
