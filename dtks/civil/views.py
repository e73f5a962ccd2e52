"""The Dukcapil pages (docs/civil_registry.md, "Pages"): the ministry data unit's page (configuration,
the current extract, its history, the upload), an extract's progress and refused rows, and the
reconciliation a regency, a province or the ministry reads in its scope.

Thin views: the services (dtks/civil/services.py, reconciliation.py) write, the selectors
(dtks/civil/selectors.py) read — the reconciliation only through its scoped selectors. Who may open
which page is the permission table's (dtks/permissions.py).
"""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from dtks.accounts.auth import client_ip
from dtks.audit.services import audit_record
from dtks.core.charts import bars
from dtks.core.configuration import spreadsheet_text
from dtks.regions.selectors import region_labels
from dtks.registry.masking import mask_id
from dtks.registry.models import IntegrityRule

from . import export
from .checking import RULES
from .comparison import region_codes
from .forms import REASON_LABELS, ExtractUploadForm, ReconciliationFilterForm
from .models import Extract, Settings
from .reconciliation import REASONS, reconciliation_request
from .selectors import extract_errors, extracts_visible_to, reconciliation_rows, reconciliation_summary
from .services import UPLOADERS, civil_extract_create

PAGE_SIZE = 50
HISTORY_SIZE = 20
MAX_ID_DIGITS = 18


def _extract_or_404(request, pk: int) -> Extract:
    extract = extracts_visible_to(user=request.user).filter(pk=pk).first()
    if extract is None:
        raise Http404
    return extract


# -- the ministry data unit's page ------------------------------------------------------------------


def _overview(request, form: ExtractUploadForm | None = None, *, status: int = 200):
    settings = Settings.load()
    extracts = extracts_visible_to(user=request.user)
    context = {
        "settings": settings,
        "source_none": settings.source == Settings.Source.NONE,
        "rules": list(IntegrityRule.objects.filter(code__in=RULES).order_by("sort", "code")),
        "current": extracts.filter(current=True).first(),
        "history": list(extracts.order_by("-pk")[:HISTORY_SIZE]),
        "may_upload": request.user.role in UPLOADERS,
        "form": form or ExtractUploadForm(),
    }
    return render(request, "civil/overview.html", context, status=status)


@never_cache
@require_GET
def overview(request):
    return _overview(request)


@never_cache
@require_POST
def extract_upload(request):
    """The upload form of the overview page: a refusal shows the page again with the message under
    the field it names (400); nothing is stored."""
    form = ExtractUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            extract = civil_extract_create(
                uploaded=form.cleaned_data["file"],
                source=form.cleaned_data["sumber"],
                extract_date=form.cleaned_data["tanggal_ekstrak"],
                actor=request.user,
                ip=client_ip(request),
                idempotency_key=form.cleaned_data["kunci"],
            )
        except ValidationError as exc:
            form.add_error(None if hasattr(exc, "error_dict") else "file", exc)
        else:
            return redirect("civil:extract", pk=extract.pk)
    return _overview(request, form, status=400)


@never_cache
@require_GET
def extract_detail(request, pk: int):
    extract = _extract_or_404(request, pk)
    page = Paginator(extract_errors(extract=extract), PAGE_SIZE).get_page(request.GET.get("halaman"))
    same_as = None
    if extract.status == Extract.Status.DONE and not extract.current:
        same_as = Extract.objects.filter(sha256=extract.sha256, current=True).exclude(pk=extract.pk).first()
    context = {"extract": extract, "page": page, "same_as": same_as}
    return render(request, "civil/extract.html", context)


@never_cache
@require_GET
def extract_progress(request, pk: int):
    extract = _extract_or_404(request, pk)
    if request.htmx and extract.status not in (Extract.Status.QUEUED, Extract.Status.LOADING):
        return HttpResponseClientRefresh()  # the page shows the result
    return render(request, "civil/_extract_progress.html", {"extract": extract})


@never_cache
@require_GET
def extract_refusals(request, pk: int):
    """The refused rows as CSV (row, column, code, message); the messages may quote a NIK, so each
    download is audited."""
    extract = _extract_or_404(request, pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("baris"), _("kolom"), _("kode"), _("pesan")])
    n = 0
    for e in extract_errors(extract=extract).iterator(chunk_size=2000):
        writer.writerow(
            [e.row, spreadsheet_text(e.field), spreadsheet_text(e.code), spreadsheet_text(e.message)]
        )
        n += 1
    audit_record(
        actor=request.user,
        action="civil.extract_refusals_download",
        object_type="civil.extract",
        object_id=extract.pk,
        ip=client_ip(request),
        detail={"rows": n},
    )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ekstrak-{extract.pk}-ditolak.csv"'
    return response


