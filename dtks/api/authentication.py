"""`Authorization: Token <key>`: an expiring, revocable key issued from a TOTP-verified session.

Subclassing DRF's TokenAuthentication keeps its header parsing, its `WWW-Authenticate: Token`
answer (so an anonymous request is a 401, not a 403) and drf-spectacular's description of it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken, hash_key


class ExpiringTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Token tidak valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Token sudah dicabut."))
        if not token.is_active:
            raise exceptions.AuthenticationFailed(_("Token sudah kedaluwarsa; minta token baru."))
        return token.user, token
