"""Experiment runs and the experiment grid.

This is the glue between the stages' building blocks — :class:`MelStore`, the
split file, :mod:`datasets`, :mod:`augment`, :mod:`models`, :mod:`train` and
:mod:`baselines` — so that the workflow scripts stay thin:

- one run: :func:`train_run` and :func:`evaluate_run` (a network on one store
  and one split), :func:`mfcc_svm_run` and :func:`convnet_svm_run` (the SVM
  baselines of Choi (2018), PhD thesis "Deep neural networks for music
  tagging", ch. 6);
- the grid, defined in :mod:`motivic.grid` and re-exported here:
  :func:`feature_set_for` (which feature store a model trains on),
  :func:`run_augment` (the masking a run uses), :func:`table1_runs` and
  :func:`table2_runs` (the runs behind each result table, one per fold and
  seed) and :func:`check_grid` (cross-section consistency of a configuration).
  They take plain config mappings and never import torch, so the workflow can
  call them at parse time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .augment.masks import POLICIES  # the {augment} wildcard values
from .errors import MotivicError
from .grid import (  # the grid's functions, re-exported for the workflow's callers
    BASELINES,
    SANITY,
    Run,
    check_grid,
    feature_set_for,
    run_augment,
    table1_runs,
    table2_runs,
)

__all__ = [
    "BASELINES",
    "POLICIES",
    "Run",
    "RunData",
    "SANITY",
    "check_grid",
    "convnet_svm_run",
    "evaluate_run",
    "feature_set_for",
    "load_run_data",
    "mfcc_svm_run",
    "run_augment",
    "table1_runs",
    "table2_runs",
    "train_run",
]

logger = logging.getLogger(__name__)


_STORE_ONLY_ATTRS = ("dataset", "motivic_version")
# Options that read weight files at build time: the trained weights replace them in a checkpoint.
_WEIGHT_FILE_OPTIONS = ("pretrained", "init_from")
_PREDICTION_COLUMNS = ("segment_id", "recording", "label", "motif_id", "start_s", "end_s")


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RunData:
    """A store with its split: the store rows of each split and the label coding."""

    store: object
    rows: dict[str, np.ndarray]
    label_to_index: dict[str, int]
    feature_params: dict

    @property
    def label_names(self) -> list[str]:
        """Label of each class number."""
        return sorted(self.label_to_index, key=self.label_to_index.get)

    def labels(self, split: str) -> np.ndarray:
        """Integer labels of the rows of ``split``, in row order."""
        names = self.store.index["label"].to_numpy()[self.rows[split]]
        return np.array([self.label_to_index[str(n)] for n in names], dtype=np.int64)

    def normaliser(self) -> Callable | None:
        """Standardisation from the training rows for feature kinds that need it.

        ``mel40`` (Pons et al. 2016) is standardised "not attribute-wise": one
        mean and one standard deviation over every band and valid frame of the
        training split; ``logmel`` is used as stored.
        """
        from . import datasets
        from .features import channel_stats

        if self.feature_params.get("kind") != "mel40":
            return None
        mean, std = channel_stats(self.store, self.rows["train"], per_band=False)
        return datasets.Standardise(mean.reshape(-1), std.reshape(-1))

    @property
    def pad_value(self) -> float:
        """Log floor of the store's features (silence), which every batch pads with."""
        from .features import silence_value

        return silence_value(self.feature_params)


def load_run_data(store_path: str | Path, split_path: str | Path) -> RunData:
    """Open a store and assign each of its rows to the split recorded in ``split_path``.

    Rows whose split is none of ``train``, ``val``, ``test`` (for example
    ``excluded``) are left out, and so are labels that only they carry.

    Raises
    ------
    MotivicError
        If a store segment is missing from the split file, or a split is empty.
    """
    from . import datasets
    from .features import MelStore
    from .segments import load_split

    store = MelStore(store_path)
    split = load_split(split_path)
    assigned = store.index["segment_id"].map(split)
    if assigned.isna().any():
        missing = store.index["segment_id"][assigned.isna()].iloc[0]
        raise MotivicError(f"{split_path}: segment {missing!r} of store {store_path} has no split")
    rows = {name: np.flatnonzero(assigned.to_numpy() == name) for name in ("train", "val", "test")}
    empty = [name for name, r in rows.items() if r.size == 0]
    if empty:
        raise MotivicError(f"{split_path}: split(s) {empty} are empty for store {store_path}")
    used = np.sort(np.concatenate(list(rows.values())))
    if used.size < len(assigned):
        logger.info("%d segments are in no split (e.g. excluded labels)", len(assigned) - used.size)
    params = {k: v for k, v in store.attrs.items() if k not in _STORE_ONLY_ATTRS}
    labels = datasets.label_index(store.index["label"].to_numpy()[used])
    return RunData(store, rows, labels, params)


