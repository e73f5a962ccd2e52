"""The ProposalItem and Musyawarah machines as Mermaid state diagrams, generated from the transitions
themselves (dtks/core/diagrams.py).

`docs/state-machines.md` holds its output; a test fails when the two differ, so the diagram in the
docs is always the machine in the code (`python manage.py shell -c "from proposals.diagram import
mermaid; print(mermaid())"` regenerates it).
"""

from dtks.core.diagrams import fsm_mermaid

from .models import Musyawarah, ProposalItem


def _roles(t) -> str:
    return ", ".join(sorted(getattr(t.permission, "roles", ()))) or "sistem"


def mermaid() -> str:
    item = fsm_mermaid(ProposalItem, start="draft", who=_roles)
    musyawarah = fsm_mermaid(Musyawarah, start="draft")
    return f"## ProposalItem\n\n```mermaid\n{item}\n```\n\n## Musyawarah\n\n```mermaid\n{musyawarah}\n```\n"
