"""The verification stage's registrations with the core's registration points (docs/design.md §3):
dashboard queues, panels, notifications, demo. Imported by VerificationConfig.ready().

- dashboard queues of the regency verifier: `verval` (the submitted items its regency decides) and
  `returned_by_ministry` (items the ministry returned for correction), both counted by one query
  (verification/selectors.py: queue_dashboard_counts) and opening the queue at /verval/ on its tab.
- the regency supervisor's `submissions_to_sign` (the regency's verified items waiting for a signed
  submission), opening /verval/pengajuan/ (verification/submissions.py).
- the field officer's `visits` (families on their prelists not visited yet) and `prelist` (the prelists
  assigned to them), opening /verval/lapangan/ (verification/visits.py).
- the province officer's `regency_submissions` (submissions sent to it that it has not finished),
  opening /verval/pengajuan/, and `province` (issue 16: their items still waiting to be forwarded or
  disputed), opening the province summary at /verval/provinsi/; both counted by one query
  (verification/province.py: province_dashboard_counts).
- the demo's verval decisions (verification/demo.py), after the musyawarah demo and before the
  Dukcapil extract.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.core.dashboards import QueueState, queue_provider
from dtks.core.demo import DemoResult, demo_seeder

from .province import province_dashboard_counts
from .selectors import TAB_QUEUE, TAB_RETURNED, queue_dashboard_counts
from .submissions import submission_dashboard_counts
from .visits import field_dashboard_counts

MEMO = "_verval_queue_counts"


def _counts(user) -> dict:
    memo = getattr(user, MEMO, None)
    if memo is None:
        memo = queue_dashboard_counts(user=user)
        setattr(user, MEMO, memo)
    return memo


def _state(user, tab: str, *, caption) -> QueueState:
    n, oldest = _counts(user)[tab]
    url = reverse("verification:queue") + ("" if tab == TAB_QUEUE else f"?tab={tab}")
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(_("usulan")) if oldest else "",
        url=url,
    )


@queue_provider("verval")
def verval_queue(*, user) -> QueueState:
    """The regency's verval queue: submitted items it decides, oldest first."""
    return _state(user, TAB_QUEUE, caption=_("usulan menunggu keputusan kabupaten/kota"))


@queue_provider("returned_by_ministry")
def returned_by_ministry(*, user) -> QueueState:
    """Items the ministry returned to the regency for correction (the queue's second tab)."""
    return _state(user, TAB_RETURNED, caption=_("data dikembalikan Kementerian Sosial"))


def _submissions_state(user, *, caption, label) -> QueueState:
    n, oldest = submission_dashboard_counts(user=user)
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(label) if oldest else "",
        url=reverse("verification:submissions"),
    )


@queue_provider("submissions_to_sign")
def submissions_to_sign(*, user) -> QueueState:
    """The regency's verified items not yet signed off (gathered or not), oldest first."""
    return _submissions_state(user, caption=_("usulan terverifikasi menunggu pengesahan"), label=_("usulan"))


# ---- the province (issue 16) --------------------------------------------------------------------------

PROVINCE_MEMO = "_province_dashboard_counts"


def _province_state(user, key: str, *, caption, url: str) -> QueueState:
    memo = getattr(user, PROVINCE_MEMO, None)
    if memo is None:
        memo = province_dashboard_counts(user=user)
        setattr(user, PROVINCE_MEMO, memo)
    n, oldest = memo[key]
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(_("pengajuan")) if oldest else "",
        url=url,
    )


@queue_provider("regency_submissions")
def regency_submissions(*, user) -> QueueState:
    """Submissions the province's regencies sent to it that it has not finished."""
    return _province_state(
        user,
        "regency_submissions",
        caption=_("pengajuan dikirim kabupaten/kota"),
        url=reverse("verification:submissions"),
    )


@queue_provider("province")
def province_waiting(*, user) -> QueueState:
    """Items of the submissions sent to the province that it has not yet forwarded or disputed."""
    return _province_state(
        user,
        "province",
        caption=_("usulan menunggu diteruskan ke Kementerian Sosial"),
        url=reverse("verification:province"),
    )


# ---- field visits ----------------------------------------------------------------------------------------

FIELD_MEMO = "_field_dashboard_counts"


def _field_state(user, key: str, *, caption) -> QueueState:
    memo = getattr(user, FIELD_MEMO, None)
    if memo is None:
        memo = field_dashboard_counts(user=user)
        setattr(user, FIELD_MEMO, memo)
    n, oldest = memo[key]
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(_("prelist")) if oldest else "",
        url=reverse("verification:field"),
    )


@queue_provider("visits")
def visits_to_do(*, user) -> QueueState:
    """The families on the field officer's prelists not visited yet."""
    return _field_state(user, "visits", caption=_("keluarga belum dikunjungi"))


@queue_provider("prelist")
def prelists_assigned(*, user) -> QueueState:
    """The prelists assigned to the field officer."""
    return _field_state(user, "prelist", caption=_("prelist ditugaskan kepada Anda"))


@demo_seeder("Verval", order=20)
def verification_demo() -> DemoResult:
    from .demo import verification_demo_seed

    return verification_demo_seed()
