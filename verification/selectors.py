"""The regency's verval queue (issue 14): every item its regency decides, read through the
`proposals.item` scoped selectors and filtered, counted and paged in SQL.

- Tab `antrean`: submitted items the regency verifies (its villages' musyawarah, self-registrations,
  ministry proposals routed to it, transfer arrivals into its villages); tab `dikembalikan`: items
  the ministry returned to the regency for correction.
- Filters: village, kind, channel, age (days waiting since the item last changed), integrity finding
  (a rule code, or a civil-registry part: `findings @> [{"rule": …, "detail": {"parts": [{"part": …}]}}]`,
  or `tanpa` for none) and a name or item-number search. A NIK or KK is searched only through
  `queue_number_search` (a POST body, never a URL).
- Counts per filter value: one GROUP BY per dimension (with the other filters applied) and one
  aggregate for findings and ages — a fixed number of queries whatever the rows.
- Keyset paging (dtks.core.keyset) on a stable key: (updated_at, id), oldest first by default.
- A bulk decision on the whole filter result (`items_to_decide`) takes the same filters, applied by
  the same function, so it decides exactly the rows the queue lists (every page).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone

from dtks.accounts.scope import region_q, scoped_selector
from dtks.civil.forms import REASON_LABELS
from dtks.core.keyset import Keyset, KeysetPage
from dtks.registry.models import Finding
from proposals.item import ProposalItem, ProposalPerson, listed_items, proposal_items_visible_to

from .models import BulkDecision, VervalDecision

S = ProposalItem.State
TAB_QUEUE = "antrean"
TAB_RETURNED = "dikembalikan"
# Age buckets: (code, from day, to day inclusive or None).
AGES = (("0-7", 0, 7), ("8-30", 8, 30), ("31+", 31, None))
SORTS = ("lama", "baru", "nomor")  # oldest first (default), newest first, item number
NO_FINDING = "tanpa"
CIVIL_PREFIX = "dukcapil:"
CIVIL_MISMATCH = "CIVIL_REGISTRY_MISMATCH"
PAGE_SIZE = 50
NAME_MAX = 100
ITEM_NUMBER_DIGITS = 12  # an item number; 16 digits is a NIK/KK and is never searched from a URL


def finding_values() -> list[str]:
    """Every finding filter value: each rule, each civil-registry part, none."""
    return [*Finding.Rule.values, *(CIVIL_PREFIX + p for p in REASON_LABELS), NO_FINDING]


@dataclass(frozen=True)
class Queue:
    """A decision queue over proposal items: its rows in the reader's scope (every tab), its tabs (the
    first is the default) and the region its region filter takes. The regency's verval queue below
    (`VERVAL`) is one; the ministry's assessment queue (determination/assessment.py) is another, with
    the same filters, counts, paging, search and export."""

    items: Callable[..., QuerySet]  # (*, user) -> the rows of every tab, scoped
    tabs: Mapping[str, Q]
    region_param: str = "desa"  # its query-string name
    region_len: int = 10  # the length of the codes it takes and the counts group by (10: village)

    @property
    def default_tab(self) -> str:
        return next(iter(self.tabs))

    @property
    def filter_params(self) -> tuple[str, ...]:
        return ("tab", self.region_param, "jenis", "saluran", "umur", "temuan", "q")


@dataclass
class QueueFilters:
    queue: Queue | None = None  # None: the verval queue (VERVAL)
    tab: str = ""
    village: str = ""
    kind: str = ""
    channel: str = ""
    age: str = ""
    finding: str = ""
    q: str = ""
    sort: str = "lama"
    after: str = ""  # the keyset cursor of the page to show
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.queue = self.queue or VERVAL
        self.tab = self.tab or self.queue.default_tab

    @classmethod
    def parse(cls, data, queue: Queue | None = None) -> "QueueFilters":
        """From a query string (or a DRF query_params): unknown values are dropped, not trusted."""

        def pick(name: str, allowed) -> str:
            value = (data.get(name) or "").strip()
            return value if value in allowed else ""

        f = cls(queue=queue)
        q = f.queue
        f.tab = pick("tab", q.tabs) or q.default_tab
        region = (data.get(q.region_param) or "").strip()
        f.village = region if region.isascii() and region.isdigit() and len(region) == q.region_len else ""
        f.kind = pick("jenis", ProposalItem.Kind.values)
        f.channel = pick("saluran", ProposalItem.Channel.values)
        f.age = pick("umur", [a[0] for a in AGES])
        f.finding = pick("temuan", finding_values())
        f.sort = pick("urut", SORTS) or "lama"
        raw = data.get("q") or ""
        # Printable text only: a NUL or a lone surrogate never reaches the database.
        q = "".join(ch for ch in raw if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF).strip()[
            :NAME_MAX
        ]
        if q.isdigit() and len(q) > ITEM_NUMBER_DIGITS:
            f.errors.append("nomor")  # a NIK/KK typed into the GET search: not searched, not echoed
            q = ""
        f.q = q
        f.after = (data.get("setelah") or "").strip()
        return f

    def query(self, *, without: tuple[str, ...] = ()) -> dict[str, str]:
        """The filters as query-string parameters (for links), leaving out `without`."""
        pairs = {
            "tab": self.tab if self.tab != self.queue.default_tab else "",
            self.queue.region_param: self.village,
            "jenis": self.kind,
            "saluran": self.channel,
            "umur": self.age,
            "temuan": self.finding,
            "q": self.q,
            "urut": self.sort if self.sort != "lama" else "",
        }
        return {k: v for k, v in pairs.items() if v and k not in without}

    def dropped(self, data) -> list[str]:
        """The filter parameters (FILTER_PARAMS) given in `data` whose value `parse` dropped or
        changed: unknown, malformed, a NIK/KK typed as `q`. The queue shows its list without them; a
        bulk decision on the whole result refuses them, since dropping one would widen what it decides."""
        kept = {**self.query(), "tab": self.tab}
        return [
            name
            for name in self.queue.filter_params
            if (given := str(data.get(name) or "").strip()) and given != kept.get(name, "")
        ]


@scoped_selector
def verval_items_visible_to(*, user) -> QuerySet[ProposalItem]:
    """Every item the user's regency decides now, in both tabs: submitted items it verifies and
    items the ministry returned to it. Only items of its own villages (not the arrivals of its
    departures, which the destination's regency decides)."""
    return (
        proposal_items_visible_to(user=user)
        .filter(region_q(user))
        .filter(Q(state=S.SUBMITTED, verifier=ProposalItem.Verifier.REGENCY) | Q(state=S.RETURNED_TO_REGENCY))
    )


VERVAL = Queue(
    items=verval_items_visible_to,
    tabs={TAB_QUEUE: Q(state=S.SUBMITTED), TAB_RETURNED: Q(state=S.RETURNED_TO_REGENCY)},
)
FILTER_PARAMS = VERVAL.filter_params


def _finding_q(value: str) -> Q:
    if value == NO_FINDING:
        return Q(findings=[])
    if value.startswith(CIVIL_PREFIX):
        part = value.removeprefix(CIVIL_PREFIX)
        return Q(findings__contains=[{"rule": CIVIL_MISMATCH, "detail": {"parts": [{"part": part}]}}])
    return Q(findings__contains=[{"rule": value}])


def _age_q(code: str, now: datetime) -> Q:
    for c, low, high in AGES:
        if c == code:
            q = Q(updated_at__lte=now - timedelta(days=low))
            if high is not None:
                q &= Q(updated_at__gt=now - timedelta(days=high + 1))
            return q
    return Q()


def _name_q(q: str) -> Q:
    if q.isdigit():
        return Q(pk=int(q))
    named = ProposalPerson.objects.filter(item=OuterRef("pk"), nama__icontains=q)
    return Q(Exists(named))


def _filtered(qs: QuerySet, f: QueueFilters, *, now: datetime, without: str = "") -> QuerySet:
    if without != "tab":
        qs = qs.filter(f.queue.tabs[f.tab])
    if f.village and without != "village":
        if len(f.village) == 10:
            qs = qs.filter(village_code=f.village)
        else:
            qs = qs.filter(village_code__startswith=f.village)
    if f.kind and without != "kind":
        qs = qs.filter(kind=f.kind)
    if f.channel and without != "channel":
        qs = qs.filter(channel=f.channel)
    if f.age and without != "age":
        qs = qs.filter(_age_q(f.age, now))
    if f.finding and without != "finding":
        qs = qs.filter(_finding_q(f.finding))
    if f.q:
        qs = qs.filter(_name_q(f.q))
    return qs


def queue_rows(*, user, filters: QueueFilters) -> QuerySet[ProposalItem]:
    """A queue's rows in the user's scope (its `items` selector) with `filters` applied, decorated for
    a list (first person's name, number of persons), in the sort's order (oldest first by default)."""
    qs = _filtered(filters.queue.items(user=user), filters, now=timezone.now())
    return listed_items(qs).order_by(*ORDERS[filters.sort].ordering())


@scoped_selector
def verval_queue_visible_to(*, user, filters: QueueFilters | None = None) -> QuerySet[ProposalItem]:
    """The verval queue's rows in the user's scope with `filters` applied (`queue_rows`)."""
    return queue_rows(user=user, filters=filters or QueueFilters())


ORDERS = {
    "lama": Keyset("updated_at", "pk"),
    "baru": Keyset("updated_at", "pk", descending=True),
    "nomor": Keyset("pk"),
}


def queue_page(*, user, filters: QueueFilters, size: int = PAGE_SIZE) -> KeysetPage:
    """One keyset page of a queue: `size` rows after `filters.after`, and the next page's cursor (a
    cursor that is not one of ours gives the first page, `bad_cursor`)."""
    qs = queue_rows(user=user, filters=filters)
    return ORDERS[filters.sort].page(qs, filters.after, size=size)


# -- counts per filter value ----------------------------------------------------------------------------


def queue_counts(*, user, filters: QueueFilters) -> dict[str, dict[str, int]]:
    """{dimension: {value: rows}} — each dimension counted with the other filters applied (so a
    count says what choosing that value would list). Six queries whatever the number of rows."""
    now = timezone.now()
    queue = filters.queue
    base = queue.items(user=user)
    tabs = _filtered(base, filters, now=now, without="tab").aggregate(
        **{f"t{i}": Count("pk", filter=q) for i, q in enumerate(queue.tabs.values())}
    )
    counts: dict[str, dict[str, int]] = {"tab": {tab: tabs[f"t{i}"] for i, tab in enumerate(queue.tabs)}}
    region = F("village_code") if queue.region_len == 10 else Left("village_code", queue.region_len)
    for dim, column in (("village", region), ("kind", F("kind")), ("channel", F("channel"))):
        rows = (
            _filtered(base, filters, now=now, without=dim)
            .order_by()
            .values(value=column)
            .annotate(n=Count("pk"))
            .values_list("value", "n")
        )
        counts[dim] = dict(rows)
    # Ages and findings: one aggregate each with a filtered count per value.
    ages = _filtered(base, filters, now=now, without="age").aggregate(
        **{f"a{i}": Count("pk", filter=_age_q(code, now)) for i, (code, _lo, _hi) in enumerate(AGES)}
    )
    counts["age"] = {code: ages[f"a{i}"] for i, (code, _lo, _hi) in enumerate(AGES)}
    values = finding_values()
    found = _filtered(base, filters, now=now, without="finding").aggregate(
        **{f"f{i}": Count("pk", filter=_finding_q(v)) for i, v in enumerate(values)}
    )
    counts["finding"] = {v: found[f"f{i}"] for i, v in enumerate(values)}
    return counts


# -- NIK / KK search (POST only) ---------------------------------------------------------------------------


def queue_number_search(
    *, user, number: str, queue: Queue | None = None, tab: str = "", limit: int = PAGE_SIZE
) -> list:
    """A queue's rows (every tab unless `tab`) naming a NIK (a person of the item) or a KK — the
    number arrives in a POST body and is never put into a URL."""
    queue = queue or VERVAL
    named = ProposalPerson.objects.filter(item=OuterRef("pk"), nik=number)
    qs = queue.items(user=user).filter(Q(no_kk=number) | Q(Exists(named)))
    if tab in queue.tabs:
        qs = qs.filter(queue.tabs[tab])
    return list(listed_items(qs).order_by(*ORDERS["lama"].ordering())[:limit])


# -- the dashboard's queues -------------------------------------------------------------------------------


def queue_dashboard_counts(*, user, queue: Queue | None = None) -> dict[str, tuple[int, datetime | None]]:
    """{tab: (rows, oldest updated_at)} in one query."""
    queue = queue or VERVAL
    agg = queue.items(user=user).aggregate(
        **{f"n_{i}": Count("pk", filter=q) for i, q in enumerate(queue.tabs.values())},
        **{f"at_{i}": Min("updated_at", filter=q) for i, q in enumerate(queue.tabs.values())},
    )
    return {tab: (agg[f"n_{i}"], agg[f"at_{i}"]) for i, tab in enumerate(queue.tabs)}


# Not registered with @scoped_selector (its filters are not the registry's test arguments); it starts
# from the scoped `verval_items_visible_to`.
def items_to_decide(*, user, filters: QueueFilters) -> QuerySet[ProposalItem]:
    """The "whole filter result" a bulk decision takes: the queue's rows in the user's scope with the
    queue's `filters` (tab, region, kind, channel, age, finding, search), every page."""
    return _filtered(filters.queue.items(user=user), filters, now=timezone.now())


@scoped_selector
def bulk_decisions_visible_to(*, user) -> QuerySet[BulkDecision]:
    """Bulk decisions taken in the user's region (by the region of whoever took them)."""
    return BulkDecision.objects.filter(region_q(user, field="region_code"))


@scoped_selector
def decisions_of_item(*, user, item_id: int) -> QuerySet[VervalDecision]:
    """The verval decisions on one item the user may see, newest first."""
    items = proposal_items_visible_to(user=user).filter(pk=item_id)
    return VervalDecision.objects.filter(item__in=items).select_related("decided_by").order_by("-decided_at")
