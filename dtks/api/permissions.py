"""The permission table (dtks/permissions.py), enforced again after DRF has authenticated.

The middleware cannot see a token (DRF authenticates it inside the view), so API requests carrying
an `Authorization` header reach DRF, and this class applies the same table to the authenticated
user. Session requests are checked by both, with the same answer.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from dtks.permissions import PUBLIC, allowed, rule_for


class InPermissionTable(BasePermission):
    # The middleware's words, so a session and a token hear the same refusal.
    message = _("Peran Anda tidak berhak membuka halaman ini.")

    def has_permission(self, request, view) -> bool:
        match = request.resolver_match
        rule = rule_for(match.view_name if match else None)
        if rule is None:
            return False
        return rule == PUBLIC or allowed(request.user, rule)