# -- the reconciliation -----------------------------------------------------------------------------


def _after(request) -> int:
    raw = request.GET.get("setelah", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS else 0


def _chart(summary, *, query: QueryDict, current: str) -> list[dict]:
    """One bar per reason, each linking to the list of that reason (drawn as SVG by the template)."""
    chart = bars((reason, REASON_LABELS[reason], summary.counts.get(reason, 0)) for reason in REASONS)
    for bar in chart:
        q = query.copy()
        q["alasan"] = bar["key"]
        bar["url"] = "?" + q.urlencode()
        bar["current"] = bar["key"] == current
    return chart


def _decorate(rows) -> dict[str, str]:
    """Masked NIK, reasons and the finding each row's comparison shows; the villages of the page
    named with one query."""
    findings = []
    for row in rows:
        row.masked_nik = mask_id(row.nik)
        row.reasons = [REASON_LABELS.get(p, p) for p in row.parts]
        row.finding = {"rule": "CIVIL_REGISTRY_MISMATCH", "detail": {"parts": row.detail.get("parts", [])}}
        findings.append(row.finding)
    labels = region_labels({r.village_code for r in rows} | region_codes(findings)) if rows else {}
    for row in rows:
        row.region_label = labels.get(row.village_code, row.village_code)
    return labels


@never_cache
@require_GET
def reconciliation(request):
    user = request.user
    filters = ReconciliationFilterForm(request.GET or None, user=user)
    area, reason = filters.filters()
    summary = reconciliation_summary(user=user, area=area)
    after = _after(request)
    rows = []
    more = False
    if summary.reconciliation is not None:
        qs = reconciliation_rows(user=user, area=area, reason=reason)
        if after:
            qs = qs.filter(id__gt=after)
        rows = list(qs[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    regions = _decorate(rows)
    query = QueryDict(mutable=True)
    if area:
        query["wilayah"] = area
    area_query = query.urlencode()
    if reason:
        query["alasan"] = reason
    context = {
        "summary": summary,
        "filters": filters,
        "area": area,
        "reason": reason,
        "reason_label": REASON_LABELS.get(reason, ""),
        "chart": _chart(summary, query=QueryDict(area_query, mutable=True), current=reason),
        "rows": rows,
        "regions": regions,
        "total": summary.total(reason),
        "next_after": rows[-1].pk if more else None,
        "after": after,
        "query": query.urlencode(),
        "area_query": area_query,
        "may_recompute": user.role in UPLOADERS,
        "xlsx_max": export.MAX_ROWS,
    }
    return render(request, "civil/reconciliation.html", context)


@never_cache
@require_GET
def reconciliation_xlsx(request):
    user = request.user
    filters = ReconciliationFilterForm(request.GET or None, user=user)
    area, reason = filters.filters()
    summary = reconciliation_summary(user=user, area=area)
    back = reverse("civil:reconciliation") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if summary.reconciliation is None:
        messages.error(request, _("Belum ada rekonsiliasi untuk diunduh."))
        return redirect(back)
    if summary.total(reason) > export.MAX_ROWS:
        messages.error(
            request,
            _("Terlalu banyak baris untuk satu berkas (lebih dari %(max)s); saring per wilayah atau alasan.")
            % {"max": f"{export.MAX_ROWS:,}".replace(",", ".")},
        )
        return redirect(back)
    rows = reconciliation_rows(user=user, area=area, reason=reason)
    body, n = export.reconciliation_workbook(rows=rows, summary=summary, area=area, reason=reason)
    audit_record(
        actor=user,
        action="civil.reconciliation_download",
        object_type="civil.reconciliation",
        object_id=summary.reconciliation.pk,
        region_code=area or user.region_code or "",
        ip=client_ip(request),
        detail={"wilayah": area, "alasan": reason, "rows": n, "extract": summary.reconciliation.extract_id},
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = "-".join(p for p in ("rekonsiliasi-dukcapil", area, reason) if p)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_POST
def reconciliation_recompute(request):
    extract = reconciliation_request(actor=request.user, ip=client_ip(request))
    if extract is None:
        messages.error(request, _("Belum ada ekstrak Dukcapil yang berlaku; muat ekstrak terlebih dahulu."))
    else:
        messages.success(
            request, _("Rekonsiliasi dihitung ulang di latar belakang; muat ulang halaman ini sebentar lagi.")
        )
    return redirect("civil:reconciliation")
