"""Tests of benchmarks/external_pesto.py's import shim (an unpacked wheel whose core needs torchaudio)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "external_pesto.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("external_pesto", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loader_imports_from_a_wheel_whose_package_imports_torchaudio(tmp_path):
    package = tmp_path / "pesto"
    package.mkdir()
    (package / "__init__.py").write_text("from .core import predict\n")
    (package / "core.py").write_text(
        "import torchaudio\nfrom tqdm import tqdm\n\ndef predict():\n    return list(tqdm([1]))\n"
    )
    (package / "loader.py").write_text("def load_model(name, **kw):\n    return ('model', name, kw)\n")
    added = [name for name in ("torchaudio", "tqdm", "pesto", "pesto.core", "pesto.loader")
             if name not in sys.modules]
    path_before = list(sys.path)
    try:
        load_model = _load_script().import_pesto_loader(tmp_path, tmp_path / "deps")
        assert load_model("mir-1k_g7", step_size=10.0) == ("model", "mir-1k_g7", {"step_size": 10.0})
        assert sys.modules["pesto.core"].predict() == [1]
        assert str(tmp_path / "deps") in sys.path
    finally:
        for name in added:
            sys.modules.pop(name, None)
        sys.path[:] = path_before
