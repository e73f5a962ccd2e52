from pathlib import Path

from verification.diagram import mermaid


def test_docs_show_the_submission_machine_in_the_code():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "state-machines.md").read_text(encoding="utf-8")
    assert mermaid() in doc
