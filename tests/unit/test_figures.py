"""Tests for motivic.report.figures: the confusion matrix and training curves of a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from motivic.core.errors import MotivicError
from motivic.report.figures import plot_confusion, plot_curves


def test_figures_are_written(tmp_path):
    plot_confusion(np.array([[5, 1], [2, 7]]), ["motif", "control"], tmp_path / "cm.png", title="x")
    frame = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_loss": [1.0, 0.7, 0.5],
            "val_loss": [1.1, 0.8, 0.9],
            "val_accuracy": [0.5, 0.7, 0.6],
        }
    )
    plot_curves(frame, tmp_path / "curves.png")
    for name in ("cm.png", "curves.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    with pytest.raises(MotivicError, match="shape"):
        plot_confusion(np.ones((2, 3)), ["a", "b"], tmp_path / "bad.png")
    with pytest.raises(MotivicError, match="val_loss"):
        plot_curves(frame.drop(columns="val_loss"), tmp_path / "bad.png")
