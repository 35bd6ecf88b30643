"""One network run: train a model on one store and split, and score it.

The glue between the stages' building blocks — :class:`MelStore`, the split
file, :mod:`~motivic.train.datasets`, :mod:`~motivic.train.augment`,
:mod:`~motivic.train.models` and the fit loop — so that the workflow scripts
stay thin: :func:`train_run` and :func:`evaluate_run`. :class:`RunData`,
:func:`load_trained` and :func:`score_run` are shared with the SVM baselines
(:mod:`motivic.baselines.runs`), so every row of Table I is scored the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.core.config import AugmentSettings
from motivic.core.errors import MotivicError
from motivic.core.metrics import classification_metrics, confusion, recording_vote
from motivic.features import MelStore, channel_stats, silence_value
from motivic.splits import load_split
from motivic.train import augment as _augment
from motivic.train import datasets, models
from motivic.train.checkpoints import (
    check_feature_params,
    load_checkpoint,
    model_from_checkpoint,
    resolve_device,
)
from motivic.train.config import TrainConfig, class_priors, class_weights
from motivic.train.loop import fit, predict

__all__ = [
    "MinFrames",
    "RunData",
    "evaluate_run",
    "fit_min_frames",
    "load_run_data",
    "load_trained",
    "score_run",
    "split_rows",
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

        if self.feature_params.get("kind") != "mel40":
            return None
        mean, std = channel_stats(self.store, self.rows["train"], per_band=False)
        return datasets.Standardise(mean.reshape(-1), std.reshape(-1))

    @property
    def pad_value(self) -> float:
        """Log floor of the store's features (silence), which every batch pads with."""

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

    store = MelStore(store_path)
    rows = split_rows(store.index["segment_id"], split_path, source=f"store {store_path}")
    used = np.sort(np.concatenate(list(rows.values())))
    params = {k: v for k, v in store.attrs.items() if k not in _STORE_ONLY_ATTRS}
    labels = datasets.label_index(store.index["label"].to_numpy()[used])
    return RunData(store, rows, labels, params)


def split_rows(
    segment_ids: pd.Series, split_path: str | Path, *, source: str
) -> dict[str, np.ndarray]:
    """Positions of the ``train``, ``val`` and ``test`` segments of ``segment_ids`` in a split file.

    Segments whose split is none of the three (e.g. ``excluded``) are left out.

    Parameters
    ----------
    segment_ids : pd.Series
        Segment ids in row order (a store's index, a segments table).
    split_path : path
        The split file (:func:`motivic.splits.load_split`).
    source : str
        What the ids come from, named in error messages.

    Raises
    ------
    MotivicError
        If a segment is missing from the split file, or a split is empty.
    """
    assigned = segment_ids.map(load_split(split_path))
    if assigned.isna().any():
        missing = segment_ids[assigned.isna()].iloc[0]
        raise MotivicError(f"{split_path}: segment {missing!r} of {source} has no split")
    rows = {name: np.flatnonzero(assigned.to_numpy() == name) for name in ("train", "val", "test")}
    empty = [name for name, r in rows.items() if r.size == 0]
    if empty:
        raise MotivicError(f"{split_path}: split(s) {empty} are empty for {source}")
    n_used = sum(r.size for r in rows.values())
    if n_used < len(assigned):
        logger.info("%d segments are in no split (e.g. excluded labels)", len(assigned) - n_used)
    return rows


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


def _training_items(data: RunData, augment_cfg: Mapping, normalise=None):
    """Training rows plus the masked copies of the run's plan (``augment.plan``, ``policy``)."""

    rows = data.rows["train"]
    settings = AugmentSettings.from_config(augment_cfg)  # defaults: the schema's
    if settings.policy == "none":
        return rows, None
    names = np.asarray(data.label_names, dtype=object)[data.labels("train")]
    plans = _augment.resolve_plan(
        settings.plan,
        names,
        minority_copies=settings.minority_copies,
        fraction=settings.fraction,
    )
    plans = _augment.apply_policy(plans, settings.policy)
    plan = _augment.plan_copies(names, plans, rng=np.random.default_rng(settings.seed))
    fill_value = _mask_fill(data, normalise, settings.fill)

    def make(p: str) -> _augment.SpecAugment:
        return _augment.SpecAugment(
            policy=p,
            freq_mask_bands=settings.freq_mask_bands,
            time_mask_frames=settings.time_mask_frames,
            time_mask_max_fraction=settings.time_mask_max_fraction,
            fill_value=fill_value,
        )

    indices, augments = datasets.plan_items(rows, plan, make)
    logger.info(
        "augmentation %s (plan %s): %d originals + %d masked copies",
        settings.policy,
        settings.plan,
        rows.size,
        len(plan),
    )
    return indices, augments


def fit_min_frames(cfg, model):
    """``cfg`` with ``min_frames`` raised to the shortest input ``model`` accepts (e.g. 60 for Pons Time)."""
    import dataclasses

    needed = int(getattr(model, "min_frames", 1))
    if needed <= cfg.min_frames:
        return cfg
    logger.info("cropped batches keep at least %d frames (the model's shortest input)", needed)
    return dataclasses.replace(cfg, min_frames=needed)


