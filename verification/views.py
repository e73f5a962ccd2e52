"""The regency's verval pages (issue 14): the queue at /verval/ (two tabs, filters with counts,
keyset paging, NIK/KK search by POST only), the item review at /verval/usulan/<id>/, and the
export of the filtered list at /verval/unduh/. Thin views over verification/selectors.py and
verification/review.py; roles per route are in verification/permissions.py."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dtks.accounts.auth import client_ip
from dtks.accounts.models import Role
from dtks.audit.services import audit_full_view, audit_record
from dtks.civil.forms import REASON_LABELS
from dtks.regions.models import Level, Region
from dtks.regions.selectors import region_labels
from dtks.registry.forms import NumberSearchForm
from dtks.registry.masking import mask_id
from dtks.registry.models import Finding
from proposals.item import ProposalItem

from . import export
from .forms import BulkDecisionForm
from .review import build_review, half_label, review_item
from .selectors import (
    AGES,
    CIVIL_PREFIX,
    FILTER_PARAMS,
    NO_FINDING,
    TAB_QUEUE,
    TAB_RETURNED,
    VERVAL,
    Queue,
    QueueFilters,
    finding_values,
    queue_counts,
    queue_number_search,
    queue_page,
    queue_rows,
)
from .visits import visits_of_item

SORT_LABELS = {
    "lama": gettext_lazy("Terlama dulu"),
    "baru": gettext_lazy("Terbaru dulu"),
    "nomor": gettext_lazy("Nomor usulan"),
}


def decide_url(pk: int) -> str:
    """The decision form (built with the decisions), by name once it exists."""
    try:
        return reverse("verification:decide", args=[pk])
    except NoReverseMatch:
        return f"/verval/usulan/{pk}/putuskan/"


def finding_label(value: str) -> str:
    if value == NO_FINDING:
        return _("Tanpa temuan")
    if value.startswith(CIVIL_PREFIX):
        return _("Dukcapil: %(reason)s") % {
            "reason": REASON_LABELS.get(value.removeprefix(CIVIL_PREFIX), value)
        }
    return Finding.rule_label(value)


def age_label(code: str) -> str:
    return {"0-7": _("0–7 hari"), "8-30": _("8–30 hari"), "31+": _("Lebih dari 30 hari")}[code]


def decorate(rows, *, now=None) -> list:
    now = now or timezone.now()
    labels = region_labels(r.village_code for r in rows) if rows else {}
    for r in rows:
        r.kind_label = r.get_kind_display()
        r.half = half_label(r)
        r.channel_label = r.get_channel_display()
        r.state_label = r.get_state_display()
        r.region_label = labels.get(r.village_code, r.village_code)
        r.masked_kk = mask_id(r.no_kk)
        r.age_days = max((now - r.updated_at).days, 0)
        r.finding_labels = sorted({Finding.rule_label(f.get("rule")) for f in r.findings or []})
    return rows


def _facets(f: QueueFilters, counts: dict, regions: dict[str, str]) -> list[dict]:
    """Each filter's options with their counts, as the page's <select>s show them."""

    def options(dim: str, values) -> list[dict]:
        got = counts.get(dim, {})
        return [{"value": v, "label": lab, "count": got.get(v, 0)} for v, lab in values]

    region_label = _("Kelurahan/desa") if f.queue.region_len == 10 else _("Kabupaten/kota")
    return [
        {"name": f.queue.region_param, "label": region_label, "current": f.village,
         "options": options("village", sorted(regions.items(), key=lambda kv: kv[1]))},
        {"name": "jenis", "label": _("Jenis usulan"), "current": f.kind,
         "options": options("kind", ProposalItem.Kind.choices)},
        {"name": "saluran", "label": _("Saluran"), "current": f.channel,
         "options": options("channel", ProposalItem.Channel.choices)},
        {"name": "umur", "label": _("Lama menunggu"), "current": f.age,
         "options": options("age", [(c, age_label(c)) for c, _lo, _hi in AGES])},
        {"name": "temuan", "label": _("Temuan integritas"), "current": f.finding,
         "options": options("finding", [(v, finding_label(v)) for v in finding_values()])},
    ]  # fmt: skip


def _regions(user, f: QueueFilters, counts) -> dict[str, str]:
    """The region filter's options, named: for the regency's village filter every village of the
    regency (two queries); otherwise the regions that have rows."""
    codes = set(counts.get("village", {}))
    if f.village:
        codes.add(f.village)
    if f.queue.region_len == 10 and user.region_code and len(user.region_code) == 4:
        codes |= set(
            Region.objects.filter(code__startswith=user.region_code, level=Level.VILLAGE).values_list(
                "code", flat=True
            )
        )
    return region_labels(codes) if codes else {}


@dataclass(frozen=True)
class QueuePage:
    """What makes one queue's page (the verval queue here; the ministry's assessment queue in
    determination/assessment_views.py): its selector spec, its URLs and tab labels, and whether the
    reader decides (and how, in bulk)."""

    queue: Queue
    url: str  # the page's own URL (filters are its query string)
    xlsx_url: str
    tab_labels: dict[str, str]
    review_url: Callable[[int], str]
    decide_url: Callable[[int], str] | None  # None: the reader does not decide
    bulk: Callable[..., dict | None] = lambda user, f, counts: None


def queue_context(request, page_spec: QueuePage) -> dict:
    """The context of a queue page (templates/verification/_queue.html): tabs, filters with counts,
    a keyset page or the NIK/KK search result (POST only), the bulk form."""
    user = request.user
    f = QueueFilters.parse(request.GET, queue=page_spec.queue)
    number_form = NumberSearchForm(request.POST if request.method == "POST" else None)
    searched = None
    page = None
    if number_form.is_bound and number_form.is_valid():
        number = number_form.cleaned_data["nomor"]
        rows = queue_number_search(user=user, number=number, queue=page_spec.queue)
        searched = {"masked": mask_id(number), "count": len(rows)}
        number_form = NumberSearchForm()  # the number is not echoed back into the page
    else:
        page = queue_page(user=user, filters=f)
        rows = page.rows
    counts = queue_counts(user=user, filters=f)
    decorate(rows)
    for r in rows:
        r.review_url = page_spec.review_url(r.pk)
        r.decide_url = page_spec.decide_url(r.pk) if page_spec.decide_url else ""
    base = QueryDict(mutable=True)
    base.update(f.query())
    next_query = base.copy()
    if page and page.next_cursor:
        next_query["setelah"] = page.next_cursor
    tabs = []
    for tab, label in page_spec.tab_labels.items():
        q = QueryDict(mutable=True)
        q.update({k: v for k, v in f.query(without=("tab",)).items()})
        if tab != f.queue.default_tab:
            q["tab"] = tab
        tabs.append({"tab": tab, "label": label, "count": counts["tab"].get(tab, 0), "query": q.urlencode(),
                     "current": tab == f.tab})  # fmt: skip
    return {
        "urls": {"queue": page_spec.url, "xlsx": page_spec.xlsx_url},
        "default_tab": f.queue.default_tab,
        "filters": f,
        "facets": _facets(f, counts, _regions(user, f, counts)),
        "tabs": tabs,
        "rows": rows,
        "page": page,
        "searched": searched,
        "number_form": number_form,
        "query": base.urlencode(),
        "next_query": next_query.urlencode() if page and page.next_cursor else "",
        "first_page": not f.after,
        "sorts": SORT_LABELS.items(),
        "filtered": bool(f.query(without=("tab", "urut"))),
        "number_in_get": "nomor" in f.errors,
        "decides": page_spec.decide_url is not None,
        "xlsx_max": export.MAX_ROWS,
        "bulk": page_spec.bulk(user, f, counts) if searched is None and rows else None,
    }


def _bulk_context(user, f: QueueFilters, counts) -> dict | None:
    """The bulk decision's form under the queue (verifiers, on the decisions tab): the rows ticked on
    this page, or the whole filter result — the queue's filter parameters, sent as they are."""
    if user.role != Role.REGENCY_VERIFIER or f.tab != TAB_QUEUE:
        return None
    form = BulkDecisionForm()
    return {
        "action": reverse("verification:bulk"),
        "form": form,
        "shown": [form["decision"], form["reason_code"], form["reason"]],
        "title": _("Keputusan massal"),
        "intro": _(
            "Centang usulan di daftar, atau pilih semua hasil saringan. Usulan yang memiliki temuan integritas "
            "dilewati: putuskan satu per satu dengan alasan pengabaian."
        ),
        "button": _("Putuskan yang dipilih"),
        "params": [(k, v) for k, v in f.query().items() if k in FILTER_PARAMS],
        "total": counts["tab"].get(TAB_QUEUE, 0),
        "kunci": uuid.uuid4().hex,
    }


