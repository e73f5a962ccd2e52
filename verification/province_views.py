"""The province's summary page at /verval/provinsi/ (issue 16; docs/verification.md, "The province"): per
regency, the submissions sent to the province that still wait for it, the items waiting by kind and by
finding, the findings the regency overrode and the oldest item's age, with a server-drawn chart. Thin
over verification/province.py; forwarding and disputing happen on each submission's page
(verification/submission_views.py)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dtks.core.charts import bars

from .province import province_summary


@never_cache
@require_GET
def province(request):
    summary = province_summary(user=request.user)
    chart = bars((r.code, r.name, r.waiting) for r in summary.regencies)
    first = {r.code: r.submissions[0]["id"] for r in summary.regencies if r.submissions}
    for bar in chart:
        if bar["key"] in first:
            bar["url"] = reverse("verification:submission", args=[first[bar["key"]]])
    return render(request, "verification/province.html", {"summary": summary, "chart": chart})
