"""Imports point inward: the domain knows no outer layer, and the application reaches
adapters (storage, formats, pixels) only through the Protocols of ``application.ports``.

Every import statement of every module is read, including those inside functions (the
lazy ones), so a shortcut taken anywhere is found."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

OUTER = {
    "domain": ("application", "infrastructure", "projections", "interfaces"),
    "application": ("infrastructure", "projections", "interfaces"),
}


def imported(path: Path) -> list[tuple[int, str]]:
    """Line and module of each absolute import in a source file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("layer", sorted(OUTER))
def test_a_layer_imports_no_layer_outside_it(layer: str) -> None:
    modules = sorted((ROOT / layer).rglob("*.py"))
    assert len(modules) > 10, f"{layer}/ holds {len(modules)} modules: wrong root?"
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {name}"
             for path in modules for line, name in imported(path)
             if name.split(".")[0] in OUTER[layer]]
    assert wrong == []


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def run():\n    from infrastructure.imaging import pixels\n"
                      "    import projections.runner\n", encoding="utf-8")
    assert imported(module) == [(2, "infrastructure.imaging"), (3, "projections.runner")]
