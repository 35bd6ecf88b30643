"""What a training run is configured with, and what it records epoch by epoch."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from motivic.core.errors import MotivicError
from motivic.train.accel import AMP_MODES

logger = logging.getLogger(__name__)

#: Checkpoint-selection metrics and whether larger is better.
SELECT_METRICS = {"accuracy": "max", "f1": "max", "auc": "max", "loss": "min"}

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
    lr_patience : int >= 0
        ``ReduceLROnPlateau`` patience in epochs.
    lr_factor : float in (0, 1]
        Learning-rate multiplier on a plateau (1 disables the schedule).
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
    select_metric : {"accuracy", "f1", "auc", "loss"}
        Validation metric for the best checkpoint, early stopping and the schedule.
    amp : {"off", "bf16", "fp16"}
        Mixed precision (:mod:`motivic.train.accel`): float32, bfloat16 autocast (CUDA
        or CPU), or float16 autocast with loss scaling (CUDA only).
    channels_last : bool
        Channels-last memory format for models with 2-D convolutions (a speed
        setting; see :mod:`motivic.train.accel`).
    deterministic : bool
        Deterministic algorithms during training (see the module notes).
    class_weighting : {"auto", "none", "balanced"}
        Class weighting of a run, resolved per split strategy by
        :func:`motivic.baselines.svm.resolve_class_weighting`; the SVM baselines
        and sanity rows read it (the networks' side is issue 19, point 3).
    """

    epochs: int = 40
    batch_size: int = 20
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    patience: int = 10
    lr_patience: int = 5
    lr_factor: float = 0.5
    min_lr: float = 1e-6
    seed: int = 0
    device: str = "auto"
    crop_to_batch: bool = True
    min_frames: int = 32
    num_workers: int = 0
    select_metric: str = "accuracy"
    amp: str = "off"
    deterministic: bool = True
    channels_last: bool = False
    class_weighting: str = "auto"

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
            (
                "class_weighting",
                self.class_weighting in ("auto", "none", "balanced"),
                "one of auto, none, balanced",
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


_HISTORY_COLUMNS = (
    "epoch",
    "train_loss",
    "val_loss",
    "val_accuracy",
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
    epoch, train_loss, val_loss, val_accuracy, val_f1, val_auc, lr, seconds : list
        One entry per epoch; ``lr`` is the rate used during the epoch.
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
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    val_f1: list = field(default_factory=list)
    val_auc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = float("nan")
    select_metric: str = "accuracy"
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
