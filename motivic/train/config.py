"""What a training run is configured with, and what it records epoch by epoch."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from motivic.core.config import schema_defaults
from motivic.core.errors import MotivicError
from motivic.train.accel import AMP_MODES

logger = logging.getLogger(__name__)

#: The schema's defaults of the ``training`` section: the one place they are written.
_DEFAULTS = schema_defaults("training")

#: Checkpoint-selection metrics and whether larger is better.
SELECT_METRICS = {
    "balanced_accuracy": "max",
    "accuracy": "max",
    "f1": "max",
    "auc": "max",
    "loss": "min",
}
#: Learning-rate schedules (``training.lr_schedule``).
LR_SCHEDULES = ("plateau", "none")
#: Class weightings of the loss, once ``auto`` is resolved for the run's split strategy.
CLASS_WEIGHTINGS = ("none", "balanced")

#: Config keys that may change between an interrupted run and its continuation.
_RESUMABLE_KEYS = ("epochs", "num_workers", "device", "channels_last")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (the ``training:`` config section).

    Attributes
    ----------
    epochs : int >= 1
        Maximum number of epochs.
    batch_size : int >= 1
        Batch size (20 in the paper).
    learning_rate : float > 0
        Adam learning rate.
    weight_decay : float >= 0
        Adam weight decay (L2).
    patience : int >= 1
        Stop after this many epochs without a better validation score.
    lr_schedule : {"plateau", "none"}
        ``plateau``: ``ReduceLROnPlateau`` on ``select_metric`` (the rate times
        ``lr_factor`` after ``lr_patience`` epochs without improvement);
        ``none``: constant ``learning_rate``.
    lr_patience : int >= 0
        ``ReduceLROnPlateau`` patience in epochs.
    lr_factor : float in (0, 1]
        Learning-rate multiplier on a plateau (1 keeps the rate).
    min_lr : float >= 0
        Smallest learning rate.
    seed : int >= 0
        Seeds batch order and per-epoch torch randomness (dropout).
    device : {"auto", "cpu", "cuda"}
        ``auto``: CUDA when available.
    crop_to_batch : bool
        Crop batches to their longest valid length (see :mod:`motivic.train.datasets`).
    min_frames : int >= 1
        Shortest cropped batch.
    num_workers : int >= 0
        DataLoader worker processes.
    select_metric : {"balanced_accuracy", "accuracy", "f1", "auc", "loss"}
        Validation metric for the best checkpoint, early stopping and the schedule.
    class_weighting : {"none", "balanced"}
        Loss weights (:func:`class_weights`); the run's resolved value of
        ``training.class_weighting`` (``auto`` is resolved per split strategy
        before a run is configured, :func:`motivic.workflow.grid.run_training`
        with :func:`motivic.baselines.svm.resolve_class_weighting`).
    amp : {"off", "bf16", "fp16"}
        Mixed precision (:mod:`motivic.train.accel`): float32, bfloat16 autocast (CUDA
        or CPU), or float16 autocast with loss scaling (CUDA only).
    channels_last : bool
        Channels-last memory format for models with 2-D convolutions (a speed
        setting; see :mod:`motivic.train.accel`).
    deterministic : bool
        Deterministic algorithms during training (see the module notes).
    """

    epochs: int = _DEFAULTS["epochs"]
    batch_size: int = _DEFAULTS["batch_size"]
    learning_rate: float = _DEFAULTS["learning_rate"]
    weight_decay: float = _DEFAULTS["weight_decay"]
    patience: int = _DEFAULTS["patience"]
    lr_schedule: str = _DEFAULTS["lr_schedule"]
    lr_patience: int = _DEFAULTS["lr_patience"]
    lr_factor: float = _DEFAULTS["lr_factor"]
    min_lr: float = _DEFAULTS["min_lr"]
    seed: int = _DEFAULTS["seed"]
    device: str = _DEFAULTS["device"]
    crop_to_batch: bool = _DEFAULTS["crop_to_batch"]
    min_frames: int = _DEFAULTS["min_frames"]
    num_workers: int = _DEFAULTS["num_workers"]
    select_metric: str = _DEFAULTS["select_metric"]
    class_weighting: str = "none"  # resolved before it gets here (schema: auto)
    amp: str = _DEFAULTS["amp"]
    deterministic: bool = _DEFAULTS["deterministic"]
    channels_last: bool = _DEFAULTS["channels_last"]

    def __post_init__(self) -> None:
        checks = [
            ("epochs", self.epochs >= 1, ">= 1"),
            ("batch_size", self.batch_size >= 1, ">= 1"),
            ("learning_rate", self.learning_rate > 0, "> 0"),
            ("weight_decay", self.weight_decay >= 0, ">= 0"),
            ("patience", self.patience >= 1, ">= 1"),
            ("lr_patience", self.lr_patience >= 0, ">= 0"),
            ("lr_factor", 0 < self.lr_factor <= 1, "in (0, 1]"),
            ("min_lr", self.min_lr >= 0, ">= 0"),
            ("seed", self.seed >= 0, ">= 0"),
            ("min_frames", self.min_frames >= 1, ">= 1"),
            ("num_workers", self.num_workers >= 0, ">= 0"),
            (
                "device",
                self.device in ("auto", "cpu", "cuda") or str(self.device).startswith("cuda:"),
                "one of auto, cpu, cuda",
            ),
            (
                "select_metric",
                self.select_metric in SELECT_METRICS,
                f"one of {', '.join(SELECT_METRICS)}",
            ),
            ("amp", self.amp in AMP_MODES, f"one of {', '.join(AMP_MODES)}"),
            ("lr_schedule", self.lr_schedule in LR_SCHEDULES, f"one of {', '.join(LR_SCHEDULES)}"),
            (
                "class_weighting",
                self.class_weighting in CLASS_WEIGHTINGS,
                (
                    f"one of {', '.join(CLASS_WEIGHTINGS)} (auto is resolved per split "
                    "strategy by motivic.baselines.svm.resolve_class_weighting)"
                ),
            ),
        ]
        for name, ok, constraint in checks:
            if not ok:
                raise MotivicError(f"training.{name}={getattr(self, name)!r} must be {constraint}")

    @classmethod
    def from_dict(cls, d: dict | None) -> TrainConfig:
        """Build from a config mapping; unknown keys raise :class:`MotivicError`."""
        d = dict(d or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise MotivicError(f"training: unknown keys {unknown}; valid keys are {sorted(names)}")
        return cls(**d)

    def to_dict(self) -> dict:
        """Plain dict of the fields."""
        return dataclasses.asdict(self)


def class_priors(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Share of each class among ``labels`` (integer classes ``0 … n_classes-1``).

    Returns
    -------
    priors : np.ndarray [shape=(n_classes,), dtype=float64]
        Sums to 1 (all zeros for no labels).
    """
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]
    return counts / max(int(counts.sum()), 1)


def class_weights(labels: np.ndarray, n_classes: int, class_weighting: str) -> np.ndarray | None:
    """Cross-entropy weights of the classes for a resolved ``class_weighting``.

    ``balanced``: ``w_c = n / (k * n_c)`` for the ``k`` classes present among
    the ``n`` training items (scikit-learn's ``class_weight="balanced"``), 0 for
    a class absent from training. The weighted items then average weight 1, so
    the loss keeps its scale, and every class contributes the same total
    weight: the minority class of a leave-one-recording-out fold is no longer
    outvoted. ``none``: ``None`` (unweighted).

    Parameters
    ----------
    labels : np.ndarray [shape=(n,), dtype=int]
        Class of every training item (augmented copies included).
    n_classes : int
    class_weighting : {"none", "balanced"}

    Returns
    -------
    weights : np.ndarray [shape=(n_classes,), dtype=float32] or None

    Raises
    ------
    MotivicError
        For another ``class_weighting`` (``auto`` must be resolved first).
    """
    if class_weighting not in CLASS_WEIGHTINGS:
        raise MotivicError(
            f"class_weighting={class_weighting!r} must be one of {', '.join(CLASS_WEIGHTINGS)}"
        )
    if class_weighting == "none":
        return None
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]
    present = counts > 0
    weights = np.zeros(n_classes, dtype=np.float64)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights.astype(np.float32)


_HISTORY_COLUMNS = (
    "epoch",
    "train_loss",
    "train_balanced_accuracy",
    "val_loss",
    "val_accuracy",
    "val_balanced_accuracy",
    "val_f1",
    "val_auc",
    "lr",
    "seconds",
)


@dataclass
class TrainHistory:
    """Per-epoch record of a :func:`fit` run (including epochs before a resume).

    Attributes
    ----------
    epoch, train_loss, train_balanced_accuracy, val_loss, val_accuracy, \
val_balanced_accuracy, val_f1, val_auc, lr, seconds : list
        One entry per epoch; ``lr`` is the rate used during the epoch.
        ``train_balanced_accuracy`` is the running figure of the epoch's
        training pass (dropout on, weights moving), not a second pass.
    best_epoch : int
        Epoch of the best checkpoint (0 if none yet).
    best_score : float
        Its ``select_metric`` value.
    select_metric : str
    start_epoch : int
        First epoch trained by the call that returned this history
        (``> 1`` after a resume; ``len(epoch) + 1`` if nothing was left to do).
    stopped_early : bool
    """

    epoch: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_balanced_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    val_balanced_accuracy: list = field(default_factory=list)
    val_f1: list = field(default_factory=list)
    val_auc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = float("nan")
    select_metric: str = "balanced_accuracy"
    start_epoch: int = 1
    stopped_early: bool = False

    def append(self, row: dict) -> None:
        """Add one epoch (a dict with every column)."""
        for name in _HISTORY_COLUMNS:
            getattr(self, name).append(row[name])

    def to_frame(self):
        """The per-epoch columns as a pandas DataFrame (one row per epoch)."""
        import pandas as pd

        return pd.DataFrame({name: getattr(self, name) for name in _HISTORY_COLUMNS})

    def to_dict(self) -> dict:
        """Plain dict (safe for ``torch.load(weights_only=True)``)."""
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> TrainHistory:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in d.items()})


def _plain(obj: Any) -> Any:
    """Convert to types ``torch.load(weights_only=True)`` accepts (no numpy, no paths)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj
