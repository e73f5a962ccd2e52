"""The province's part of the lifecycle (issue 16; Permensos 3/2021: the province forwards the regency's
results to the minister; docs/verification.md, "The province"): its reads and its writes.

- `province_summary`: per regency, the submissions sent to the province that it has not yet dealt
  with, the items still waiting (`regency_approved`) by kind and by finding, the findings the regency
  overrode, and how long the oldest has waited — a fixed number of queries whatever the rows.
- `submission_forward`: the province officer forwards the whole submission or chosen items to the
  ministry (`regency_approved → forwarded`);
- `submission_dispute`: … or disputes chosen items with a reason (`regency_approved → disputed`; the
  QA case is a later stage's). Disputed items stay behind; the rest go on.

Both go through the item machine's one bulk-transition service (history and audit rows per item) and
lock the submission first. The step that leaves none of its items `regency_approved` also takes the
submission's own transition `sent → forwarded`, audited as `regency_submission.forward`, and tells the
regency.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Func, IntegerField, Min, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from dtks.accounts.models import Role
from dtks.accounts.scope import scoped_selector
from dtks.core.lookups import InArray
from dtks.core.notifications import notify_many
from dtks.regions.models import Region
from dtks.registry.models import Finding
from proposals.item import (
    AlreadyDecided,
    ProposalItem,
    proposal_items_bulk_transition,
    proposal_items_visible_to,
)

from .models import RegencySubmission, SubmissionItem
from .submissions import region_name, submission_audit, submission_locked, submissions_visible_to

S = RegencySubmission.State
WAITING = ProposalItem.State.REGENCY_APPROVED
REASON_MAX = 4000
# The most ids one request may name (a submission holds a regency's month of work).
ITEMS_MAX = 100_000
SHOWN_IDS = 10  # ids named in a refusal; the rest are counted


# ---- reads ----------------------------------------------------------------------------------------


@scoped_selector
def province_items_waiting(*, user) -> QuerySet[ProposalItem]:
    """The items of the submissions sent to the user's province that still wait for it
    (`regency_approved`)."""
    sent = submissions_visible_to(user=user).filter(state=S.SENT)
    return proposal_items_visible_to(user=user).filter(
        state=WAITING, pk__in=SubmissionItem.objects.filter(submission__in=sent).values("item_id")
    )


class OverrideCount(Func):
    """How many findings an item's `overrides` ({rule: reason}) passed: the keys of the object."""

    template = (
        "(SELECT count(*) FROM jsonb_object_keys(CASE WHEN jsonb_typeof(%(expressions)s) = 'object' "
        "THEN %(expressions)s ELSE '{}'::jsonb END))"
    )
    output_field = IntegerField()


@dataclass
class RegencyRow:
    """One regency of the province's summary."""

    code: str
    name: str = ""
    submissions: list[dict] = field(default_factory=list)  # id, number, label, sent_at, items, waiting
    waiting: int = 0
    by_kind: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, n)
    by_finding: list[tuple[str, str, int]] = field(default_factory=list)  # (rule, label, items)
    overridden: int = 0  # findings the regency overrode, over its waiting items
    oldest_since: datetime | None = None  # when the oldest waiting item reached the province

    @property
    def oldest_days(self) -> int | None:
        return None if self.oldest_since is None else (timezone.now() - self.oldest_since).days


@dataclass
class ProvinceSummary:
    regencies: list[RegencyRow] = field(default_factory=list)

    @property
    def submissions(self) -> int:
        return sum(len(r.submissions) for r in self.regencies)

    @property
    def waiting(self) -> int:
        return sum(r.waiting for r in self.regencies)

    @property
    def oldest_since(self) -> datetime | None:
        return min((r.oldest_since for r in self.regencies if r.oldest_since), default=None)


