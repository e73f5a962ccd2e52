"""Reads of the civil-registry pages and API (docs/civil_registry.md, "Pages").

The reconciliation's rows and village counts are region rows: read only through the scoped selectors
below (`region_q` on their stored, indexed `village_code`), so a regency sees its persons and its
counts, a province its own, the ministry the country — and a role outside the registry nothing.
Extracts are national configuration data of the ministry's data unit, read by role.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet, Subquery, Sum

from dtks.accounts.models import Role
from dtks.accounts.scope import region_q, scoped_selector

from .models import Extract, ExtractError, Reconciliation, ReconciliationRow, ReconciliationVillage, Settings
from .reconciliation import REASONS

# Who reads the extracts: the data unit that loads them, and the administrator who configures the
# source (the overview only; refused rows carry NIKs and stay with the data unit: dtks/permissions.py).
EXTRACT_READERS = frozenset({Role.MINISTRY_DATA_OFFICER, Role.ADMIN})


def _latest_reconciliation():
    return Subquery(Reconciliation.objects.order_by("-pk").values("pk")[:1])


@scoped_selector
def reconciliation_rows_visible_to(*, user) -> QuerySet[ReconciliationRow]:
    """The differing persons of the latest reconciliation in the user's scope, in list order."""
    return (
        ReconciliationRow.objects.filter(reconciliation_id=_latest_reconciliation())
        .filter(region_q(user))
        .order_by("id")
    )


@scoped_selector
def reconciliation_villages_visible_to(*, user) -> QuerySet[ReconciliationVillage]:
    """The latest reconciliation's counts of the villages in the user's scope."""
    return ReconciliationVillage.objects.filter(reconciliation_id=_latest_reconciliation()).filter(
        region_q(user)
    )


def extracts_visible_to(*, user) -> QuerySet[Extract]:
    if getattr(user, "role", None) not in EXTRACT_READERS:
        return Extract.objects.none()
    return Extract.objects.all()


def extract_errors(*, extract: Extract) -> QuerySet[ExtractError]:
    return ExtractError.objects.filter(extract=extract).order_by("row", "field")


@dataclass
class Summary:
    """What the reconciliation says for one scope and filter: counts by reason, and the source."""

    reconciliation: Reconciliation | None
    extract: Extract | None  # the extract it was computed against
    current: Extract | None  # the extract current now (a newer one may await its reconciliation)
    source: str  # Settings.source
    persons_checked: int = 0
    persons_differing: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def computed_at(self) -> datetime | None:
        return self.reconciliation.computed_at if self.reconciliation else None

    @property
    def stale(self) -> bool:
        """A newer extract is current than the one this reconciliation compared with."""
        return bool(
            self.reconciliation and self.current and self.current.pk != self.reconciliation.extract_id
        )

    def total(self, reason: str = "") -> int:
        return self.counts.get(reason, 0) if reason else self.persons_differing


def reconciliation_summary(*, user, area: str = "") -> Summary:
    """Counts by reason in the user's scope (narrowed to `area`, a region code prefix already checked
    to lie in the scope): one aggregate over the village counts, and the extracts it refers to."""
    reconciliation = Reconciliation.objects.select_related("extract").order_by("-pk").first()
    current = Extract.objects.filter(current=True).first()
    summary = Summary(
        reconciliation=reconciliation,
        extract=reconciliation.extract if reconciliation else None,
        current=current,
        source=Settings.load().source,
    )
    if reconciliation is None:
        return summary
    villages = reconciliation_villages_visible_to(user=user)
    if area:
        villages = villages.filter(village_code__startswith=area)
    sums = villages.aggregate(
        checked=Sum("persons_checked"), differing=Sum("persons_differing"), **{r: Sum(r) for r in REASONS}
    )
    summary.persons_checked = sums["checked"] or 0
    summary.persons_differing = sums["differing"] or 0
    summary.counts = {r: sums[r] or 0 for r in REASONS}
    return summary


def reconciliation_rows(*, user, area: str = "", reason: str = "") -> QuerySet[ReconciliationRow]:
    """The scoped list, narrowed by area (a checked region prefix) and reason (a part code)."""
    rows = reconciliation_rows_visible_to(user=user)
    if area:
        rows = (
            rows.filter(village_code=area) if len(area) == 10 else rows.filter(village_code__startswith=area)
        )
    if reason:
        rows = rows.filter(parts__contains=[reason])
    return rows
