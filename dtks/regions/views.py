"""Public region pages: the picker page and the endpoint its selects load options from.

Both are public (docs/security.md target 3: the region picker citizens use) and read only reference
data through `selectors`.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from . import selectors
from .forms import ChildrenQueryForm, RegionPickerForm, level_select_id, placeholder_label
from .models import dotted


@require_GET
def picker_page(request):
    # Region codes are not personal data, so the choice travels in the query string (shareable).
    form = RegionPickerForm(request.GET if request.GET else None)
    path = []
    if form.is_bound and form.is_valid():
        path = selectors.region_path(code=form.cleaned_data["wilayah"])
    chosen = path[-1] if path else None
    context = {
        "form": form,
        "path": list(reversed(path)),
        "chosen": chosen,
        "dotted_code": dotted(chosen.code) if chosen else "",
    }
    return render(request, "regions/picker_page.html", context)


@require_GET
def children(request):
    """`<option>`s of one region's children (one indexed query); 400 on a bad or unknown parent.

    For the picker widget the response also empties its deeper selects out of band. An empty
    parent (the user went back to "— pilih … —") answers with placeholders only, without a query.
    """
    form = ChildrenQueryForm(request.GET)
    if not form.is_valid():
        return _bad_request(" ".join(str(m) for errors in form.errors.values() for m in errors))
    parent, level = form.cleaned_data["parent"] or None, form.cleaned_data["level"]
    regions = list(selectors.regions_children(parent_code=parent)) if parent else []
    if parent and not regions:
        # Every province, regency and district has children, so none means the code is unknown.
        return _bad_request(gettext("Kode wilayah induk tidak dikenal."))
    picker, depth = form.cleaned_data["picker"], form.cleaned_data["depth"]
    cleared = []
    if picker:
        cleared = [
            {"id": level_select_id(picker, lv), "placeholder": placeholder_label(lv, parent_chosen=False)}
            for lv in range(level + 2, depth + 1)
        ]
    context = {
        "placeholder": placeholder_label(level + 1, parent_chosen=bool(parent)),
        "options": [(r.code, r.name, False) for r in regions],
        "cleared": cleared,
    }
    return render(request, "regions/_children.html", context)


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
