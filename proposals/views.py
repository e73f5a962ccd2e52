"""Pages of the village operator's proposal flow and the regency's minimal "return to village".

Thin views: every read starts from a scoped selector (proposals.selectors), so an object outside
the user's scope answers 404; every write is a service (proposals.services) whose errors are put
back on the fields they name. Roles per route are in dtks/permissions.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from dtks.accounts.auth import client_ip
from dtks.accounts.models import Role
from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.audit.services import audit_record
from dtks.registry.masking import mask_id
from dtks.registry.models import MembershipVersion
from dtks.registry.selectors import families_visible_to, persons_visible_to
from dtks.registry.views import FIELD_LABELS, RULE_LABELS, SEX_LABELS, region_labels

from . import importing, services
from .forms import (
    DeletionForm,
    DeletionReasonForm,
    FamilyForm,
    FixedPersonFormSet,
    MinutesForm,
    MusyawarahForm,
    NoteForm,
    PersonFormSet,
    ReasonForm,
    TargetForm,
    TransferForm,
    apply_service_errors,
    code_choices,
)
from .minutes import minutes_mime
from .models import Musyawarah, ProposalItem, ProposalPerson
from .selectors import (
    musyawarah_visible_to,
    proposal_item_history,
    proposal_items_visible_to,
    regency_submitted_items,
    returned_items,
)

PAGE_SIZE = 25
K = ProposalItem.Kind
S = ProposalItem.State
# URL slugs of the item kinds (the words the village uses).
KIND_SLUGS = {
    "penambahan": K.ADDITION,
    "penghapusan": K.DELETION,
    "penggantian": K.REPLACEMENT,
    "perbaikan": K.CORRECTION,
    "perpindahan": K.TRANSFER,
}
KIND_LABELS = {
    K.ADDITION: gettext_lazy("Penambahan"),
    K.DELETION: gettext_lazy("Penghapusan"),
    K.REPLACEMENT: gettext_lazy("Penggantian"),
    K.CORRECTION: gettext_lazy("Perbaikan"),
    K.TRANSFER: gettext_lazy("Perpindahan"),
}
STATE_LABELS = {
    S.DRAFT: gettext_lazy("Draf"),
    S.SUBMITTED: gettext_lazy("Diajukan"),
    S.VERIFIED: gettext_lazy("Terverifikasi"),
    S.RETURNED_TO_VILLAGE: gettext_lazy("Dikembalikan ke desa/kelurahan"),
    S.REJECTED: gettext_lazy("Ditolak"),
    S.REGENCY_APPROVED: gettext_lazy("Disahkan kabupaten/kota"),
    S.FORWARDED: gettext_lazy("Diteruskan provinsi"),
    S.DISPUTED: gettext_lazy("Disanggah (penjaminan kualitas)"),
    S.RETURNED_TO_REGENCY: gettext_lazy("Dikembalikan ke kabupaten/kota"),
    S.IN_QA: gettext_lazy("Dalam penjaminan kualitas"),
    S.ACCEPTED: gettext_lazy("Diterima Kementerian"),
    S.EXCLUDED: gettext_lazy("Dikeluarkan"),
    S.DETERMINED: gettext_lazy("Ditetapkan"),
    S.WITHDRAWN: gettext_lazy("Ditarik"),
}
MUSYAWARAH_STATE_LABELS = {
    Musyawarah.State.DRAFT: gettext_lazy("Draf"),
    Musyawarah.State.HELD: gettext_lazy("Terlaksana (notulen diunggah)"),
    Musyawarah.State.SUBMITTED: gettext_lazy("Diajukan ke kabupaten/kota"),
}
CHANNEL_LABELS = {
    ProposalItem.Channel.MUSYAWARAH: gettext_lazy("Musyawarah desa/kelurahan"),
    ProposalItem.Channel.SELF_REGISTRATION: gettext_lazy("Pendaftaran mandiri"),
    ProposalItem.Channel.MINISTRY: gettext_lazy("Usulan Kementerian Sosial"),
    ProposalItem.Channel.REGENCY: gettext_lazy("Usulan dinas sosial kabupaten/kota"),
    ProposalItem.Channel.REVERIFICATION: gettext_lazy("Verifikasi ulang Menteri"),
}
TRANSITION_LABELS = {
    "submit": gettext_lazy("diajukan"),
    "resubmit": gettext_lazy("diajukan kembali setelah diperbaiki"),
    "withdraw": gettext_lazy("ditarik"),
    "return_to_village": gettext_lazy("dikembalikan ke desa/kelurahan"),
    "reject": gettext_lazy("ditolak"),
    "verify": gettext_lazy("diverifikasi"),
}
# Transitions these pages offer; later stages add their own pages for the rest.
PAGE_TRANSITIONS = ("submit", "resubmit", "withdraw", "return_to_village")
CODE_LISTS = (
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
    "status_perkawinan",
    "hubungan_keluarga",
    "kategori",
    "kriteria",
    "disabilitas",
    "alasan_penghapusan",
)


# ---- helpers --------------------------------------------------------------------------------------


def _first_or_404(qs):
    obj = qs.first()
    if obj is None:
        raise Http404
    return obj


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _first_person_name():
    return Subquery(
        ProposalPerson.objects.filter(item=OuterRef("pk")).order_by("position").values("nama")[:1]
    )


def _listed_items(qs):
    """Items decorated for a list: first person's name and the number of persons (two subqueries)."""
    count = (
        ProposalPerson.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("*"))
        .values("n")
    )
    return qs.annotate(first_name=_first_person_name(), person_count=Subquery(count)).order_by(
        "-updated_at", "-pk"
    )


