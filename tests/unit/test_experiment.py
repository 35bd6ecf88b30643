"""Tests for motivic.experiment: the experiment grid and the glue of one run (tiny HDF5 stores)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from motivic import experiment
from motivic.config import load_config
from motivic.errors import MotivicError
from motivic.features import MelStoreWriter, feature_params

ROOT = Path(__file__).resolve().parents[2]
N_MELS, N_FRAMES = 16, 48
FAST = {"epochs": 4, "batch_size": 8, "learning_rate": 0.01, "min_frames": 4, "device": "cpu"}


def _mel(
    label: int, valid: int, rng: np.random.Generator, n_mels: int, n_frames: int
) -> np.ndarray:
    """Class 0: energy in the lower bands, class 1: the upper ones; zero padding after ``valid``."""
    mel = rng.normal(0.0, 0.3, size=(n_mels, n_frames)).astype(np.float32)
    half = n_mels // 2
    rows = slice(0, half) if label == 0 else slice(half, n_mels)
    mel[rows] += 3.0
    mel[:, valid:] = 0.0
    return mel


def write_tiny_store(
    path,
    *,
    kind="logmel",
    n_per_class=15,
    labels=("a", "b"),
    extra_label=None,
    seed=0,
    n_frames=N_FRAMES,
):
    """A separable store (3 recordings per label) and its random split; returns (store, split) paths."""
    rng = np.random.default_rng(seed)
    n_mels = 40 if kind == "mel40" else N_MELS
    params = feature_params(kind=kind, n_mels=n_mels, n_frames=n_frames)
    ids, splits = [], []
    names = list(labels) + ([extra_label] if extra_label else [])
    with MelStoreWriter(path, params=params, dataset="motivic") as writer:
        for k, label in enumerate(names):
            for i in range(n_per_class):
                valid = int(rng.integers(6, n_frames + 1))
                seg = f"{label}{i}"
                writer.append(
                    _mel(k % 2, valid, rng, n_mels, n_frames),
                    valid,
                    segment_id=seg,
                    recording=f"{label}_r{i % 3}",
                    label=label,
                    group=f"{label}_r{i % 3}",
                    motif_id="m",
                    start_s=float(i),
                    end_s=float(i) + 0.5,
                )
                ids.append(seg)
                part = (
                    "excluded"
                    if label == extra_label
                    else ("train", "train", "train", "val", "test")[i % 5]
                )
                splits.append(part)
    split_path = Path(path).with_suffix(".tsv")
    pd.DataFrame({"segment_id": ids, "split": splits}).to_csv(split_path, sep="\t", index=False)
    return Path(path), split_path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_store(tmp_path_factory.mktemp("store") / "motivic.h5")


@pytest.fixture(scope="module")
def trained_convnet(tiny, tmp_path_factory):
    store, split = tiny
    ckpt = tmp_path_factory.mktemp("convnet") / "checkpoint.pt"
    torch.manual_seed(0)
    experiment.train_run(
        store,
        split,
        model_name="compact_convnet",
        model_options={"channels": 4},
        training=FAST,
        checkpoint_path=ckpt,
    )
    return ckpt


# ---------------------------------------------------------------------------
# grid
# ---------------------------------------------------------------------------


def _config(**overrides):
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
    config = _config(augment={"policy": "frequency"})
    runs = experiment.table1_runs(config)
    assert len(runs) == (3 + 2 + 2) * 2 * 2  # models + baselines + sanity rows, one fold and seed
    fixed = experiment.BASELINES + experiment.SANITY
    assert {r.augment for r in runs if r.model in fixed} == {"none"}
    assert {r.augment for r in runs if r.model not in fixed} == {"frequency"}
    assert runs[0].path == "results/models/reslstm/motivic/random/0/0/frequency"


def test_table2_runs_default_to_the_whole_grid_and_can_be_disabled():
    runs = experiment.table2_runs(_config())
    assert {(r.model, r.augment) for r in runs} == {("crnn", "none"), ("crnn", "time")}
    assert len(runs) == 2 * 2 * 2  # crnn × 2 datasets × 2 splits × 2 policies
    narrow = _config(
        augment={"policies": ["time"], "table2": {"datasets": ["motivic"], "splits": ["group"]}}
    )
    assert {(r.model, r.dataset, r.split) for r in experiment.table2_runs(narrow)} == {
        (m, "motivic", "group") for m in ("reslstm", "crnn", "pons_time")
    }
    assert experiment.table2_runs(_config(augment={"policies": []})) == []
    assert experiment.table2_runs(_config(augment=None)) == []


def test_run_augment_sets_policy_and_drops_grid_keys():
    section = {
        "policy": "none",
        "policies": ["none"],
        "table2": {},
        "seed": 5,
        "freq_mask_bands": 8,
    }
    section["time_mask_frames"] = 10
    out = experiment.run_augment(section, "time")
    # a time-masked run reads neither the grid keys nor the frequency mask's
    assert out == {"policy": "time", "seed": 5, "time_mask_frames": 10}
    assert list(out) == sorted(out)
    assert experiment.run_augment(section, "frequency") == {
        "freq_mask_bands": 8,
        "policy": "frequency",
        "seed": 5,
    }
    both = experiment.run_augment(section, "both")
    assert both["freq_mask_bands"] == 8 and both["time_mask_frames"] == 10
    assert experiment.run_augment(section, "none") == {"policy": "none"}
    with pytest.raises(MotivicError, match="policy='warp'"):
        experiment.run_augment(section, "warp")


def test_feature_set_for_explicit_default_and_missing():
    sets = {"logmel128": {}, "mel40": {}}
    assert experiment.feature_set_for("pons_time", {"features": "mel40"}, sets) == "mel40"
    assert experiment.feature_set_for("crnn", None, sets) == "logmel128"
    with pytest.raises(MotivicError, match="models.pons_time.features='mel40'"):
        experiment.feature_set_for("pons_time", {"features": "mel40"}, {"logmel128": {}})


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
        experiment.check_grid(_config(**change))


@pytest.mark.parametrize(
    "path",
    ["config.yaml", "config/paper.yaml", "config/flamenco.yaml", "tests/workflow/config_tiny.yaml"],
)
def test_shipped_configs_have_a_consistent_grid(path):
    config = load_config(ROOT / path)
    experiment.check_grid(config)
    for name, cfg in config["models"].items():
        feature_set = experiment.feature_set_for(name, cfg, config["features"])
        if name.startswith("pons_"):  # Pons et al. (2016) train on 40 bands by default
            assert config["features"][feature_set].get("kind") == "mel40"
    assert experiment.table1_runs(config, folds=lambda dataset, split: range(2))


def test_demo_config_reports_both_splits_baselines_and_a_table2():
    config = load_config(ROOT / "config.yaml")
    assert set(config["split"]["strategies"]) == {"random", "group_kfold"}
    assert {"reslstm", "crnn"} <= set(config["models"]) and len(config["models"]) >= 3
    assert set(config["baselines"]) == set(experiment.BASELINES)
    assert len({r.augment for r in experiment.table2_runs(config)}) >= 2


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------


def test_load_run_data_drops_rows_and_labels_outside_the_splits(tmp_path):
    store, split = write_tiny_store(tmp_path / "s.h5", extra_label="c", n_per_class=5)
    data = experiment.load_run_data(store, split)
    assert data.label_names == ["a", "b"]
    assert sum(r.size for r in data.rows.values()) == 10
    assert set(data.labels("train")) == {0, 1}
    table = pd.read_csv(split, sep="\t")
    table.iloc[:-1].to_csv(split, sep="\t", index=False)
    with pytest.raises(MotivicError, match="has no split"):
        experiment.load_run_data(store, split)


def test_train_and_evaluate_run_learn_a_separable_store(tiny, tmp_path):
    store, split = tiny
    ckpt = tmp_path / "run" / "checkpoint.pt"
    torch.manual_seed(0)
    history = experiment.train_run(
        store,
        split,
        model_name="crnn",
        model_options={"channels": 4, "hidden_size": 8},
        training=FAST,
        checkpoint_path=ckpt,
    )
    assert ckpt.exists() and 1 <= history.best_epoch <= FAST["epochs"]
    metrics, predictions, matrix = experiment.evaluate_run(store, split, ckpt, training=FAST)
    assert metrics["accuracy"] >= 0.8 and metrics["labels"] == ["a", "b"]
    assert len(predictions) == metrics["n"] == 6 and matrix.sum() == 6
    assert metrics["vote_accuracy"] >= 0.5 and metrics["model"] == "crnn"
    assert (predictions["predicted"] == predictions["label"]).mean() == pytest.approx(
        metrics["accuracy"]
    )


def test_train_run_with_a_policy_adds_masked_copies(tiny, tmp_path):
    store, split = tiny
    ckpt = tmp_path / "checkpoint.pt"
    augment = experiment.run_augment(
        {"seed": 1, "plan": "proportional", "fraction": 1.0, "time_mask_frames": 4}, "time"
    )
    experiment.train_run(
        store,
        split,
        model_name="compact_convnet",
        model_options={"channels": 2},
        training={**FAST, "epochs": 1},
        augment=augment,
        checkpoint_path=ckpt,
    )
    n_train = experiment.load_run_data(store, split).rows["train"].size
    saved = torch.load(ckpt, weights_only=True)
    assert saved["data"]["n_train"] == 2 * n_train  # fraction 1: one copy of every sample


def test_training_items_follow_the_paper_plan_and_mask_with_silence(tmp_path):
    store, split = write_tiny_store(tmp_path / "p.h5", n_per_class=20)
    full = experiment.load_run_data(store, split)
    train = full.rows["train"]
    keep = np.concatenate([train[full.labels("train") == 0], train[full.labels("train") == 1][:5]])
    data = experiment.RunData(
        full.store, {**full.rows, "train": np.sort(keep)}, full.label_to_index, full.feature_params
    )
    n = Counter(data.labels("train").tolist())
    assert len(set(n.values())) > 1  # an unbalanced split, so the paper plan has a minority
    section = {"seed": 3, "plan": "paper", "time_mask_frames": 20, "freq_mask_bands": 2}
    rows, augments = experiment._training_items(data, experiment.run_augment(section, "both"), 0)
    counts = n
    copies = Counter(
        int(data.label_to_index[str(data.store.index["label"].iloc[r])])
        for r in rows[data.rows["train"].size :]
    )
    n_min = min(counts.values())
    for k, n_k in counts.items():
        assert copies[k] == (8 * n_k if n_k == n_min else 2 * round(0.5 * n_k))
    masks = [a for a in augments if a is not None]
    silence = float(np.log(1e-6))  # logmel: masks are silence, log(log_offset)
    assert [a.fill_value for a in masks] == pytest.approx([silence] * len(masks))
    assert {a.time_mask_max_fraction for a in masks} == {0.2}  # the schema's default p
    assert {a.policy for a in masks} == {"time", "frequency"}


def test_mel40_store_is_standardised_and_short_batches_fit_the_model(tmp_path):
    store, split = write_tiny_store(tmp_path / "m.h5", kind="mel40", n_frames=80, n_per_class=10)
    data = experiment.load_run_data(store, split)
    normalise = data.normaliser()
    assert normalise is not None
    mel, valid = data.store.read(int(data.rows["train"][0]))
    padding = normalise(mel, valid)[:, valid:]
    # padding is silence, standardised like every frame: one constant value (not 0)
    assert padding.size and np.all(padding == padding.flat[0])
    # pons_time needs 60 frames; min_frames=4 would crop most batches below that
    experiment.train_run(
        store,
        split,
        model_name="pons_time",
        model_options={},
        training={**FAST, "epochs": 1},
        checkpoint_path=tmp_path / "p.pt",
    )
    metrics, _, _ = experiment.evaluate_run(store, split, tmp_path / "p.pt", training=FAST)
    assert metrics["n"] == 4


def test_mfcc_svm_run_separates_the_classes(tiny):
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [0.1, 1.0]}]
    metrics, predictions, matrix = experiment.mfcc_svm_run(
        store, split, n_mfcc=8, grid=grid, seed=0
    )
    assert metrics["accuracy"] == 1.0 and metrics["model"] == "mfcc_svm"
    assert metrics["n_features"] == 48 and metrics["svm_params"]["kernel"] == "linear"
    assert matrix.trace() == len(predictions) == 6
    assert metrics["class_weighting"] == "none"
    balanced, _, _ = experiment.mfcc_svm_run(
        store, split, n_mfcc=8, grid=grid, seed=0, class_weighting="balanced"
    )
    assert balanced["class_weighting"] == "balanced" and balanced["accuracy"] == 1.0


def test_convnet_svm_run_uses_the_layers_of_a_trained_convnet(tiny, trained_convnet, tmp_path):
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    metrics, _, _ = experiment.convnet_svm_run(
        store, split, trained_convnet, training=FAST, grid=grid
    )
    assert metrics["n_features"] == 5 * 4  # 5 conv layers × 4 channels
    assert metrics["accuracy"] >= 0.8 and metrics["model"] == "convnet_svm"
    other = tmp_path / "reslstm.pt"
    experiment.train_run(
        store,
        split,
        model_name="reslstm",
        model_options={"channels": 2, "hidden_size": 4},
        training={**FAST, "epochs": 1},
        checkpoint_path=other,
    )
    with pytest.raises(MotivicError, match="compact_convnet"):
        experiment.convnet_svm_run(store, split, other, training=FAST, grid=grid)


def test_convnet_svm_random_and_transfer_sources(tiny, trained_convnet, tmp_path):
    """Choi et al.'s baselines: random-weight convnet features, and a convnet from another task."""
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    random_a, _, _ = experiment.convnet_svm_run(
        store, split, None, training=FAST, grid=grid, source="random", random_seed=4
    )
    random_b, _, _ = experiment.convnet_svm_run(
        store, split, None, training=FAST, grid=grid, source="random", random_seed=4
    )
    assert random_a["model"] == "convnet_svm_random" and random_a["n_features"] == 5 * 32
    assert random_a["accuracy"] == random_b["accuracy"]  # seeded weights
    # a checkpoint trained on other labels: fine for transfer, rejected in-domain
    ckpt = torch.load(trained_convnet, weights_only=True)
    ckpt["label_names"] = [f"source_{name}" for name in ckpt["label_names"]]
    source_task = tmp_path / "source_task.pt"
    torch.save(ckpt, source_task)
    transfer, _, _ = experiment.convnet_svm_run(
        store, split, source_task, training=FAST, grid=grid, source="transfer"
    )
    assert transfer["model"] == "convnet_svm_transfer" and transfer["n_features"] == 5 * 4
    with pytest.raises(MotivicError, match="trained on labels"):
        experiment.convnet_svm_run(store, split, source_task, training=FAST, grid=grid)
    ckpt["feature_params"] = {**ckpt["feature_params"], "n_mels": 999}
    torch.save(ckpt, tmp_path / "other_features.pt")
    with pytest.raises(MotivicError, match="n_mels"):
        experiment.convnet_svm_run(
            store, split, tmp_path / "other_features.pt", training=FAST, source="transfer"
        )
    with pytest.raises(MotivicError, match=r"nowhere\.pt.*does not exist"):
        experiment.convnet_svm_run(
            store, split, tmp_path / "nowhere.pt", training=FAST, source="transfer"
        )
    with pytest.raises(MotivicError, match="source='imagenet'"):
        experiment.convnet_svm_run(store, split, None, training=FAST, source="imagenet")


