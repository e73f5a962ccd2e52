"""API tokens: issued only from a TOTP-verified session, expiring, revocable (docs/design.md §2).

The key itself is shown once, at issue; only its SHA-256 is stored. Keys are 256 random bits, so
an unsalted fast hash is enough (nothing to brute-force), and a lookup stays one indexed query.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class VerifiedBy(models.TextChoices):
    """How the session that issued a token passed TOTP (values of dtks.accounts.auth.VERIFIED_BY_*)."""

    TOTP = "totp", "perangkat TOTP"
    DEMO_SKIP = "demo_skip", "lewati TOTP demo"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A token of a demo-skip session works only while the skip is on (dtks/api/authentication.py).
    verified_by = models.CharField(max_length=16, choices=VerifiedBy.choices)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "token API"
        verbose_name_plural = "token API"
        indexes = [models.Index(fields=["user", "expires_at"], name="api_token_user_exp")]

    def __str__(self) -> str:
        return f"token #{self.pk} {self.user} s.d. {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
