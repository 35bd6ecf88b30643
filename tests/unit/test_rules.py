"""The rule files read on their own: one per stage, in DAG order, sharing few names.

Every file the Snakefile includes runs in one namespace. Each file is compiled the way Snakemake
compiles it (its parser turns rules into decorated Python) and the names it binds at module level
and the names it reads are compared across files.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = [
    "common",
    "corpus",
    "pitch",
    "contour",
    "mining",
    "segments",
    "features",
    "splits",
    "train",
    "baselines",
    "report",
    "browser",
]


def _included() -> list[str]:
    return re.findall(
        r'^include:\s*"rules/(\w+)\.smk"', (ROOT / "Snakefile").read_text(), re.MULTILINE
    )


def _python(path: Path) -> ast.Module:
    """A rule file as the Python module Snakemake runs."""
    from snakemake.parser import parse
    from snakemake.sourcecache import LocalSourceFile

    class _Sources:
        def open(self, source, mode="r"):
            return open(source.get_path_or_uri(secret_free=True), mode, encoding="utf-8")

    code, _ = parse(LocalSourceFile(str(path)), SimpleNamespace(sourcecache=_Sources()), {})
    return ast.parse(code)


def _bound(statements) -> set[str]:
    """Names bound at module level (also inside if/try blocks), but not the rules' own functions."""
    names = set()
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if not node.name.startswith("__"):
                names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for block in ("body", "orelse", "finalbody", "handlers"):
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) and hasattr(node, block):
                names |= _bound(getattr(node, block))
    return names


def _read(tree: ast.Module) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.fixture(scope="module")
def files():
    trees = {stage: _python(ROOT / "rules" / f"{stage}.smk") for stage in _included()}
    return {stage: (_bound(tree.body), _read(tree)) for stage, tree in trees.items()}


def test_the_snakefile_includes_one_file_per_stage_in_dag_order():
    assert _included() == STAGES
    assert sorted(p.stem for p in (ROOT / "rules").glob("*.smk")) == sorted(STAGES)


def test_no_rule_file_reads_a_name_of_a_later_one(files):
    stages = list(files)
    for i, stage in enumerate(stages):
        earlier = set().union(*(files[s][0] for s in stages[: i + 1]))
        later = set().union(*(files[s][0] for s in stages[i + 1 :]))
        too_early = (files[stage][1] & later) - earlier
        assert not too_early, f"rules/{stage}.smk reads {sorted(too_early)}, bound in a later file"


def test_no_name_is_bound_in_two_rule_files(files):
    seen: dict[str, str] = {}
    for stage, (bound, _) in files.items():
        for name in bound:
            assert name not in seen, (
                f"{name} is bound in rules/{seen[name]}.smk and rules/{stage}.smk"
            )
            seen[name] = stage


def test_stage_files_share_only_upper_case_names(files):
    # Workflow-wide names live in common.smk; a stage file's own names are lowercase and stay in
    # it, but for a path constant that later stages read (FOLD_SPLIT: the input of every run).
    for stage, (bound, _) in files.items():
        if stage == "common":
            continue
        others = set().union(*(read for s, (_, read) in files.items() if s != stage))
        shared = bound & others
        assert all(name.isupper() for name in shared), (stage, shared)
        assert all(not name.isupper() for name in bound - shared), (stage, bound - shared)
