from django.db import models


class WorkerHeartbeat(models.Model):
    """Last time a real Celery worker ran the heartbeat task; the health page reports its age."""

    worker = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "detak worker"

    def __str__(self) -> str:
        return f"{self.worker} {self.seen_at:%Y-%m-%d %H:%M:%S}"
