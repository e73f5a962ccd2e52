"""Pages of the spreadsheet import (thin: parse, call a service in proposals/importing.py, render).

Every object is read through the scoped reads of importing.py: another village's musyawarah or
import answers 404. The permission table lets only village operators in.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from dtks.accounts.auth import client_ip

from . import importing
from .models import ImportJob

ERRORS_PER_PAGE = 50


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Berkas CSV atau XLSX"),
        help_text=gettext_lazy("Satu baris per orang, kolom sesuai templat; NIK dan KK sebagai Teks."),
    )


def _musyawarah(request, musyawarah_id: int):
    try:
        return importing.import_musyawarah_for(user=request.user, musyawarah_id=musyawarah_id)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _job(request, job_id: int) -> ImportJob:
    try:
        return importing.import_jobs_visible_to(user=request.user).get(pk=job_id)
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
            )
        except ValidationError as exc:
            form.add_error("file" if hasattr(exc, "error_dict") else None, exc)
        else:
            replaced = request.POST.get("replaces")
            if replaced and replaced.isdigit():
                _cancel_quietly(request, int(replaced))
            return redirect("proposals:import_job", job_id=job.pk)
    jobs = (
        importing.import_jobs_visible_to(user=request.user).filter(musyawarah=musyawarah).order_by("-pk")[:20]
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


@never_cache
@require_GET
def job_detail(request, job_id: int):
    job = _job(request, job_id)
    rows = importing.import_job_error_rows(job=job)
    page = Paginator(rows, ERRORS_PER_PAGE).get_page(request.GET.get("halaman"))
    return render(
        request,
        "proposals/import/job.html",
        {"job": job, "musyawarah": job.musyawarah, "page": page, "form": UploadForm()},
    )


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
        body = importing.import_template_xlsx()
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body = importing.import_template_csv()
        ctype = "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="templat-impor-dtks.{fmt}"'
    return response
