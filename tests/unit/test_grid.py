"""Tests for motivic.grid: table cells, runs per fold × seed, run-level training sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from motivic import grid
from motivic.config import load_config
from motivic.errors import MotivicError

ROOT = Path(__file__).resolve().parents[2]


def _config(**split):
    return {
        "datasets": ["motivic", "nonmotivic"],
        "split": {"strategies": ["random", "group_kfold"], "folds": 3, **split},
        "training": {"seed": 0, "seeds": [0, 4]},
        "models": {"reslstm": {}, "crnn": {}},
        "baselines": {"mfcc_svm": {}},
        "augment": {"policy": "none", "policies": ["none", "time"], "table2": {"models": ["crnn"]}},
    }


def test_table1_cells_include_baselines_and_sanity_rows():
    cells = grid.table1_cells(_config())
    models = {c.model for c in cells}
    assert models == {"reslstm", "crnn", "mfcc_svm", "duration_only", "shuffled_labels"}
    assert len(cells) == 5 * 2 * 2
    assert all(c.augment == "none" for c in cells)
    config = {**_config(), "sanity": {"duration_only": False}}
    assert "duration_only" not in {c.model for c in grid.table1_cells(config)}


def test_runs_expand_folds_and_seeds_into_paths():
    config = _config(repeats=2)
    runs = grid.expand_runs(grid.table1_cells(config)[:1], config)
    assert [(r.fold, r.seed) for r in runs] == [(0, 0), (0, 4), (1, 0), (1, 4)]
    assert runs[1].path == "results/models/reslstm/motivic/random/0/4/none"
    kfold = [c for c in grid.table1_cells(config) if c.split == "group_kfold"][:1]
    assert len(grid.expand_runs(kfold, config)) == 3 * 2


def test_logo_folds_come_from_the_written_split():
    config = _config()
    config["split"]["strategies"] = ["logo"]
    cells = grid.table1_cells(config)
    with pytest.raises(MotivicError, match="one fold per group"):
        grid.expand_runs(cells, config)
    runs = grid.expand_runs(cells[:1], config, folds=lambda dataset, split: range(5))
    assert len(runs) == 5 * 2


def test_table2_cells_follow_the_table2_grid():
    cells = grid.table2_cells(_config())
    assert {(c.model, c.augment) for c in cells} == {("crnn", "none"), ("crnn", "time")}
    assert len(cells) == 2 * 2 * 2


def test_run_training_drops_seeds_and_sets_the_run_seed():
    out = grid.run_training({"seeds": [0, 1], "seed": 0, "epochs": 3}, "1")
    assert out == {"epochs": 3, "seed": 1}
    assert grid.seeds({"training": {"seed": 5}}) == [5]
    assert grid.seeds({}) == [0]


@pytest.mark.parametrize("name", ["config.yaml", "config/paper.yaml", "config/flamenco.yaml"])
def test_shipped_configs_give_a_grid(name):
    config = load_config(ROOT / name)
    cells = grid.table1_cells(config)
    assert cells
    folds = lambda dataset, split: range(3)
    runs = grid.expand_runs(cells, config, folds=folds)
    assert len({r.path for r in runs}) == len(runs)