def province_summary(*, user) -> ProvinceSummary:
    """The province officer's overview, in three queries whatever the rows: the sent submissions with
    their waiting counts; the waiting items grouped by regency and kind, with a filtered count per
    finding rule and the sum of overridden findings; the regencies' names."""
    subs = (
        submissions_visible_to(user=user)
        .filter(state=S.SENT)
        .annotate(waiting=Count("entries", filter=Q(entries__item__state=WAITING)))
        .order_by("regency_code", "number")
        .values("pk", "regency_code", "number", "sent_at", "item_count", "waiting")
    )
    rows: dict[str, RegencyRow] = {}
    for s in subs:
        row = rows.setdefault(s["regency_code"], RegencyRow(s["regency_code"]))
        row.submissions.append(
            {
                "id": s["pk"],
                "number": s["number"],
                "label": f"{s['regency_code']}/{s['number']}",
                "sent_at": s["sent_at"],
                "items": s["item_count"],
                "waiting": s["waiting"],
            }
        )
        if s["waiting"] and s["sent_at"] and (row.oldest_since is None or s["sent_at"] < row.oldest_since):
            row.oldest_since = s["sent_at"]
    rules = Finding.Rule.values
    grouped = (
        province_items_waiting(user=user)
        .annotate(regency=Substr("village_code", 1, 4))
        .order_by()
        .values("regency", "kind")
        .annotate(
            n=Count("pk"),
            overridden=Sum(OverrideCount(F("overrides"))),
            **{f"f{i}": Count("pk", filter=Q(findings__contains=[{"rule": r}])) for i, r in enumerate(rules)},
        )
    )
    kinds = dict(ProposalItem.Kind.choices)
    per_rule: dict[str, dict[str, int]] = {}
    for g in grouped:
        row = rows.get(g["regency"])
        if row is None:
            # A submission holds items of its own regency's villages (items_to_gather), so every
            # waiting item's regency has a row; an item that somehow lies elsewhere is not counted.
            continue
        row.waiting += g["n"]
        row.overridden += g["overridden"] or 0
        row.by_kind.append((g["kind"], str(kinds.get(g["kind"], g["kind"])), g["n"]))
        counts = per_rule.setdefault(row.code, {})
        for i, r in enumerate(rules):
            counts[r] = counts.get(r, 0) + g[f"f{i}"]
    names = dict(Region.objects.filter(code__in=list(rows)).values_list("code", "name")) if rows else {}
    for row in rows.values():
        row.name = names.get(row.code, row.code)
        row.by_kind.sort(key=lambda k: (-k[2], k[0]))
        row.by_finding = sorted(
            ((r, Finding.rule_label(r), n) for r, n in per_rule.get(row.code, {}).items() if n),
            key=lambda f: (-f[2], f[0]),
        )
    return ProvinceSummary(sorted(rows.values(), key=lambda r: r.name))


def province_dashboard_counts(*, user) -> dict[str, tuple[int, datetime | None]]:
    """The province officer's two dashboard queues in one query, each as (count, oldest `sent_at`):
    `regency_submissions`, the submissions sent to the province that it has not finished, and
    `province`, their items still waiting for it."""
    waiting = Q(entries__item__state=WAITING)
    agg = (
        submissions_visible_to(user=user)
        .filter(state=S.SENT)
        .order_by()
        .aggregate(
            subs=Count("pk", distinct=True),
            subs_oldest=Min("sent_at"),
            items=Count("entries__item", distinct=True, filter=waiting),
            items_oldest=Min("sent_at", filter=waiting),
        )
    )
    return {
        "regency_submissions": (agg["subs"], agg["subs_oldest"]),
        "province": (agg["items"], agg["items_oldest"]),
    }


# ---- writes ---------------------------------------------------------------------------------------


@dataclass
class ProvinceStep:
    """What a forward or dispute did: the items it moved, those already where it would have moved them
    (a retry, harmless), and how many of the submission's items still wait."""

    submission: RegencySubmission
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    waiting: int = 0


def _named(ids) -> str:
    ids = sorted(ids)
    shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS])
    more = len(ids) - SHOWN_IDS
    return f"{shown} dan {more} lainnya" if more > 0 else shown


def _clean_ids(item_ids, *, required: bool) -> list[int] | None:
    """None: no selection (the whole submission, where allowed); else the distinct ids."""
    if item_ids is None:
        if required:
            raise ValidationError({"items": "Pilih usulan yang disanggah."})
        return None
    try:
        ids = sorted({int(i) for i in item_ids})
    except (TypeError, ValueError):
        raise ValidationError({"items": "Nomor usulan harus berupa angka."}) from None
    if not ids:
        raise ValidationError({"items": "Pilih minimal satu usulan."})
    if len(ids) > ITEMS_MAX or ids[0] < 1 or ids[-1] > 2**63 - 1:
        raise ValidationError({"items": "Nomor usulan tidak dikenal."})
    return ids


def _check_actor(sub: RegencySubmission, actor) -> None:
    if not sub.is_province_officer(actor):
        raise PermissionDenied("Hanya dinas sosial provinsi yang meneruskan atau menyanggah pengajuan ini.")
    if sub.state == S.FORWARDED:
        raise AlreadyDecided(
            f"Pengajuan {sub.label} sudah diteruskan ke Kementerian Sosial; setiap usulannya sudah diteruskan "
            "atau disanggah.",
            code="already_decided",
        )
    if sub.state != S.SENT:
        raise ValidationError(
            f"Pengajuan {sub.label} berstatus {sub.get_state_display()}; langkah ini belum dapat diambil."
        )


def _locked_entries(sub: RegencySubmission, ids: list[int] | None) -> dict[int, str]:
    """{item id: state} of the submission's chosen items (all of them when `ids` is None), locked in id
    order as the bulk service locks them, so nothing moves between this check and the step."""
    qs = ProposalItem.objects.filter(pk__in=sub.entries.values("item_id"))
    if ids is not None:
        qs = qs.filter(InArray(F("pk"), ids))
    return dict(qs.select_for_update(no_key=True, of=("self",)).order_by("pk").values_list("pk", "state"))


