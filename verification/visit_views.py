"""Field-visit pages (issue 15): the regency's prelists (`/verval/prelist/`: list, drawing one up,
its page, its paper copies), the field officer's pages (`/verval/lapangan/`: the prelists assigned
to them, and a prelist's visit page, which works offline — static/js/field-visits.js with the
service worker served at `/verval/lapangan/sw.js`), the plain-form visit for a browser without
JavaScript, and the photos, only through a scoped view that logs each access. Thin views over
verification/visits.py; roles per route in verification/permissions.py."""

import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dtks.accounts.auth import client_ip
from dtks.accounts.models import Role, User
from dtks.audit.services import audit_record
from dtks.regions.models import Level, Region
from dtks.regions.selectors import region_labels
from dtks.registry.fields import HOUSE_FIELDS, LABELS

from .models import PhotoKind, Prelist
from .prelist_export import prelist_pdf, prelist_workbook
from .visits import (
    PLANNERS,
    PrelistInput,
    PrelistNotFound,
    VisitInput,
    house_choices,
    prelist_create,
    prelist_entries,
    prelists_visible_to,
    visit_photos_visible_to,
    visit_record,
)

LIST_PAGE = 25
SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "js" / "field-visits-sw.js"


class PrelistForm(forms.Form):
    village_code = forms.ChoiceField(label=gettext_lazy("Desa/kelurahan"))
    title = forms.CharField(label=gettext_lazy("Judul"), max_length=200)
    officers = forms.MultipleChoiceField(
        label=gettext_lazy("Pendamping/enumerator yang ditugaskan"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Hanya yang bertugas di desa/kelurahan yang dipilih."),
    )
    include_queue = forms.BooleanField(
        label=gettext_lazy(
            "Sertakan usulan desa/kelurahan ini dalam antrean verval yang belum masuk prelist"
        ),
        required=False,
        initial=True,
    )
    kk_numbers = forms.CharField(
        label=gettext_lazy("Keluarga registri untuk verifikasi ulang (nomor KK, satu per baris)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        region = user.region_code or ""
        villages = Region.objects.filter(level=Level.VILLAGE, code__startswith=region).order_by("code")
        labels = region_labels(v.code for v in villages)
        self.fields["village_code"].choices = [("", "—")] + [(v.code, labels[v.code]) for v in villages]
        officers = (
            User.objects.filter(
                role=Role.FIELD_OFFICER, is_active=True, assigned_villages__village_code__startswith=region
            )
            .distinct()
            .order_by("username")
        )
        self.fields["officers"].choices = [(str(o.pk), o.get_full_name() or o.username) for o in officers]

    def data_for_service(self) -> PrelistInput:
        d = self.cleaned_data
        return PrelistInput(
            village_code=d["village_code"],
            title=d["title"],
            officer_ids=[int(i) for i in d["officers"]],
            include_queue=d["include_queue"],
            kk_numbers=tuple(line.strip() for line in d["kk_numbers"].splitlines() if line.strip()),
        )

    def service_errors(self, exc: ValidationError) -> None:
        for key, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            for m in errors:
                self.add_error(key if key in self.fields else None, m)


def _village_name(code: str) -> str:
    return region_labels([code]).get(code, code)


@never_cache
@require_http_methods(["GET", "POST"])
def prelists(request):
    user = request.user
    plans = user.role in PLANNERS
    form = PrelistForm(request.POST or None, user=user) if plans else None
    status = 200
    if request.method == "POST":
        if not plans:
            raise PermissionDenied
        if form.is_valid():
            try:
                prelist = prelist_create(actor=user, data=form.data_for_service(), ip=client_ip(request))
            except ValidationError as exc:
                form.service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Prelist “%(title)s” disusun dengan %(n)d keluarga.")
                    % {"title": prelist.title, "n": prelist.entries.count()},
                )
                return HttpResponseRedirect(reverse("verification:prelist", args=[prelist.pk]))
        status = 400
    page = Paginator(prelists_visible_to(user=user), LIST_PAGE).get_page(request.GET.get("halaman"))
    names = region_labels(p.village_code for p in page)
    for p in page:
        p.village_name = names.get(p.village_code, p.village_code)
    return render(request, "verification/prelists.html", {"page": page, "form": form}, status=status)


def _prelist(request, pk: int) -> Prelist:
    return get_object_or_404(prelists_visible_to(user=request.user), pk=pk)


@never_cache
@require_GET
def prelist(request, pk: int):
    p = _prelist(request, pk)
    context = {
        "prelist": p,
        "village": _village_name(p.village_code),
        "entries": list(prelist_entries(p).select_related("item")),
        "officers": list(p.officers.order_by("username")),
        "is_officer": request.user.role == Role.FIELD_OFFICER,
    }
    return render(request, "verification/prelist.html", context)


def _download(request, p: Prelist, *, fmt: str) -> HttpResponse:
    entries = list(prelist_entries(p))
    village = _village_name(p.village_code)
    if fmt == "pdf":
        officers = [o.get_full_name() or o.username for o in p.officers.order_by("username")]
        body, mime = prelist_pdf(p, entries, village=village, officers=officers), "application/pdf"
    else:
        body = prelist_workbook(p, entries, village=village)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit_record(
        actor=request.user,
        action=f"prelist.download_{fmt}",
        object_type="verification.prelist",
        object_id=p.pk,
        region_code=p.village_code,
        ip=client_ip(request),
        detail={"entries": len(entries)},
    )
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="prelist-{p.pk}.{fmt}"'
    return response


@never_cache
@require_GET
def prelist_pdf_view(request, pk: int):
    return _download(request, _prelist(request, pk), fmt="pdf")


@never_cache
@require_GET
def prelist_xlsx_view(request, pk: int):
    return _download(request, _prelist(request, pk), fmt="xlsx")


# ---- the field officer's pages ------------------------------------------------------------------------


@never_cache
@require_GET
def field(request):
    page = Paginator(prelists_visible_to(user=request.user), LIST_PAGE).get_page(request.GET.get("halaman"))
    names = region_labels(p.village_code for p in page)
    for p in page:
        p.village_name = names.get(p.village_code, p.village_code)
    return render(request, "verification/field.html", {"page": page})


def _visit_context(request, p: Prelist, *, form_errors=None, posted=None) -> dict:
    choices = house_choices()
    return {
        "prelist": p,
        "village": _village_name(p.village_code),
        "entries": list(prelist_entries(p)),
        "photo_kinds": PhotoKind.choices,
        "house_fields": [(f, LABELS.get(f, f), choices[f]) for f in HOUSE_FIELDS],
        "today": timezone.localdate().isoformat(),
        # The plain form's idempotency key (the offline script makes its own per visit).
        "client_key": uuid.uuid4(),
        "errors": form_errors or {},
        "posted": posted or {},
        "visit_api": reverse("api:field-visit"),
        "sw_url": reverse("verification:field_sw"),
        "sw_scope": reverse("verification:field"),
    }


@require_GET
def field_prelist(request, pk: int):
    """The visit page. The service worker keeps a copy for offline use (the Cache API, not the HTTP
    cache, which `no-store` keeps empty), so it carries nothing per request but the CSRF token the
    uploads send."""
    return render(request, "verification/field_prelist.html", _visit_context(request, _prelist(request, pk)))


@never_cache
@require_POST
def visit_new(request, pk: int):
    """The plain form's visit (a browser without JavaScript): the same service as the API."""
    p = _prelist(request, pk)
    post = request.POST
    try:
        entry_id = int(post.get("entry") or 0)
    except ValueError:
        entry_id = 0
    data = VisitInput(
        entry_id=entry_id,
        client_key=post.get("client_key", ""),
        visited_on=_date(post.get("visited_on")),
        latitude=post.get("latitude") or None,
        longitude=post.get("longitude") or None,
        accuracy_m=post.get("accuracy_m") or None,
        house={f: post.get(f"house_{f}", "") for f in HOUSE_FIELDS},
        note=post.get("note", ""),
        photos={
            k: request.FILES.get(f"foto_{k}") for k in PhotoKind.values if request.FILES.get(f"foto_{k}")
        },
    )
    try:
        visit, created = visit_record(actor=request.user, data=data, ip=client_ip(request))
    except PrelistNotFound:
        raise Http404 from None
    except ValidationError as exc:
        errors = getattr(exc, "message_dict", {"__all__": exc.messages})
        context = _visit_context(request, p, form_errors=errors, posted={"entry": entry_id})
        return render(request, "verification/field_prelist.html", context, status=400)
    messages.success(
        request,
        _("Kunjungan tersimpan (%(n)d foto).") % {"n": visit.photos.count()}
        if created
        else _("Kunjungan ini sudah tersimpan sebelumnya."),
    )
    return HttpResponseRedirect(reverse("verification:field_prelist", args=[p.pk]))


def _date(value):
    from datetime import date

    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@require_GET
def field_sw(request):
    """The service worker, served from the scope it controls (/verval/lapangan/)."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("verification:field")
    return response


@never_cache
@require_GET
def visit_photo(request, pk: int):
    """One visit photo, only through this scoped view; every access is logged."""
    photo = get_object_or_404(visit_photos_visible_to(user=request.user).select_related("visit"), pk=pk)
    audit_record(
        actor=request.user,
        action="visit.photo_view",
        object_type="verification.visitphoto",
        object_id=photo.pk,
        region_code=photo.visit.village_code,
        ip=client_ip(request),
        detail={"kind": photo.kind},
    )
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
