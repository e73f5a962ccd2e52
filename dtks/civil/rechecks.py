"""Checking again what was checked while the civil registry could not answer (docs/civil_registry.md,
"Checking again"): a registration point of the core (docs/design.md §3).

The core does not know where findings are stored: a stage keeps them with its own records (a proposal
item's `findings`). A stage that stores `CIVIL_REGISTRY_UNAVAILABLE` findings registers a re-checker,
which checks those records again and stores the new findings:

    @recheck_provider("proposals")
    def proposal_items(*, everything: bool = False) -> int:   # how many records' findings changed
        ...

`civil_recheck()` — the beat task `civil.recheck` — calls every re-checker when the configured source
answers: an extract is loaded, or the HTTP service's circuit breaker is closed. While it cannot answer
nothing is done, since every re-check would only find it unavailable again. When a new extract becomes
current, the loader calls every re-checker with `everything=True`: each open record is checked again,
since any answer may have changed.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from .sources import active_source

RECHECKERS: dict[str, Callable[..., int]] = {}


def recheck_provider(name: str):
    """Register `fn(*, everything=False) -> int` as the re-checker called `name` (once per name)."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        if RECHECKERS.get(name, fn) is not fn:
            raise ImproperlyConfigured(f"Re-checker {name!r} is registered twice.")
        RECHECKERS[name] = fn
        return fn

    return register


def rechecks_run(*, everything: bool = False) -> dict[str, int]:
    """Call every re-checker, in the order registered: {name: records whose findings changed}."""
    return {name: fn(everything=everything) for name, fn in RECHECKERS.items()}


def civil_recheck() -> dict[str, int]:
    """The re-checkers' results when the configured source answers now; {} when it does not (or no
    source is configured)."""
    source = active_source()
    if source is None or not source.answering():
        return {}
    return rechecks_run()