def _step(
    *,
    submission_id: int,
    actor,
    transition: str,
    target: str,
    item_ids: list[int] | None,
    reason: str,
    ip: str | None,
) -> ProvinceStep:
    sub = submission_locked(submission_id, actor)
    _check_actor(sub, actor)
    states = _locked_entries(sub, item_ids)
    if item_ids is not None:
        outside = set(item_ids) - set(states)
        if outside:
            raise ValidationError(
                {"items": f"Usulan {_named(outside)} tidak termasuk pengajuan {sub.label}."}
            )
        stuck = {pk for pk, state in states.items() if state not in (WAITING, target)}
        if stuck:
            labels = dict(ProposalItem.State.choices)
            found = sorted({str(labels.get(states[pk], states[pk])) for pk in stuck})
            raise ValidationError(
                {
                    "items": f"Usulan {_named(stuck)} berstatus {', '.join(found)}; hanya usulan berstatus "
                    f"{labels[WAITING]} yang dapat diteruskan atau disanggah."
                }
            )
    ready = sorted(pk for pk, state in states.items() if state == WAITING)
    step = ProvinceStep(sub, unchanged=sorted(pk for pk, state in states.items() if state == target))
    if ready:
        result = proposal_items_bulk_transition(
            item_ids=ready,
            transition=transition,
            actor=actor,
            reason=reason,
            detail={"submission": sub.pk},
            ip=ip,
        )
        if result.skipped:  # cannot happen under the locks above; refuse rather than half-save
            raise ValidationError(
                {
                    "items": "; ".join(
                        f"#{pk}: {why}" for pk, why in sorted(result.skipped.items())[:SHOWN_IDS]
                    )
                }
            )
        step.changed = sorted(result.changed)
    step.waiting = sub.entries.filter(item__state=WAITING).count()
    if step.waiting == 0:
        _close(sub, actor, ip=ip)
    return step


def _close(sub: RegencySubmission, actor, *, ip: str | None) -> None:
    """sent → forwarded: none of its items waits any more. Audited, and the regency is told."""
    sub.waiting_items = 0
    if not can_proceed(sub.forward) or not sub.forward._django_fsm.has_transition_perm(sub, sub.state, actor):
        raise PermissionDenied("Hanya dinas sosial provinsi yang meneruskan pengajuan ini.")
    sub.forward()
    sub.forwarded_by, sub.forwarded_at = actor, timezone.now()
    sub.save()
    outcome = dict(
        ProposalItem.objects.filter(pk__in=sub.entries.values("item_id"))
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    forwarded = outcome.get(ProposalItem.State.FORWARDED, 0)
    disputed = outcome.get(ProposalItem.State.DISPUTED, 0)
    submission_audit(sub, "forward", actor=actor, ip=ip, detail={"items": outcome})
    message = (
        f"Pengajuan {sub.label} ({region_name(sub.regency_code)}) selesai di provinsi: {forwarded} usulan "
        f"diteruskan ke Kementerian Sosial, {disputed} disanggah."
    )
    notify_many(
        {
            "role": role,
            "region_code": sub.regency_code,
            "kind": "regency_submission_forwarded",
            "message": message,
            "url": reverse("verification:submission", args=[sub.pk]),
        }
        for role in (Role.REGENCY_SUPERVISOR, Role.REGENCY_VERIFIER)
    )


@transaction.atomic
def submission_forward(*, submission_id: int, actor, item_ids=None, ip: str | None = None) -> ProvinceStep:
    """Forwards the submission's chosen items (`item_ids`), or every item still waiting (None), to the
    ministry. An item not in this submission, or neither waiting nor forwarded already, refuses the
    whole request; items forwarded already are left as they are (a retry is harmless)."""
    ids = _clean_ids(item_ids, required=False)
    return _step(
        submission_id=submission_id,
        actor=actor,
        transition="forward",
        target=ProposalItem.State.FORWARDED,
        item_ids=ids,
        reason="",
        ip=ip,
    )


@transaction.atomic
def submission_dispute(
    *, submission_id: int, actor, item_ids, reason: str, ip: str | None = None
) -> ProvinceStep:
    """Disputes the chosen items with a reason: they stay behind (a QA case follows in a later stage)
    while the rest of the submission goes on. The regency reads the reason on each item."""
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Tulis alasan sanggahan; kabupaten/kota dan penjamin kualitas membacanya."
    elif len(reason) > REASON_MAX:
        errors["reason"] = "Alasan sanggahan paling panjang 4.000 karakter."
    try:
        ids = _clean_ids(item_ids, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    step = _step(
        submission_id=submission_id,
        actor=actor,
        transition="dispute_by_province",
        target=ProposalItem.State.DISPUTED,
        item_ids=ids,
        reason=reason,
        ip=ip,
    )
    sub = step.submission
    if step.changed:
        notify_many(
            {
                "role": role,
                "region_code": sub.regency_code,
                "kind": "disputed_by_province",
                "message": f"{len(step.changed)} usulan dalam pengajuan {sub.label} disanggah provinsi; "
                "alasannya tercatat pada riwayat tiap usulan.",
                "url": reverse("verification:submission", args=[sub.pk]),
                "count": len(step.changed),
            }
            for role in (Role.REGENCY_SUPERVISOR, Role.REGENCY_VERIFIER)
        )
    return step
