"""The demo's registration point (README command 1, `manage.py seed_demo`): after the core has seeded the
registry and a user per role, each stage adds the work in progress its roles should see when they log
in, in the order of the lifecycle. A stage registers its seeder when its app is ready."""

from collections.abc import Callable
from dataclasses import dataclass, field


class DemoUnavailable(Exception):
    """What a stage's demo needs is missing; the message is for the person running the command."""


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)  # what was made this time, for the message


# name -> (order, seeder); a seeder is idempotent: a rerun creates nothing and returns no `created`.
SEEDERS: dict[str, tuple[int, Callable[[], DemoResult]]] = {}


def demo_seeder(name: str, *, order: int) -> Callable:
    def register(fn: Callable[[], DemoResult]) -> Callable[[], DemoResult]:
        SEEDERS[name] = (order, fn)
        return fn

    return register


def demo_seeders() -> list[tuple[str, Callable[[], DemoResult]]]:
    return [(name, fn) for name, (_order, fn) in sorted(SEEDERS.items(), key=lambda kv: (kv[1][0], kv[0]))]
