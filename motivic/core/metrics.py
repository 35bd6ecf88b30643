"""Classification metrics over numpy arrays and recording-level voting.

Pure functions: class numbers and probabilities in, floats and arrays out.
The segment-level metrics are those reported by Arronte Alvarez & Gómez (2021)
(accuracy, macro ROC-AUC, macro precision, recall and F1); the recording-level
vote aggregates segment predictions per recording as Pons et al. (2017),
"Timbre analysis of music audio signals with convolutional neural networks",
do for their per-song evaluation.

Two F1 scores, named apart:

- ``f1_paper`` = 2PR / (P + R) of the macro precision P and macro recall R.
  This is the paper's F1: it reproduces all eight F1 values of its Table I
  from its P and R columns.
- ``f1_macro`` = the mean of the per-class F1 scores (scikit-learn's
  ``f1_score(average="macro")``); ``f1`` is kept as its alias.

``auc`` is the macro one-vs-rest ROC-AUC: per class, the Mann–Whitney
probability that a random segment of that class scores higher for it than a
random segment of another class (ties count one half), averaged over the
classes that have both positives and negatives in the scored set.

Segments of one recording are not independent, so intervals and tests work
on recordings (:mod:`motivic.core.resampling`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

from motivic.core.errors import MotivicError

__all__ = [
    "check_labels",
    "classification_metrics",
    "confusion",
    "recording_vote",
    "roc_auc_binary",
    "roc_auc_macro",
    "vote_predictions",
]

logger = logging.getLogger(__name__)


def check_labels(y: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise MotivicError(f"{name} has shape {y.shape}; expected one dimension")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes):
        raise MotivicError(
            f"{name} must hold integers in [0, {n_classes}); found {y.dtype} "
            f"in [{y.min()}, {y.max()}]"
        )
    return y.astype(np.int64)


def _check_probs(probs: np.ndarray, n: int, n_classes: int | None = None) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if (
        probs.ndim != 2
        or probs.shape[0] != n
        or (n_classes is not None and probs.shape[1] != n_classes)
    ):
        want = f"[{n}, {n_classes if n_classes is not None else 'n_classes'}]"
        raise MotivicError(f"probs has shape {probs.shape}; expected {want}")
    return probs


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix, rows = true class, columns = predicted class.

    Parameters
    ----------
    y_true, y_pred : np.ndarray [shape=(n,), dtype=int]
        Classes in ``[0, n_classes)``.
    n_classes : int >= 1

    Returns
    -------
    matrix : np.ndarray [shape=(n_classes, n_classes), dtype=int64]
        ``matrix[i, j]`` counts samples of class ``i`` predicted as ``j``.

    Examples
    --------
    >>> confusion(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    if n_classes < 1:
        raise MotivicError(f"n_classes={n_classes} must be >= 1")
    y_true = check_labels(y_true, n_classes, "y_true")
    y_pred = check_labels(y_pred, n_classes, "y_pred")
    if y_true.shape != y_pred.shape:
        raise MotivicError(f"y_true has {y_true.size} entries but y_pred has {y_pred.size}")
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def roc_auc_binary(is_positive: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve via the Mann–Whitney U statistic (ties count one half).

    Parameters
    ----------
    is_positive : np.ndarray [shape=(n,), dtype=bool]
    scores : np.ndarray [shape=(n,)]
        Higher means more likely positive.

    Returns
    -------
    auc : float
        NaN when there are no positives or no negatives.
    """
    is_positive = np.asarray(is_positive, dtype=bool)
    n_pos = int(is_positive.sum())
    n_neg = is_positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    u = ranks[is_positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_auc_macro(y_true: np.ndarray, probs: np.ndarray, *, n_classes: int) -> tuple[float, int]:
    """Macro one-vs-rest ROC-AUC over the classes that have positives and negatives.

    Classes absent from ``y_true`` (and, when only one class is present, that
    class too) make the one-vs-rest AUC undefined; they are left out with a
    warning.

    Returns
    -------
    auc : float
        Mean of the defined per-class AUCs; NaN if none is defined.
    n_used : int
        Number of classes averaged.
    """
    y_true = check_labels(y_true, n_classes, "y_true")
    probs = _check_probs(probs, y_true.size, n_classes)
    aucs = [roc_auc_binary(y_true == c, probs[:, c]) for c in range(n_classes)]
    defined = [a for a in aucs if not np.isnan(a)]
    if len(defined) < n_classes:
        warnings.warn(
            f"ROC-AUC: {n_classes - len(defined)} of {n_classes} classes have no positive "
            "or no negative samples and are left out of the macro average",
            stacklevel=2,
        )
    return (float(np.mean(defined)) if defined else float("nan")), len(defined)


def classification_metrics(y_true: np.ndarray, probs: np.ndarray, *, n_classes: int) -> dict:
    """Segment-level metrics of a single-label classifier.

    Parameters
    ----------
    y_true : np.ndarray [shape=(n,), dtype=int]
        True classes in ``[0, n_classes)``.
    probs : np.ndarray [shape=(n, n_classes)]
        Class scores (probabilities); the prediction is the arg-max.
    n_classes : int >= 1

    Returns
    -------
    metrics : dict
        ``accuracy``; ``balanced_accuracy`` (mean recall over the classes in
        ``y_true``); ``majority_rate`` (share of the most frequent true class:
        the accuracy of the best constant guess); ``auc`` (macro one-vs-rest
        ROC-AUC over the ``auc_classes`` classes where it is defined, see
        :func:`roc_auc_macro`); ``precision``, ``recall`` (macro over the
        classes present in ``y_true`` or the predictions, as scikit-learn's
        default labels, a class with an empty denominator scoring 0);
        ``f1_paper`` (2PR/(P+R) of those), ``f1_macro`` (mean per-class F1,
        alias ``f1``); ``recall_per_class`` (list over all ``n_classes``, NaN
        for a class absent from ``y_true``); ``n`` samples. Plain Python numbers.

    Raises
    ------
    MotivicError
        For empty input, mismatched shapes or classes outside ``[0, n_classes)``.
    """
    y_true = check_labels(y_true, n_classes, "y_true")
    if y_true.size == 0:
        raise MotivicError("classification_metrics: y_true is empty")
    probs = _check_probs(probs, y_true.size, n_classes)
    y_pred = probs.argmax(axis=1)
    matrix = confusion(y_true, y_pred, n_classes)
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    present = (predicted + actual) > 0
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = predicted + actual
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    auc, auc_classes = roc_auc_macro(y_true, probs, n_classes=n_classes)
    macro_p = float(precision[present].mean())
    macro_r = float(recall[present].mean())
    f1_macro = float(f1[present].mean())
    in_truth = actual > 0
    return {
        "accuracy": float(tp.sum() / y_true.size),
        "balanced_accuracy": float(recall[in_truth].mean()),
        "majority_rate": float(actual.max() / y_true.size),
        "auc": auc,
        "auc_classes": int(auc_classes),
        "precision": macro_p,
        "recall": macro_r,
        "f1_paper": float(2 * macro_p * macro_r / (macro_p + macro_r))
        if macro_p + macro_r
        else 0.0,
        "f1_macro": f1_macro,
        "f1": f1_macro,
        "recall_per_class": [float(r) if a else float("nan") for r, a in zip(recall, in_truth)],
        "n": int(y_true.size),
    }


def vote_predictions(probs: np.ndarray, recordings: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Majority vote of segment predictions per recording.

    Each segment votes for its arg-max class; the class with most votes wins.
    Ties go to the tied class with the largest summed probability over the
    recording's segments, then to the lowest class number.

    Parameters
    ----------
    probs : np.ndarray [shape=(n, n_classes)]
    recordings : sequence [shape=(n,)]
        Recording of each segment.

    Returns
    -------
    recording_ids : np.ndarray [shape=(n_recordings,)]
        Distinct recordings, sorted.
    predicted : np.ndarray [shape=(n_recordings,), dtype=int64]
    """
    recordings = np.asarray(recordings)
    probs = _check_probs(probs, recordings.size)
    ids, inverse = np.unique(recordings, return_inverse=True)
    n_classes = probs.shape[1]
    votes = np.zeros((ids.size, n_classes))
    np.add.at(votes, (inverse, probs.argmax(axis=1)), 1.0)
    mass = np.zeros((ids.size, n_classes))
    np.add.at(mass, inverse, probs)
    predicted = np.empty(ids.size, dtype=np.int64)
    for r in range(ids.size):
        tied = np.flatnonzero(votes[r] == votes[r].max())
        predicted[r] = tied[np.argmax(mass[r, tied])]  # argmax keeps the lowest on equal mass
    return ids, predicted


def recording_vote(y_true: np.ndarray, probs: np.ndarray, recordings: Sequence) -> dict:
    """Recording-level accuracy of the majority vote (see :func:`vote_predictions`).

    The true class of a recording is the most frequent class of its segments
    (lowest class number on ties); a warning is issued when a recording's
    segments disagree.

    Returns
    -------
    metrics : dict
        ``vote_accuracy`` (share of recordings whose vote is right) and ``n_recordings``.
    """
    recordings = np.asarray(recordings)
    probs = np.asarray(probs, dtype=np.float64)
    y_true = check_labels(y_true, probs.shape[1] if probs.ndim == 2 else 1, "y_true")
    if y_true.size != recordings.size or y_true.size == 0:
        raise MotivicError(
            f"recording_vote: y_true has {y_true.size} entries, recordings "
            f"{recordings.size}; expected the same non-zero length"
        )
    ids, predicted = vote_predictions(probs, recordings)
    _, inverse = np.unique(recordings, return_inverse=True)
    truth = np.empty(ids.size, dtype=np.int64)
    mixed = 0
    for r in range(ids.size):
        classes = y_true[inverse == r]
        counts = np.bincount(classes)
        truth[r] = int(np.argmax(counts))
        mixed += int(np.count_nonzero(counts) > 1)
    if mixed:
        warnings.warn(
            f"recording_vote: {mixed} recordings have segments of several classes; "
            "their majority class is used as truth",
            stacklevel=2,
        )
    return {"vote_accuracy": float(np.mean(predicted == truth)), "n_recordings": int(ids.size)}
