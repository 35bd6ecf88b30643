"""The SVM baselines of Choi (2018), ch. 6, as runs on one store and split.

Choi (2018), PhD thesis "Deep neural networks for music tagging": MFCC
statistics + SVM (:func:`mfcc_svm_run`), and the activations of a compact
convnet + SVM (:func:`convnet_svm_run`; Choi et al. 2017, "Transfer learning
for music classification and regression tasks"). Features come from
:mod:`motivic.baselines.svm`; data loading and scoring are those of the
network runs (:mod:`motivic.train.runs`), so every row of Table I is scored
the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.baselines import convnet, mfcc, svm
from motivic.core.errors import MotivicError
from motivic.train.checkpoints import resolve_device
from motivic.train.config import TrainConfig
from motivic.train.runs import (
    MinFrames,
    RunData,
    fit_min_frames,
    load_run_data,
    load_trained,
    score_run,
)

__all__ = ["convnet_svm_run", "mfcc_svm_run", "svm_run"]


def svm_run(
    data: RunData,
    features: Mapping[str, np.ndarray],
    *,
    grid,
    seed: int,
    name: str,
    class_weighting: str,
    train_labels: np.ndarray | None = None,
    val_labels: np.ndarray | None = None,
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Fit an SVM on ``features`` (tuned on the validation rows) and score it on the test rows.

    Parameters
    ----------
    data : RunData
        The run's store and split (:func:`motivic.train.runs.load_run_data`).
    features : mapping of {"train", "val", "test"} to np.ndarray [shape=(n, d)]
        One row per segment of each part, in the split's order.
    grid, seed, class_weighting
        As :func:`motivic.baselines.svm.fit_svm`.
    name : str
        Row name in the metrics (``model``).
    train_labels, val_labels : np.ndarray or None
        Labels to fit and tune on instead of the true ones (the shuffled-labels sanity row);
        the test rows are always scored on their true labels.

    Returns
    -------
    metrics, predictions, confusion_matrix
        As :func:`motivic.train.runs.evaluate_run`; ``metrics`` adds ``svm_params``,
        ``n_features`` and ``class_weighting``.
    """
    pipeline, best = svm.fit_svm(
        features["train"],
        data.labels("train") if train_labels is None else train_labels,
        features["val"],
        data.labels("val") if val_labels is None else val_labels,
        grid=grid,
        seed=seed,
        class_weighting=class_weighting,
    )
    probs = svm.svm_probabilities(pipeline, features["test"], n_classes=len(data.label_names))
    positions = np.arange(data.rows["test"].size)
    metrics, predictions, matrix = score_run(data, "test", positions, probs, data.label_names)
    metrics.update(
        model=name,
        svm_params=best,
        n_features=int(features["train"].shape[1]),
        class_weighting=class_weighting,
    )
    return metrics, predictions, matrix