def _mask_fill(data: RunData, normalise, mode: str) -> float | None:
    """Value of the augmentation masks: the padding's (``pad``, silence) or ``None`` (item mean).

    ``pad`` is, in order: the normaliser's ``pad_value`` (the padding of
    standardised inputs), the store's ``pad_value`` attribute, else the silence
    of the feature kind: ``log(log_offset)`` for ``logmel``, ``log1p(0) = 0`` for
    ``mel40``.
    """
    if mode == "mean":
        return None
    if mode != "pad":
        raise MotivicError(f"augment.fill={mode!r} must be one of pad, mean")
    if normalise is not None and getattr(normalise, "pad_value", None) is not None:
        return float(normalise.pad_value)
    params = data.feature_params
    if params.get("pad_value") is not None:
        return float(params["pad_value"])
    if params.get("kind", "logmel") == "logmel":
        return float(np.log(float(params.get("log_offset", 1e-6))))
    return 0.0


def _training_items(data: RunData, augment_cfg: Mapping, seed: int, normalise=None):
    """Training rows plus the masked copies of the run's plan (``augment.plan``, ``policy``)."""
    from . import augment as _augment
    from . import datasets

    rows = data.rows["train"]
    policy = augment_cfg.get("policy", "none")
    if policy == "none":
        return rows, None
    names = np.asarray(data.label_names, dtype=object)[data.labels("train")]
    plans = _augment.resolve_plan(
        augment_cfg.get("plan", "paper"),
        names,
        minority_copies=augment_cfg.get("minority_copies", 3),
        fraction=augment_cfg.get("fraction", 0.5),
    )
    plans = _augment.apply_policy(plans, policy)
    plan = _augment.plan_copies(
        names, plans, rng=np.random.default_rng(augment_cfg.get("seed", seed))
    )
    fill_value = _mask_fill(data, normalise, augment_cfg.get("fill", "pad"))

    def make(p: str) -> _augment.SpecAugment:
        return _augment.SpecAugment(
            policy=p,
            freq_mask_bands=augment_cfg.get("freq_mask_bands", 16),
            time_mask_frames=augment_cfg.get("time_mask_frames", 20),
            time_mask_max_fraction=augment_cfg.get("time_mask_max_fraction", 0.2),
            fill_value=fill_value,
        )

    indices, augments = datasets.plan_items(rows, plan, make)
    logger.info(
        "augmentation %s (plan %s): %d originals + %d masked copies",
        policy,
        augment_cfg.get("plan", "paper"),
        rows.size,
        len(plan),
    )
    return indices, augments


def _fit_min_frames(cfg, model):
    """``cfg`` with ``min_frames`` raised to the shortest input ``model`` accepts (e.g. 60 for Pons Time)."""
    import dataclasses

    needed = int(getattr(model, "min_frames", 1))
    if needed <= cfg.min_frames:
        return cfg
    logger.info("cropped batches keep at least %d frames (the model's shortest input)", needed)
    return dataclasses.replace(cfg, min_frames=needed)


def _loader(data: RunData, rows, cfg, device, *, shuffle, augment=None, normalise=None):
    from . import datasets

    dataset = datasets.MelDataset(
        data.store,
        rows,
        label_to_index=data.label_to_index,
        augment=augment,
        normalise=normalise,
        seed=cfg.seed,
        pad_value=data.pad_value,
    )
    return datasets.make_loader(
        dataset,
        batch_size=cfg.batch_size,
        shuffle=shuffle,
        seed=cfg.seed,
        crop=cfg.crop_to_batch,
        min_frames=cfg.min_frames,
        bucket=cfg.crop_to_batch,
        num_workers=cfg.num_workers,
        device=device,
    )


