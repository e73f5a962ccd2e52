"""Boundaries the code enforces (docs/design.md §3, docs/proposals.md): the import-linter contracts of
pyproject.toml (the core imports no stage; data flows one way; later stages use the proposal item
through `proposals.item` only), and no module imports another module's `_private` name."""

import ast
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("dtks", "proposals", "verification", "determination", "usage_requests")


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def private_imports(path: Path) -> list[str]:
    """`from x import _name` where x is another module (the module's own package's `__init__` too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}"
                    )
    return found


def test_no_module_imports_a_private_name():
    offenders = []
    for package in (*PACKAGES, "tests", "benchmarks"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                offenders += private_imports(path)
    assert offenders == []


def test_the_check_finds_a_private_import():
    sample = ROOT / "tests" / "core" / "_private_import_sample.py"
    sample.write_text("from dtks.registry.loading import _anything\n", encoding="utf-8")
    try:
        assert private_imports(sample) == [
            "tests/core/_private_import_sample.py:1: from dtks.registry.loading import _anything"
        ]
    finally:
        sample.unlink()
