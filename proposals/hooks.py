"""What stage 1 shows through the core's registration points (docs/design.md §3), registered when the
app is ready (proposals/apps.py):

- dashboard queues (dtks/core/dashboards.py): the village operator's musyawarah still open, the items
  the regency returned, and its imports not finished (the regency verifier's `verval` queue is the
  verification stage's, verification/hooks.py) — a role's queues counted by one
  query (a UNION ALL of one aggregate per queue), kept on the request's user for the other providers;
- panels on the registry's person and family pages (dtks/registry/panels.py): the proposals open on
  the record, as far as the reader's scope goes;
- a section of the data-subject report (dtks/audit/selectors.py): every proposal naming the NIK;
- the demo's musyawarah, items and channels (dtks/core/demo.py);
- the civil-registry re-check (dtks/civil/rechecks.py): open items saved while Dukcapil could not
  answer are checked again once it answers.
"""

from django.db.models import CharField, Count, Min, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dtks.audit.selectors import ReportSection, subject_report_section
from dtks.civil.demo import demo_persons
from dtks.civil.matching import Record
from dtks.civil.rechecks import recheck_provider
from dtks.core.dashboards import ROLE_QUEUES, QueueState, queue_provider
from dtks.core.demo import DemoResult, demo_seeder
from dtks.registry.panels import Panel, PanelRow, panel_provider

from .imports.selectors import import_jobs_visible_to
from .imports.services import OPEN_IMPORTS
from .item.integrity_recheck import proposal_items_civil_recheck
from .item.models import OPEN_STATES, ProposalItem, ProposalPerson
from .item.selectors import proposal_items_visible_to, returned_items
from .musyawarah.models import Musyawarah
from .musyawarah.selectors import musyawarah_visible_to

MEMO = "_proposal_queue_counts"


def _branches(user) -> dict:
    """What each of stage 1's dashboard queues counts: (rows in the user's scope, their "since" column)."""
    return {
        "musyawarah": (
            lambda: musyawarah_visible_to(user=user).exclude(state=Musyawarah.State.SUBMITTED),
            "created_at",
        ),
        "returned_to_village": (lambda: returned_items(user=user), "updated_at"),
        "imports": (
            lambda: import_jobs_visible_to(user=user).filter(status__in=OPEN_IMPORTS),
            "created_at",
        ),
    }


def _counts(user) -> dict:
    """{queue key: (count, oldest, lowest pk)} of the stage 1 queues the user's role shows, in one
    query (a UNION ALL of one aggregate per queue), kept on the user for the other providers."""
    memo = getattr(user, MEMO, None)
    if memo is None:
        branches = _branches(user)
        wanted = [q.key for q in ROLE_QUEUES.get(user.role, ()) if q.key in branches]
        parts = []
        for key in wanted:
            rows, since = branches[key]
            parts.append(
                rows()
                .order_by()
                .values(queue=Value(key, output_field=CharField()))
                .annotate(n=Count("pk"), at=Min(since), first=Min("pk"))
                .values_list("queue", "n", "at", "first")
            )
        memo = {}
        if parts:
            query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
            memo = {queue: (n, at, first) for queue, n, at, first in query}
        setattr(user, MEMO, memo)
    return memo


def _queue(user, key: str, *, caption, label, url) -> QueueState:
    """Queue `key` of `_counts`; `url(first)` is where its button goes, given its oldest entry's pk."""
    n, oldest, first = _counts(user).get(key, (0, None, None))
    return QueueState(
        count=n,
        caption=caption,
        oldest_since=oldest,
        oldest_label=str(label) if oldest else "",
        url=url(first),
    )


@queue_provider("musyawarah")
def open_musyawarah(*, user) -> QueueState:
    """Musyawarah not yet submitted (draft or held): the village's work in progress."""
    return _queue(
        user,
        "musyawarah",
        caption=_("musyawarah belum diajukan"),
        label=_("musyawarah"),
        url=lambda _first: reverse("proposals:musyawarah_list"),
    )


@queue_provider("returned_to_village")
def returned_to_village(*, user) -> QueueState:
    return _queue(
        user,
        "returned_to_village",
        caption=_("usulan perlu diperbaiki"),
        label=_("usulan"),
        url=lambda _first: reverse("proposals:returned"),
    )


