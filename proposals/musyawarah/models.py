"""The musyawarah desa/kelurahan: the village deliberation whose proposals the operator records
(docs/design.md §1.1). Its items are ProposalItems (proposals.item)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dtks.accounts.models import Role
from dtks.accounts.scope import in_scope


class Musyawarah(ConcurrentTransitionMixin, models.Model):
    """A village deliberation (musyawarah desa/kelurahan) and the proposals it produced."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draf")
        HELD = "held", _("Terlaksana (notulen diunggah)")
        SUBMITTED = "submitted", _("Diajukan ke kabupaten/kota")

    class Source(models.TextChoices):
        RT_RW = "RT_RW", _("RT/RW")
        KEPALA_DUSUN = "KEPALA_DUSUN", _("Kepala dusun")
        LURAH = "LURAH", _("Lurah/kepala desa")
        PSKS = "PSKS", _("PSKS")
        KANTOR_DESA = "KANTOR_DESA", _("Warga yang mendaftar di kantor desa/kelurahan")

    village_code = models.CharField(max_length=10)
    held_on = models.DateField()
    place = models.CharField(max_length=200)
    led_by = models.CharField(max_length=150)
    attendee_count = models.PositiveIntegerField()
    attendee_names = models.TextField(blank=True)
    input_sources = ArrayField(models.CharField(max_length=20, choices=Source.choices), default=list)
    # Served only through scoped views (never from a public media URL).
    minutes = models.FileField(upload_to="musyawarah/%Y/%m/", blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "musyawarah"
        verbose_name_plural = "musyawarah"
        indexes = [
            models.Index(
                fields=["village_code"], name="musyawarah_village", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"Musyawarah {self.village_code} {self.held_on:%Y-%m-%d}"

    def is_operator(self, user) -> bool:
        return user.role == Role.VILLAGE_OPERATOR and in_scope(user, self.village_code)

    def has_minutes(self) -> bool:
        return bool(self.minutes)

    @transition(
        field=state, source=State.DRAFT, target=State.HELD, conditions=[has_minutes], permission=is_operator
    )
    def hold(self):
        """The meeting took place: its minutes are uploaded."""

    @transition(field=state, source=State.HELD, target=State.SUBMITTED, permission=is_operator)
    def submit(self):
        """Its draft items go to the regency (the service submits them in bulk)."""
