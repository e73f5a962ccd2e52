"""The ProposalItem machine as a Mermaid state diagram, generated from the transitions themselves.

`docs/state-machines.md` holds its output; a test fails when the two differ, so the diagram in the
docs is always the machine in the code (`python manage.py shell -c "from proposals.diagram import
mermaid; print(mermaid())"` regenerates it).
"""

from .models import Musyawarah, ProposalItem


def _lines(model) -> list[str]:
    lines = []
    for t in sorted(
        model._meta.get_field("state").get_all_transitions(model), key=lambda t: (str(t.source), t.name)
    ):
        roles = sorted(getattr(t.permission, "roles", ())) if model is ProposalItem else []
        who = f" ({', '.join(roles) or 'sistem'})" if model is ProposalItem else ""
        lines.append(f"    {t.source} --> {t.target}: {t.name}{who}")
    return lines


def mermaid() -> str:
    item = "\n".join(["stateDiagram-v2", "    [*] --> draft", *_lines(ProposalItem)])
    musyawarah = "\n".join(["stateDiagram-v2", "    [*] --> draft", *_lines(Musyawarah)])
    return f"## ProposalItem\n\n```mermaid\n{item}\n```\n\n## Musyawarah\n\n```mermaid\n{musyawarah}\n```\n"
