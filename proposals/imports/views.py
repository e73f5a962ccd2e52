"""Pages of the spreadsheet import (thin: parse, call a service in proposals/imports/services.py, render).

Every object is read through the scoped reads of proposals/imports/services.py: another village's musyawarah or
import answers 404. The permission table lets only village operators in.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from dtks.accounts.auth import client_ip
from dtks.registry.fields import CODED, label
from dtks.registry.models import Code
from dtks.registry.reading import TEMPLATE_COLUMNS
from proposals.item.forms import KeyedForm, explain_errors

from . import fix as import_fix
from . import selectors
from . import services as importing
from . import template as import_template
from .models import ImportJob

ERRORS_PER_PAGE = 50


class UploadForm(KeyedForm):
    file = forms.FileField(
        label=gettext_lazy("Berkas CSV atau XLSX"),
        help_text=gettext_lazy("Satu baris per orang, kolom sesuai templat; NIK dan KK sebagai Teks."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        explain_errors(self)


def _musyawarah(request, musyawarah_id: int):
    try:
        return selectors.import_musyawarah_for(user=request.user, musyawarah_id=musyawarah_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _job(request, job_id: int) -> ImportJob:
    try:
        return selectors.import_jobs_visible_to(user=request.user).get(pk=job_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@never_cache
@require_http_methods(["GET", "POST"])
def upload(request, musyawarah_id: int):
    musyawarah = _musyawarah(request, musyawarah_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.import_job_create(
                musyawarah_id=musyawarah.pk,
                uploaded=form.cleaned_data["file"],
                actor=request.user,
                ip=client_ip(request),
                # The form's key: a double submit is one import, and lands on it.
                idempotency_key=form.cleaned_data["kunci"],
            )
        except ValidationError as exc:
            # A refusal that names its field (UploadRefused: {"file": [...]}) goes there by itself.
            form.add_error(None if hasattr(exc, "error_dict") else "file", exc)
        else:
            replaced = request.POST.get("replaces")
            if replaced and replaced.isdigit():
                _cancel_quietly(request, int(replaced))
            return redirect("proposals:import_job", job_id=job.pk)
    jobs = (
        selectors.import_jobs_visible_to(user=request.user).filter(musyawarah=musyawarah).order_by("-pk")[:20]
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "proposals/import/upload.html",
        {"musyawarah": musyawarah, "form": form, "jobs": jobs},
        status=status,
    )


def _cancel_quietly(request, job_id: int) -> None:
    """Uploading a corrected file replaces the preview it was uploaded from."""
    try:
        importing.import_job_cancel(job_id=job_id, actor=request.user, ip=client_ip(request))
    except (ObjectDoesNotExist, ValidationError, PermissionDenied):
        return


def _fixable(job: ImportJob) -> bool:
    return job.status == ImportJob.Status.PREVIEWED


def _row_context(row, *, job: ImportJob, page_number: int, open_row: int | None = None) -> dict:
    bad, other = import_fix.import_row_fix_fields(row) if _fixable(job) else ([], [])
    return {
        "row": row,
        # Each error names its column by its Indonesian label, not the template's key (`jenis_kelamin`).
        "errors": [{**e, "label": label(e.get("field", ""))} for e in row.errors or []],
        "job": job,
        "fixable": _fixable(job),
        "bad_fields": bad,
        "other_fields": other,
        "page_number": page_number,
        "open": row.row_no == open_row,
    }


def _code_lists() -> dict[str, list[tuple[str, str]]]:
    """Suggestions for the coded columns of the fix form (code and label; both are accepted)."""
    lists: dict[str, list[tuple[str, str]]] = {c: [] for c in CODED}
    for code in Code.objects.filter(active=True, list__in=CODED).order_by("list", "sort", "code"):
        lists[code.list].append((code.code, code.label))
    return lists


@never_cache
@require_GET
def job_detail(request, job_id: int):
    job = _job(request, job_id)
    rows = selectors.import_job_error_rows(job=job)
    page = Paginator(rows, ERRORS_PER_PAGE).get_page(request.GET.get("halaman"))
    wanted = request.GET.get("baris", "")
    open_row = int(wanted) if wanted.isdigit() and len(wanted) < 10 else None
    return render(
        request,
        "proposals/import/job.html",
        {
            "job": job,
            "musyawarah": job.musyawarah,
            "page": page,
            "rows": [_row_context(r, job=job, page_number=page.number, open_row=open_row) for r in page],
            "code_lists": _code_lists() if _fixable(job) and page.object_list else {},
            "form": UploadForm(),
        },
    )


@require_POST
def row_fix(request, job_id: int, row_no: int):
    """Save the fix of one bad row: htmx gets the row again (and the counts, out of band); without
    JavaScript the preview is shown again, opened at the row while it still has errors."""
    job = _job(request, job_id)
    values = {c: request.POST[c] for c in TEMPLATE_COLUMNS if c in request.POST}
    halaman = request.POST.get("halaman", "")
    page_number = int(halaman) if halaman.isdigit() and len(halaman) < 10 else 1
    try:
        row = import_fix.import_row_fix(
            job_id=job.pk, row_no=row_no, values=values, actor=request.user, ip=client_ip(request)
        )
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("proposals:import_job", job_id=job.pk)
    job.refresh_from_db()
    if request.htmx:
        context = _row_context(row, job=job, page_number=page_number, open_row=None if row.ok else row.row_no)
        context.update({"musyawarah": job.musyawarah, "just_saved": True})
        return render(request, "proposals/import/_row_fixed.html", context)
    if row.ok:
        messages.success(request, _("Baris %(n)d sudah benar dan ikut diimpor.") % {"n": row.row_no})
    else:
        messages.error(
            request,
            _("Baris %(n)d disimpan, tetapi masih bermasalah; lihat pesan di kolomnya.") % {"n": row.row_no},
        )
    url = reverse("proposals:import_job", args=[job.pk])
    return redirect(f"{url}?halaman={page_number}&baris={row.row_no}#baris-{row.row_no}")


@never_cache
@require_GET
def progress(request, job_id: int):
    job = _job(request, job_id)
    if request.htmx and not job.running:
        return HttpResponseClientRefresh()  # the page shows the preview or the result
    return render(request, "proposals/import/_progress.html", {"job": job})


@require_POST
def confirm(request, job_id: int):
    job = _job(request, job_id)
    try:
        importing.import_job_confirm(job_id=job.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    return redirect("proposals:import_job", job_id=job.pk)


@require_POST
def cancel(request, job_id: int):
    job = _job(request, job_id)
    try:
        importing.import_job_cancel(job_id=job.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
        return redirect("proposals:import_job", job_id=job.pk)
    messages.info(request, _("Impor dibatalkan; tidak ada yang disimpan."))
    return redirect("proposals:import_upload", musyawarah_id=job.musyawarah_id)


@require_GET
def template(request, fmt: str):
    if fmt == "xlsx":
        body = import_template.import_template_xlsx()
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body = import_template.import_template_csv()
        ctype = "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="templat-impor-dtks.{fmt}"'
    return response
