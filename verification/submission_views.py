"""The regency submission's pages (issue 14, "The regency submission"): the list at /verval/pengajuan/
with the gathering of verified items, one submission's summary with its sign-off (the head of the
Dinas Sosial, with the regent's/mayor's letter) and its sending to the province, the province's
forwarding to the ministry and disputes (issue 16, verification/province.py), and the letter and recap
downloads (scoped, every access logged). Thin views over verification/submissions.py and province.py;
roles per route in verification/permissions.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dtks.accounts.auth import client_ip
from dtks.audit.services import audit_record
from dtks.core.charts import bars
from dtks.core.documents import document_mime
from dtks.regions.selectors import region_labels
from proposals.item import AlreadyDecided, ProposalItem, listed_items

from .models import RegencySubmission
from .permissions import ROUTES
from .province import REASON_MAX, ProvinceStep, submission_dispute, submission_forward
from .submissions import (
    GATHERERS,
    SubmissionNotFound,
    items_to_gather,
    region_name,
    submission_gather,
    submission_send,
    submission_sign,
    submission_summary,
    submissions_visible_to,
)

ITEMS_PAGE = 50
LIST_PAGE = 25


class ServiceErrorsMixin:
    def service_errors(self, exc: ValidationError) -> None:
        for key, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            for m in errors:
                self.add_error(key if key in self.fields else None, m)


class SignForm(ServiceErrorsMixin, forms.Form):
    letter = forms.FileField(
        label=gettext_lazy("Surat persetujuan bupati/wali kota (PDF, JPEG, atau PNG, paling besar 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        required=False,  # the service names a missing letter with the fix
    )
    letter_number = forms.CharField(label=gettext_lazy("Nomor surat"), max_length=100, required=False)
    letter_date = forms.DateField(
        label=gettext_lazy("Tanggal surat"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Tanggal surat tidak terbaca; pilih tanggal pada kalender.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Catatan (tidak wajib)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ItemIdsField(forms.Field):
    """The ticked items of the submission's list (`items`, one value per checkbox) as item ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids = []
        for v in values:
            try:
                n = int(str(v).strip())
            except ValueError:
                raise ValidationError(gettext_lazy("Nomor usulan tidak dikenal."), code="invalid") from None
            if not 1 <= n <= 2**63 - 1:
                raise ValidationError(gettext_lazy("Nomor usulan tidak dikenal."), code="invalid")
            ids.append(n)
        return ids


class ProvinceForm(ServiceErrorsMixin, forms.Form):
    """The province's forward and dispute (issue 16): the ticked items, or `semua` (every item still
    waiting) for a forward, and the reason a dispute needs. The service names what is wrong."""

    items = ItemIdsField(required=False)
    semua = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Alasan sanggahan (wajib untuk menyanggah)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": gettext_lazy("Alasan sanggahan paling panjang 4.000 karakter.")},
    )


def _submission(request, pk: int) -> RegencySubmission:
    return get_object_or_404(
        submissions_visible_to(user=request.user).select_related("signed_by", "sent_by"), pk=pk
    )


@never_cache
@require_GET
def submissions(request):
    return _list_page(request)


def _list_page(request, *, status: int = 200):
    user = request.user
    page = Paginator(submissions_visible_to(user=user).select_related("signed_by"), LIST_PAGE).get_page(
        request.GET.get("halaman")
    )
    names = {s.regency_code: region_name(s.regency_code) for s in page}
    for s in page:
        s.regency_name = names[s.regency_code]
    regency = user.role in GATHERERS
    context = {
        "page": page,
        "regency": regency,
        "to_gather": items_to_gather(user=user).count() if regency else 0,
        "open": submissions_visible_to(user=user).filter(state=RegencySubmission.State.OPEN).first()
        if regency
        else None,
    }
    return render(request, "verification/submissions.html", context, status=status)


