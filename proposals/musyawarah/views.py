"""Pages of the village operator's musyawarah: the list, a new one, its page with its items, its
minutes (served only through a scoped, logged view), held and submitted.

Thin views: reads through the scoped selectors, so another village's musyawarah answers 404; writes
through proposals/musyawarah/services.py, whose refusals are put back on the fields they name.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dtks.accounts.auth import client_ip
from dtks.audit.services import audit_record
from dtks.core.documents import document_mime
from proposals.imports.selectors import import_jobs_visible_to
from proposals.imports.services import OPEN_IMPORTS
from proposals.item.editing import KIND_SLUGS
from proposals.item.forms import apply_service_errors
from proposals.item.models import ProposalItem, ProposalPerson
from proposals.item.selectors import listed_items, returned_items
from proposals.item.views import decorate

from . import services
from .forms import MinutesForm, MusyawarahForm
from .models import Musyawarah
from .selectors import musyawarah_visible_to

PAGE_SIZE = 25
S = ProposalItem.State


@never_cache
@require_GET
def musyawarah_list(request):
    qs = musyawarah_visible_to(user=request.user).annotate(
        item_count=Count("items"),
        returned_count=Count("items", filter=Q(items__state=S.RETURNED_TO_VILLAGE)),
    )
    page = Paginator(qs.order_by("-held_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for m in rows:
        m.state_label = m.get_state_display()
    returned = returned_items(user=request.user).count()
    return render(
        request, "proposals/musyawarah_list.html", {"page": page, "rows": rows, "returned": returned}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def musyawarah_new(request):
    form = MusyawarahForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        key = data.pop("kunci")
        try:
            # The form's key: a double submit is one musyawarah, and lands on it.
            m = services.musyawarah_create(
                actor=request.user, ip=client_ip(request), idempotency_key=key, **data
            )
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Musyawarah dicatat. Unggah notulennya, lalu catat usulannya."))
            return redirect("proposals:musyawarah", pk=m.pk)
    return render(
        request, "proposals/musyawarah_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _musyawarah_page(request, m: Musyawarah, *, minutes_form=None, status=200):
    items = decorate(list(listed_items(m.items.all())))
    # Arrival halves of its transfers are listed with the musyawarah too (they live elsewhere).
    user = request.user
    is_operator = m.is_operator(user)
    context = {
        "m": m,
        "state_label": m.get_state_display(),
        "sources": [
            dict(MusyawarahForm.base_fields["input_sources"].choices).get(s, s) for s in m.input_sources
        ],
        "items": items,
        "draft_count": sum(1 for i in items if i.state == S.DRAFT),
        "is_operator": is_operator,
        "can_add": is_operator and m.state != Musyawarah.State.SUBMITTED,
        "minutes_form": minutes_form or MinutesForm(),
        "kind_links": [(slug, ProposalItem.Kind(kind).label) for slug, kind in KIND_SLUGS.items()],
        "attendees": [n.strip() for n in m.attendee_names.splitlines() if n.strip()],
        # Imports the operator has not finished: a preview waiting for fixes or a confirm, or one running.
        "open_imports": list(
            import_jobs_visible_to(user=user)
            .filter(musyawarah=m, status__in=OPEN_IMPORTS)
            .order_by("-pk")[:5]
        )
        if is_operator
        else [],
    }
    return render(request, "proposals/musyawarah_detail.html", context, status=status)


@never_cache
@require_GET
def musyawarah_detail(request, pk: int):
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    return _musyawarah_page(request, m)


@never_cache
@require_GET
def musyawarah_minutes(request, pk: int):
    """The minutes, only through this scoped view; every access is logged."""
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    if not m.minutes:
        raise Http404
    audit_record(
        actor=request.user,
        action="musyawarah.minutes_view",
        object_type="proposals.musyawarah",
        object_id=m.pk,
        region_code=m.village_code,
        ip=client_ip(request),
    )
    mime = document_mime(m.minutes.name)
    response = FileResponse(m.minutes.open("rb"), content_type=mime)
    ext = m.minutes.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="notulen-musyawarah-{m.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@require_POST
def musyawarah_minutes_upload(request, pk: int):
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    form = MinutesForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.musyawarah_minutes_attach(
                musyawarah_id=m.pk,
                actor=request.user,
                upload=form.cleaned_data["minutes"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Notulen diunggah."))
            return redirect("proposals:musyawarah", pk=m.pk)
    return _musyawarah_page(request, m, minutes_form=form, status=400)


@never_cache
@require_POST
def musyawarah_hold(request, pk: int):
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    try:
        services.musyawarah_hold(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("Musyawarah dicatat terlaksana."))
    return redirect("proposals:musyawarah", pk=m.pk)


def _names(items) -> dict[int, list[str]]:
    """item id -> the names of its persons, in order (one query)."""
    names: dict[int, list[str]] = {}
    rows = ProposalPerson.objects.filter(item__in=[i.pk for i in items]).order_by("item_id", "position")
    for item_id, nama in rows.values_list("item_id", "nama"):
        names.setdefault(item_id, []).append(nama)
    return names


def _submission(m: Musyawarah) -> dict:
    """What submitting `m` sends and what it leaves: the draft items by kind, each pair shown once —
    the half naming the registered record first, its partner (a transfer's arrival in the destination
    village, a replacement's incoming family) beside it — and the items that stay as they are."""
    items = decorate(list(m.items.order_by("pk")))
    names = _names(items)
    by_pk = {i.pk: i for i in items}
    for i in items:
        i.names = names.get(i.pk, [])
        i.partner = by_pk.get(i.pair_id) if i.pair_id else None
        # A pair's second half (it names no registered record) is shown beside its first.
        i.beside = bool(
            i.partner
            and i.target_family_id is None
            and i.target_person_id is None
            and i.partner.state == i.state
        )
    drafts = [i for i in items if i.state == S.DRAFT and not i.beside]
    groups = [
        {"label": ProposalItem.Kind(kind).label, "items": [i for i in drafts if i.kind == kind]}
        for kind in ProposalItem.Kind.values
    ]
    return {
        "groups": [g for g in groups if g["items"]],
        "draft_count": sum(1 for i in items if i.state == S.DRAFT),
        "staying": [i for i in items if i.state != S.DRAFT and not i.beside],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def musyawarah_submit(request, pk: int):
    """GET: what submitting this musyawarah sends to the regency and what it leaves, to confirm;
    POST: the submission (proposals/musyawarah/services.py). No JavaScript confirm()."""
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    if request.method == "GET":
        context = {"m": m, "state_label": m.get_state_display(), **_submission(m)}
        try:
            services.musyawarah_submit_check(m, actor=request.user, drafts=context["draft_count"])
        except ValidationError as exc:
            context["refusals"] = exc.messages
        except PermissionDenied as exc:
            context["refusals"] = [str(exc)]
        return render(request, "proposals/musyawarah_submit.html", context)
    if m.state == Musyawarah.State.SUBMITTED:
        # The same step again (a double submit) changes nothing, as through the API.
        messages.info(request, _("Musyawarah ini sudah diajukan ke dinas sosial kabupaten/kota."))
        return redirect("proposals:musyawarah", pk=m.pk)
    try:
        result = services.musyawarah_submit(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
        return redirect("proposals:musyawarah", pk=m.pk)
    messages.success(
        request,
        _("Musyawarah diajukan ke dinas sosial kabupaten/kota dengan %(n)d usulan.")
        % {"n": len(result.changed)},
    )
    return redirect("proposals:musyawarah", pk=m.pk)
