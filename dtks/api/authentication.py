"""`Authorization: Token <key>`: an expiring, revocable key issued from a TOTP-verified session.

Subclassing DRF's TokenAuthentication keeps its header parsing, its `WWW-Authenticate: Token`
answer (so an anonymous request is a 401, not a 403) and drf-spectacular's description of it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from dtks.accounts.auth import demo_skip_applies

from .models import ApiToken, VerifiedBy, hash_key


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
        # A demo session skipped TOTP; its token lives only as long as that skip (checked on every
        # request, like the session's own skip in DtksOTPMiddleware).
        if token.verified_by == VerifiedBy.DEMO_SKIP and not demo_skip_applies(token.user):
            raise exceptions.AuthenticationFailed(
                _(
                    "Token ini diterbitkan dari sesi demo tanpa TOTP, dan cara masuk demo itu sudah "
                    "dimatikan. Masuk dengan kode TOTP, lalu minta token baru."
                )
            )
        return token.user, token
