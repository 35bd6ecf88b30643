"""Sanity rows of Table I: what a model must beat before its number means anything.

``duration_only``
    A logistic regression whose only feature is the segment's log duration.
    Motifs of different styles (or singers) can differ in length. The
    networks ignore the padding (masked pooling), but a segment's number of
    valid frames still reaches them, as it reaches the SVMs' statistics; this
    row shows how far the length alone goes.
``shuffled_labels``
    The MFCC statistics + SVM baseline (Choi 2018, ch. 6) trained on
    training and validation labels permuted within the fold (class counts
    kept), scored on the true test labels. It should sit at chance level
    (the majority-class rate or below); above it, something leaks.

Both are scored like every other run (:func:`motivic.train.runs.evaluate_run`
output format), on the same folds, and weighted like the baselines
(``class_weighting``, :func:`motivic.baselines.svm.resolve_class_weighting`). Both
fits have a bounded cost: lbfgs stops after 1,000 iterations, and the SVM is
:func:`motivic.baselines.svm.fit_svm`'s bounded grid.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from motivic.baselines import mfcc
from motivic.baselines.runs import svm_run
from motivic.baselines.svm import CLASS_WEIGHTINGS
from motivic.core.errors import MotivicError
from motivic.train.runs import load_run_data, score_run

__all__ = ["duration_only_run", "segment_durations", "shuffled_labels_run"]

logger = logging.getLogger(__name__)


def segment_durations(index: pd.DataFrame) -> np.ndarray:
    """``end_s - start_s`` of each row of a store index, in seconds.

    Raises
    ------
    MotivicError
        If a duration is not positive.
    """
    durations = (index["end_s"].astype(float) - index["start_s"].astype(float)).to_numpy()
    if durations.size and durations.min() <= 0:
        bad = index["segment_id"].iloc[int(np.argmin(durations))]
        raise MotivicError(f"segment {bad!r} has a non-positive duration ({durations.min()} s)")
    return durations


def duration_only_run(
    store_path: str | Path,
    split_path: str | Path,
    *,
    seed: int = 0,
    class_weighting: str = "none",
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Fit a logistic regression on log duration (training rows) and score the test rows.

    Parameters
    ----------
    store_path, split_path : path
    seed : int
        ``random_state`` of the regression.
    class_weighting : {"none", "balanced"}
        ``balanced``: scikit-learn's ``class_weight="balanced"``.

    Returns
    -------
    metrics, predictions, confusion_matrix
        As :func:`motivic.train.runs.evaluate_run`.
    """
    if class_weighting not in CLASS_WEIGHTINGS:
        raise MotivicError(
            f"class_weighting={class_weighting!r} must be one of {list(CLASS_WEIGHTINGS)}"
        )
    data = load_run_data(store_path, split_path)
    log_d = np.log(segment_durations(data.store.index))[:, None]
    y_train = data.labels("train")
    n_classes = len(data.label_names)
    regression = LogisticRegression(
        max_iter=1000,
        random_state=seed,
        class_weight="balanced" if class_weighting == "balanced" else None,
    )
    model = make_pipeline(StandardScaler(), regression)
    probs = np.zeros((data.rows["test"].size, n_classes))
    if np.unique(y_train).size > 1:
        model.fit(log_d[data.rows["train"]], y_train)
        classes = model.classes_.astype(np.int64)
        probs[:, classes] = model.predict_proba(log_d[data.rows["test"]])
    else:  # one class to learn: predict it
        probs[:, int(y_train[0])] = 1.0
    positions = np.arange(data.rows["test"].size)
    metrics, predictions, matrix = score_run(data, "test", positions, probs, data.label_names)
    metrics.update(model="duration_only", n_features=1, class_weighting=class_weighting)
    return metrics, predictions, matrix


def shuffled_labels_run(
    store_path: str | Path,
    split_path: str | Path,
    *,
    shuffle_seed: int,
    n_mfcc: int = 20,
    grid: dict | list | None = None,
    seed: int = 0,
    class_weighting: str = "none",
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """MFCC + SVM trained on permuted training and validation labels, scored on the true test labels.

    Parameters
    ----------
    store_path, split_path : path
    shuffle_seed : int
        Seed of the two permutations.
    n_mfcc, grid, seed, class_weighting
        As :func:`motivic.baselines.runs.mfcc_svm_run` (the weights follow the
        permuted labels, whose class counts are the true ones).

    Returns
    -------
    metrics, predictions, confusion_matrix
        As :func:`motivic.train.runs.evaluate_run`.
    """
    data = load_run_data(store_path, split_path)
    rng = np.random.default_rng(shuffle_seed)
    features = {
        part: mfcc.features_from_store(data.store, data.rows[part], n_mfcc=n_mfcc)
        for part in ("train", "val", "test")
    }
    y_train = rng.permutation(data.labels("train"))
    y_val = rng.permutation(data.labels("val"))
    kept = float(np.mean(y_train == data.labels("train")))
    logger.info("labels permuted (seed %d): %.2f of training labels unchanged", shuffle_seed, kept)
    metrics, predictions, matrix = svm_run(
        data,
        features,
        grid=grid,
        seed=seed,
        name="shuffled_labels",
        class_weighting=class_weighting,
        train_labels=y_train,
        val_labels=y_val,
    )
    metrics.update(shuffle_seed=int(shuffle_seed))
    return metrics, predictions, matrix
