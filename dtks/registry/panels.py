"""Panels on the registry's person and family pages (docs/design.md §3): what a stage knows about a
registered record — the proposals open on it, later its visits or the requests that included it — shown
on the core's page without the core importing the stage. A stage registers a provider for "person" or
"family" when its app is ready; each provider returns a `Panel` (or None) in a bounded number of queries,
reading through its own scoped selectors."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass
class PanelRow:
    text: str
    url: str = ""
    note: str = ""


@dataclass
class Panel:
    title: Promise | str
    rows: list[PanelRow] = field(default_factory=list)
    empty: Promise | str = ""  # said when there are no rows


PAGES = ("person", "family")
# page -> [(name, provider(*, user, record_id) -> Panel | None)]
PROVIDERS: dict[str, list[tuple[str, Callable]]] = {page: [] for page in PAGES}


def panel_provider(page: str, name: str) -> Callable:
    if page not in PAGES:
        raise ValueError(f"panel page must be one of {PAGES}")

    def register(fn: Callable) -> Callable:
        PROVIDERS[page] = [p for p in PROVIDERS[page] if p[0] != name] + [(name, fn)]
        return fn

    return register


def panels_for(page: str, *, user, record_id: int) -> list[Panel]:
    return [
        panel for _name, fn in PROVIDERS[page] if (panel := fn(user=user, record_id=record_id)) is not None
    ]
