"""Mermaid state diagrams generated from django-fsm transitions, so the diagrams in docs/state-machines.md
are always the machines in the code (each stage's `diagram.py` renders its machines; a test per stage
fails when the document differs)."""

from collections.abc import Callable


def fsm_mermaid(model, *, start: str, field: str = "state", who: Callable | None = None) -> str:
    """`stateDiagram-v2` of `model`'s FSM field: one line per transition, sorted by source and name,
    with `who(transition)` after the name when given."""
    lines = ["stateDiagram-v2", f"    [*] --> {start}"]
    for t in sorted(
        model._meta.get_field(field).get_all_transitions(model), key=lambda t: (str(t.source), t.name)
    ):
        suffix = f" ({who(t)})" if who else ""
        lines.append(f"    {t.source} --> {t.target}: {t.name}{suffix}")
    return "\n".join(lines)
