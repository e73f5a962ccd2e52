from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time a real Celery worker ran the heartbeat task; the health page reports its age."""

    worker = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "detak worker"

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Notification(models.Model):
    """One event a stage tells people about (docs/design.md §4): something came back to them or
    awaits them. Addressed to a role within a region (the village or regency of what it is about;
    empty for the whole country), one row per event, however many people read it."""

    audience_role = models.CharField(max_length=32)
    region_code = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=40)
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "notifikasi"
        verbose_name_plural = "notifikasi"
        indexes = [
            models.Index(
                fields=["audience_role", "region_code"],
                name="notification_audience",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.audience_role} {self.region_code}: {self.message[:60]}"


class NotificationSeen(models.Model):
    """How far a user has read the inbox: every notification with a higher id is unread."""

    user = models.OneToOneField(
        "accounts.User", primary_key=True, on_delete=models.CASCADE, related_name="notifications_seen"
    )
    last_seen_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "notifikasi terbaca"
        verbose_name_plural = "notifikasi terbaca"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_seen_id}"


class IdempotencyKey(models.Model):
    """A request key already answered (docs/design.md §4; dtks/core/idempotency.py): who sent it, for
    what kind of request, and the object its first answer named."""

    scope = models.CharField(max_length=60)  # the kind of request: "proposal_item.create", …
    owner = models.CharField(max_length=40)  # "u:<user id>", or "public" for the public channel
    key = models.CharField(max_length=120)
    # A digest of the request's content when the caller gives one: the same key with other content is
    # refused rather than answered with the first request's object.
    fingerprint = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kunci idempoten"
        verbose_name_plural = "kunci idempoten"
        constraints = [models.UniqueConstraint(fields=["scope", "owner", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.owner} {self.key}"