class _Mel40Store:
    """Two mel40 segments (3 bands, 5 frames, 4 and 2 valid) for the normaliser."""

    def __init__(self):
        self.mel = np.array(
            [
                [[1, 2, 3, 4, 0], [5, 6, 7, 8, 0], [9, 10, 11, 12, 0]],
                [[2, 4, 0, 0, 0], [6, 8, 0, 0, 0], [10, 12, 0, 0, 0]],
            ],
            dtype=np.float32,
        )
        self.valid = np.array([4, 2])

    def read_many(self, indices):
        return self.mel[indices], self.valid[indices]


def test_mel40_normaliser_uses_one_mean_and_std_over_the_training_set():
    """Pons et al. (2016): "not attribute-wise" - one mean and variance, valid frames only."""
    store = _Mel40Store()
    rows = {"train": np.array([0, 1]), "val": np.array([0]), "test": np.array([1])}
    data = experiment.RunData(store, rows, {"a": 0}, {"kind": "mel40"})
    values = np.concatenate([store.mel[0][:, :4].ravel(), store.mel[1][:, :2].ravel()])
    out = data.normaliser()(store.mel[0], 4)
    expected = (store.mel[0][:, :4] - values.mean()) / values.std()
    np.testing.assert_allclose(out[:, :4], expected, rtol=1e-5)
    assert data.pad_value == 0.0  # log(1 + C * 0): mel40 silence
    logmel = experiment.RunData(store, rows, {"a": 0}, {"kind": "logmel", "log_offset": 1e-6})
    assert logmel.normaliser() is None