def _decorate(items) -> list:
    labels = region_labels(i.village_code for i in items) if items else {}
    for i in items:
        i.kind_label = KIND_LABELS.get(i.kind, i.kind)
        i.state_label = STATE_LABELS.get(i.state, i.state)
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


def _resolve_target(user, nomor: str) -> dict:
    """A KK → that family; a NIK → the person's family, or the individual outside any family."""
    fam = families_visible_to(user=user).filter(no_kk=nomor).values_list("family_id", flat=True).first()
    if fam:
        return {"target_family_id": fam}
    person = persons_visible_to(user=user).filter(nik=nomor).values_list("person_id", flat=True).first()
    if person is None:
        raise ValidationError(
            {"target": _("Tidak ada data terdaftar dengan nomor ini dalam cakupan wilayah Anda.")}
        )
    family_id = (
        MembershipVersion.objects.current()
        .filter(person_id=person)
        .values_list("family_id", flat=True)
        .first()
    )
    return {"target_family_id": family_id} if family_id else {"target_person_id": person}


def _allowed_transitions(item: ProposalItem, user) -> list[str]:
    allowed = []
    for name in PAGE_TRANSITIONS:
        method = getattr(item, name)
        if can_proceed(method, check_conditions=False) and method._django_fsm.has_transition_perm(
            item, item.state, user
        ):
            allowed.append(name)
    return allowed