def _loader(data: RunData, rows, cfg, device, *, shuffle, augment=None, normalise=None):

    dataset = datasets.MelDataset(
        data.store,
        rows,
        label_to_index=data.label_to_index,
        augment=augment,
        normalise=normalise,
        seed=cfg.seed,
        pad_value=data.pad_value,
        cache=cfg.num_workers == 0,  # in-process loading reads each segment once
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
        Registry name (see :func:`motivic.train.models.available`).
    model_options : dict
        Options for :func:`motivic.train.models.build`; ``n_mels`` defaults to the store's.
    training : dict
        The ``training`` config section (see :class:`motivic.train.config.TrainConfig`).
    augment : dict or None
        Masking settings (:func:`run_augment`); ``None`` or policy ``none`` disables masking.
    checkpoint_path : path
        Best checkpoint; a resumable last checkpoint is kept beside it.

    Returns
    -------
    history : motivic.train.config.TrainHistory
    """

    cfg = TrainConfig.from_dict(training)
    device = resolve_device(cfg.device)
    data = load_run_data(store_path, split_path)
    kwargs = {"n_mels": int(data.feature_params["n_mels"]), **model_options}
    models.check_trainable(model_name, kwargs)
    model = models.build(model_name, len(data.label_to_index), **kwargs)
    cfg = fit_min_frames(cfg, model)
    normalise = data.normaliser()
    train_rows, augments = _training_items(data, augment or {}, normalise)
    train_loader = _loader(
        data, train_rows, cfg, device, shuffle=True, augment=augments, normalise=normalise
    )
    val_loader = _loader(data, data.rows["val"], cfg, device, shuffle=False, normalise=normalise)
    train_labels = train_loader.dataset.labels
    weights = class_weights(train_labels, len(data.label_to_index), cfg.class_weighting)
    priors = class_priors(train_labels, len(data.label_names))
    logger.info(
        "training class priors %s; class weighting %s%s",
        ", ".join(f"{name} {p:.3f}" for name, p in zip(data.label_names, priors)),
        cfg.class_weighting,
        "" if weights is None else " (loss weights " + ", ".join(f"{w:.3f}" for w in weights) + ")",
    )
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
    return fit(
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
        class_weights=weights,
    )


def score_run(
    data: RunData, split: str, positions: np.ndarray, probs: np.ndarray, label_names: Sequence[str]
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """Metrics, predictions table and confusion matrix of ``probs`` for rows ``positions`` of ``split``."""

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


def load_trained(checkpoint_path, data: RunData, store_path, training: dict | None):
    """Checkpoint, rebuilt model (on the configured device), device and config, checked against ``data``."""

    ckpt = load_checkpoint(checkpoint_path)
    check_feature_params(ckpt, data.feature_params, source=str(store_path))
    label_names = list(ckpt["label_names"])
    if data.label_names != label_names:
        raise MotivicError(
            f"{checkpoint_path}: trained on labels {label_names}, store {store_path} has "
            f"{data.label_names}"
        )
    cfg = TrainConfig.from_dict(training or {})
    device = resolve_device(cfg.device)
    model = model_from_checkpoint(ckpt, models.build).to(device)
    return ckpt, model, device, fit_min_frames(cfg, model)


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

    data = load_run_data(store_path, split_path)
    ckpt, model, device, cfg = load_trained(checkpoint_path, data, store_path, training)
    loader = _loader(
        data, data.rows[split], cfg, device, shuffle=False, normalise=data.normaliser()
    )
    probs, positions = predict(
        model, loader, device=device, amp=cfg.amp, channels_last=cfg.channels_last
    )
    metrics, predictions, matrix = score_run(data, split, positions, probs, data.label_names)
    metrics.update(model=ckpt["model"], epoch=int(ckpt["epoch"]), **_selection_record(ckpt))
    return metrics, predictions, matrix


def _selection_record(ckpt: Mapping) -> dict:
    """What the checkpoint says about its training: priors, weighting, best epoch, balanced accuracies.

    ``train_balanced_accuracy`` is the running figure of the best epoch's
    training pass; ``val_balanced_accuracy`` the validation score it was chosen on.
    """
    names = [str(n) for n in ckpt.get("label_names", [])]
    priors = (ckpt.get("data") or {}).get("train_class_priors")
    config = ckpt.get("config") or {}
    selected = ckpt.get("metrics") or {}
    return {
        "best_epoch": int(ckpt["epoch"]),
        "train_class_priors": dict(zip(names, priors)) if priors is not None else None,
        "class_weighting": config.get("class_weighting", "none"),
        "select_metric": config.get("select_metric"),
        "train_balanced_accuracy": selected.get("train_balanced_accuracy"),
        "val_balanced_accuracy": selected.get("val_balanced_accuracy"),
        "val_accuracy": selected.get("val_accuracy"),
    }


@dataclass(frozen=True)
class MinFrames:
    """Stands in for a model in :func:`_fit_min_frames` (compact convnets accept 1 frame)."""

    min_frames: int
