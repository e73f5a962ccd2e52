"""Creating and editing a proposal item on the pages: the correction's first step (find the registered
record), the guided steps of the kinds with content (proposals/item/steps.py), where saving lands,
and how the forms become the arguments of the one create service (`proposal_item_create`) or the
update service.

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
from .forms import apply_service_errors
from .models import EDITABLE_STATES, ProposalItem
from .selectors import proposal_items_visible_to
from .steps import ADD_MEMBER, REMOVE_MEMBER, STEP_LABELS, STEPS, ItemForms

K = ProposalItem.Kind


# URL slugs of the item kinds (the words the village uses).
KIND_SLUGS = {
    "penambahan": K.ADDITION,
    "penghapusan": K.DELETION,
    "penggantian": K.REPLACEMENT,
    "perbaikan": K.CORRECTION,
    "perpindahan": K.TRANSFER,
}


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


def _base_context(request, kind: str, *, title, musyawarah=None, item=None, back: str) -> dict:
    return {
        "title": title,
        "action": request.path,
        "m": musyawarah,
        "item": item,
        "kind": kind,
        "kind_label": K(kind).label,
        "back": back,
        "target_hidden": {},
        "stage": "",
    }


def _render(request, forms_: ItemForms, ctx: dict, *, step: str = "", show_errors=False, status=200):
    """The page of one step (a guided kind) or the one page (the others)."""
    if step == "ringkasan":
        ctx["key_refused"] = forms_.fresh_key(keep_valid=show_errors)
        ctx["summary"] = forms_.summary()
    elif step == "anggota":
        ctx.update(forms_.member_cards(show_errors=show_errors))
    ctx.update(
        forms=forms_,
        step=step,
        steps=[
            {"key": s, "number": n, "label": STEP_LABELS[s], "current": s == step}
            for n, s in enumerate(STEPS, start=1)
        ]
        if step
        else [],
        show_errors=show_errors,
    )
    return render(request, "proposals/item_form.html", ctx, status=status)


def _next_screen(request, forms_: ItemForms) -> tuple[str, bool]:
    """(the step to show, whether it shows errors) for a POST that does not save: "Lanjut" checks
    the steps up to the one shown; going back, adding or removing a member checks nothing."""
    action = request.POST.get("aksi") or "lanjut"
    shown = request.POST.get("langkah")
    shown = shown if shown in STEPS else STEPS[0]
    if action == ADD_MEMBER or action.startswith(REMOVE_MEMBER):
        return "anggota", False
    if action.startswith("ke-") and action[3:] in STEPS:
        return action[3:], False
    bad = forms_.first_invalid(upto=shown)
    if bad:
        return bad, True
    return STEPS[min(STEPS.index(shown) + 1, len(STEPS) - 1)], False


def _respond(request, forms_: ItemForms, ctx: dict, *, save):
    """GET: the first step (or the one page); POST: the next screen, or the save (`save()` returns
    the item, or raises the service's ValidationError, put back on the fields it names)."""
    if request.method != "POST":
        return _render(request, forms_, ctx, step=STEPS[0] if forms_.guided else "")
    action = request.POST.get("aksi") or ("lanjut" if forms_.guided else "simpan")
    if action != "simpan":
        if not forms_.guided:
            return _render(request, forms_, ctx)
        step, errors = _next_screen(request, forms_)
        return _render(request, forms_, ctx, step=step, show_errors=errors, status=400 if errors else 200)
    if forms_.valid():
        try:
            item = save()
        except ValidationError as exc:
            forms_.apply(exc)
        else:
            return _saved(request, item, created=forms_.item is None)
    step = forms_.step_with_errors() if forms_.guided else ""
    return _render(request, forms_, ctx, step=step, show_errors=True, status=400)


def _find(request, kind: str, ctx: dict):
    """The correction's first step: which registered record (its KK or NIK)? Found, the record's
    values open the guided steps."""
    user = request.user
    forms_ = ItemForms(request, kind, stage="find")
    ctx["stage"] = "find"
    if request.method != "POST":
        return _render(request, forms_, ctx)
    if forms_.target.is_valid():
        try:
            target = _resolve_target(user, forms_.target.cleaned_data["nomor"])
            initial = _snapshot_initial(user, target)
        except ValidationError as exc:
            apply_service_errors(exc, forms_.target)
        else:
            initial["note"] = {"note": forms_.target.cleaned_data["note"]}
            ctx.update(stage="fill", target_hidden=target)
            return _render(
                request, ItemForms(_Unbound(request), kind, stage="fill", initial=initial), ctx, step=STEPS[0]
            )
    return _render(request, forms_, ctx, show_errors=True, status=400)


def _create(request, kind: str, *, musyawarah: Musyawarah | None, back: str):
    title = _("Usulan %(kind)s") % {"kind": K(kind).label.lower()}
    ctx = _base_context(request, kind, title=title, musyawarah=musyawarah, back=back)
    if kind == K.CORRECTION and request.POST.get("stage") != "fill":
        return _find(request, kind, ctx)
    stage = ""
    if kind == K.CORRECTION:
        stage = "fill"
        ctx["target_hidden"] = {
            k: request.POST.get(k)
            for k in ("target_family_id", "target_person_id")
            if request.POST.get(k, "").isdigit() and len(request.POST.get(k, "")) < 19
        }
    ctx["stage"] = stage
    forms_ = ItemForms(request, kind, stage=stage, action=request.POST.get("aksi", ""))
    return _respond(
        request,
        forms_,
        ctx,
        save=lambda: _call_create(request, kind, forms_, musyawarah, ctx["target_hidden"]),
    )


class _Unbound:
    """A stand-in request for building the second step's forms unbound (from initial values)."""

    method = "GET"
    POST: dict = {}

    def __init__(self, request):
        self.user = request.user


def _call_create(request, kind, forms_: ItemForms, musyawarah, target_hidden) -> ProposalItem:
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
        # The form's key: a double submit of the last step is one item, and lands on it.
        idempotency_key=forms_.key.cleaned_data["kunci"],
        ip=client_ip(request),
        **target,
    )


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


def _call_update(request, item: ProposalItem, forms_: ItemForms) -> ProposalItem:
    kwargs: dict = {"note": forms_.note_text()}
    if forms_.reason is not None:
        kwargs["deletion_reason"] = forms_.reason.cleaned_data["deletion_reason"]
    if forms_.family is not None:
        shape = bool(item.no_kk) if item.kind in (K.CORRECTION, K.TRANSFER) else None
        kwargs["family"] = forms_.family.content(is_family=shape)
        kwargs["persons"] = forms_.persons.persons()
    return proposal_item_update(item_id=item.pk, actor=request.user, ip=client_ip(request), **kwargs)


@never_cache
@require_http_methods(["GET", "POST"])
def item_edit(request, pk: int):
    item = get_object_or_404(proposal_items_visible_to(user=request.user), pk=pk)
    if item.state not in EDITABLE_STATES or not may_edit(item, request.user):
        raise PermissionDenied(_("Usulan ini tidak dapat Anda ubah pada statusnya sekarang."))
    forms_ = ItemForms(
        request, item.kind, initial=_item_initial(item), item=item, action=request.POST.get("aksi", "")
    )
    ctx = _base_context(
        request,
        item.kind,
        title=_("Ubah usulan #%(id)d") % {"id": item.pk},
        musyawarah=item.musyawarah,
        item=item,
        back=reverse("proposals:item", args=[item.pk]),
    )
    return _respond(request, forms_, ctx, save=lambda: _call_update(request, item, forms_))
