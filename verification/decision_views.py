"""The verifier's decision pages (issue 14, "Decisions"): one item's decision form and the bulk
decision with its progress page. Thin views: reads through scoped selectors (out of scope → 404),
writes through verification/services.py, refusals shown as messages. Roles are in
verification/permissions.py."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from dtks.accounts.auth import client_ip
from dtks.registry.models import Finding
from proposals.item import DECIDED_STATES, AlreadyDecided, ProposalItem, proposal_items_visible_to

from .forms import BulkDecisionForm, DecisionForm
from .models import DecisionKind
from .selectors import bulk_decisions_visible_to, decisions_of_item
from .services import ItemNotFound, verval_decide, verval_decide_bulk


def item_page(pk: int) -> str:
    """The item's verification page (verification:item, /verval/usulan/<id>/)."""
    return f"/verval/usulan/{pk}/"


def form_key(request) -> str | None:
    """The form's idempotency key (`kunci`), when it is one a form of ours could have sent."""
    key = request.POST.get("kunci") or ""
    return key if re.fullmatch(r"[0-9a-f]{32}", key) else None


def form_errors(form, exc: ValidationError) -> None:
    """Puts a service's refusal on the form's fields where it names one."""
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            form.add_error(None, m)
        return
    for key, errors in exc.error_dict.items():
        messages_ = [m for e in errors for m in e.messages]
        field = key
        if key.startswith("overrides."):
            rule = key.split(".", 1)[1]
            field = f"override_{rule}"
            if (
                field not in form.fields
                and rule in Finding.Rule.values
                and hasattr(form, "add_override_field")
            ):
                form.add_override_field(rule)  # a finding the correction brought: ask for its reason
        elif key.startswith("corrections.persons."):
            parts = key.split(".")
            field = f"p{parts[2]}_{parts[3]}" if len(parts) >= 4 else "__all__"
        elif key.startswith("corrections.") and key.split(".", 1)[1] in ("no_kk", "rt", "rw", "alamat"):
            field = f"family_{key.split('.', 1)[1]}"
        for m in messages_:
            if field in form.fields:
                form.add_error(field, m)
            else:
                form.add_error(None, m)


def finding_rows(item: ProposalItem) -> list[dict]:
    """The item's findings as a decision page lists them (templates/verification/_decision_findings.html)."""
    return [
        {"rule": f.get("rule"), "label": Finding.rule_label(f.get("rule")), "message": f.get("message", "")}
        for f in item.findings or []
    ]


@dataclass
class Outcome:
    """What a decision page's POST came to: a redirect when decided, else the form again with its
    status (`decided` when someone decided first or the item no longer waits for this decision)."""

    response: HttpResponse | None = None
    decided: bool = False
    status: int = 200


def run_decision(
    request, *, form, item, decided: bool, decide: Callable[[dict], object], label, done_url: str
) -> Outcome:
    """A decision page's POST, the regency's and the ministry's alike: the form validated, the
    service called (`decide(cleaned_data)`), its refusals put on the form (400), a wrong role (403),
    an item out of scope (404), someone else's decision first (409, with the message); on success a
    message naming the decision (`label(cleaned_data)`) and a redirect to `done_url`."""
    if request.method != "POST":
        return Outcome(decided=decided)
    if decided:
        messages.error(
            request,
            _("Usulan #%(id)d sudah diputuskan (%(state)s).")
            % {"id": item.pk, "state": item.get_state_display()},
        )
        return Outcome(decided=True, status=409)
    if not form.is_valid():
        return Outcome(status=400)
    try:
        decide(form.cleaned_data)
    except AlreadyDecided as exc:
        item.refresh_from_db()
        messages.error(request, exc.messages[0])
        return Outcome(decided=True, status=409)
    except ItemNotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return Outcome(status=403)
    except ValidationError as exc:
        form_errors(form, exc)
        return Outcome(status=400)
    messages.success(
        request, _("Usulan #%(id)d: %(what)s.") % {"id": item.pk, "what": label(form.cleaned_data)}
    )
    return Outcome(response=HttpResponseRedirect(done_url))


def decision_context(request, *, form, item, outcome: Outcome) -> dict:
    """What every decision page shows (the regency's and the ministry's): the item, the form, whether it
    is decided already, its findings, and the form's idempotency key."""
    return {
        "item": item,
        "form": form,
        "decided": outcome.decided,
        "already": item.state in DECIDED_STATES,
        "findings": finding_rows(item),
        # A fresh key per rendered form: a double submit decides once (dtks/core/idempotency.py).
        "kunci": form_key(request) or uuid.uuid4().hex,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def decide(request, pk: int):
    user = request.user
    item = get_object_or_404(proposal_items_visible_to(user=user), pk=pk)
    form = DecisionForm(request.POST or None, item=item)

    def call(d: dict):
        return verval_decide(
            item_id=item.pk,
            decision=d["decision"],
            actor=user,
            reason=d["reason"],
            reason_code=d["reason_code"],
            note=d["note"],
            overrides=form.overrides() if d["decision"] in ("verify", "verify_corrected") else None,
            corrections=form.corrections(),
            idempotency_key=form_key(request),
            ip=client_ip(request),
        )

    outcome = run_decision(
        request,
        form=form,
        item=item,
        decided=item.state not in (ProposalItem.State.SUBMITTED, ProposalItem.State.RETURNED_TO_REGENCY),
        decide=call,
        label=lambda d: DecisionKind(d["decision"]).label,
        done_url=item_page(item.pk),
    )
    if outcome.response is not None:
        return outcome.response
    context = {
        **decision_context(request, form=form, item=item, outcome=outcome),
        "decisions": decisions_of_item(user=user, item_id=item.pk)[:5],
        "item_page": item_page(item.pk),
    }
    return render(request, "verification/decide.html", context, status=outcome.status)


@never_cache
@require_POST
def bulk(request):
    form = BulkDecisionForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        kwargs = {}
        if d["all_results"]:
            kwargs["filters"] = form.filters()
        else:
            kwargs["item_ids"] = d["item"]
        try:
            job = verval_decide_bulk(
                actor=request.user,
                decision=d["decision"],
                reason=d["reason"],
                reason_code=d["reason_code"],
                note=d["note"],
                idempotency_key=form_key(request),
                ip=client_ip(request),
                **kwargs,
            )
        except ValidationError as exc:
            for key, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                for m in errors:
                    form.add_error(key if key in form.fields else None, m)
        else:
            if job.running:
                messages.info(request, _("Keputusan massal sedang diproses."))
            else:
                messages.success(
                    request,
                    _("Keputusan massal selesai: %(n)d usulan diputuskan, %(s)d dilewati.")
                    % {"n": len(job.changed), "s": len(job.skipped)},
                )
            return HttpResponseRedirect(reverse("verification:bulk_progress", args=[job.pk]))
    return render(request, "verification/bulk_refused.html", {"form": form}, status=status)


@never_cache
@require_GET
def bulk_progress(request, pk: int):
    job = get_object_or_404(bulk_decisions_visible_to(user=request.user), pk=pk)
    if request.htmx:
        if not job.running:
            return HttpResponseClientRefresh()
        return render(request, "verification/_bulk_progress.html", {"job": job})
    skipped = sorted(((int(k), v) for k, v in (job.skipped or {}).items()), key=lambda kv: kv[0])
    context = {"job": job, "skipped": skipped[:500], "skipped_more": max(0, len(skipped) - 500)}
    return render(request, "verification/bulk.html", context)