def train_run(
    store_path: str | Path,
    split_path: str | Path,
    *,
    model_name: str,
    model_options: dict,
    training: dict,
    augment: dict | None = None,
    checkpoint_path: str | Path,
    progress: Callable[[dict], None] | None = None,
):
    """Train ``model_name`` on the training rows of a store, selecting on validation.

    Parameters
    ----------
    store_path, split_path : path
        The HDF5 feature store and its split file.
    model_name : str
        Registry name (see :func:`motivic.models.available`).
    model_options : dict
        Options for :func:`motivic.models.build`; ``n_mels`` defaults to the store's.
    training : dict
        The ``training`` config section (see :class:`motivic.train.TrainConfig`).
    augment : dict or None
        Masking settings (:func:`run_augment`); ``None`` or policy ``none`` disables masking.
    checkpoint_path : path
        Best checkpoint; a resumable last checkpoint is kept beside it.

    Returns
    -------
    history : motivic.train.TrainHistory
    """
    from . import models, train

    cfg = train.TrainConfig.from_dict(training)
    device = train.resolve_device(cfg.device)
    data = load_run_data(store_path, split_path)
    kwargs = {"n_mels": int(data.feature_params["n_mels"]), **model_options}
    models.check_trainable(model_name, kwargs)
    model = models.build(model_name, len(data.label_to_index), **kwargs)
    cfg = _fit_min_frames(cfg, model)
    normalise = data.normaliser()
    train_rows, augments = _training_items(data, augment or {}, cfg.seed, normalise)
    train_loader = _loader(
        data, train_rows, cfg, device, shuffle=True, augment=augments, normalise=normalise
    )
    val_loader = _loader(data, data.rows["val"], cfg, device, shuffle=False, normalise=normalise)
    logger.info(
        "%s on %s: %d train / %d val segments, %d classes, %d parameters, device %s",
        model_name,
        store_path,
        len(train_rows),
        data.rows["val"].size,
        len(data.label_to_index),
        sum(p.numel() for p in model.parameters()),
        device,
    )
    return train.fit(
        model,
        train_loader,
        val_loader,
        cfg,
        device=device,
        checkpoint_path=checkpoint_path,
        model_name=model_name,
        model_kwargs={k: v for k, v in kwargs.items() if k not in _WEIGHT_FILE_OPTIONS},
        feature_params=data.feature_params,
        label_names=data.label_names,
        progress=progress,
    )


