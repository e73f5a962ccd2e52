"""API tokens: issue from a TOTP-verified session, revoke. Every write is audited.

Part of the security foundation (docs/design.md §2): staff integrations read the registry through the
API with a token that expires; the key leaves the server once, at issue, and is stored hashed.
"""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dtks.audit.services import audit_record

from .models import ApiToken, VerifiedBy, hash_key

# A working day: an integration re-issues its token from a fresh TOTP-verified session daily.
TOKEN_LIFETIME = timedelta(hours=8)


def api_token_issue(
    *, actor, ip: str | None = None, verified_by: str = VerifiedBy.TOTP
) -> tuple[ApiToken, str]:
    """A new token for `actor`; returns the row and the key (shown once, never stored).

    `verified_by` says how the issuing session passed TOTP (dtks.accounts.auth.otp_verified_by): a
    token of a demo-skip session is refused once the skip is off.
    """
    if verified_by not in VerifiedBy.values:
        raise ValueError(f"verified_by must be one of {VerifiedBy.values}, not {verified_by!r}")
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            key_hash=hash_key(key),
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
            verified_by=verified_by,
        )
        audit_record(
            actor=actor,
            action="api.token_issue",
            object_type="api.token",
            object_id=token.pk,
            ip=ip,
            detail={"expires_at": token.expires_at.isoformat(), "verified_by": verified_by},
        )
    return token, key


def api_token_revoke(*, actor, token: ApiToken | None = None, ip: str | None = None) -> int:
    """Revoke one token of `actor` (the one the request came with), or all its active tokens."""
    with transaction.atomic():
        qs = ApiToken.objects.active().filter(user=actor)
        if token is not None:
            qs = qs.filter(pk=token.pk)
        ids = list(qs.select_for_update(no_key=True).values_list("pk", flat=True))
        revoked = ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        audit_record(
            actor=actor,
            action="api.token_revoke",
            object_type="api.token",
            object_id=ids[0] if len(ids) == 1 else "",
            ip=ip,
            detail={"token_ids": ids},
        )
    return revoked
