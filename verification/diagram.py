"""The RegencySubmission machine as a Mermaid state diagram, generated from its transitions
(dtks/core/diagrams.py); docs/state-machines.md holds the output and a test keeps it current
(`python manage.py shell -c "from verification.diagram import mermaid; print(mermaid())"`)."""

from dtks.core.diagrams import fsm_mermaid

from .models import RegencySubmission


def mermaid() -> str:
    submission = fsm_mermaid(RegencySubmission, start="open")
    return f"## RegencySubmission\n\n```mermaid\n{submission}\n```\n"
