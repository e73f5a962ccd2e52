"""The determination's per-record contributors (docs/design.md §5): while a determination run computes the
period's new versions, each stage that owns a piece of a record's data writes it into those versions
— e.g. the programme stage marks "programmes received" for the families of its beneficiary lists.
The run (stage 5) calls `apply_contributors` once, in its transaction; a stage registers a
contributor when its app is ready and never writes registry tables any other way.

A contributor is `fn(cursor, *, run_id, period)`: set-based SQL over the run's unpublished versions
(`batch_id = run_id`), never a Python loop over records. Contributors run in `order`, then by name.
"""

from collections.abc import Callable
from datetime import date

CONTRIBUTORS: dict[str, tuple[int, Callable]] = {}


def record_contributor(name: str, *, order: int = 100) -> Callable:
    def register(fn: Callable) -> Callable:
        CONTRIBUTORS[name] = (order, fn)
        return fn

    return register


def apply_contributors(cursor, *, run_id: int, period: date) -> list[str]:
    """Runs every registered contributor over the run's versions; returns their names, in order."""
    ran = []
    for name, (_order, fn) in sorted(CONTRIBUTORS.items(), key=lambda kv: (kv[1][0], kv[0])):
        fn(cursor, run_id=run_id, period=period)
        ran.append(name)
    return ran
