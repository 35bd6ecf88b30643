"""Figures of a run: the confusion matrix and the training curves.

matplotlib's object API (``Figure`` + Agg canvas), never ``pyplot``, so no
global state or display is involved.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path

__all__ = ["plot_confusion", "plot_curves"]

logger = logging.getLogger(__name__)


def _save_figure(fig, path: str | Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")


def plot_confusion(
    matrix: np.ndarray,
    labels: Sequence[str],
    path: str | Path,
    *,
    normalise: bool = True,
    title: str | None = None,
) -> None:
    """Save a confusion-matrix heat map (rows true, columns predicted).

    Parameters
    ----------
    matrix : np.ndarray [shape=(n_classes, n_classes)]
        Counts, as from :func:`motivic.core.metrics.confusion`.
    labels : sequence of str [shape=(n_classes,)]
    path : path
        Image file; the format follows the suffix.
    normalise : bool
        Colour by the share of each true class (row); cells show counts either way.
    title : str or None
    """
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(labels):
        raise MotivicError(
            f"confusion matrix has shape {matrix.shape}; expected [{len(labels)}, {len(labels)}]"
        )
    rows = matrix.sum(axis=1, keepdims=True)
    shown = (
        np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0) if normalise else matrix
    )
    size = 1.5 + 0.5 * len(labels)
    fig = Figure(figsize=(size + 1, size))
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, label="share of true class" if normalise else "count")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels=list(labels), rotation=45, ha="right")
    ax.set_yticks(ticks, labels=list(labels))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = shown.max() / 2 if shown.size else 0
    for i, j in np.ndindex(matrix.shape):
        ax.text(
            j,
            i,
            str(int(matrix[i, j])),
            ha="center",
            va="center",
            color="white" if shown[i, j] > threshold else "black",
            fontsize=8,
        )
    if title:
        ax.set_title(title)
    _save_figure(fig, path)


def plot_curves(history_frame: pd.DataFrame, path: str | Path, *, title: str | None = None) -> None:
    """Save loss and validation-accuracy curves from ``TrainHistory.to_frame()``.

    Parameters
    ----------
    history_frame : pandas.DataFrame
        Columns ``epoch``, ``train_loss``, ``val_loss`` and optionally ``val_accuracy``.
    path : path
    title : str or None
    """
    from matplotlib.figure import Figure

    missing = [c for c in ("epoch", "train_loss", "val_loss") if c not in history_frame.columns]
    if missing:
        raise MotivicError(f"history frame lacks columns {missing}")
    fig = Figure(figsize=(9, 3.5))
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = history_frame["epoch"]
    loss_ax.plot(epochs, history_frame["train_loss"], marker="o", label="train")
    loss_ax.plot(epochs, history_frame["val_loss"], marker="o", label="validation")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("cross-entropy")
    loss_ax.legend()
    if "val_accuracy" in history_frame.columns:
        acc_ax.plot(epochs, history_frame["val_accuracy"], marker="o", color="tab:green")
        best = int(np.nanargmax(history_frame["val_accuracy"].to_numpy(dtype=float)))
        acc_ax.axvline(epochs.iloc[best], color="grey", linestyle=":")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("validation accuracy")
    if title:
        fig.suptitle(title)
    _save_figure(fig, path)
