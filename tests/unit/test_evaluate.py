"""Tests for motivic.core.metrics against scikit-learn and hand-worked examples."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

from motivic.core.errors import MotivicError
from motivic.core.metrics import (
    classification_metrics,
    confusion,
    recording_vote,
    roc_auc_binary,
    vote_predictions,
)


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _sklearn_metrics(y, probs, n_classes):
    pred = probs.argmax(1)
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="macro", zero_division=0)
    return {
        "accuracy": accuracy_score(y, pred),
        "precision": p,
        "recall": r,
        "f1": f,
        "auc": roc_auc_score(y, probs[:, 1])
        if n_classes == 2
        else roc_auc_score(y, probs, multi_class="ovr", average="macro", labels=range(n_classes)),
    }


def test_metrics_match_sklearn_on_known_arrays():
    y = np.array([0, 1, 2, 2, 1, 0, 2, 1])
    probs = np.array(
        [
            [0.7, 0.2, 0.1],
            [0.1, 0.6, 0.3],
            [0.2, 0.2, 0.6],
            [0.5, 0.1, 0.4],
            [0.3, 0.3, 0.4],
            [0.4, 0.5, 0.1],
            [0.1, 0.1, 0.8],
            [0.2, 0.7, 0.1],
        ]
    )
    got = classification_metrics(y, probs, n_classes=3)
    want = _sklearn_metrics(y, probs, 3)
    for key in want:
        assert got[key] == pytest.approx(want[key]), key
    assert got["accuracy"] == pytest.approx(5 / 8)
    assert got["n"] == 8 and got["auc_classes"] == 3


@settings(max_examples=60, deadline=None)
@given(
    n_classes=st.integers(2, 5),
    n=st.integers(10, 60),
    seed=st.integers(0, 10_000),
    ties=st.booleans(),
)
def test_metrics_agree_with_sklearn_property(n_classes, n, seed, ties):
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)])
    logits = rng.normal(size=(n, n_classes))
    if ties:
        logits = np.round(logits)  # many tied scores
    probs = _softmax(logits)
    got = classification_metrics(y, probs, n_classes=n_classes)
    want = _sklearn_metrics(y, probs, n_classes)
    for key in want:
        assert got[key] == pytest.approx(want[key], abs=1e-9), key


def test_auc_leaves_out_absent_classes_with_warning():
    rng = np.random.default_rng(1)
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1])  # class 2 absent
    probs = _softmax(rng.normal(size=(8, 3)))
    with pytest.warns(UserWarning, match="left out"):
        got = classification_metrics(y, probs, n_classes=3)
    assert got["auc_classes"] == 2
    expected = np.mean([roc_auc_score(y == c, probs[:, c]) for c in (0, 1)])
    assert got["auc"] == pytest.approx(expected)


def test_auc_undefined_for_single_class():
    with pytest.warns(UserWarning):
        got = classification_metrics(np.zeros(4, dtype=int), _softmax(np.eye(4, 2)), n_classes=2)
    assert np.isnan(got["auc"]) and got["auc_classes"] == 0
    assert got["accuracy"] == pytest.approx(np.mean(np.eye(4, 2).argmax(1) == 0))


def test_roc_auc_binary_with_ties_matches_sklearn():
    pos = np.array([1, 0, 1, 1, 0, 0, 1], dtype=bool)
    scores = np.array([0.5, 0.5, 0.9, 0.1, 0.1, 0.3, 0.5])
    assert roc_auc_binary(pos, scores) == pytest.approx(roc_auc_score(pos, scores))
    assert np.isnan(roc_auc_binary(np.ones(3, bool), np.arange(3)))


def test_confusion_matches_sklearn():
    rng = np.random.default_rng(2)
    y, p = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    np.testing.assert_array_equal(confusion(y, p, 4), confusion_matrix(y, p, labels=range(4)))
    assert confusion(np.array([0]), np.array([0]), 3).shape == (3, 3)


@pytest.mark.parametrize(
    "y, probs, match",
    [
        (np.array([0, 3]), np.full((2, 3), 1 / 3), "y_true"),
        (np.array([0, 1]), np.full((3, 3), 1 / 3), "probs"),
        (np.array([], dtype=int), np.zeros((0, 3)), "empty"),
        (np.array([0.0, 1.0]), np.full((2, 3), 1 / 3), "y_true"),
    ],
)
def test_metrics_reject_bad_input(y, probs, match):
    with pytest.raises(MotivicError, match=match):
        classification_metrics(y, probs, n_classes=3)


def test_recording_vote_hand_example():
    # recording A: votes 0, 0, 1 -> 0 (true 0, right)
    # recording B: votes 1, 0 -> tie; summed probability favours 1
    #   (0.9 + 0.4 vs 0.1 + 0.6) (true 0, wrong)
    # recording C: votes 1 -> 1 (true 1, right)
    probs = np.array(
        [
            [0.8, 0.2],
            [0.6, 0.4],
            [0.3, 0.7],
            [0.1, 0.9],
            [0.6, 0.4],
            [0.2, 0.8],
        ]
    )
    recordings = ["A", "A", "A", "B", "B", "C"]
    y = np.array([0, 0, 0, 0, 0, 1])
    ids, predicted = vote_predictions(probs, recordings)
    assert ids.tolist() == ["A", "B", "C"] and predicted.tolist() == [0, 1, 1]
    result = recording_vote(y, probs, recordings)
    assert result == {"vote_accuracy": pytest.approx(2 / 3), "n_recordings": 3}


def test_recording_vote_full_tie_goes_to_lowest_class_and_mixed_labels_warn():
    probs = np.array([[0.5, 0.5], [0.5, 0.5]])
    assert vote_predictions(probs, ["r", "r"])[1].tolist() == [0]
    with pytest.warns(UserWarning, match="several classes"):
        result = recording_vote(np.array([1, 0, 1]), np.array([[0.1, 0.9]] * 3), ["r", "r", "r"])
    assert result["vote_accuracy"] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recording_vote(np.array([1, 1]), np.array([[0.1, 0.9]] * 2), ["r", "s"])
    with pytest.raises(MotivicError, match="recordings"):
        recording_vote(np.array([1, 1]), np.array([[0.1, 0.9]] * 2), ["r"])
