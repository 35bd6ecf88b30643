"""How well mined motifs recover planted ones (demo corpus ground truth).

A planted occurrence is *recalled* when some mined occurrence in the same
recording overlaps it with temporal intersection-over-union ≥ ``min_iou``. A
mined motif is *matched* when at least one of its occurrences recalls a planted
occurrence; the share of unmatched motifs tells whether ε, support and length
admit too many chance repetitions of filler melody.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["interval_iou", "motif_quality"]

logger = logging.getLogger(__name__)


def interval_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Temporal IoU between every interval of ``a`` and every interval of ``b``.

    Parameters
    ----------
    a : np.ndarray [shape=(n, 2)]
        Start and end times in seconds.
    b : np.ndarray [shape=(m, 2)]
        Start and end times in seconds.

    Returns
    -------
    iou : np.ndarray [shape=(n, m)]
        Intersection length over union length (0 where they do not overlap).
    """
    a = np.asarray(a, dtype=float).reshape(-1, 2)
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    inter = np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0])
    inter = np.clip(inter, 0.0, None)
    union = (a[:, None, 1] - a[:, None, 0]) + (b[None, :, 1] - b[None, :, 0]) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def motif_quality(
    planted: pd.DataFrame, mined: pd.DataFrame, labels: dict[str, str], *, min_iou: float = 0.5
) -> pd.DataFrame:
    """Planted-motif recall, mined-motif precision and dictionary size per class.

    Parameters
    ----------
    planted : pandas.DataFrame
        Columns ``recording, start_s, end_s`` (one row per planted occurrence).
    mined : pandas.DataFrame
        Columns ``motif_id, recording, start_s, end_s`` (one row per mined occurrence).
    labels : dict
        Recording id → class label.
    min_iou : float in (0, 1]
        Overlap needed to count a planted occurrence as recalled.

    Returns
    -------
    table : pandas.DataFrame
        One row per class and a final ``ALL`` row with columns ``label,
        n_planted, n_recalled, recall, n_motifs, n_matched_motifs, precision,
        n_mined_occurrences``.
    """
    recalled = np.zeros(len(planted), dtype=bool)
    matched_motifs: set[tuple[str, str]] = set()
    planted = planted.reset_index(drop=True)
    mined = mined.reset_index(drop=True)
    for recording, truth in planted.groupby("recording"):
        found = mined[mined["recording"] == recording]
        if found.empty:
            continue
        iou = interval_iou(truth[["start_s", "end_s"]].to_numpy(), found[["start_s", "end_s"]].to_numpy())
        hits = iou >= min_iou
        recalled[truth.index.to_numpy()] = hits.any(axis=1)
        for motif_id in found["motif_id"].to_numpy()[hits.any(axis=0)]:
            matched_motifs.add((labels.get(recording, ""), motif_id))
    planted = planted.assign(label=planted["recording"].map(labels), recalled=recalled)
    mined = mined.assign(label=mined["recording"].map(labels))
    rows = []
    for label in sorted(set(labels.values())):
        rows.append(_row(label, planted[planted["label"] == label], mined[mined["label"] == label],
                         {m for lab, m in matched_motifs if lab == label}))
    rows.append(_row("ALL", planted, mined, {m for _, m in matched_motifs}))
    return pd.DataFrame(rows)


def _row(label, planted, mined, matched) -> dict:
    motifs = set(mined["motif_id"])
    n_planted = len(planted)
    return {
        "label": label,
        "n_planted": n_planted,
        "n_recalled": int(planted["recalled"].sum()),
        "recall": float(planted["recalled"].mean()) if n_planted else float("nan"),
        "n_motifs": len(motifs),
        "n_matched_motifs": len(matched & motifs),
        "precision": len(matched & motifs) / len(motifs) if motifs else float("nan"),
        "n_mined_occurrences": len(mined),
    }
