"""Ministry proposal pages (/usulan/kementerian/): the ministry data unit's list, new proposal, detail.

Thin: parse with the forms, write through `ministry_proposal_create`, read through
`ministry_proposals_visible_to`. NIKs are masked here (the proposer typed them; the registry's audited
detail views show full values).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dtks.accounts.auth import client_ip
from dtks.regions.models import Region
from dtks.registry.masking import mask_id

from .ministry import MinistryReason, ministry_proposal_create, ministry_proposals_visible_to
from .ministry_forms import PERSON_PREFIX, MinistryPersonForm, MinistryProposalForm, PersonFormSet
from .self_registration_forms import changed_rows, initial_from, member_formset, rows_initial

PAGE_SIZE = 50
REASONS = dict(MinistryReason.CHOICES)


def _persons(data=None, **kwargs):
    return member_formset(data, prefix=PERSON_PREFIX, formset=PersonFormSet, **kwargs)


def _row_action(post) -> tuple[bool, int | None] | None:
    action = post.get("aksi", "")
    if action == "tambah":
        return True, None
    if action.startswith("hapus-") and action[6:].isdigit():
        return False, int(action[6:])
    return None


@require_GET
def ministry_list(request):
    items = ministry_proposals_visible_to(user=request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = dict(Region.objects.filter(code__in={i.village_code for i in rows}).values_list("code", "name"))
    for item in rows:
        item.village_name = names.get(item.village_code, "")
        item.reason_label = REASONS.get(item.ministry_reason, item.ministry_reason)
    return render(request, "proposals/ministry/list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
def ministry_create(request):
    if request.method == "GET":
        # One empty person row to start with.
        return _form_page(request, MinistryProposalForm(), _persons(initial=[{}]))
    row_action = _row_action(request.POST)
    if row_action is not None:
        add, remove = row_action
        data = changed_rows(request.POST, prefix=PERSON_PREFIX, add=add, remove=remove)
        form = MinistryProposalForm(initial=initial_from(MinistryProposalForm, data))
        persons = _persons(initial=rows_initial(data, prefix=PERSON_PREFIX, form_class=MinistryPersonForm))
        return _form_page(request, form, persons)
    form = MinistryProposalForm(request.POST)
    persons = _persons(request.POST)
    if not (form.is_valid() & persons.is_valid()):
        return _form_page(request, form, persons, status=400)
    data = form.cleaned_data
    try:
        item = ministry_proposal_create(
            actor=request.user,
            reason=data["ministry_reason"],
            village_code=data["wilayah"],
            note=data["note"],
            verifier=data["verifier"],
            persons=persons.people(),
            no_kk=data["no_kk"],
            rt=data["rt"],
            rw=data["rw"],
            alamat=data["alamat"],
            idempotency_key=data["kunci"],
            ip=client_ip(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _form_page(request, form, persons, status=400)
    messages.success(request, _("Usulan Kementerian Sosial tersimpan dengan status Diajukan."))
    return redirect("proposals:ministry_item", pk=item.pk)


def _form_page(request, form, persons, *, status: int = 200):
    return render(
        request, "proposals/ministry/create.html", {"form": form, "persons": persons}, status=status
    )


@require_GET
def ministry_item(request, pk: int):
    item = get_object_or_404(ministry_proposals_visible_to(user=request.user), pk=pk)
    region = Region.objects.filter(code=item.village_code).first()
    persons = [
        {"nik": mask_id(p.nik), "pending": not p.nik, "person": p} for p in item.persons.order_by("position")
    ]
    context = {
        "item": item,
        "region": region,
        "reason_label": REASONS.get(item.ministry_reason, item.ministry_reason),
        "persons": persons,
        "history": item.history.order_by("at", "id"),
    }
    return render(request, "proposals/ministry/item.html", context)