@never_cache
@require_POST
def gather(request):
    try:
        sub = submission_gather(actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _list_page(request, status=400)
    messages.success(
        request,
        _("Pengajuan %(label)s berisi %(n)d usulan terverifikasi.")
        % {"label": sub.label, "n": sub.item_count},
    )
    return HttpResponseRedirect(reverse("verification:submission", args=[sub.pk]))


def _items_page(request, sub: RegencySubmission) -> tuple[list, int | None]:
    """One page of the submission's items, keyset-paged by item number."""
    qs = listed_items(ProposalItem.objects.filter(pk__in=sub.entries.values("item_id"))).order_by("pk")
    try:
        after = int(request.GET.get("setelah") or 0)
    except ValueError:
        after = 0
    rows = list(qs.filter(pk__gt=after)[: ITEMS_PAGE + 1])
    more = len(rows) > ITEMS_PAGE
    rows = rows[:ITEMS_PAGE]
    names = region_labels(r.village_code for r in rows)
    for r in rows:
        r.village_name = names.get(r.village_code, r.village_code)
    return rows, (rows[-1].pk if more else None)


def _detail(
    request,
    sub: RegencySubmission,
    *,
    form: SignForm | None = None,
    province_form: ProvinceForm | None = None,
    status: int = 200,
):
    user = request.user
    summary = submission_summary(sub)
    rows, next_after = _items_page(request, sub)
    supervisor = sub.is_supervisor(user)
    may_province = sub.state == RegencySubmission.State.SENT and sub.is_province_officer(user)
    selected = set(province_form.data.getlist("items")) if province_form is not None else set()
    for r in rows:
        r.selectable = may_province and r.state == ProposalItem.State.REGENCY_APPROVED
        r.selected = str(r.pk) in selected
    context = {
        "sub": sub,
        "regency_name": region_name(sub.regency_code),
        "summary": summary,
        "kind_chart": bars(summary.by_kind),
        "village_chart": bars(summary.by_village[:20]),
        "villages_more": max(0, len(summary.by_village) - 20),
        "rows": rows,
        "next_after": next_after,
        "may_sign": supervisor and sub.state == RegencySubmission.State.OPEN,
        "may_send": supervisor and sub.state == RegencySubmission.State.SIGNED,
        "may_gather": user.role in GATHERERS and sub.state == RegencySubmission.State.OPEN,
        "to_gather": items_to_gather(user=user).count() if sub.state == RegencySubmission.State.OPEN else 0,
        # The item review is the regency's and the province's item page (verification/permissions.py).
        "reviews": user.role in ROUTES["verification:review"],
        "form": form or SignForm(),
        "may_province": may_province,
        "waiting": dict((code, n) for code, _label, n in summary.by_state).get(
            ProposalItem.State.REGENCY_APPROVED, 0
        ),
        "province_form": province_form or ProvinceForm(),
        "state_chart": bars(summary.by_state),
    }
    return render(request, "verification/submission.html", context, status=status)


@never_cache
@require_GET
def submission(request, pk: int):
    return _detail(request, _submission(request, pk))


@never_cache
@require_POST
def sign(request, pk: int):
    sub = _submission(request, pk)
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, sub, form=form, status=400)
    d = form.cleaned_data
    try:
        sub = submission_sign(
            submission_id=sub.pk,
            actor=request.user,
            letter=d["letter"],
            letter_number=d["letter_number"],
            letter_date=d["letter_date"],
            note=d["note"],
            ip=client_ip(request),
        )
    except SubmissionNotFound:
        raise Http404 from None
    except AlreadyDecided as exc:
        messages.error(request, exc.messages[0])
        sub.refresh_from_db()
        return _detail(request, sub, status=409)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _detail(request, sub, form=form, status=403)
    except ValidationError as exc:
        form.service_errors(exc)
        return _detail(request, sub, form=form, status=400)
    messages.success(
        request,
        _(
            "Pengajuan %(label)s disahkan: %(n)d usulan disahkan kabupaten/kota. Kirim ke provinsi bila sudah siap."
        )
        % {"label": sub.label, "n": sub.item_count},
    )
    return HttpResponseRedirect(reverse("verification:submission", args=[sub.pk]))


