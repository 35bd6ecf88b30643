"""Tests for motivic.baselines: MFCC statistics and the validation-tuned SVM."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from motivic.baselines import fit_svm, mfcc_stats, mfcc_stats_from_mel, stats_from_mfcc
from motivic.errors import MotivicError

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
    with pytest.raises(MotivicError, match="calibration"):
        fit_svm(X[:3], np.array([0, 0, 1]), X, y)
