"""Devices and checkpoints: where a run trains, what a checkpoint holds, and checks on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.train.config import _plain

logger = logging.getLogger(__name__)


def resolve_device(name: str = "auto") -> torch.device:
    """Map ``"auto"`` / ``"cpu"`` / ``"cuda"`` (or ``"cuda:N"``) to a device.

    Raises
    ------
    MotivicError
        If CUDA is requested but not available, or the name is unknown.
    """
    name = str(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise MotivicError(
                f"training.device={name!r} but CUDA is not available; use 'auto' or 'cpu'"
            )
        return torch.device(name)
    raise MotivicError(f"training.device={name!r} must be one of auto, cpu, cuda")


def last_checkpoint_path(checkpoint_path: str | Path) -> Path:
    """Path of the resumable last checkpoint beside the best one: ``model.pt`` → ``model.last.pt``."""
    path = Path(checkpoint_path)
    return path.with_name(f"{path.stem}.last{path.suffix or '.pt'}")


def _save(obj: dict, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load_checkpoint(path: str | Path) -> dict:
    """Load a checkpoint dict on the CPU with ``weights_only=True``.

    Raises
    ------
    MotivicError
        If the file is missing or lacks the keys of a checkpoint.
    """
    path = Path(path)
    if not path.exists():
        raise MotivicError(f"checkpoint {path} does not exist")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    required = ("model", "model_kwargs", "label_names", "state_dict", "epoch")
    missing = [k for k in required if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise MotivicError(
            f"checkpoint {path} lacks keys {missing}; was it written by motivic.train.loop.fit?"
        )
    return ckpt


def model_from_checkpoint(ckpt: dict, build: Callable[..., nn.Module]) -> nn.Module:
    """Rebuild the model of a checkpoint and load its weights (eval mode, CPU).

    Parameters
    ----------
    ckpt : dict
        From :func:`load_checkpoint`.
    build : callable
        ``build(name, n_classes, **model_kwargs)``, e.g. ``motivic.train.models.build``.
    """
    kwargs = dict(ckpt["model_kwargs"])
    n_classes = len(ckpt["label_names"])
    if kwargs.pop("n_classes", n_classes) != n_classes:
        raise MotivicError(
            f"checkpoint model_kwargs.n_classes differs from its {n_classes} label_names"
        )
    model = build(ckpt["model"], n_classes, **kwargs)
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


def check_feature_params(ckpt: dict, params: dict, *, source: str = "store") -> None:
    """Raise :class:`MotivicError` naming the first feature parameter that differs.

    Compares the checkpoint's ``feature_params`` with ``params`` (e.g. a
    store's attributes) on the keys the checkpoint records.
    """
    params = _plain(dict(params))
    for key, value in sorted(ckpt.get("feature_params", {}).items()):
        if key in params and params[key] != value:
            raise MotivicError(
                f"feature parameter {key}: checkpoint has {value!r}, {source} has "
                f"{params[key]!r}; rebuild the features or retrain the model"
            )
