"""Snakemake's parse of the Snakefile never imports torch (torch takes seconds to import).

Every ``snakemake`` process parses the Snakefile: each local invocation and, on a cluster, each
job. The parse-time helpers (:mod:`motivic.workflow`) check the model grid against the model
registry, which must therefore read builder names and options without importing the builders.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "workflow" / "config_tiny.yaml"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_workflow_helpers_check_the_grid_without_importing_torch(tmp_path):
    code = f"""
import sys

import yaml

import motivic.workflow.grid, motivic.workflow.provenance, motivic.workflow.storage
from motivic.core.config import validate_config
from motivic.train import models
from motivic.workflow.grid import check_grid

check_grid(validate_config(yaml.safe_load(open({str(TINY)!r}))))
for name in models.available():
    models.check_options(name, {{}})
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "torch")
assert not loaded, loaded[:5]
"""
    proc = _run([sys.executable, "-c", code], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_snakemake_dry_run_does_not_import_torch(tmp_path):
    (tmp_path / "config.yaml").write_text(TINY.read_text())
    proc = _run(
        [sys.executable, "-X", "importtime", "-m", "snakemake", "--snakefile",
         str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--dry-run", "--cores", "1"],
        tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    # -X importtime: one stderr line per imported module, "import time: self | cumulative | name"
    imported = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", proc.stderr, re.MULTILINE)
    assert "snakemake" in imported and "motivic.workflow.grid" in imported  # the parse happened
    assert "yaml" in imported
    assert not [m for m in imported if m.split(".")[0] == "torch"]
