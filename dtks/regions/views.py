from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def picker_page(request):
    return render(request, "regions/picker_page.html")


@require_GET
def children(request):
    return HttpResponse("")
