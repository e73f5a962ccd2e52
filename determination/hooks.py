"""The determination stage's registrations with the core's registration points (docs/design.md §3):
the ministry data officer's dashboard queue `assessment` (the forwarded items waiting for assessment
and the items the ministry verifies itself, counted by one query), opening /penilaian/; the demo's
assessment (determination/demo.py). Imported by DeterminationConfig.ready()."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.core.dashboards import QueueState, queue_provider
from dtks.core.demo import DemoResult, demo_seeder
from verification.selectors import queue_dashboard_counts

from .assessment import ASSESSMENT, TAB_ASSESS, TAB_OWN


@queue_provider("assessment")
def assessment_queue(*, user) -> QueueState:
    """Forwarded items waiting for the ministry's assessment, oldest first (and its own verval)."""
    counts = queue_dashboard_counts(user=user, queue=ASSESSMENT)
    n, oldest = counts[TAB_ASSESS]
    own, own_oldest = counts[TAB_OWN]
    if own_oldest and (oldest is None or own_oldest < oldest):
        oldest = own_oldest
    return QueueState(
        count=n + own,
        caption=_("usulan menunggu penilaian atau verval Kementerian Sosial"),
        oldest_since=oldest,
        oldest_label=str(_("usulan")) if oldest else "",
        url=reverse("determination:queue"),
    )


@demo_seeder("Penilaian", order=30)
def assessment_demo() -> DemoResult:
    from .demo import assessment_demo_seed

    return assessment_demo_seed()
