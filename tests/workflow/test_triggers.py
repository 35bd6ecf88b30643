"""Exact rerun triggers: for each config or code edit, exactly which rules rerun.

Config edits are dry runs on a copy of the finished tiny run. Code edits are made in a copy of
the workflow's source (Snakefile, rules, scripts, the motivic package) that the dry run uses, so
the repository is never touched. A rule reruns after a code edit when the edited module is
reachable from its script (motivic/workflow/provenance.py), and then so does everything downstream.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from motivic.core.config import validate_config
from motivic.workflow.grid import BASELINES, SANITY, table1_runs, table2_runs

from .conftest import ROOT, load_tiny, planned_jobs
from .conftest import change_config as _edit_config

pytestmark = pytest.mark.slow

TINY = load_tiny()
N_REC = TINY["synth"]["n_classes"] * TINY["synth"]["recordings_per_class"]
SOURCE_PARTS = ("Snakefile", "rules", "workflow_scripts", "motivic", "schemas", "report", "envs")

#: Every rule of the tiny run that is downstream of the contours (all recordings-level rules and
#: what consumes them), i.e. what a contour change must rerun, and no more.
UPSTREAM_OF_CONTOUR = {"synth_corpus", "validate_corpus", "extract_pitch", "extract_eval_pitch"}
PITCH_EVALUATION = {"evaluate_pitch"}


def _networks(keep=lambda run: True) -> int:
    config = validate_config(copy.deepcopy(TINY))
    runs = set(table1_runs(config)) | set(table2_runs(config))
    return len({r for r in runs if r.model not in BASELINES + SANITY and keep(r)})


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """A copy of the workflow's source, to edit."""
    source = tmp_path / "source"
    source.mkdir()
    for part in SOURCE_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, source / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / part)
    return source


def _module(source: Path, dotted: str) -> Path:
    """File of a motivic module or package in the copy (modules may become packages)."""
    base = source.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"no module {dotted} in {source}")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


CODE = "\n_TRIGGER_PROBE = 1\n"


# ----------------------------------------------------------------------- config edits


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("training", "num_workers"), 2),
        (("training", "device"), "cpu"),
        (("augment", "freq_mask_bands"), 4),  # the tiny grid has no frequency-masked run
    ],
    ids=["num_workers", "device", "unused-mask"],
)
def test_run_time_settings_and_unread_keys_rerun_nothing(tiny_copy, path, value):
    assert _edit_config(tiny_copy, *path, value) == {}


@pytest.mark.parametrize(
    ("path", "value"),
    [(("augment", "seed"), 6), (("augment", "time_mask_frames"), 10)],
    ids=["augment-seed", "time-mask"],
)
def test_masking_keys_retrain_only_the_masked_runs(tiny_copy, path, value):
    n_time = _networks(lambda r: r.augment == "time")
    assert n_time >= 1
    assert _edit_config(tiny_copy, *path, value) == {
        "train_model": n_time,
        "collect_table2": 1,
    }


def test_epochs_retrains_every_network_and_nothing_upstream(tiny_copy):
    n = _networks()
    assert _edit_config(tiny_copy, "training", "epochs", 2) == {
        "train_model": n,
        "baseline_svm": len(  # convnet_svm: its features come from a retrained convnet
            [r for r in table1_runs(validate_config(copy.deepcopy(TINY))) if r.model == "convnet_svm"]
        ),
        "collect_results": 1,
        "collect_table2": 1,
        "compare_datasets": 1,
        "build_browser": 1,  # per-motif test accuracy (browser.accuracy)
    }


def test_learning_rate_retrains_and_rescores_every_network(tiny_copy):
    # train_model scores the checkpoint it trains: a training key reruns each network's one job,
    # and nothing upstream of the stores
    jobs = _edit_config(tiny_copy, "training", "learning_rate", 0.002)
    assert jobs["train_model"] == _networks()
    assert not {"build_mel_store", "select_segments", "split_fold"} & set(jobs)


# ------------------------------------------------------------------------- code edits

CODE_EDITS = [
    # (file to edit, text, rules that must rerun with their counts (None: any), rules that must not)
    pytest.param(
        "motivic.contour",
        CODE,
        {"simplify_contour": N_REC, "mine_motifs": N_REC, "collect_motifs": 1, "train_model": None},
        UPSTREAM_OF_CONTOUR | PITCH_EVALUATION,
        id="contour",
    ),
    pytest.param(
        "motivic.mining",
        CODE,
        {"mine_motifs": N_REC, "collect_motifs": 1},
        UPSTREAM_OF_CONTOUR | PITCH_EVALUATION | {"simplify_contour"},
        id="mining",
    ),
    pytest.param(
        "motivic.train",
        CODE,
        {"train_model": _networks(), "collect_results": 1},
        UPSTREAM_OF_CONTOUR | {"simplify_contour", "mine_motifs", "build_mel_store"},
        id="train",
    ),
    pytest.param(
        "workflow_scripts/collect_results.py",
        CODE,
        {"collect_results": 1, "collect_table2": 1},
        set(),
        id="collect-script",
    ),
]


@pytest.mark.parametrize(("target", "text", "rerun", "untouched"), CODE_EDITS)
def test_code_edit_reruns_its_rules_onward_and_nothing_upstream(
    tiny_copy, source_copy, target, text, rerun, untouched
):
    assert planned_jobs(tiny_copy, source=source_copy) == {}  # the copy alone changes nothing
    path = source_copy / target if "/" in target else _module(source_copy, target)
    _append(path, text)
    jobs = planned_jobs(tiny_copy, source=source_copy)
    for rule, count in rerun.items():
        assert rule in jobs, (rule, jobs)
        if count is not None:
            assert jobs[rule] == count, (rule, jobs)
    assert not untouched & set(jobs), jobs
    if target.endswith("collect_results.py"):
        assert jobs == rerun


def test_script_helpers_edit_reruns_everything(tiny_copy, source_copy):
    # Every script imports _common: the first rules rerun, and so everything after them (a dry
    # run cannot list the jobs after the validation checkpoint before the checkpoint reruns).
    _append(source_copy / "workflow_scripts" / "_common.py", CODE)
    jobs = planned_jobs(tiny_copy, source=source_copy)
    assert jobs.get("synth_corpus") == 1 and jobs.get("validate_corpus") == 1


def test_docstring_and_comment_edits_rerun_nothing(tiny_copy, source_copy):
    path = _module(source_copy, "motivic.mining")
    text = path.read_text()
    first = text.index('"""')
    path.write_text(text[: first + 3] + "Reworded. " + text[first + 3 :])
    _append(_module(source_copy, "motivic.contour"), "\n# only a comment\n")
    # (a workflow script is different: Snakemake itself reruns a rule whose script is newer
    # than its outputs, whatever the edit)
    assert planned_jobs(tiny_copy, source=source_copy) == {}
