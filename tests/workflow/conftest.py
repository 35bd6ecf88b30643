"""Helpers for workflow tests: run Snakemake on a configuration in a temporary directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import yaml

ROOT = Path(__file__).resolve().parents[2]
TINY = Path(__file__).with_name("config_tiny.yaml")
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
SR = 22050  # sample rate of the demo_sources recordings


def snakemake(
    workdir: Path, *args: str, check: bool = True, source: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run snakemake with the Snakefile of ``source`` (the repository by default) in ``workdir``."""
    env = dict(os.environ, PYTHONPATH=str(source))
    cmd = [*SNAKEMAKE, "--snakefile", str(source / "Snakefile"), "--directory", str(workdir), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


def planned_jobs(workdir: Path, *args: str, source: Path = ROOT) -> dict[str, int]:
    """Rule → number of jobs a dry run schedules (empty when nothing is to do)."""
    proc = snakemake(workdir, "--dry-run", "--cores", "1", *args, source=source)
    text = proc.stdout + proc.stderr
    counts: dict[str, int] = {}
    in_table = False
    for line in text.splitlines():
        if line.startswith("job") and "count" in line:
            in_table = True
            continue
        if in_table:
            match = re.match(r"^([A-Za-z_][\w]*)\s+(\d+)\s*$", line.strip())
            if match and match.group(1) not in ("total", "all"):
                counts[match.group(1)] = int(match.group(2))
            elif line.strip().startswith("total"):
                break
    return counts


def write_config(workdir: Path, config: dict) -> None:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def load_tiny() -> dict:
    return yaml.safe_load(TINY.read_text())


def change_config(workdir: Path, *path_and_value) -> dict[str, int]:
    """Write the tiny config with one value changed (``*keys, value``); return the dry run's jobs."""
    config = load_tiny()
    *path, value = path_and_value
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    write_config(workdir, config)
    return planned_jobs(workdir)


#: Fixtures that need the completed tiny run (and so wait for it).
TINY_FIXTURES = {"tiny_run", "tiny_copy", "every_split"}


def pytest_collection_modifyitems(config, items):
    """Order the files so that two xdist workers (``make test``: ``-n 2 --dist loadfile``) keep
    both cores busy: the first file that needs the tiny run comes first, so one worker starts
    building it, then every file that does not need it (the other worker's work meanwhile),
    then the remaining files that need it. Within a file the order is kept."""

    def needs_tiny(item) -> bool:
        return bool(TINY_FIXTURES & set(getattr(item, "fixturenames", ())))

    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::")[0], []).append(item)
    tiny = [f for f, its in files.items() if any(needs_tiny(i) for i in its)]
    free = [f for f in files if f not in tiny]
    order = tiny[:1] + free + tiny[1:]
    items[:] = [item for f in order for item in files[f]]


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """The tiny workflow run once to completion; tests reading it must not modify it.

    Under pytest-xdist the workers share one run: the first to need it builds it under a file
    lock in the session's common temporary folder, the others wait for it and reuse it.
    """
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # every worker's basetemp sits in the session's one folder
    workdir = root / "tiny_run"
    complete = root / "tiny_run.complete"
    with FileLock(str(root / "tiny_run.lock")):
        if not complete.is_file():
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir()
            write_config(workdir, load_tiny())
            snakemake(workdir, "--cores", "2")
            complete.touch()
    return workdir


@pytest.fixture
def tiny_copy(tiny_run, tmp_path) -> Path:
    """A private copy of the completed tiny run (with Snakemake's metadata) to modify."""
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    return workdir


# The flamenco motif sample sits beside the repository (../shared); MOTIVIC_FLAMENCO_SAMPLE points
# elsewhere. Tests that read it skip when it is absent.
FLAMENCO_SAMPLE = Path(
    os.environ.get("MOTIVIC_FLAMENCO_SAMPLE", ROOT / "../shared/data/flamenco-motifs-sample")
).resolve()


@pytest.fixture(scope="session")
def flamenco_sample() -> Path:
    """The flamenco motif sample (``<singer>/<recording>_<pattern>_<id>.wav`` + ``metadata.csv``)."""
    if not (FLAMENCO_SAMPLE / "metadata.csv").is_file():
        pytest.skip(f"flamenco sample not found at {FLAMENCO_SAMPLE} (set MOTIVIC_FLAMENCO_SAMPLE)")
    return FLAMENCO_SAMPLE


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> dict[str, np.ndarray]:
    """Short demo recordings (2 classes x 3, one motif each) at 22.05 kHz, by demo id.

    Read-only arrays (``style1_r01`` ... ``style2_r03``), shared by the recordings-corpus tests,
    which write them under their own names and formats.
    """
    from motivic.corpus import synth

    out = tmp_path_factory.mktemp("demo_sources")
    synth.make_corpus(
        out,
        seed=7,
        n_classes=2,
        recordings_per_class=3,
        singers_per_class=2,
        motifs_per_class=1,
        motifs_per_recording=1,
        min_duration_s=8.0,
        max_duration_s=10.0,
        sr=SR,
    )
    sources = {}
    for path in sorted((out / "audio").glob("*.wav")):
        audio = sf.read(path, dtype="float32")[0]
        audio.setflags(write=False)
        sources[path.stem] = audio
    return sources


def write_audio(root: Path, rel: str, y: np.ndarray, sr: int = SR, **kwargs) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y, sr, **kwargs)


def write_metadata(root: Path, rows: list[tuple[str, str]]) -> Path:
    path = root / "metadata.csv"
    pd.DataFrame(rows, columns=["path", "label"]).to_csv(path, index=False)
    return path


def recordings_config(metadata: Path, audio_root: Path, **corpus) -> dict:
    """The tiny configuration on a recordings corpus: one small model, one dataset, 1 epoch."""
    config = load_tiny()
    config["corpus"] = {
        "mode": "recordings",
        "metadata": str(metadata),
        "audio_root": str(audio_root),
        **corpus,
    }
    config["features"] = {"logmel128": config["features"]["logmel128"]}
    config["models"] = {"crnn": {"channels": 4, "hidden_size": 8}}
    config["datasets"] = ["motivic"]
    config.pop("baselines", None)
    config["split"]["strategies"] = ["random"]  # a handful of recordings: one holdout
    config["sanity"] = {"duration_only": False, "shuffled_labels": False}
    if "policies" in config.get("augment", {}):
        config["augment"]["policies"] = []
        config["augment"].pop("table2", None)
    return config
