"""Tests for motivic.baselines.sanity: the duration-only and shuffled-label rows of Table I."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from motivic.baselines import sanity
from motivic.core.errors import MotivicError
from motivic.features import MelStoreWriter, feature_params

N_MELS, N_FRAMES = 16, 40


def _store(path, *, durations, n_per_class=30, separable_mel=True, seed=0):
    """Two labels; label k's segments last ``durations[k]`` s (± jitter); returns (store, split)."""
    rng = np.random.default_rng(seed)
    params = feature_params(kind="logmel", n_mels=N_MELS, n_frames=N_FRAMES)
    ids, parts = [], []
    with MelStoreWriter(path, params=params, dataset="motivic") as writer:
        for k, label in enumerate(("a", "b")):
            for i in range(n_per_class):
                mel = rng.normal(0.0, 0.3, size=(N_MELS, N_FRAMES)).astype(np.float32)
                if separable_mel:
                    mel[: N_MELS // 2 if k == 0 else N_MELS] += 3.0
                length = durations[k] * rng.uniform(0.9, 1.1)
                seg = f"{label}{i}"
                writer.append(
                    mel, N_FRAMES, segment_id=seg, recording=f"{label}_r{i % 5}", label=label,
                    group=f"{label}_r{i % 5}", motif_id="m", start_s=2.0 * i,
                    end_s=2.0 * i + length,
                )  # fmt: skip
                ids.append(seg)
                parts.append(("train", "train", "train", "val", "test")[i % 5])
    split = path.with_suffix(".tsv")
    pd.DataFrame({"segment_id": ids, "split": parts}).to_csv(split, sep="\t", index=False)
    return path, split


def test_duration_only_finds_a_duration_cue_and_nothing_else(tmp_path):
    store, split = _store(tmp_path / "cue.h5", durations=(0.6, 1.5))
    metrics, predictions, matrix = sanity.duration_only_run(store, split, seed=0)
    assert metrics["model"] == "duration_only" and metrics["accuracy"] == 1.0
    assert matrix.sum() == len(predictions) == 12
    store, split = _store(tmp_path / "none.h5", durations=(1.0, 1.0), seed=1)
    metrics, _, _ = sanity.duration_only_run(store, split, seed=0)
    assert metrics["accuracy"] < 0.9  # equal durations: no better than a guess


def test_shuffled_labels_destroy_a_learnable_signal(tmp_path):
    store, split = _store(tmp_path / "s.h5", durations=(1.0, 1.0), n_per_class=40)
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    accuracies = []
    for seed in range(3):
        metrics, _, _ = sanity.shuffled_labels_run(
            store, split, shuffle_seed=seed, n_mfcc=8, grid=grid, seed=0
        )
        accuracies.append(metrics["accuracy"])
        assert metrics["model"] == "shuffled_labels"
    # the mel is perfectly separable, yet permuted training labels leave ~chance (0.5)
    assert np.mean(accuracies) < 0.8


def test_segment_durations_reject_non_positive_lengths():
    index = pd.DataFrame({"segment_id": ["x", "y"], "start_s": [0.0, 1.0], "end_s": [0.5, 1.0]})
    with pytest.raises(MotivicError, match="'y'"):
        sanity.segment_durations(index)


def test_sanity_rows_take_the_class_weighting(tmp_path):
    store, split = _store(tmp_path / "w.h5", durations=(1.0, 1.0), n_per_class=40)
    grid = [{"kernel": ["linear"], "C": [1.0]}]
    for weighting in ("none", "balanced"):
        metrics, _, _ = sanity.duration_only_run(store, split, class_weighting=weighting)
        assert metrics["class_weighting"] == weighting
        metrics, _, _ = sanity.shuffled_labels_run(
            store, split, shuffle_seed=0, n_mfcc=8, grid=grid, class_weighting=weighting
        )
        assert metrics["class_weighting"] == weighting
    with pytest.raises(MotivicError, match="class_weighting"):
        sanity.duration_only_run(store, split, class_weighting="inverse")