# ---- the village operator: musyawarah -------------------------------------------------------------


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
        m.state_label = MUSYAWARAH_STATE_LABELS.get(m.state, m.state)
    returned = returned_items(user=request.user).count()
    return render(
        request, "proposals/musyawarah_list.html", {"page": page, "rows": rows, "returned": returned}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def musyawarah_new(request):
    form = MusyawarahForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            m = services.musyawarah_create(actor=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(exc, form)
        else:
            messages.success(request, _("Musyawarah dicatat. Unggah notulennya, lalu catat usulannya."))
            return redirect("proposals:musyawarah", pk=m.pk)
    return render(
        request, "proposals/musyawarah_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _musyawarah_page(request, m: Musyawarah, *, minutes_form=None, status=200):
    items = _decorate(list(_listed_items(m.items.all())))
    # Arrival halves of its transfers are listed with the musyawarah too (they live elsewhere).
    user = request.user
    is_operator = m._operator(user)
    context = {
        "m": m,
        "state_label": MUSYAWARAH_STATE_LABELS.get(m.state, m.state),
        "sources": [
            dict(MusyawarahForm.base_fields["input_sources"].choices).get(s, s) for s in m.input_sources
        ],
        "items": items,
        "draft_count": sum(1 for i in items if i.state == S.DRAFT),
        "is_operator": is_operator,
        "can_add": is_operator and m.state != Musyawarah.State.SUBMITTED,
        "minutes_form": minutes_form or MinutesForm(),
        "kind_links": [(slug, KIND_LABELS[kind]) for slug, kind in KIND_SLUGS.items()],
        "attendees": [n.strip() for n in m.attendee_names.splitlines() if n.strip()],
        # Imports the operator has not finished: a preview waiting for fixes or a confirm, or one running.
        "open_imports": list(
            importing.import_jobs_visible_to(user=user)
            .filter(musyawarah=m, status__in=importing.OPEN_IMPORTS)
            .order_by("-pk")[:5]
        )
        if is_operator
        else [],
    }
    return render(request, "proposals/musyawarah_detail.html", context, status=status)


@never_cache
@require_GET
def musyawarah_detail(request, pk: int):
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
    return _musyawarah_page(request, m)


@never_cache
@require_GET
def musyawarah_minutes(request, pk: int):
    """The minutes, only through this scoped view; every access is logged."""
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
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
    mime = minutes_mime(m.minutes.name)
    response = FileResponse(m.minutes.open("rb"), content_type=mime)
    ext = m.minutes.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="notulen-musyawarah-{m.pk}.{ext}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@require_POST
def musyawarah_minutes_upload(request, pk: int):
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
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
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
    try:
        services.musyawarah_hold(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(request, _("Musyawarah dicatat terlaksana."))
    return redirect("proposals:musyawarah", pk=m.pk)


@never_cache
@require_POST
def musyawarah_submit(request, pk: int):
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
    try:
        result = services.musyawarah_submit_all(musyawarah_id=m.pk, actor=request.user, ip=client_ip(request))
    except ValidationError as exc:
        for e in exc.messages:
            messages.error(request, e)
    else:
        messages.success(
            request,
            _("Musyawarah diajukan ke dinas sosial kabupaten/kota dengan %(n)d usulan.")
            % {"n": len(result.changed)},
        )
    return redirect("proposals:musyawarah", pk=m.pk)


@never_cache
@require_GET
def returned(request):
    """Items the regency sent back to this village, with the reason, to fix and resubmit."""
    qs = _listed_items(returned_items(user=request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "proposals/returned.html", {"page": page, "items": _decorate(list(page.object_list))}
    )


# ---- items: create and edit -----------------------------------------------------------------------


class _Forms:
    """The forms one item kind needs, bound or not, and how they become service arguments."""

    def __init__(self, request, kind: str, *, initial=None, item=None, stage: str = ""):
        self.kind, self.item = kind, item
        data = request.POST if request.method == "POST" else None
        self.choices = code_choices(*CODE_LISTS)
        self.add_member = bool(data and "add_member" in data)
        if data and self.add_member:
            data = data.copy()
            total = int(data.get("persons-TOTAL_FORMS") or 0)
            data["persons-TOTAL_FORMS"] = str(min(total + 1, 30))
        initial = initial or {}
        self.target = self.reason = self.family = self.persons = self.note = None
        out_half = item is not None and (
            item.target_family_id is not None or item.target_person_id is not None
        )
        # "find": the correction's first step (which record?); "fill": its second (the new values).
        if stage == "find":
            self.target = TargetForm(data, initial=initial.get("target"))
            return
        content = (
            stage == "fill"
            or (kind in (K.ADDITION, K.REPLACEMENT) and not out_half)
            or (item is not None and (kind == K.CORRECTION or (kind == K.TRANSFER and not out_half)))
        )
        fixed = kind in (K.CORRECTION, K.TRANSFER)
        if item is None and kind in (K.DELETION, K.REPLACEMENT):
            self.target = DeletionForm(data, choices=self.choices)
        elif item is None and kind == K.TRANSFER:
            self.target = TransferForm(data)
        elif out_half and kind in (K.DELETION, K.REPLACEMENT):
            self.reason = DeletionReasonForm(data, choices=self.choices, initial=initial.get("reason"))
        if content:
            self.family = FamilyForm(
                data, initial=initial.get("family"), choices=self.choices, fixed_shape=fixed
            )
            person_set = FixedPersonFormSet if fixed else PersonFormSet
            # Bound rows are never compared with initial values: an unchanged row is still a person.
            people = initial.get("persons") if data is None else None
            self.persons = person_set(data, initial=people, prefix="persons", choices=self.choices)
        if self.target is None and self.reason is None:
            self.note = NoteForm(data, initial=initial.get("note"))

    def all(self):
        return [f for f in (self.target, self.reason, self.family, self.note) if f is not None]

    def is_bound(self) -> bool:
        return any(f.is_bound for f in self.all())

    def valid(self) -> bool:
        ok = all(f.is_valid() for f in self.all())
        if self.persons is not None:
            ok = self.persons.is_valid() and ok
        return ok

    def note_text(self) -> str:
        for f in (self.note, self.target, self.reason):
            if f is not None and "note" in f.cleaned_data:
                return f.cleaned_data["note"]
        return ""


def _item_form_context(
    forms_, *, title, action, musyawarah=None, target_hidden=None, show_errors=True, item=None
):
    return {
        "forms": forms_,
        "title": title,
        "action": action,
        "m": musyawarah,
        "target_hidden": target_hidden or {},
        "show_errors": show_errors,
        "item": item,
        "kind": forms_.kind,
        "kind_label": KIND_LABELS.get(forms_.kind, forms_.kind),
    }


def _snapshot_initial(user, target: dict) -> dict:
    snap = services._target_snapshot(
        actor=user,
        target_family_id=target.get("target_family_id"),
        target_person_id=target.get("target_person_id"),
    )
    fam = snap["family"]
    return {
        "family": {**{k: fam.get(k) for k in ("no_kk", "rt", "rw", "alamat")}, **(fam.get("house") or {})},
        "persons": snap["persons"],
    }


def _create(request, kind: str, *, musyawarah: Musyawarah | None, back: str):
    user = request.user
    title = _("Usulan %(kind)s") % {"kind": KIND_LABELS[kind].lower()}
    target_hidden: dict = {}
    stage = ""
    if kind == K.CORRECTION:
        stage = "fill" if request.POST.get("stage") == "fill" else "find"
    forms_ = _Forms(request, kind, stage=stage)
    status = 200
    if stage == "find" and request.method == "POST":
        if forms_.target.is_valid():
            try:
                target_hidden = _resolve_target(user, forms_.target.cleaned_data["nomor"])
                initial = _snapshot_initial(user, target_hidden)
            except ValidationError as exc:
                apply_service_errors(exc, forms_.target)
                status = 400
            else:
                initial["note"] = {"note": forms_.target.cleaned_data["note"]}
                request_get = _Unbound(request)
                forms_ = _Forms(request_get, kind, stage="fill", initial=initial)
                stage = "fill"
        else:
            status = 400
    elif stage == "fill":
        target_hidden = {
            k: request.POST.get(k)
            for k in ("target_family_id", "target_person_id")
            if request.POST.get(k, "").isdigit()
        }
    if request.method == "POST" and stage != "find" and not forms_.add_member and forms_.is_bound():
        if forms_.valid():
            try:
                item = _call_create(request, kind, forms_, musyawarah, target_hidden)
            except ValidationError as exc:
                apply_service_errors(exc, *forms_.all(), formset=forms_.persons)
            else:
                messages.success(
                    request, _("Usulan %(kind)s dicatat sebagai draf.") % {"kind": KIND_LABELS[kind].lower()}
                )
                return redirect("proposals:item", pk=item.pk)
        status = 400
    ctx = _item_form_context(
        forms_,
        title=title,
        action=request.path,
        musyawarah=musyawarah,
        target_hidden=target_hidden,
        show_errors=not forms_.add_member,
    )
    ctx["back"] = back
    ctx["stage"] = stage
    return render(request, "proposals/item_form.html", ctx, status=status)


class _Unbound:
    """A stand-in request for building the second step's forms unbound (from initial values)."""

    method = "GET"
    POST: dict = {}

    def __init__(self, request):
        self.user = request.user


def _call_create(request, kind, forms_, musyawarah, target_hidden) -> ProposalItem:
    common = {
        "actor": request.user,
        "musyawarah_id": musyawarah.pk if musyawarah else None,
        "note": forms_.note_text(),
        "ip": client_ip(request),
    }
    if kind == K.ADDITION:
        return services.proposal_item_create_addition(
            family=forms_.family.content(), persons=forms_.persons.persons(), **common
        )
    if kind == K.CORRECTION:
        target = {k: int(v) for k, v in target_hidden.items()}
        fixed_family = forms_.family.content(is_family=bool(target.get("target_family_id")))
        return services.proposal_item_create_correction(
            family=fixed_family, persons=forms_.persons.persons(), **target, **common
        )
    target = _resolve_target(request.user, forms_.target.cleaned_data["nomor"])
    if kind == K.DELETION:
        return services.proposal_item_create_deletion(
            deletion_reason=forms_.target.cleaned_data["deletion_reason"], **target, **common
        )
    if kind == K.REPLACEMENT:
        out, _in = services.proposal_item_create_replacement(
            deletion_reason=forms_.target.cleaned_data["deletion_reason"],
            family=forms_.family.content(),
            persons=forms_.persons.persons(),
            **target,
            **common,
        )
        return out
    d = forms_.target.cleaned_data
    out, _in = services.proposal_item_create_transfer(
        destination_village=d["destination_village"],
        rt=d["rt"],
        rw=d["rw"],
        alamat=d["alamat"],
        **target,
        **common,
    )
    return out


@never_cache
@require_http_methods(["GET", "POST"])
def item_new(request, pk: int, kind: str):
    """The village operator adds an item of one kind to a musyawarah."""
    m = _first_or_404(musyawarah_visible_to(user=request.user).filter(pk=pk))
    if kind not in KIND_SLUGS:
        raise Http404
    if not m._operator(request.user) or m.state == Musyawarah.State.SUBMITTED:
        raise PermissionDenied(_("Musyawarah ini tidak dapat ditambah usulan lagi."))
    return _create(request, KIND_SLUGS[kind], musyawarah=m, back=reverse("proposals:musyawarah", args=[m.pk]))


@never_cache
@require_http_methods(["GET", "POST"])
def regency_item_new(request, kind: str):
    """Regency staff file a correction, deletion or transfer for a determined record of the regency."""
    if kind not in KIND_SLUGS or KIND_SLUGS[kind] not in services.REGENCY_KINDS:
        raise Http404
    return _create(request, KIND_SLUGS[kind], musyawarah=None, back=reverse("proposals:regency"))


def _item_initial(item: ProposalItem) -> dict:
    persons = [
        {
            "target_person_id": p.target_person_id,
            "nik": p.nik or "",
            **{
                k: getattr(p, k)
                for k in (
                    "nama",
                    "tempat_lahir",
                    "tanggal_lahir",
                    "jenis_kelamin",
                    "status_perkawinan",
                    "hubungan_keluarga",
                    "kategori",
                    "kriteria",
                    "disabilitas",
                )
            },
        }
        for p in item.persons.all()
    ]
    family = {
        "is_family": "1" if item.no_kk else "0",
        "no_kk": item.no_kk,
        "rt": item.rt,
        "rw": item.rw,
        "alamat": item.alamat,
        **(item.house or {}),
    }
    return {
        "family": family,
        "persons": persons,
        "note": {"note": item.note},
        "reason": {"deletion_reason": item.deletion_reason, "note": item.note},
    }


@never_cache
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = _first_or_404(proposal_items_visible_to(user=request.user).filter(pk=pk))
    if item.state not in services.EDITABLE_STATES or not services._may_edit(item, request.user):
        raise PermissionDenied(_("Usulan ini tidak dapat Anda ubah pada statusnya sekarang."))
    forms_ = _Forms(request, item.kind, initial=_item_initial(item), item=item)
    status = 200
    if request.method == "POST" and not forms_.add_member:
        if forms_.valid():
            kwargs: dict = {"note": forms_.note_text()}
            if forms_.reason is not None:
                kwargs["deletion_reason"] = forms_.reason.cleaned_data["deletion_reason"]
            if forms_.family is not None:
                shape = bool(item.no_kk) if item.kind in (K.CORRECTION, K.TRANSFER) else None
                kwargs["family"] = forms_.family.content(is_family=shape)
                kwargs["persons"] = forms_.persons.persons()
            try:
                services.proposal_item_update(
                    item_id=item.pk, actor=request.user, ip=client_ip(request), **kwargs
                )
            except ValidationError as exc:
                apply_service_errors(exc, *forms_.all(), formset=forms_.persons)
            else:
                messages.success(request, _("Perubahan usulan disimpan."))
                return redirect("proposals:item", pk=item.pk)
        status = 400
    ctx = _item_form_context(
        forms_,
        title=_("Ubah usulan #%(id)d") % {"id": item.pk},
        action=request.path,
        musyawarah=item.musyawarah,
        show_errors=not forms_.add_member,
        item=item,
    )
    ctx["back"] = reverse("proposals:item", args=[item.pk])
    return render(request, "proposals/item_form.html", ctx, status=status)


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
                            "field": FIELD_LABELS.get(field, field),
                            "old": old,
                            "new": new,
                        }
                    )
        else:
            old, new = change
            rows.append({"who": "", "field": FIELD_LABELS.get(key, key), "old": old, "new": new})
    return rows


@never_cache
@require_GET
def item_detail(request, pk: int):
    user = request.user
    item = _first_or_404(
        proposal_items_visible_to(user=user).select_related("musyawarah", "pair").filter(pk=pk)
    )
    persons = list(item.persons.all())
    full = user.role in FULL_NIK_ROLES
    labels = code_choices(
        "hubungan_keluarga", "status_perkawinan", "alasan_penghapusan", *services.HOUSE_FIELDS
    )
    lookup = {(name, c): label for name, pairs in labels.items() for c, label in pairs}
    for p in persons:
        p.shown_nik = p.nik if full else mask_id(p.nik)
        p.sex_label = SEX_LABELS.get(p.jenis_kelamin, "")
        p.relationship_label = lookup.get(("hubungan_keluarga", p.hubungan_keluarga), p.hubungan_keluarga)
        p.marital_label = lookup.get(("status_perkawinan", p.status_perkawinan), p.status_perkawinan)
    if full and persons:
        audit_record(
            actor=user,
            action="proposal_item.view_full",
            object_type="proposals.item",
            object_id=item.pk,
            region_code=item.village_code,
            ip=client_ip(request),
            detail={"persons": len(persons)},
        )
    history = list(proposal_item_history(user=user, item_id=item.pk))
    for h in history:
        h.label = TRANSITION_LABELS.get(h.transition, h.transition)
        h.to_label = STATE_LABELS.get(h.to_state, h.to_state)
    pair = None
    if item.pair_id:
        pair = proposal_items_visible_to(user=user).filter(pk=item.pair_id).first()
        if pair is not None:
            _decorate([pair])
    _decorate([item])
    findings = [
        {
            "rule": RULE_LABELS.get(f.get("rule"), f.get("rule")),
            "message": f.get("message", ""),
            "fields": [
                FIELD_LABELS.get(x, x) for x in (f.get("fields") or ([f["field"]] if f.get("field") else []))
            ],
        }
        for f in item.findings or []
    ]
    regions = region_labels([item.village_code, *([pair.village_code] if pair else [])])
    context = {
        "item": item,
        "persons": persons,
        "full": full,
        "history": history,
        "pair": pair,
        "findings": findings,
        "diff": _diff_rows(item, persons),
        "house": [
            (FIELD_LABELS.get(k, k), lookup.get((k, v), v)) for k, v in (item.house or {}).items() if v
        ],
        "channel_label": CHANNEL_LABELS.get(item.channel, item.channel),
        "deletion_reason_label": lookup.get(
            ("alasan_penghapusan", item.deletion_reason), item.deletion_reason
        ),
        "region": regions.get(item.village_code, item.village_code),
        "transitions": _allowed_transitions(item, user),
        "can_edit": item.state in services.EDITABLE_STATES and services._may_edit(item, user),
        "reason_form": ReasonForm(),
        "kk": item.no_kk if full else mask_id(item.no_kk),
    }
    return render(request, "proposals/item_detail.html", context)


@never_cache
@require_POST
def item_transition(request, pk: int):
    item = _first_or_404(proposal_items_visible_to(user=request.user).filter(pk=pk))
    form = ReasonForm(request.POST)
    back = _safe_next(request, reverse("proposals:item", args=[item.pk]))
    if not form.is_valid() or form.cleaned_data["transition"] not in PAGE_TRANSITIONS:
        messages.error(request, _("Keputusan tidak dikenal."))
        return HttpResponseRedirect(back)
    transition = form.cleaned_data["transition"]
    try:
        services.proposal_item_transition(
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
    submitted = _listed_items(regency_submitted_items(user=user))
    page = Paginator(submitted, PAGE_SIZE).get_page(request.GET.get("page"))
    own = _listed_items(
        proposal_items_visible_to(user=user).filter(
            channel=ProposalItem.Channel.REGENCY, state__in=[S.DRAFT, S.SUBMITTED]
        )
    )[:PAGE_SIZE]
    items = _decorate(list(page.object_list))
    for i in items:
        # Only a village's proposal goes back to the village (the transition's own condition).
        i.returnable = can_proceed(i.return_to_village)
        i.channel_label = CHANNEL_LABELS.get(i.channel, i.channel)
    context = {
        "page": page,
        "items": items,
        "own": _decorate(list(own)),
        "kind_links": [
            (slug, KIND_LABELS[kind]) for slug, kind in KIND_SLUGS.items() if kind in services.REGENCY_KINDS
        ],
        "is_verifier": user.role == Role.REGENCY_VERIFIER,
    }
    return render(request, "proposals/regency.html", context)
