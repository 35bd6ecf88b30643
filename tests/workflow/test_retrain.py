"""Retraining never loses the best weights and never fails on resume.

Snakemake deletes a job's declared outputs (the best checkpoint) before it runs the job again;
the resumable last checkpoint beside it survives. Each case reruns one trained run of the tiny
workflow the way a user would and checks that the job completes with the right weights.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from .conftest import ROOT, SNAKEMAKE, load_tiny, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

MODEL = "crnn"


def _run_dir(workdir: Path) -> Path:
    """The unaugmented crnn run on the motivic dataset (whatever the run path's layout)."""
    found = sorted(
        p.parent
        for p in (workdir / "results/models" / MODEL / "motivic").rglob("checkpoint.pt")
        if "none" in p.parent.relative_to(workdir).parts
    )
    assert found, f"no {MODEL} run under {workdir}"
    return found[0]


def _target(workdir: Path, run: Path) -> str:
    return str((run / "metrics.json").relative_to(workdir))


def _weights(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _forcerun_train_model(workdir: Path, run: Path) -> list[str]:
    """Arguments that retrain ``run`` only: ``--forcerun`` takes every word after it as a rule or
    file, so the target goes before it (after it, the target would be forced and ``all`` built)."""
    return [_target(workdir, run), "--cores", "1", "--forcerun", "train_model"]


def _config(**training) -> dict:
    config = copy.deepcopy(load_tiny())
    config["training"].update(training)
    return config


def test_forcerun_train_model_completes_with_the_old_best_weights(tiny_copy):
    run = _run_dir(tiny_copy)
    best = _weights(run / "checkpoint.pt")
    snakemake(tiny_copy, *_forcerun_train_model(tiny_copy, run))
    assert _equal(_weights(run / "checkpoint.pt"), best)
    assert (run / "metrics.json").stat().st_size > 0


def test_changed_num_workers_reruns_nothing_and_a_forced_rerun_completes(tiny_copy):
    run = _run_dir(tiny_copy)
    best = _weights(run / "checkpoint.pt")
    write_config(tiny_copy, _config(num_workers=1, device="cpu"))
    assert planned_jobs(tiny_copy) == {}
    snakemake(tiny_copy, *_forcerun_train_model(tiny_copy, run))
    assert _equal(_weights(run / "checkpoint.pt"), best)


def test_one_more_epoch_continues_from_the_last_checkpoint(tiny_copy):
    run = _run_dir(tiny_copy)
    epochs = load_tiny()["training"]["epochs"]
    write_config(tiny_copy, _config(epochs=epochs + 1))
    snakemake(tiny_copy, "--cores", "1", _target(tiny_copy, run))
    history = pd.read_csv(run / "history.tsv", sep="\t")
    assert list(history["epoch"]) == list(range(1, epochs + 2))
    best = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
    last = torch.load(run / "checkpoint.last.pt", map_location="cpu", weights_only=True)
    assert last["epoch"] == epochs + 1
    assert best["epoch"] == last["best"]["epoch"]
    assert _equal(best["state_dict"], last["best"]["state_dict"])


def _last_epoch(path: Path) -> int:
    try:
        return int(torch.load(path, map_location="cpu", weights_only=True)["epoch"])
    except (OSError, RuntimeError, EOFError, KeyError):
        return 0


def test_job_killed_mid_training_resumes_and_completes(tiny_copy):
    run = _run_dir(tiny_copy)
    epochs = 25
    write_config(tiny_copy, _config(epochs=epochs, patience=epochs))
    last_path = run / "checkpoint.last.pt"
    done_before = _last_epoch(last_path)
    cmd = [*SNAKEMAKE, "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tiny_copy)]
    proc = subprocess.Popen(
        [*cmd, "--cores", "1", _target(tiny_copy, run)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    killed_at = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            killed_at = _last_epoch(last_path)
            if killed_at >= done_before + 2:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole job: snakemake and its script
        proc.wait()
    assert done_before + 2 <= killed_at < epochs, "the job was not caught mid-training"
    snakemake(tiny_copy, "--unlock")
    snakemake(tiny_copy, "--cores", "1", "--rerun-incomplete", _target(tiny_copy, run))
    history = pd.read_csv(run / "history.tsv", sep="\t")
    assert list(history["epoch"]) == list(range(1, len(history) + 1))  # no epoch twice
    assert len(history) == epochs  # patience = epochs: no early stop
    best = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
    assert best["epoch"] == int(history.loc[history["val_accuracy"].idxmax(), "epoch"])
    log = (tiny_copy / "results/logs/train_model").glob(f"{MODEL}-*none*.log")
    assert any("resuming from" in p.read_text() for p in log)