@queue_provider("imports")
def open_imports(*, user) -> QueueState:
    """Uploaded files not yet imported: a preview waiting for fixes or a confirm, or one running.
    The button opens the oldest."""
    return _queue(
        user,
        "imports",
        caption=_("impor berkas belum selesai"),
        label=_("impor"),
        url=lambda first: (
            reverse("proposals:import_job", args=[first]) if first else reverse("proposals:musyawarah_list")
        ),
    )


# -- panels on the registry's pages ------------------------------------------------------------------

PANEL_ROWS = 10


def _open_items_panel(items) -> Panel:
    rows = [
        PanelRow(
            text=f"#{i.pk} {i.get_kind_display()}",
            url=reverse("proposals:item", args=[i.pk]),
            note=str(i.get_state_display()),
        )
        for i in items[:PANEL_ROWS]
    ]
    return Panel(
        title=_("Usulan yang sedang berjalan"),
        rows=rows,
        empty=_("Tidak ada usulan yang sedang berjalan atas data ini."),
    )


@panel_provider("person", "proposals")
def person_proposals(*, user, record_id: int) -> Panel:
    """Open items that concern this registered person (a deletion, correction or transfer of them,
    or a family item that names them), in the reader's scope: one query."""
    named = ProposalPerson.objects.filter(target_person_id=record_id).values("item_id")
    items = (
        proposal_items_visible_to(user=user)
        .filter(state__in=OPEN_STATES)
        .filter(Q(target_person_id=record_id) | Q(pk__in=named))
        .order_by("-pk")
    )
    return _open_items_panel(list(items[: PANEL_ROWS + 1]))


@panel_provider("family", "proposals")
def family_proposals(*, user, record_id: int) -> Panel:
    items = (
        proposal_items_visible_to(user=user)
        .filter(state__in=OPEN_STATES, target_family_id=record_id)
        .order_by("-pk")
    )
    return _open_items_panel(list(items[: PANEL_ROWS + 1]))


# -- the data-subject report ---------------------------------------------------------------------------


@subject_report_section("proposals")
def proposals_naming(*, nik: str, person_ids: list[int]) -> ReportSection:
    """Every proposal that names the NIK, or targets one of the person's registry ids, whatever its
    state: who proposed it, through which channel, and where it stands."""
    rows = (
        ProposalPerson.objects.filter(Q(nik=nik) | Q(target_person_id__in=person_ids))
        .select_related("item")
        .order_by("item_id", "position")
    )
    lines = [
        f"usulan {p.item_id} ({p.item.get_kind_display()}, {p.item.get_channel_display()}, "
        f"{p.item.get_state_display()}) dicatat {p.item.created_at:%Y-%m-%d}, wilayah {p.item.village_code}: "
        f"{p.nama}, {p.tanggal_lahir or '-'}"
        for p in rows
    ]
    return ReportSection(title="Usulan yang memuat orang ini", lines=lines)


# -- the civil-registry re-check --------------------------------------------------------------------------


@recheck_provider("proposals")
def proposals_civil_recheck(*, everything: bool = False) -> int:
    """Open items carrying CIVIL_REGISTRY_UNAVAILABLE (with `everything`: every open item), checked again
    set-based (proposals/item/integrity_recheck.py)."""
    return proposal_items_civil_recheck(everything=everything)


# -- the demo --------------------------------------------------------------------------------------------


@demo_seeder("Musyawarah", order=10)
def proposals_demo() -> DemoResult:
    from .demo import proposals_demo_seed

    return proposals_demo_seed()


@demo_persons("Usulan")
def proposals_demo_persons() -> list[Record]:
    """The persons of the open demo items, for the demo's Dukcapil extract (dtks/civil/demo.py)."""
    from .item.models import OPEN_STATES, ProposalPerson

    people = (
        ProposalPerson.objects.filter(item__state__in=OPEN_STATES, nik__regex=r"^[0-9]{16}$")
        .exclude(item__kind=ProposalItem.Kind.DELETION)
        .select_related("item")
        .order_by("nik")
    )
    return [
        Record(
            nik=p.nik,
            nama=p.nama,
            tanggal_lahir=p.tanggal_lahir,
            jenis_kelamin=p.jenis_kelamin,
            no_kk=p.item.no_kk,
            village_code=p.item.village_code,
            alamat=p.item.alamat,
            tempat_lahir=p.tempat_lahir,
        )
        for p in people
    ]
