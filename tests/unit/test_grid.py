"""Tests for motivic.workflow.grid: table cells, runs per fold × seed, run-level training sections."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from motivic.core.config import load_config
from motivic.core.errors import MotivicError
from motivic.workflow import grid

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


def test_run_training_resolves_auto_class_weighting_per_split_strategy():
    for split, expected in [
        ("random", "none"),
        ("group", "balanced"),
        ("logo_by_singer", "balanced"),
        ("motif_group_kfold", "balanced"),
    ]:
        assert grid.run_training({"seed": 0}, 0, split)["class_weighting"] == expected
        assert grid.run_training({"class_weighting": "auto"}, 0, split)["class_weighting"] == expected
    # an explicit setting wins; without a split nothing is resolved
    assert grid.run_training({"class_weighting": "none"}, 0, "logo")["class_weighting"] == "none"
    assert "class_weighting" not in grid.run_training({"seed": 0}, 0)


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


# table runs, feature sets, masking per run and cross-section checks


def _grid_config(**overrides):
    config = {
        "features": {"logmel128": {}, "mel40": {"kind": "mel40"}},
        "models": {"reslstm": {}, "crnn": {"hidden_size": 8}, "pons_time": {"features": "mel40"}},
        "datasets": ["motivic", "nonmotivic"],
        "split": {"strategies": ["random", "group"]},
        "augment": {"policy": "none", "policies": ["none", "time"], "table2": {"models": ["crnn"]}},
        "baselines": {"mfcc_svm": {}, "convnet_svm": None},
    }
    config.update(overrides)
    return config


def test_table1_runs_cover_models_and_baselines_with_table1_policy():
    config = _grid_config(augment={"policy": "frequency"})
    grid_runs = grid.table1_runs(config)
    assert len(grid_runs) == (3 + 2 + 2) * 2 * 2  # models + baselines + sanity rows, one fold and seed
    fixed = grid.BASELINES + grid.SANITY
    assert {r.augment for r in grid_runs if r.model in fixed} == {"none"}
    assert {r.augment for r in grid_runs if r.model not in fixed} == {"frequency"}
    assert grid_runs[0].path == "results/models/reslstm/motivic/random/0/0/frequency"


def test_table2_runs_default_to_the_whole_grid_and_can_be_disabled():
    grid_runs = grid.table2_runs(_grid_config())
    assert {(r.model, r.augment) for r in grid_runs} == {("crnn", "none"), ("crnn", "time")}
    assert len(grid_runs) == 2 * 2 * 2  # crnn × 2 datasets × 2 splits × 2 policies
    narrow = _grid_config(
        augment={"policies": ["time"], "table2": {"datasets": ["motivic"], "splits": ["group"]}}
    )
    assert {(r.model, r.dataset, r.split) for r in grid.table2_runs(narrow)} == {
        (m, "motivic", "group") for m in ("reslstm", "crnn", "pons_time")
    }
    assert grid.table2_runs(_grid_config(augment={"policies": []})) == []
    assert grid.table2_runs(_grid_config(augment=None)) == []


def test_run_augment_sets_policy_and_drops_grid_keys():
    section = {
        "policy": "none",
        "policies": ["none"],
        "table2": {},
        "seed": 5,
        "freq_mask_bands": 8,
    }
    section["time_mask_frames"] = 10
    out = grid.run_augment(section, "time")
    # a time-masked run reads neither the grid keys nor the frequency mask's
    assert out == {"policy": "time", "seed": 5, "time_mask_frames": 10}
    assert list(out) == sorted(out)
    assert grid.run_augment(section, "frequency") == {
        "freq_mask_bands": 8,
        "policy": "frequency",
        "seed": 5,
    }
    both = grid.run_augment(section, "both")
    assert both["freq_mask_bands"] == 8 and both["time_mask_frames"] == 10
    assert grid.run_augment(section, "none") == {"policy": "none"}
    with pytest.raises(MotivicError, match="policy='warp'"):
        grid.run_augment(section, "warp")


def test_feature_set_for_explicit_default_and_missing():
    sets = {"logmel128": {}, "mel40": {}}
    assert grid.feature_set_for("pons_time", {"features": "mel40"}, sets) == "mel40"
    assert grid.feature_set_for("crnn", None, sets) == "logmel128"
    with pytest.raises(MotivicError, match="models.pons_time.features='mel40'"):
        grid.feature_set_for("pons_time", {"features": "mel40"}, {"logmel128": {}})


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"augment": {"table2": {"models": ["resnet50"]}}}, "augment.table2.models"),
        (
            {
                "augment": {"table2": {"splits": ["group", "random"]}},
                "split": {"strategies": ["random"]},
            },
            "augment.table2.splits",
        ),
        (
            {"baselines": {"convnet_svm": {"model": "compact_convnet"}}},
            "baselines.convnet_svm.model",
        ),
        ({"baselines": {"mfcc_svm": {"features": "mfcc"}}}, "baselines.mfcc_svm.features"),
        ({"features": {"logmel128": {}}}, "models.pons_time.features"),
    ],
)
def test_check_grid_names_the_inconsistent_key(change, fragment):
    with pytest.raises(MotivicError, match=fragment.replace(".", r"\.")):
        grid.check_grid(_grid_config(**change))


@pytest.mark.parametrize(
    "path",
    ["config.yaml", "config/paper.yaml", "config/flamenco.yaml", "tests/workflow/config_tiny.yaml"],
)
def test_shipped_configs_have_a_consistent_grid(path):
    config = load_config(ROOT / path)
    grid.check_grid(config)
    for name, cfg in config["models"].items():
        feature_set = grid.feature_set_for(name, cfg, config["features"])
        if name.startswith("pons_"):  # Pons et al. (2016) train on 40 bands by default
            assert config["features"][feature_set].get("kind") == "mel40"
    assert grid.table1_runs(config, folds=lambda dataset, split: range(2))


def test_demo_config_reports_grouped_folds_baselines_and_a_table2():
    config = load_config(ROOT / "config.yaml")
    # grouped folds only: the random split is the paper's within-recording protocol (paper.yaml)
    assert config["split"]["strategies"] == ["group_kfold"]
    paper = load_config(ROOT / "config" / "paper.yaml")
    assert "random" in paper["split"]["strategies"]
    # the paper's ResLSTM and a convolutional network (the convnet_svm baseline's feature extractor)
    assert {"reslstm", "compact_convnet"} <= set(config["models"])
    assert {"mfcc_svm", "convnet_svm", "motif_ngrams"} <= set(config["baselines"])
    assert set(config["datasets"]) == {"motivic", "nonmotivic"}
    assert config["sanity"]["duration_only"] and config["sanity"]["shuffled_labels"]
    assert len({r.augment for r in grid.table2_runs(config)}) >= 2


def test_baselines_are_every_baseline_the_schema_knows():
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    assert set(grid.BASELINES) == set(schema["properties"]["baselines"]["properties"])
    assert not set(grid.BASELINES) & set(grid.SANITY)
