"""The workflow's own checkers: ``snakemake --lint`` and ``snakefmt --check`` report nothing.

Both are fast (a parse of the workflow, a format check of Snakefile and rules/*.smk), so they run
with the unit tests; the output of the checker is the failure message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_snakemake_lint_is_clean_with_the_demo_config(tmp_path):
    # In an empty working directory, so that the repository gets no .snakemake/ of its own.
    done = _run(
        [
            "snakemake",
            "--lint",
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--configfile",
            str(ROOT / "config.yaml"),
            "--directory",
            str(tmp_path),
        ],
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Lints for" not in output, output


def test_snakefmt_check_is_clean():
    # snakefmt reads its settings (line length, directive order) from pyproject.toml in ROOT.
    done = _run(["snakefmt", "--check", "."], cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
