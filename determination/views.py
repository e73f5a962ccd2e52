"""The ministry's assessment pages (issue 16), mounted at /penilaian/: the queue (the verval queue's
page with the assessment's rows and tabs), the item review (the same review), one item's decision and
the bulk acceptance. Thin views over determination/assessment.py; roles per route in
determination/permissions.py."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dtks.accounts.auth import client_ip
from dtks.accounts.models import Role
from proposals.item import ProposalItem, proposal_items_visible_to
from verification.decision_views import decision_context, form_key, run_decision
from verification.views import QueuePage, queue_context, queue_download, review_context

from .assessment import (
    ASSESSMENT,
    TAB_ASSESS,
    TAB_OWN,
    assessment_accept_bulk,
    assessment_decide,
    assessments_of_item,
)
from .forms import AssessmentForm, BulkAcceptForm
from .models import ACCEPTING, AssessmentDecision
from .services import assessment_recheck_stale


def _bulk_context(user, f, counts) -> dict | None:
    if user.role != Role.MINISTRY_DATA_OFFICER or f.tab != TAB_ASSESS:
        return None
    return {
        "action": reverse("determination:bulk_accept"),
        "form": BulkAcceptForm(),
        "shown": [],
        "params": [(k, v) for k, v in f.query().items() if k in ASSESSMENT.filter_params],
        "total": counts["tab"].get(TAB_ASSESS, 0),
        "kunci": uuid.uuid4().hex,
        "title": _("Terima sekaligus"),
        "intro": _(
            "Centang usulan di daftar, atau pilih semua hasil saringan. Hanya usulan tanpa temuan integritas "
            "yang diterima; yang memiliki temuan dilewati: nilai satu per satu dengan alasan pengabaian."
        ),
        "button": _("Terima yang dipilih"),
    }


def _page(user) -> QueuePage:
    return QueuePage(
        queue=ASSESSMENT,
        url=reverse("determination:queue"),
        xlsx_url=reverse("determination:queue_xlsx"),
        tab_labels={TAB_ASSESS: _("Penilaian"), TAB_OWN: _("Verval Kementerian Sosial")},
        review_url=lambda pk: reverse("determination:review", args=[pk]),
        decide_url=(lambda pk: reverse("determination:decide", args=[pk]))
        if user.role == Role.MINISTRY_DATA_OFFICER
        else None,
        bulk=_bulk_context,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def queue(request):
    return render(request, "determination/queue.html", queue_context(request, _page(request.user)))


@never_cache
@require_GET
def queue_xlsx(request):
    return queue_download(
        request, ASSESSMENT, name="antrean-penilaian", action="determination.queue_download"
    )


def _fresh(user, pk: int) -> None:
    """A forwarded item not checked since it arrived is checked now, before the officer reads it."""
    item = proposal_items_visible_to(user=user).filter(pk=pk, state=ProposalItem.State.FORWARDED).first()
    if item is not None:
        assessment_recheck_stale(item)


def _decidable(item: ProposalItem) -> bool:
    """Whether the item waits for the ministry now (either tab)."""
    return item.state == ProposalItem.State.FORWARDED or (
        item.state == ProposalItem.State.SUBMITTED and item.verifier == ProposalItem.Verifier.MINISTRY
    )


@never_cache
@require_GET
def review(request, pk: int):
    _fresh(request.user, pk)
    context = review_context(request, pk)
    item = context["item"]
    context.update(
        queue_url=reverse("determination:queue"),
        queue_title=_("Antrean penilaian Kementerian Sosial"),
        decide_url=reverse("determination:decide", args=[item.pk]),
        decidable=_decidable(item) and request.user.role == Role.MINISTRY_DATA_OFFICER,
        assessments=assessments_of_item(user=request.user, item_id=item.pk)[:5],
    )
    return render(request, "verification/review.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def decide(request, pk: int):
    user = request.user
    _fresh(user, pk)
    item = get_object_or_404(proposal_items_visible_to(user=user), pk=pk)
    form = AssessmentForm(request.POST or None, item=item)

    def call(d: dict):
        return assessment_decide(
            item_id=item.pk,
            decision=d["decision"],
            actor=user,
            note=d["note"],
            rule_codes=d.get("rule_codes") or [],
            overrides=form.overrides() if d["decision"] in ACCEPTING else None,
            idempotency_key=form_key(request),
            ip=client_ip(request),
        )

    outcome = run_decision(
        request,
        form=form,
        item=item,
        decided=not _decidable(item),
        decide=call,
        label=lambda d: AssessmentDecision(d["decision"]).label,
        done_url=reverse("determination:review", args=[item.pk]),
    )
    if outcome.response is not None:
        return outcome.response
    context = {
        **decision_context(request, form=form, item=item, outcome=outcome),
        "assessments": assessments_of_item(user=user, item_id=item.pk)[:5],
        "review_url": reverse("determination:review", args=[item.pk]),
    }
    return render(request, "determination/decide.html", context, status=outcome.status)


@never_cache
@require_POST
def bulk_accept(request):
    form = BulkAcceptForm(request.POST)
    queue_url = reverse("determination:queue")
    if not form.is_valid():
        messages.error(request, _("Pilihan usulan tidak terbaca; pilih lagi di antrean."))
        return HttpResponseRedirect(queue_url)
    d = form.cleaned_data
    kwargs = {"filters": form.filters()} if d["all_results"] else {"item_ids": d["item"]}
    try:
        result = assessment_accept_bulk(actor=request.user, ip=client_ip(request), **kwargs)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return HttpResponseRedirect(queue_url)
    messages.success(
        request,
        _(
            "%(changed)d dari %(total)d usulan diterima; %(skipped)d dilewati (memiliki temuan: putuskan satu per satu)."
        )
        % {"changed": len(result.changed), "total": result.total, "skipped": len(result.skipped)},
    )
    return HttpResponseRedirect(queue_url)
