"""The public self-registration page (/daftar/) and its receipt page — no account needed — and the
village's read-only list of the self-registrations in its village (for information: the regency or
the ministry verifies them; they never enter a musyawarah; NIKs masked).

Every accepted submission (and a bot's, caught by the honeypot) answers the same way: a redirect to
a receipt page that shows only a receipt code and what happens next. Whether a NIK is already in the
registry, or already has an open application (which the new submission then replaces), changes
nothing in the answer (docs/security.md #10). The one thing said about what was typed, besides format
errors, is a birth date or sex that contradicts the same person's NIK: a warning on that field, to
correct or to confirm ("Data sudah benar").
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dtks.accounts.auth import client_ip
from dtks.registry.masking import mask_id

from .self_registration import (
    ip_limited,
    new_receipt_code,
    receipt_from_token,
    receipt_token,
    self_registrations_visible_to,
)
from .self_registration_forms import (
    MEMBER_PREFIX,
    SelfRegistrationForm,
    changed_rows,
    initial_from,
    member_formset,
    rows_initial,
)

TEMPLATE = "proposals/public/register.html"


def _row_action(post) -> tuple[bool, int | None] | None:
    """(add, remove-index) when an add/remove button was pressed; None for the real submit."""
    action = post.get("aksi", "")
    if action == "tambah":
        return True, None
    if action.startswith("hapus-") and action[6:].isdigit():
        return False, int(action[6:])
    return None


def _page(request, form, members, *, status: int = 200, limited: bool = False):
    context = {"form": form, "members": members, "limited": limited}
    return render(request, TEMPLATE, context, status=status)


def _to_receipt(code: str):
    return redirect(reverse("public:receipt", args=[receipt_token(code)]))


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if request.method == "GET":
        return _page(request, SelfRegistrationForm(), member_formset())

    row_action = _row_action(request.POST)
    if row_action is not None:
        # Add or remove a member row: re-render what was typed, save nothing, show no errors yet.
        add, remove = row_action
        data = changed_rows(request.POST, prefix=MEMBER_PREFIX, add=add, remove=remove)
        form = SelfRegistrationForm(initial=initial_from(SelfRegistrationForm, data))
        return _page(request, form, member_formset(initial=rows_initial(data)))

    form = SelfRegistrationForm(request.POST)
    members = member_formset(request.POST)
    ip = client_ip(request)
    if ip_limited(ip):
        return _page(request, form, members, status=429, limited=True)
    if form.honeypot_filled:
        # A bot: the same answer as a real submission, with a receipt that belongs to nothing.
        return _to_receipt(new_receipt_code())
    item = form.submit(members, ip=ip)
    if item is None:
        return _page(request, form, members, status=400)
    return _to_receipt(item.receipt_code)


@never_cache
@require_GET
def receipt(request, token: str):
    """The receipt: `no-store` (never_cache), so a shared or public computer's browser keeps no copy of
    it; a print button (static/js/print.js) for a paper copy."""
    code = receipt_from_token(token)
    if code is None:
        raise Http404
    return render(request, "proposals/public/receipt.html", {"receipt_code": code})


PAGE_SIZE = 50


@require_GET
def self_registrations(request):
    page = Paginator(self_registrations_visible_to(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for item in rows:
        item.applicant_nik_masked = mask_id(item.first_nik)
    return render(request, "proposals/self_registration/list.html", {"page": page, "rows": rows})
