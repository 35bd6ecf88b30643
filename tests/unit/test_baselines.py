"""Tests for motivic.baselines.svm: MFCC statistics and the validation-tuned SVM."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from motivic.baselines.convnet import convnet_features
from motivic.baselines.mfcc import mfcc_stats, mfcc_stats_from_mel, stats_from_mfcc
from motivic.baselines.svm import (
    LINEAR_MAX_ITER,
    SVC_MAX_ITER,
    fit_svm,
    resolve_class_weighting,
    svm_probabilities,
)
from motivic.core.errors import MotivicError

SR = 22050


def _tone(f0_hz=440.0, duration_s=0.5, seed=0):
    t = np.arange(int(SR * duration_s)) / SR
    noise = np.random.default_rng(seed).normal(scale=0.01, size=t.size)
    return (0.5 * np.sin(2 * np.pi * f0_hz * t) + noise).astype(np.float32)


def test_mfcc_stats_layout_matches_librosa():
    y = _tone()
    feats = mfcc_stats(y, sr=SR)
    assert feats.shape == (120,)
    mfcc = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_mels=128)
    np.testing.assert_allclose(feats[:20], mfcc.mean(1), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(feats[60:80], mfcc.std(1), rtol=1e-4, atol=1e-3)
    delta = librosa.feature.delta(mfcc, width=9)
    np.testing.assert_allclose(feats[20:40], delta.mean(1), rtol=1e-4, atol=1e-3)


def test_mfcc_stats_from_mel_equals_audio_path_for_db_mel():
    y = _tone(220.0)
    logmel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_mels=128))
    np.testing.assert_allclose(
        mfcc_stats_from_mel(logmel), mfcc_stats(y, sr=SR), rtol=1e-4, atol=1e-3
    )


def test_mfcc_stats_from_mel_ignores_padding():
    rng = np.random.default_rng(0)
    mel = rng.normal(size=(32, 12))
    padded = np.concatenate([mel, np.zeros((32, 20))], axis=1)
    np.testing.assert_allclose(
        mfcc_stats_from_mel(padded, 12, n_mfcc=10), mfcc_stats_from_mel(mel, n_mfcc=10)
    )
    assert not np.allclose(
        mfcc_stats_from_mel(padded, n_mfcc=10), mfcc_stats_from_mel(mel, n_mfcc=10)
    )


def test_short_segments_have_zero_deltas():
    feats = stats_from_mfcc(np.arange(6.0).reshape(3, 2))
    assert feats.shape == (18,)
    np.testing.assert_array_equal(feats[3:9], 0.0)  # Δ and ΔΔ means of a 2-frame segment


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mfcc_stats_from_mel(np.zeros((8, 5)), n_mfcc=9), "n_mfcc"),
        (lambda: mfcc_stats_from_mel(np.zeros((8, 5)), 0, n_mfcc=4), "valid_frames"),
        (lambda: mfcc_stats_from_mel(np.zeros(8)), "shape"),
        (lambda: mfcc_stats(np.zeros((2, 100)), sr=SR), "mono"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(MotivicError, match=match):
        call()


def _circles(n, seed):
    """Two concentric rings: separable by an RBF kernel, not by a line."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    radius = np.where(y == 1, 3.0, 1.0) + rng.normal(scale=0.1, size=n)
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1), y


def test_fit_svm_picks_kernel_that_separates_on_validation():
    X_train, y_train = _circles(80, 0)
    X_val, y_val = _circles(40, 1)
    X_test, y_test = _circles(40, 2)
    grid = [
        {"kernel": ["linear"], "C": [0.1, 1.0]},
        {"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": ["scale"]},
    ]
    model, best = fit_svm(X_train, y_train, X_val, y_val, grid=grid, seed=0)
    assert best["kernel"] == "rbf"
    assert np.mean(model.predict(X_test) == y_test) >= 0.95
    probs = model.predict_proba(X_test)
    assert probs.shape == (40, 2)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    # a linear-only grid cannot do this
    linear, _ = fit_svm(X_train, y_train, X_val, y_val, grid={"kernel": ["linear"], "C": [1.0]})
    assert np.mean(linear.predict(X_test) == y_test) < 0.8


def test_fit_svm_rejects_bad_grid_and_shapes():
    X, y = _circles(20, 0)
    with pytest.raises(MotivicError, match="unknown"):
        fit_svm(X, y, X, y, grid={"kernel": ["rbf"], "degreez": [2]})
    with pytest.raises(MotivicError, match="shapes"):
        fit_svm(X, y, X[:, :1], y)
    with pytest.raises(MotivicError, match="empty"):
        fit_svm(X[:0], y[:0], X, y)