@never_cache
@require_POST
def send(request, pk: int):
    sub = _submission(request, pk)
    try:
        sub = submission_send(submission_id=sub.pk, actor=request.user, ip=client_ip(request))
    except SubmissionNotFound:
        raise Http404 from None
    except AlreadyDecided as exc:
        messages.error(request, exc.messages[0])
        return _detail(request, sub, status=409)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return _detail(request, sub, status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _detail(request, sub, status=400)
    messages.success(request, _("Pengajuan %(label)s dikirim ke provinsi.") % {"label": sub.label})
    return HttpResponseRedirect(reverse("verification:submission", args=[sub.pk]))


def _province_step(request, pk: int, run) -> tuple[ProvinceStep | None, object]:
    """Runs a province step (`run(form_data) -> ProvinceStep`) from the submission page's form; on a
    refusal, the page again with the form's errors and the status the API answers."""
    sub = _submission(request, pk)
    form = ProvinceForm(request.POST)
    if not form.is_valid():
        return None, _detail(request, sub, province_form=form, status=400)
    try:
        return run(sub, form.cleaned_data), None
    except SubmissionNotFound:
        raise Http404 from None
    except AlreadyDecided as exc:
        messages.error(request, exc.messages[0])
        sub.refresh_from_db()
        return None, _detail(request, sub, status=409)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None, _detail(request, sub, province_form=form, status=403)
    except ValidationError as exc:
        form.service_errors(exc)
        return None, _detail(request, sub, province_form=form, status=400)


def _after_step(request, step: ProvinceStep, done: str):
    sub = step.submission
    if step.changed:
        messages.success(request, done % {"n": len(step.changed)})
    else:
        messages.info(request, _("Usulan yang dipilih sudah diproses sebelumnya; tidak ada yang berubah."))
    if sub.state == RegencySubmission.State.FORWARDED:
        messages.success(
            request,
            _("Pengajuan %(label)s selesai: setiap usulannya sudah diteruskan atau disanggah.")
            % {"label": sub.label},
        )
    return HttpResponseRedirect(reverse("verification:submission", args=[sub.pk]))


@never_cache
@require_POST
def forward(request, pk: int):
    """The province forwards the ticked items, or with `semua` every item still waiting, to the ministry."""
    step, refused = _province_step(
        request,
        pk,
        lambda sub, d: submission_forward(
            submission_id=sub.pk,
            actor=request.user,
            item_ids=None if d["semua"] else d["items"],
            ip=client_ip(request),
        ),
    )
    if refused is not None:
        return refused
    return _after_step(request, step, _("%(n)d usulan diteruskan ke Kementerian Sosial."))


@never_cache
@require_POST
def dispute(request, pk: int):
    """The province disputes the ticked items with a reason; they stay behind."""
    step, refused = _province_step(
        request,
        pk,
        lambda sub, d: submission_dispute(
            submission_id=sub.pk,
            actor=request.user,
            item_ids=d["items"],
            reason=d["reason"],
            ip=client_ip(request),
        ),
    )
    if refused is not None:
        return refused
    return _after_step(request, step, _("%(n)d usulan disanggah; usulan lainnya tetap dapat diteruskan."))


def _file(request, sub: RegencySubmission, field: str, action: str, *, filename: str):
    stored = getattr(sub, field)
    if not stored:
        raise Http404(_("Berkas ini belum ada."))
    audit_record(
        actor=request.user,
        action=action,
        object_type="verification.regencysubmission",
        object_id=sub.pk,
        region_code=sub.regency_code,
        ip=client_ip(request),
    )
    mime = document_mime(stored.name)
    ext = stored.name.rsplit(".", 1)[-1]
    return FileResponse(
        stored.open("rb"), content_type=mime, as_attachment=True, filename=f"{filename}.{ext}"
    )


@never_cache
@require_http_methods(["GET"])
def letter(request, pk: int):
    """The regent's/mayor's approval letter, only through this scoped view; every access logged."""
    sub = _submission(request, pk)
    return _file(
        request,
        sub,
        "letter",
        "regency_submission.letter_view",
        filename=f"surat-{sub.regency_code}-{sub.number}",
    )


@never_cache
@require_http_methods(["GET"])
def recap(request, pk: int):
    """The recap PDF generated at sign-off (its SHA-256 is on the submission's page)."""
    sub = _submission(request, pk)
    return _file(
        request,
        sub,
        "recap",
        "regency_submission.recap_view",
        filename=f"rekap-{sub.regency_code}-{sub.number}",
    )
