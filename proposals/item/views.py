"""Pages of a proposal item: its detail with history and findings, its decisions (submit, resubmit,
withdraw, return to village), the village's list of returned items, and the regency's interim page.

Thin views: every read starts from a scoped selector (proposals/item/selectors.py), so an object
outside the user's scope answers 404; every write is a service of `proposals.item` whose refusals are
shown as messages. Creating and editing items is proposals/item/editing.py. Roles per route are in
proposals/permissions.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_fsm import can_proceed

from dtks.accounts.auth import client_ip
from dtks.accounts.models import Role
from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.audit.services import audit_full_view
from dtks.civil.comparison import is_civil
from dtks.regions.selectors import region_labels
from dtks.registry.fields import HOUSE_FIELDS, SEX_LABELS, label
from dtks.registry.masking import mask_id
from dtks.registry.models import Finding

from .create import REGENCY_KINDS, may_edit
from .editing import KIND_SLUGS
from .forms import ReasonForm, code_choices
from .machine import REASON_REQUIRED, TRANSITION_LABELS
from .models import EDITABLE_STATES, ProposalItem
from .selectors import (
    listed_items,
    proposal_item_versions,
    proposal_items_visible_to,
    regency_submitted_items,
    returned_items,
)
from .timeline import proposal_item_timeline
from .transitions import proposal_item_transition

PAGE_SIZE = 25
K = ProposalItem.Kind
S = ProposalItem.State
# Transitions these pages offer; later stages add their own pages for the rest.
PAGE_TRANSITIONS = ("submit", "resubmit", "withdraw", "return_to_village")


# ---- helpers --------------------------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def decorate(items) -> list:
    labels = region_labels(i.village_code for i in items) if items else {}
    for i in items:
        i.kind_label = i.get_kind_display()
        i.state_label = i.get_state_display()
        i.region_label = labels.get(i.village_code, i.village_code)
        i.half = _half(i)
        i.masked_kk = mask_id(i.no_kk)
    return items


def _half(item) -> str:
    if item.kind not in (K.REPLACEMENT, K.TRANSFER):
        return ""
    out = item.target_family_id is not None or item.target_person_id is not None
    if item.kind == K.TRANSFER:
        return _("keberangkatan") if out else _("kedatangan")
    return _("keluar") if out else _("masuk")


# The reason box of a decision that needs one (machine.REASON_REQUIRED): who reads it, and why.
REASON_TEXTS = {
    "withdraw": (
        gettext_lazy("Alasan penarikan"),
        gettext_lazy(
            "Wajib diisi. Tercatat di riwayat usulan: dinas sosial kabupaten/kota dan operator "
            "desa/kelurahan membacanya untuk mengetahui mengapa usulan ini tidak dilanjutkan."
        ),
    ),
    "return_to_village": (
        gettext_lazy("Alasan pengembalian"),
        gettext_lazy(
            "Wajib diisi. Operator desa/kelurahan membacanya di usulan ini dan di daftar usulan yang "
            "dikembalikan: sebutkan isian yang salah dan cara memperbaikinya."
        ),
    ),
}
OTHER_REASON = (
    gettext_lazy("Alasan keputusan"),
    gettext_lazy("Wajib diisi. Tercatat di riwayat usulan dan dibaca pihak yang menerima keputusan ini."),
)


def _allowed_transitions(item: ProposalItem, user) -> list[str]:
    allowed = []
    for name in PAGE_TRANSITIONS:
        if name == "submit" and item.musyawarah_id:
            continue  # a musyawarah's drafts are submitted with their musyawarah, on its page
        method = getattr(item, name)
        if can_proceed(method, check_conditions=False) and method._django_fsm.has_transition_perm(
            item, item.state, user
        ):
            allowed.append(name)
    return allowed


def _transition_forms(names: list[str]) -> list[dict]:
    """What the item page shows for each decision it offers: its button and, only when the machine
    requires a reason, the reason box with a label and help saying who reads it."""
    out = []
    for name in names:
        needs_reason = name in REASON_REQUIRED
        label, help_text = REASON_TEXTS.get(name, OTHER_REASON) if needs_reason else ("", "")
        out.append({"name": name, "needs_reason": needs_reason, "label": label, "help": help_text})
    return out


@never_cache
@require_GET
def returned(request):
    """Items the regency sent back to this village, with the reason, to fix and resubmit."""
    qs = listed_items(returned_items(user=request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "proposals/returned.html", {"page": page, "items": decorate(list(page.object_list))}
    )


# ---- items: detail and transitions ----------------------------------------------------------------


def _diff_rows(item: ProposalItem, persons) -> list[dict]:
    names = {str(p.target_person_id): p.nama for p in persons}
    rows = []
    for key, change in (item.diff or {}).items():
        if key == "persons":
            for pid, fields in change.items():
                for field, (old, new) in fields.items():
                    rows.append(
                        {
                            "who": names.get(pid, pid),
                            "field": label(field),
                            "old": old,
                            "new": new,
                        }
                    )
        else:
            old, new = change
            rows.append({"who": "", "field": label(key), "old": old, "new": new})
    return rows


@never_cache
@require_GET
def item_detail(request, pk: int):
    user = request.user
    item = get_object_or_404(proposal_items_visible_to(user=user).select_related("musyawarah", "pair"), pk=pk)
    persons = list(item.persons.all())
    full = user.role in FULL_NIK_ROLES
    labels = code_choices("hubungan_keluarga", "status_perkawinan", "alasan_penghapusan", *HOUSE_FIELDS)
    lookup = {(name, c): label for name, pairs in labels.items() for c, label in pairs}
    for p in persons:
        p.shown_nik = p.nik if full else mask_id(p.nik)
        p.sex_label = SEX_LABELS.get(p.jenis_kelamin, "")
        p.relationship_label = lookup.get(("hubungan_keluarga", p.hubungan_keluarga), p.hubungan_keluarga)
        p.marital_label = lookup.get(("status_perkawinan", p.status_perkawinan), p.status_perkawinan)
    if full and persons:
        audit_full_view(
            request,
            action="proposal_item.view_full",
            object_type="proposals.item",
            object_id=item.pk,
            region_code=item.village_code,
            persons=len(persons),
        )
    timeline = proposal_item_timeline(user=user, item=item)
    pair = None
    if item.pair_id:
        pair = proposal_items_visible_to(user=user).filter(pk=item.pair_id).first()
        if pair is not None:
            decorate([pair])
    decorate([item])
    # A civil-registry finding also shows its comparison (templates/civil/_comparison.html), naming the
    # person it is about as the item's person list does.
    names = {p.position: p.nama for p in persons}
    findings = [
        {
            "rule": Finding.rule_label(f.get("rule")),
            "message": f.get("message", ""),
            "fields": [label(x) for x in (f.get("fields") or ([f["field"]] if f.get("field") else []))],
            "civil": f if is_civil(f) else None,
            "person": names.get(f.get("person"), "") if f.get("person") is not None else "",
        }
        for f in item.findings or []
    ]
    # A self-registration sent again before it was decided: the application's other versions.
    versions = []
    if item.channel == ProposalItem.Channel.SELF_REGISTRATION:
        versions = decorate(list(proposal_item_versions(user=user, item_id=item.pk)))
    regions = region_labels([item.village_code, *([pair.village_code] if pair else [])])
    context = {
        "item": item,
        "persons": persons,
        "full": full,
        "timeline": timeline,
        "pair": pair,
        "versions": versions,
        "findings": findings,
        "diff": _diff_rows(item, persons),
        "house": [(label(k), lookup.get((k, v), v)) for k, v in (item.house or {}).items() if v],
        "channel_label": item.get_channel_display(),
        "deletion_reason_label": lookup.get(
            ("alasan_penghapusan", item.deletion_reason), item.deletion_reason
        ),
        "region": regions.get(item.village_code, item.village_code),
        "transitions": _transition_forms(_allowed_transitions(item, user)),
        "submitted_with_musyawarah": item.state == S.DRAFT and bool(item.musyawarah_id),
        "can_edit": item.state in EDITABLE_STATES and may_edit(item, user),
        "reason_form": ReasonForm(),
        "kk": item.no_kk if full else mask_id(item.no_kk),
    }
    return render(request, "proposals/item_detail.html", context)


@never_cache
@require_POST
def item_transition(request, pk: int):
    item = get_object_or_404(proposal_items_visible_to(user=request.user), pk=pk)
    form = ReasonForm(request.POST)
    back = _safe_next(request, reverse("proposals:item", args=[item.pk]))
    if not form.is_valid() or form.cleaned_data["transition"] not in PAGE_TRANSITIONS:
        messages.error(request, _("Keputusan tidak dikenal."))
        return HttpResponseRedirect(back)
    transition = form.cleaned_data["transition"]
    try:
        proposal_item_transition(
            item_id=item.pk,
            transition=transition,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(
            request,
            _("Usulan #%(id)d %(what)s.")
            % {"id": item.pk, "what": TRANSITION_LABELS.get(transition, transition)},
        )
    return HttpResponseRedirect(back)


# ---- the regency: return to village, and its own filings -----------------------------------------


@never_cache
@require_GET
def regency(request):
    user = request.user
    submitted = listed_items(regency_submitted_items(user=user))
    page = Paginator(submitted, PAGE_SIZE).get_page(request.GET.get("page"))
    own = listed_items(
        proposal_items_visible_to(user=user).filter(
            channel=ProposalItem.Channel.REGENCY, state__in=[S.DRAFT, S.SUBMITTED]
        )
    )[:PAGE_SIZE]
    items = decorate(list(page.object_list))
    for i in items:
        # Only a village's proposal goes back to the village (the transition's own condition).
        i.returnable = can_proceed(i.return_to_village)
        i.channel_label = i.get_channel_display()
    context = {
        "page": page,
        "items": items,
        "own": decorate(list(own)),
        "kind_links": [(slug, K(kind).label) for slug, kind in KIND_SLUGS.items() if kind in REGENCY_KINDS],
        "return_reason_help": REASON_TEXTS["return_to_village"][1],
        "is_verifier": user.role == Role.REGENCY_VERIFIER,
    }
    return render(request, "proposals/regency.html", context)