def test_fit_svm_degenerate_training_sets_warn_and_still_predict():
    X, y = _circles(20, 0)
    with pytest.warns(UserWarning, match="not calibrated"):
        model, best = fit_svm(
            X[:3], np.array([0, 0, 1]), X, y, grid={"kernel": ["linear"], "C": [1.0]}
        )
    probs = svm_probabilities(model, X, n_classes=2)
    assert best == {"kernel": "linear", "C": 1.0}
    np.testing.assert_array_equal(probs.sum(1), 1.0)
    assert set(np.unique(probs)) <= {0.0, 1.0}  # one-hot predictions
    with pytest.warns(UserWarning, match="one class"):
        model, best = fit_svm(X[:4], np.ones(4, dtype=int), X, y)
    assert best == {}
    np.testing.assert_array_equal(svm_probabilities(model, X, n_classes=3)[:, 1], 1.0)


def test_svm_probabilities_fill_classes_absent_from_training():
    X, y = _circles(40, 0)
    model, _ = fit_svm(X, y * 2, X, y * 2, grid={"kernel": ["rbf"], "C": [1.0]})  # classes 0 and 2
    probs = svm_probabilities(model, X[:5], n_classes=3)
    assert probs.shape == (5, 3)
    np.testing.assert_array_equal(probs[:, 1], 0.0)
    np.testing.assert_allclose(probs.sum(1), 1.0)
    with pytest.raises(MotivicError, match="outside"):
        svm_probabilities(model, X[:5], n_classes=2)


class _ArrayStore:
    def __init__(self, mel, valid):
        self.mel, self.valid = mel, valid

    def read(self, i):
        return self.mel[i], int(self.valid[i])


def test_convnet_features_concatenate_layers_and_ignore_padding():
    import torch

    from motivic.train.models import build
    from motivic.train.models.convnet import layer_features

    torch.manual_seed(0)
    model = build("compact_convnet", 3, n_mels=16, channels=4).eval()
    rng = np.random.default_rng(0)
    mel = rng.normal(size=(3, 16, 40)).astype(np.float32)
    valid = np.array([40, 20, 12])
    padded = mel.copy()
    for i, v in enumerate(valid):
        padded[i, :, v:] = 0.0
    X = convnet_features(model, _ArrayStore(padded, valid), [0, 1, 2], min_frames=8)
    assert X.shape == (3, 5 * 4)
    # the same segments with different padding give the same features
    noisy = padded.copy()
    for i, v in enumerate(valid):
        noisy[i, :, v:] = 5.0
    np.testing.assert_allclose(
        convnet_features(model, _ArrayStore(noisy, valid), [0, 1, 2], min_frames=8), X, rtol=1e-6
    )
    # and they are layer_features of the valid frames, concatenated
    with torch.no_grad():
        expected = torch.cat(layer_features(model, torch.from_numpy(mel[1:2, None, :, :20])), 1)
    np.testing.assert_allclose(X[1], expected[0].numpy(), rtol=1e-5, atol=1e-6)
    # a normaliser is applied first
    shifted = convnet_features(
        model, _ArrayStore(padded, valid), [1], min_frames=8, normalise=lambda m, v: m + 1.0
    )
    assert not np.allclose(shifted, X[1:2])


class _PaddedStore:
    """Two segments of 12 valid frames in 40-frame rows, padded with ``pad``."""

    def __init__(self, pad: float):
        rng = np.random.default_rng(0)
        self.mel = np.full((2, 16, 40), pad, dtype=np.float32)
        self.mel[:, :, :12] = rng.normal(-5.0, 2.0, size=(2, 16, 12))

    def read(self, i):
        return self.mel[i], 12


def test_convnet_features_ignore_the_padding_and_random_weights_are_seeded():
    from motivic.baselines.convnet import convnet_features, random_convnet

    model = random_convnet(3, n_mels=16, seed=7, channels=4)
    same = random_convnet(3, n_mels=16, seed=7, channels=4)
    other = random_convnet(3, n_mels=16, seed=8, channels=4)
    assert all(
        np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(model.parameters(), same.parameters())
    )
    assert not np.array_equal(model.classifier.weight.detach(), other.classifier.weight.detach())
    # min_frames beyond the valid frames: the padding is in the input but must not count
    zero = convnet_features(model, _PaddedStore(0.0), [0, 1], min_frames=30)
    silence = convnet_features(model, _PaddedStore(-13.8), [0, 1], min_frames=30)
    assert zero.shape == (2, 5 * 4)
    np.testing.assert_allclose(zero, silence, atol=1e-6)
    with pytest.raises(MotivicError, match="not a compact_convnet"):
        random_convnet(3, n_mels=16, seed=0, model="crnn")