def mfcc_svm_run(
    store_path: str | Path,
    split_path: str | Path,
    *,
    n_mfcc: int = 20,
    grid: dict | list | None = None,
    seed: int = 0,
    class_weighting: str = "none",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """MFCC statistics + SVM (Choi 2018, ch. 6) on one store and split, scored on the test rows.

    Each segment's 20 MFCCs, Δ and ΔΔ are summarised by their mean and
    standard deviation over the valid frames (:func:`motivic.baselines.mfcc.features_from_store`);
    the SVM's kernel, C and γ are chosen on the validation rows
    (:func:`motivic.baselines.svm.fit_svm`).

    Parameters
    ----------
    store_path, split_path : path
        A log-mel store (any feature set) and its split file.
    n_mfcc : int >= 1
    grid : dict, list of dict or None
        SVC parameter grid; ``None``: :data:`motivic.baselines.svm.DEFAULT_GRID`.
    seed : int
        SVM ``random_state``.
    class_weighting : {"none", "balanced"}
        Sample weights of the SVM and its calibration, and the validation
        score that picks the grid point (:func:`motivic.baselines.svm.fit_svm`).
    progress : callable or None
        ``(done, total)`` after each split's features.

    Returns
    -------
    metrics, predictions, confusion_matrix
        As :func:`evaluate_run`; ``metrics`` adds ``svm_params``, ``n_features`` and
        ``class_weighting``.
    """
    data = load_run_data(store_path, split_path)
    features = {}
    for i, part in enumerate(("train", "val", "test")):
        features[part] = mfcc.features_from_store(data.store, data.rows[part], n_mfcc=n_mfcc)
        if progress is not None:
            progress(i + 1, 3)
    return svm_run(
        data,
        features,
        grid=grid,
        seed=seed,
        name="mfcc_svm",
        class_weighting=class_weighting,
    )


def convnet_svm_run(
    store_path: str | Path,
    split_path: str | Path,
    checkpoint_path: str | Path | None,
    *,
    training: dict | None = None,
    grid: dict | list | None = None,
    seed: int = 0,
    class_weighting: str = "none",
    source: str = "indomain",
    random_model: str = "compact_convnet",
    random_seed: int = 0,
    name: str | None = None,
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Convnet features + SVM (Choi et al. 2017, "Transfer learning for music classification").

    The features of a segment are the average-pooled activations of every
    conv layer of a trained compact convnet, concatenated (160 numbers for
    32 channels, :func:`motivic.train.models.convnet.layer_features`), computed on the
    segment's valid frames (at least ``training.min_frames``) after the
    store's normalisation; an SVM is tuned on the validation rows.

    Parameters
    ----------
    store_path, split_path : path
        The store the convnet was trained on, and the split it was trained with.
    checkpoint_path : path or None
        A ``compact_convnet*`` checkpoint: trained on this split
        (``source="indomain"``) or on a source task or corpus
        (``source="transfer"``); unused for ``source="random"``.
    training : dict or None
        The ``training`` section (device, ``min_frames``).
    grid, seed, class_weighting
        As :func:`mfcc_svm_run`.
    source : {"indomain", "transfer", "random"}
        Where the convnet comes from (module notes of :mod:`motivic.baselines.svm`):
        Choi et al.'s baselines are ``transfer`` and ``random``; ``indomain``
        is the project's earlier variant.
    random_model, random_seed
        Architecture and weight seed of the ``random`` convnet.
    name : str or None
        Row name in the metrics; default ``convnet_svm`` (in-domain) or
        ``convnet_svm_<source>``.

    Raises
    ------
    MotivicError
        If the checkpoint is missing, not a compact convnet, or does not match
        the store (labels too, for ``indomain``).
    """
    data = load_run_data(store_path, split_path)
    sources = ("indomain", "transfer", "random")
    if source not in sources:
        raise MotivicError(f"convnet_svm source={source!r} must be one of {list(sources)}")
    if source == "indomain":
        _, model, device, cfg = load_trained(checkpoint_path, data, store_path, training)
    else:
        cfg = fit_min_frames(TrainConfig.from_dict(training or {}), MinFrames(1))
        device = resolve_device(cfg.device)
        if source == "transfer":
            model = convnet.load_transfer_convnet(
                checkpoint_path, feature_params=data.feature_params, source=str(store_path)
            )
        else:
            model = convnet.random_convnet(
                len(data.label_names),
                n_mels=int(data.feature_params["n_mels"]),
                seed=random_seed,
                model=random_model,
            )
        model = model.to(device)
    if name is None:
        name = "convnet_svm" if source == "indomain" else f"convnet_svm_{source}"
    normalise = data.normaliser()
    features = {
        part: convnet.convnet_features(
            model,
            data.store,
            data.rows[part],
            normalise=normalise,
            min_frames=cfg.min_frames,
            device=device,
        )
        for part in ("train", "val", "test")
    }
    return svm_run(
        data,
        features,
        grid=grid,
        seed=seed,
        name=name,
        class_weighting=class_weighting,
    )
