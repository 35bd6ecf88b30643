"""One experiment run: a model trained and evaluated on one store and one split.

This is the glue between the stages' building blocks — :class:`MelStore`, the
split file, :mod:`datasets`, :mod:`augment`, :mod:`models` and :mod:`train` —
so that the workflow scripts and the command-line interface stay thin.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import augment as _augment
from . import datasets, models, train
from .errors import MotivicError
from .evaluate import classification_metrics, confusion, recording_vote
from .features import MelStore
from .segments import load_split

__all__ = ["RunData", "load_run_data", "train_run", "evaluate_run"]

logger = logging.getLogger(__name__)

_STORE_ONLY_ATTRS = ("dataset", "motivic_version")
# Options that read weight files at build time: the trained weights replace them in a checkpoint.
_WEIGHT_FILE_OPTIONS = ("pretrained", "init_from")


@dataclass(frozen=True)
class RunData:
    """A store with its split: the store rows of each split and the label coding."""

    store: MelStore
    rows: dict[str, np.ndarray]
    label_to_index: dict[str, int]
    feature_params: dict

    def labels(self, split: str) -> np.ndarray:
        """Integer labels of the rows of ``split``, in row order."""
        names = self.store.index["label"].to_numpy()[self.rows[split]]
        return np.array([self.label_to_index[str(n)] for n in names], dtype=np.int64)

    def normaliser(self) -> Callable | None:
        """Per-band standardisation from the training rows for feature kinds that need it."""
        if self.feature_params.get("kind") != "mel40":
            return None
        mean, std = datasets.band_statistics(self.store, self.rows["train"])
        return datasets.Standardise(mean, std)


def load_run_data(store_path: str | Path, split_path: str | Path) -> RunData:
    """Open a store and assign each of its rows to the split recorded in ``split_path``.

    Raises
    ------
    MotivicError
        If a store segment is missing from the split file, or a split is empty.
    """
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
    params = {k: v for k, v in store.attrs.items() if k not in _STORE_ONLY_ATTRS}
    used = np.concatenate(list(rows.values()))
    labels = datasets.label_index(store.index["label"].to_numpy()[used])
    return RunData(store, rows, labels, params)


def _training_items(data: RunData, augment_cfg: dict, seed: int):
    rows = data.rows["train"]
    policy = augment_cfg.get("policy", "none")
    if policy == "none":
        return rows, None
    policies = ("frequency", "time") if policy == "both" else (policy,)
    plan = _augment.augmentation_plan(
        data.labels("train"), policy=policies, rng=np.random.default_rng(augment_cfg.get("seed", seed))
    )

    def make(p: str) -> _augment.SpecAugment:
        return _augment.SpecAugment(
            policy=p,
            freq_mask_bands=augment_cfg.get("freq_mask_bands", 16),
            time_mask_frames=augment_cfg.get("time_mask_frames", 20),
        )

    indices, augments = datasets.plan_items(rows, plan, make)
    logger.info("augmentation %s: %d originals + %d masked copies", policy, rows.size, len(plan))
    return indices, augments


def _loader(data: RunData, rows, cfg: train.TrainConfig, device, *, shuffle, augment=None, normalise=None):
    dataset = datasets.MelDataset(
        data.store,
        rows,
        label_to_index=data.label_to_index,
        augment=augment,
        normalise=normalise,
        seed=cfg.seed,
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
) -> train.TrainHistory:
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
        The ``augment`` config section; ``None`` or policy ``none`` disables masking.
    checkpoint_path : path
        Best checkpoint; a resumable last checkpoint is kept beside it.

    Returns
    -------
    history : TrainHistory
    """
    cfg = train.TrainConfig.from_dict(training)
    device = train.resolve_device(cfg.device)
    data = load_run_data(store_path, split_path)
    kwargs = {"n_mels": int(data.feature_params["n_mels"]), **model_options}
    model = models.build(model_name, len(data.label_to_index), **kwargs)
    normalise = data.normaliser()
    train_rows, augments = _training_items(data, augment or {}, cfg.seed)
    train_loader = _loader(data, train_rows, cfg, device, shuffle=True, augment=augments, normalise=normalise)
    val_loader = _loader(data, data.rows["val"], cfg, device, shuffle=False, normalise=normalise)
    logger.info(
        "%s on %s: %d train / %d val segments, %d classes, %d parameters, device %s",
        model_name, store_path, len(train_rows), data.rows["val"].size, len(data.label_to_index),
        sum(p.numel() for p in model.parameters()), device,
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
        label_names=sorted(data.label_to_index, key=data.label_to_index.get),
        progress=progress,
    )


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
        Accuracy, macro ROC-AUC, precision, recall, F1, recording-vote accuracy and counts.
    predictions : pandas.DataFrame
        One row per segment: ids, true and predicted label, class probabilities.
    confusion_matrix : np.ndarray [shape=(n_classes, n_classes)]
    """
    ckpt = train.load_checkpoint(checkpoint_path)
    data = load_run_data(store_path, split_path)
    train.check_feature_params(ckpt, data.feature_params, source=str(store_path))
    label_names = list(ckpt["label_names"])
    if sorted(data.label_to_index, key=data.label_to_index.get) != label_names:
        raise MotivicError(
            f"{checkpoint_path}: trained on labels {label_names}, store {store_path} has "
            f"{sorted(data.label_to_index)}"
        )
    cfg = train.TrainConfig.from_dict(training or {})
    torch_device = train.resolve_device(cfg.device)
    model = train.model_from_checkpoint(ckpt, models.build).to(torch_device)
    loader = _loader(data, data.rows[split], cfg, torch_device, shuffle=False, normalise=data.normaliser())
    probs, positions = train.predict(model, loader, device=torch_device)
    rows = data.rows[split][positions]
    y_true = data.labels(split)[positions]
    index = data.store.index.iloc[rows].reset_index(drop=True)
    metrics = classification_metrics(y_true, probs, n_classes=len(label_names))
    metrics.update(recording_vote(y_true, probs, index["recording"].to_numpy()))
    metrics.update(
        model=ckpt["model"], epoch=int(ckpt["epoch"]), split_part=split,
        n_train=int(data.rows["train"].size), n_val=int(data.rows["val"].size),
    )
    predictions = index[["segment_id", "recording", "label", "motif_id", "start_s", "end_s"]].copy()
    predictions["predicted"] = [label_names[i] for i in probs.argmax(axis=1)]
    for k, name in enumerate(label_names):
        predictions[f"p_{name}"] = probs[:, k]
    matrix = confusion(y_true, probs.argmax(axis=1), len(label_names))
    return metrics, predictions, matrix