# ---------------------------------------------------------------------------
# bounded cost and class weighting (issue 18 point 2, issue 19 point 3)
# ---------------------------------------------------------------------------


def _noise(n, d=20, n_classes=3, seed=0):
    """Features that carry no information about the (random) labels: the solvers' worst case."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, n_classes, n)


def _fitted_svm(pipeline):
    """The SVM that the calibrated pipeline's ``predict_proba`` uses (fitted on all the data)."""
    (calibrated,) = pipeline.named_steps["svm"].calibrated_classifiers_
    return calibrated.estimator


@pytest.mark.parametrize(
    ("point", "bound"),
    [
        ({"kernel": "linear", "C": 100.0, "max_iter": 2}, 2),
        ({"kernel": "rbf", "C": 100.0, "gamma": 10.0, "max_iter": 30}, 30),
    ],
)
def test_fit_svm_stops_at_its_iteration_bound_and_logs_it(caplog, point, bound):
    X, y = _noise(300)
    grid = {k: [v] for k, v in point.items()}
    with caplog.at_level("WARNING", logger="motivic.baselines"):
        model, best = fit_svm(X[:200], y[:200], X[200:], y[200:], grid=grid, seed=0)
    assert best == point
    assert np.max(_fitted_svm(model).n_iter_) <= bound
    assert any("iteration bound" in r.getMessage() for r in caplog.records)
    probs = svm_probabilities(model, X[200:], n_classes=3)
    np.testing.assert_allclose(probs.sum(1), 1.0)


def test_fit_svm_bounds_every_point_by_default():
    X, y = _noise(120)
    grid = [{"kernel": ["linear"], "C": [10.0]}, {"kernel": ["rbf"], "C": [100.0]}]
    for point in ({"kernel": "linear", "C": 10.0}, {"kernel": "rbf", "C": 100.0}):
        model, _ = fit_svm(X, y, X, y, grid={k: [v] for k, v in point.items()})
        svm = _fitted_svm(model)
        expected = LINEAR_MAX_ITER if point["kernel"] == "linear" else SVC_MAX_ITER
        assert svm.max_iter == expected
        assert np.max(svm.n_iter_) <= expected
    fit_svm(X, y, X, y, grid=grid)  # the mixed grid runs too
    with pytest.raises(MotivicError, match="max_iter"):
        fit_svm(X, y, X, y, grid={"kernel": ["rbf"], "max_iter": [-1]})


def _imbalanced(n, seed):
    """Two overlapping Gaussian classes, 9 : 1."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    X = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 1.2, 0.0)
    return X, y


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_balanced_weighting_raises_minority_recall(kernel):
    X_train, y_train = _imbalanced(400, 0)
    X_val, y_val = _imbalanced(200, 1)
    X_test, y_test = _imbalanced(1000, 2)
    grid = {"kernel": [kernel], "C": [1.0]}
    recall = {}
    for weighting in ("none", "balanced"):
        model, _ = fit_svm(
            X_train, y_train, X_val, y_val, grid=grid, seed=0, class_weighting=weighting
        )
        probs = svm_probabilities(model, X_test, n_classes=2)
        np.testing.assert_allclose(probs.sum(1), 1.0)
        recall[weighting] = np.mean(probs[y_test == 1].argmax(1) == 1)
    assert recall["balanced"] > recall["none"] + 0.2
    with pytest.raises(MotivicError, match="class_weighting"):
        fit_svm(X_train, y_train, X_val, y_val, grid=grid, class_weighting="inverse")


@pytest.mark.parametrize(
    ("setting", "strategy", "expected"),
    [
        (None, "random", "none"),
        ("auto", "random", "none"),
        ("auto", "group", "balanced"),
        ("auto", "group_kfold", "balanced"),
        (None, "logo", "balanced"),
        ("balanced", "random", "balanced"),
        ("none", "logo", "none"),
    ],
)
def test_resolve_class_weighting(setting, strategy, expected):
    training = {} if setting is None else {"class_weighting": setting}
    assert resolve_class_weighting(training, strategy) == expected


def test_resolve_class_weighting_rejects_unknown_values():
    with pytest.raises(MotivicError, match="class_weighting"):
        resolve_class_weighting({"class_weighting": "inverse"}, "random")
    with pytest.raises(MotivicError, match="strategy"):
        resolve_class_weighting({}, "kfold")
