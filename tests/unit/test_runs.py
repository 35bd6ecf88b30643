"""Tests for one run (tiny HDF5 stores): motivic.train.runs and the SVM runs of motivic.baselines.runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from motivic.baselines import runs as baseline_runs
from motivic.core.errors import MotivicError
from motivic.features import MelStoreWriter, feature_params
from motivic.train import runs
from motivic.workflow import grid

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
    runs.train_run(
        store,
        split,
        model_name="compact_convnet",
        model_options={"channels": 4},
        training=FAST,
        checkpoint_path=ckpt,
    )
    return ckpt


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------


def test_load_run_data_drops_rows_and_labels_outside_the_splits(tmp_path):
    store, split = write_tiny_store(tmp_path / "s.h5", extra_label="c", n_per_class=5)
    data = runs.load_run_data(store, split)
    assert data.label_names == ["a", "b"]
    assert sum(r.size for r in data.rows.values()) == 10
    assert set(data.labels("train")) == {0, 1}
    table = pd.read_csv(split, sep="\t")
    table.iloc[:-1].to_csv(split, sep="\t", index=False)
    with pytest.raises(MotivicError, match="has no split"):
        runs.load_run_data(store, split)


def test_train_and_evaluate_run_learn_a_separable_store(tiny, tmp_path):
    store, split = tiny
    ckpt = tmp_path / "run" / "checkpoint.pt"
    torch.manual_seed(0)
    history = runs.train_run(
        store,
        split,
        model_name="crnn",
        model_options={"channels": 4, "hidden_size": 8},
        training=FAST,
        checkpoint_path=ckpt,
    )
    assert ckpt.exists() and 1 <= history.best_epoch <= FAST["epochs"]
    metrics, predictions, matrix = runs.evaluate_run(store, split, ckpt, training=FAST)
    assert metrics["accuracy"] >= 0.8 and metrics["labels"] == ["a", "b"]
    assert len(predictions) == metrics["n"] == 6 and matrix.sum() == 6
    assert metrics["vote_accuracy"] >= 0.5 and metrics["model"] == "crnn"
    assert (predictions["predicted"] == predictions["label"]).mean() == pytest.approx(
        metrics["accuracy"]
    )
    # the run's selection record travels into metrics.json
    assert metrics["best_epoch"] == history.best_epoch
    assert metrics["val_balanced_accuracy"] == pytest.approx(
        history.val_balanced_accuracy[history.best_epoch - 1]
    )
    assert set(metrics["train_class_priors"]) == {"a", "b"}
    assert sum(metrics["train_class_priors"].values()) == pytest.approx(1.0)
    assert metrics["class_weighting"] == FAST.get("class_weighting", "none")


def test_train_run_with_a_policy_adds_masked_copies(tiny, tmp_path):
    store, split = tiny
    ckpt = tmp_path / "checkpoint.pt"
    augment = grid.run_augment(
        {"seed": 1, "plan": "proportional", "fraction": 1.0, "time_mask_frames": 4}, "time"
    )
    runs.train_run(
        store,
        split,
        model_name="compact_convnet",
        model_options={"channels": 2},
        training={**FAST, "epochs": 1},
        augment=augment,
        checkpoint_path=ckpt,
    )
    n_train = runs.load_run_data(store, split).rows["train"].size
    saved = torch.load(ckpt, weights_only=True)
    assert saved["data"]["n_train"] == 2 * n_train  # fraction 1: one copy of every sample


def test_training_items_follow_the_paper_plan_and_mask_with_silence(tmp_path):
    store, split = write_tiny_store(tmp_path / "p.h5", n_per_class=20)
    full = runs.load_run_data(store, split)
    train = full.rows["train"]
    keep = np.concatenate([train[full.labels("train") == 0], train[full.labels("train") == 1][:5]])
    data = runs.RunData(
        full.store, {**full.rows, "train": np.sort(keep)}, full.label_to_index, full.feature_params
    )
    n = Counter(data.labels("train").tolist())
    assert len(set(n.values())) > 1  # an unbalanced split, so the paper plan has a minority
    section = {"seed": 3, "plan": "paper", "time_mask_frames": 20, "freq_mask_bands": 2}
    rows, augments = runs._training_items(data, grid.run_augment(section, "both"))
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
    data = runs.load_run_data(store, split)
    normalise = data.normaliser()
    assert normalise is not None
    mel, valid = data.store.read(int(data.rows["train"][0]))
    padding = normalise(mel, valid)[:, valid:]
    # padding is silence, standardised like every frame: one constant value (not 0)
    assert padding.size and np.all(padding == padding.flat[0])
    # pons_time needs 60 frames; min_frames=4 would crop most batches below that
    runs.train_run(
        store,
        split,
        model_name="pons_time",
        model_options={},
        training={**FAST, "epochs": 1},
        checkpoint_path=tmp_path / "p.pt",
    )
    metrics, _, _ = runs.evaluate_run(store, split, tmp_path / "p.pt", training=FAST)
    assert metrics["n"] == 4


def test_mfcc_svm_run_separates_the_classes(tiny):
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [0.1, 1.0]}]
    metrics, predictions, matrix = baseline_runs.mfcc_svm_run(
        store, split, n_mfcc=8, grid=grid, seed=0
    )
    assert metrics["accuracy"] == 1.0 and metrics["model"] == "mfcc_svm"
    assert metrics["n_features"] == 48 and metrics["svm_params"]["kernel"] == "linear"
    assert matrix.trace() == len(predictions) == 6
    assert metrics["class_weighting"] == "none"
    balanced, _, _ = baseline_runs.mfcc_svm_run(
        store, split, n_mfcc=8, grid=grid, seed=0, class_weighting="balanced"
    )
    assert balanced["class_weighting"] == "balanced" and balanced["accuracy"] == 1.0


def test_convnet_svm_run_uses_the_layers_of_a_trained_convnet(tiny, trained_convnet, tmp_path):
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    metrics, _, _ = baseline_runs.convnet_svm_run(
        store, split, trained_convnet, training=FAST, grid=grid
    )
    assert metrics["n_features"] == 5 * 4  # 5 conv layers × 4 channels
    assert metrics["accuracy"] >= 0.8 and metrics["model"] == "convnet_svm"
    other = tmp_path / "reslstm.pt"
    runs.train_run(
        store,
        split,
        model_name="reslstm",
        model_options={"channels": 2, "hidden_size": 4},
        training={**FAST, "epochs": 1},
        checkpoint_path=other,
    )
    with pytest.raises(MotivicError, match="compact_convnet"):
        baseline_runs.convnet_svm_run(store, split, other, training=FAST, grid=grid)


def test_convnet_svm_random_and_transfer_sources(tiny, trained_convnet, tmp_path):
    """Choi et al.'s baselines: random-weight convnet features, and a convnet from another task."""
    store, split = tiny
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    random_a, _, _ = baseline_runs.convnet_svm_run(
        store, split, None, training=FAST, grid=grid, source="random", random_seed=4
    )
    random_b, _, _ = baseline_runs.convnet_svm_run(
        store, split, None, training=FAST, grid=grid, source="random", random_seed=4
    )
    assert random_a["model"] == "convnet_svm_random" and random_a["n_features"] == 5 * 32
    assert random_a["accuracy"] == random_b["accuracy"]  # seeded weights
    # a checkpoint trained on other labels: fine for transfer, rejected in-domain
    ckpt = torch.load(trained_convnet, weights_only=True)
    ckpt["label_names"] = [f"source_{name}" for name in ckpt["label_names"]]
    source_task = tmp_path / "source_task.pt"
    torch.save(ckpt, source_task)
    transfer, _, _ = baseline_runs.convnet_svm_run(
        store, split, source_task, training=FAST, grid=grid, source="transfer"
    )
    assert transfer["model"] == "convnet_svm_transfer" and transfer["n_features"] == 5 * 4
    with pytest.raises(MotivicError, match="trained on labels"):
        baseline_runs.convnet_svm_run(store, split, source_task, training=FAST, grid=grid)
    ckpt["feature_params"] = {**ckpt["feature_params"], "n_mels": 999}
    torch.save(ckpt, tmp_path / "other_features.pt")
    with pytest.raises(MotivicError, match="n_mels"):
        baseline_runs.convnet_svm_run(
            store, split, tmp_path / "other_features.pt", training=FAST, source="transfer"
        )
    with pytest.raises(MotivicError, match=r"nowhere\.pt.*does not exist"):
        baseline_runs.convnet_svm_run(
            store, split, tmp_path / "nowhere.pt", training=FAST, source="transfer"
        )
    with pytest.raises(MotivicError, match="source='imagenet'"):
        baseline_runs.convnet_svm_run(store, split, None, training=FAST, source="imagenet")


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
    data = runs.RunData(store, rows, {"a": 0}, {"kind": "mel40"})
    values = np.concatenate([store.mel[0][:, :4].ravel(), store.mel[1][:, :2].ravel()])
    out = data.normaliser()(store.mel[0], 4)
    expected = (store.mel[0][:, :4] - values.mean()) / values.std()
    np.testing.assert_allclose(out[:, :4], expected, rtol=1e-5)
    assert data.pad_value == 0.0  # log(1 + C * 0): mel40 silence
    logmel = runs.RunData(store, rows, {"a": 0}, {"kind": "logmel", "log_offset": 1e-6})
    assert logmel.normaliser() is None
