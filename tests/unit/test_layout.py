"""The package's layout: subpackages import each other without cycles, and motivic.workflow is
imported only by the workflow (rules/), never by another part of the library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "motivic"


def _subpackage_imports() -> dict[str, set[str]]:
    """Subpackage -> the other subpackages its modules import (absolute imports, at any depth)."""
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    edges: dict[str, set[str]] = {name: set() for name in subpackages}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue
        source = parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                dotted = name.split(".")
                inside = dotted[0] == "motivic" and len(dotted) > 1 and dotted[1] in subpackages
                if inside and dotted[1] != source:
                    edges[source].add(dotted[1])
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as a path, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_subpackages_import_each_other_without_cycles():
    edges = _subpackage_imports()
    assert {"core", "corpus", "pitch", "contour", "mining", "train", "workflow"} <= set(edges)
    assert _cycle(edges) is None, f"import cycle between subpackages: {' -> '.join(_cycle(edges))}"


def test_core_imports_no_stage_and_only_rules_import_the_workflow_helpers():
    edges = _subpackage_imports()
    assert edges["core"] == set()
    importers = sorted(name for name, targets in edges.items() if "workflow" in targets)
    assert importers == [], f"motivic.workflow is imported by {importers}"
