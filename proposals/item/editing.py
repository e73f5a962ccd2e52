"""Creating and editing a proposal item on the pages: which forms each kind needs, the correction's two
steps (find the registered record, then change its values), and how the forms become the arguments
of the one create service (`proposal_item_create`) or the update service.

Forms only parse what the browser sends; the services check it, and their refusals are put back on
the fields they name (`apply_service_errors`), so the page and the API say the same thing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dtks.accounts.auth import client_ip
from dtks.registry.models import MembershipVersion
from dtks.registry.selectors import families_visible_to, persons_visible_to
from proposals.musyawarah.models import Musyawarah
from proposals.musyawarah.selectors import musyawarah_visible_to

from .content import target_snapshot
from .create import REGENCY_KINDS, may_edit, proposal_item_create, proposal_item_update
from .forms import (
    DeletionForm,
    DeletionReasonForm,
    FamilyForm,
    FixedPersonFormSet,
    NoteForm,
    PersonFormSet,
    TargetForm,
    TransferForm,
    apply_service_errors,
    code_choices,
)
from .models import EDITABLE_STATES, ProposalItem
from .selectors import proposal_items_visible_to

K = ProposalItem.Kind


# URL slugs of the item kinds (the words the village uses).
KIND_SLUGS = {
    "penambahan": K.ADDITION,
    "penghapusan": K.DELETION,
    "penggantian": K.REPLACEMENT,
    "perbaikan": K.CORRECTION,
    "perpindahan": K.TRANSFER,
}


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
        "kind_label": K(forms_.kind).label,
    }


def _snapshot_initial(user, target: dict) -> dict:
    snap = target_snapshot(
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
    title = _("Usulan %(kind)s") % {"kind": K(kind).label.lower()}
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
                return _saved(request, item, created=True)
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


def _saved(request, item: ProposalItem, *, created: bool):
    """Where saving an item lands. A musyawarah's draft: back on the musyawarah, at the item's row,
    where the operator enters the next one; an item without a musyawarah (the regency's own filing),
    or one returned to the village (its next step, "Ajukan kembali", is on its own page): on the item.
    The message names the item either way."""
    names = list(item.persons.order_by("position").values_list("nama", flat=True)[:2])
    what = {
        "id": item.pk,
        "kind": K(item.kind).label.lower(),
        "name": (names[0] + (" …" if len(names) > 1 else "")) if names else "–",
    }
    if item.state == ProposalItem.State.RETURNED_TO_VILLAGE:
        messages.success(
            request,
            _("Perubahan usulan #%(id)d (%(kind)s: %(name)s) disimpan. Ajukan kembali bila sudah benar.")
            % what,
        )
        return redirect("proposals:item", pk=item.pk)
    if created:
        messages.success(request, _("Usulan #%(id)d (%(kind)s: %(name)s) dicatat sebagai draf.") % what)
    else:
        messages.success(request, _("Perubahan usulan #%(id)d (%(kind)s: %(name)s) disimpan.") % what)
    if item.musyawarah_id:
        return redirect(f"{reverse('proposals:musyawarah', args=[item.musyawarah_id])}#usulan-{item.pk}")
    return redirect("proposals:item", pk=item.pk)


class _Unbound:
    """A stand-in request for building the second step's forms unbound (from initial values)."""

    method = "GET"
    POST: dict = {}

    def __init__(self, request):
        self.user = request.user


def _call_create(request, kind, forms_, musyawarah, target_hidden) -> ProposalItem:
    """The page's forms as the arguments of the one create service."""
    if kind == K.CORRECTION:
        target = {k: int(v) for k, v in target_hidden.items()}
        family = forms_.family.content(is_family=bool(target.get("target_family_id")))
    elif kind == K.ADDITION:
        target, family = {}, forms_.family.content()
    else:
        target = _resolve_target(request.user, forms_.target.cleaned_data["nomor"])
        family = forms_.family.content() if forms_.family is not None else None
    d = forms_.target.cleaned_data if forms_.target is not None else {}
    return proposal_item_create(
        actor=request.user,
        kind=kind,
        musyawarah_id=musyawarah.pk if musyawarah else None,
        family=family,
        persons=forms_.persons.persons() if forms_.persons is not None else None,
        deletion_reason=d.get("deletion_reason", ""),
        destination={
            "kode_wilayah": d.get("destination_village", ""),
            **{k: d.get(k, "") for k in ("rt", "rw", "alamat")},
        },
        note=forms_.note_text(),
        ip=client_ip(request),
        **target,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def item_new(request, pk: int, kind: str):
    """The village operator adds an item of one kind to a musyawarah."""
    m = get_object_or_404(musyawarah_visible_to(user=request.user), pk=pk)
    if kind not in KIND_SLUGS:
        raise Http404
    if not m.is_operator(request.user) or m.state == Musyawarah.State.SUBMITTED:
        raise PermissionDenied(_("Musyawarah ini tidak dapat ditambah usulan lagi."))
    return _create(request, KIND_SLUGS[kind], musyawarah=m, back=reverse("proposals:musyawarah", args=[m.pk]))


@never_cache
@require_http_methods(["GET", "POST"])
def regency_item_new(request, kind: str):
    """Regency staff file a correction, deletion or transfer for a determined record of the regency."""
    if kind not in KIND_SLUGS or KIND_SLUGS[kind] not in REGENCY_KINDS:
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
    item = get_object_or_404(proposal_items_visible_to(user=request.user), pk=pk)
    if item.state not in EDITABLE_STATES or not may_edit(item, request.user):
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
                proposal_item_update(item_id=item.pk, actor=request.user, ip=client_ip(request), **kwargs)
            except ValidationError as exc:
                apply_service_errors(exc, *forms_.all(), formset=forms_.persons)
            else:
                return _saved(request, item, created=False)
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
