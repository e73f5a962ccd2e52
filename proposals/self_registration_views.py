"""The village's read-only view of self-registrations in its village (for information: the regency or
the ministry verifies them; they never enter a musyawarah). NIKs are masked."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dtks.registry.masking import mask_id

from .self_registration import self_registrations_visible_to

PAGE_SIZE = 50


@require_GET
def self_registrations(request):
    page = Paginator(self_registrations_visible_to(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for item in rows:
        item.applicant_nik_masked = mask_id(item.applicant_nik)
    return render(request, "proposals/self_registration/list.html", {"page": page, "rows": rows})
