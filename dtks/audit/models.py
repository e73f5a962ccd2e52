"""Append-only audit trail: every state change and every full-personal-data read (UU 27/2022,
UU 13/2011 Art. 42 — every change must be attributable). The database refuses UPDATE, DELETE and
TRUNCATE to everyone (triggers, migrations 0002/0003), and the application connects as a role that
owns nothing and may only SELECT and INSERT here, so it cannot switch the triggers off either
(dtks/core/db_roles.py, docs/security.md #9)."""

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    OK = "ok", "Berhasil"
    DENIED = "denied", "Ditolak"
    FAILED = "failed", "Gagal"


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted as text as well: a user's name, or the named system actor of a background task.
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The person the event is about (never the NIK itself: no full NIKs in logs).
    subject_person_id = models.BigIntegerField(null=True, blank=True)
    region_code = models.CharField(max_length=10, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "peristiwa audit"
        verbose_name_plural = "jejak audit"
        indexes = [
            # Most events are about no one person (decisions on items, sign-ins): they stay out of this
            # index, which the data-subject report reads by person.
            models.Index(
                fields=["subject_person_id", "occurred_at"],
                name="audit_subject",
                condition=models.Q(subject_person_id__isnull=False),
            ),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.outcome}"