def _score(
    data: RunData, split: str, positions: np.ndarray, probs: np.ndarray, label_names: Sequence[str]
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Metrics, predictions table and confusion matrix of ``probs`` for rows ``positions`` of ``split``."""
    from .evaluate import classification_metrics, confusion, recording_vote

    rows = data.rows[split][positions]
    y_true = data.labels(split)[positions]
    index = data.store.index.iloc[rows].reset_index(drop=True)
    metrics = classification_metrics(y_true, probs, n_classes=len(label_names))
    metrics.update(recording_vote(y_true, probs, index["recording"].to_numpy()))
    metrics.update(
        split_part=split,
        n_train=int(data.rows["train"].size),
        n_val=int(data.rows["val"].size),
        labels=list(label_names),
    )
    predictions = index[list(_PREDICTION_COLUMNS)].copy()
    predictions["predicted"] = [label_names[i] for i in probs.argmax(axis=1)]
    for k, name in enumerate(label_names):
        predictions[f"p_{name}"] = probs[:, k]
    matrix = confusion(y_true, probs.argmax(axis=1), len(label_names))
    return metrics, predictions, matrix


def _load_trained(checkpoint_path, data: RunData, store_path, training: dict | None):
    """Checkpoint, rebuilt model (on the configured device), device and config, checked against ``data``."""
    from . import models, train

    ckpt = train.load_checkpoint(checkpoint_path)
    train.check_feature_params(ckpt, data.feature_params, source=str(store_path))
    label_names = list(ckpt["label_names"])
    if data.label_names != label_names:
        raise MotivicError(
            f"{checkpoint_path}: trained on labels {label_names}, store {store_path} has "
            f"{data.label_names}"
        )
    cfg = train.TrainConfig.from_dict(training or {})
    device = train.resolve_device(cfg.device)
    model = train.model_from_checkpoint(ckpt, models.build).to(device)
    return ckpt, model, device, _fit_min_frames(cfg, model)


def evaluate_run(
    store_path: str | Path,
    split_path: str | Path,
    checkpoint_path: str | Path,
    *,
    training: dict | None = None,
    split: str = "test",
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Score a checkpoint on one split of its store.

    Batches are formed as in training (``training`` is the config section the
    model was trained with): a model trained on batches cropped to their
    longest valid length is evaluated that way too, and one trained on the
    paper's fixed 426-frame padding is evaluated on padded inputs. Recurrent
    summaries (last LSTM/GRU state) are sensitive to the amount of padding,
    so mixing the two would misjudge the model.

    Returns
    -------
    metrics : dict
        Accuracy, macro ROC-AUC, precision, recall, F1, recording-vote
        accuracy, counts and ``labels`` (the class names, in class order).
    predictions : pandas.DataFrame
        One row per segment: ids, true and predicted label, class probabilities.
    confusion_matrix : np.ndarray [shape=(n_classes, n_classes)]
    """
    from . import train

    data = load_run_data(store_path, split_path)
    ckpt, model, device, cfg = _load_trained(checkpoint_path, data, store_path, training)
    loader = _loader(
        data, data.rows[split], cfg, device, shuffle=False, normalise=data.normaliser()
    )
    probs, positions = train.predict(
        model, loader, device=device, amp=cfg.amp, channels_last=cfg.channels_last
    )
    metrics, predictions, matrix = _score(data, split, positions, probs, data.label_names)
    metrics.update(model=ckpt["model"], epoch=int(ckpt["epoch"]))
    return metrics, predictions, matrix


# ---------------------------------------------------------------------------
# SVM baselines (Choi 2018, ch. 6)
# ---------------------------------------------------------------------------


def _svm_run(
    data: RunData,
    features: Mapping[str, np.ndarray],
    *,
    grid,
    seed: int,
    name: str,
    class_weighting: str,
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    from . import baselines

    pipeline, best = baselines.fit_svm(
        features["train"],
        data.labels("train"),
        features["val"],
        data.labels("val"),
        grid=grid,
        seed=seed,
        class_weighting=class_weighting,
    )
    probs = baselines.svm_probabilities(pipeline, features["test"], n_classes=len(data.label_names))
    positions = np.arange(data.rows["test"].size)
    metrics, predictions, matrix = _score(data, "test", positions, probs, data.label_names)
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
    standard deviation over the valid frames (:func:`motivic.baselines.features_from_store`);
    the SVM's kernel, C and γ are chosen on the validation rows
    (:func:`motivic.baselines.fit_svm`).

    Parameters
    ----------
    store_path, split_path : path
        A log-mel store (any feature set) and its split file.
    n_mfcc : int >= 1
    grid : dict, list of dict or None
        SVC parameter grid; ``None``: :data:`motivic.baselines.DEFAULT_GRID`.
    seed : int
        SVM ``random_state``.
    class_weighting : {"none", "balanced"}
        Sample weights of the SVM and its calibration, and the validation
        score that picks the grid point (:func:`motivic.baselines.fit_svm`).
    progress : callable or None
        ``(done, total)`` after each split's features.

    Returns
    -------
    metrics, predictions, confusion_matrix
        As :func:`evaluate_run`; ``metrics`` adds ``svm_params``, ``n_features`` and
        ``class_weighting``.
    """
    from . import baselines

    data = load_run_data(store_path, split_path)
    features = {}
    for i, part in enumerate(("train", "val", "test")):
        features[part] = baselines.features_from_store(data.store, data.rows[part], n_mfcc=n_mfcc)
        if progress is not None:
            progress(i + 1, 3)
    return _svm_run(
        data, features, grid=grid, seed=seed, name="mfcc_svm", class_weighting=class_weighting
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
    32 channels, :func:`motivic.models.layer_features`), computed on the
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
        Where the convnet comes from (module notes of :mod:`motivic.baselines`):
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
    from . import baselines, train

    data = load_run_data(store_path, split_path)
    sources = ("indomain", "transfer", "random")
    if source not in sources:
        raise MotivicError(f"convnet_svm source={source!r} must be one of {list(sources)}")
    if source == "indomain":
        _, model, device, cfg = _load_trained(checkpoint_path, data, store_path, training)
    else:
        cfg = _fit_min_frames(train.TrainConfig.from_dict(training or {}), _MinFrames(1))
        device = train.resolve_device(cfg.device)
        if source == "transfer":
            model = baselines.load_transfer_convnet(
                checkpoint_path, feature_params=data.feature_params, source=str(store_path)
            )
        else:
            model = baselines.random_convnet(
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
        part: baselines.convnet_features(
            model,
            data.store,
            data.rows[part],
            normalise=normalise,
            min_frames=cfg.min_frames,
            device=device,
        )
        for part in ("train", "val", "test")
    }
    return _svm_run(
        data, features, grid=grid, seed=seed, name=name, class_weighting=class_weighting
    )


@dataclass(frozen=True)
class _MinFrames:
    """Stands in for a model in :func:`_fit_min_frames` (compact convnets accept 1 frame)."""

    min_frames: int
