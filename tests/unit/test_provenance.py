"""Code digests: what a workflow script can run, and which edits change the digest."""

from pathlib import Path

import pytest

from motivic.workflow.provenance import code_digest, reachable_sources

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path):
    files = {
        "motivic/__init__.py": '"""Package."""\nfrom .errors import E\n',
        "motivic/errors.py": "class E(Exception):\n    pass\n",
        "motivic/contour/__init__.py": "from .steps import simplify\n",
        "motivic/contour/steps.py": (
            '"""Steps."""\n\n\ndef simplify(x):\n    """Doc."""\n'
            "    from ..mining import mine  # lazy import\n    return x  # comment\n"
        ),
        "motivic/mining.py": "def mine():\n    return 1\n",
        "motivic/features.py": "import numpy\n",
        "workflow_scripts/_common.py": "import logging\n",
        "workflow_scripts/simplify.py": "from _common import x\nfrom motivic import contour\n",
        "workflow_scripts/features.py": "import motivic.features\n",
    }
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _rel(paths, root):
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_reachable_sources_follow_absolute_relative_and_lazy_imports(tree):
    found = _rel(reachable_sources(tree / "workflow_scripts/simplify.py", tree), tree)
    assert found == [
        "motivic/__init__.py",
        "motivic/contour/__init__.py",
        "motivic/contour/steps.py",
        "motivic/errors.py",
        "motivic/mining.py",
        "workflow_scripts/_common.py",
        "workflow_scripts/simplify.py",
    ]
    other = _rel(reachable_sources(tree / "workflow_scripts/features.py", tree), tree)
    assert "motivic/features.py" in other and "motivic/mining.py" not in other


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_code_edits_change_the_digest_and_comments_or_docstrings_do_not(tree):
    script = tree / "workflow_scripts/simplify.py"
    unrelated = tree / "workflow_scripts/features.py"
    before, before_other = code_digest(script, tree), code_digest(unrelated, tree)
    steps = tree / "motivic/contour/steps.py"
    _edit(steps, "# comment", "# another comment")
    _edit(steps, '"""Doc."""', '"""Reworded doc."""')
    _edit(steps, '"""Steps."""', '"""Steps, reworded."""')
    assert code_digest(script, tree) == before
    _edit(tree / "motivic/mining.py", "return 1", "return 2")  # reached through a lazy import
    changed = code_digest(script, tree)
    assert changed != before
    assert code_digest(unrelated, tree) == before_other  # it cannot reach mining
    _edit(tree / "motivic/contour/steps.py", "return x", "return x + 0")
    assert code_digest(script, tree) != changed


def test_repository_scripts_reach_their_stage_modules():
    contour = _rel(reachable_sources(ROOT / "workflow_scripts/simplify_contour.py", ROOT), ROOT)
    assert any(p.startswith("motivic/contour") for p in contour)
    assert not any(p.startswith("motivic/train/models") for p in contour)
    train = _rel(reachable_sources(ROOT / "workflow_scripts/train_model.py", ROOT), ROOT)
    assert "motivic/train/loop.py" in train and any(p.startswith("motivic/train/models/") for p in train)