def _verval_page(user) -> QueuePage:
    return QueuePage(
        queue=VERVAL,
        url=reverse("verification:queue"),
        xlsx_url=reverse("verification:queue_xlsx"),
        tab_labels={TAB_QUEUE: _("Antrean keputusan"), TAB_RETURNED: _("Dikembalikan Kementerian Sosial")},
        review_url=lambda pk: reverse("verification:review", args=[pk]),
        decide_url=decide_url if user.role == Role.REGENCY_VERIFIER else None,
        bulk=_bulk_context,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def queue(request):
    context = queue_context(request, _verval_page(request.user))
    context["is_verifier"] = request.user.role == Role.REGENCY_VERIFIER
    return render(request, "verification/queue.html", context)


def review_context(request, pk: int) -> dict:
    """The item review's context (templates/verification/review.html) for any reader in scope — the
    regency's review here, the ministry's in determination/views.py: the content against the registry,
    findings, the Dukcapil comparison, field visits and the timeline. A full NIK/KK view is audited.
    Http404 out of scope."""
    user = request.user
    item = review_item(user=user, pk=pk)
    if item is None:
        raise Http404
    data = build_review(user=user, item=item)
    if data.full and (item.no_kk or data.persons):
        audit_full_view(
            request,
            action="verification.review_view_full",
            object_type="proposals.item",
            object_id=item.pk,
            region_code=item.village_code,
            persons=len(data.persons),
        )
    item.kind_label = item.get_kind_display()
    item.half = half_label(item)
    return {
        "item": item,
        "review": data,
        "timeline": data.timeline,
        "visits": visits_of_item(user=user, item_id=item.pk),
    }


@never_cache
@require_GET
def review(request, pk: int):
    context = review_context(request, pk)
    item = context["item"]
    province = request.user.role == Role.PROVINCE_OFFICER
    context.update(
        queue_url=reverse("verification:submissions" if province else "verification:queue"),
        queue_title=_("Pengajuan kabupaten/kota") if province else _("Antrean verifikasi dan validasi"),
        decide_url=decide_url(item.pk),
        decidable=item.state in (ProposalItem.State.SUBMITTED, ProposalItem.State.RETURNED_TO_REGENCY)
        and request.user.role == Role.REGENCY_VERIFIER,
    )
    return render(request, "verification/review.html", context)


def queue_download(request, queue: Queue, *, name: str, action: str) -> HttpResponse:
    """A queue's filtered list (as its page shows it, every page) as XLSX: NIK/KK masked, the reader's
    scope, one audit row per download."""
    user = request.user
    f = QueueFilters.parse(request.GET, queue=queue)
    rows = queue_rows(user=user, filters=f)
    body, n = export.queue_workbook(rows=rows, filters=f)
    audit_record(
        actor=user,
        action=action,
        object_type="verification.queue",
        region_code=user.region_code or "",
        ip=client_ip(request),
        detail={**f.query(), "rows": n},
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{f.tab}.xlsx"'
    return response


@never_cache
@require_GET
def queue_xlsx(request):
    return queue_download(request, VERVAL, name="antrean-verval", action="verification.queue_download")
