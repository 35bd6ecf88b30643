"""Scoring f0 tracks against references (MIREX melody measures) and summary tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.pitch.track import PitchTrack

__all__ = ["EVALUATION_METRICS", "evaluate_pitch", "evaluation_subset", "evaluation_table"]

#: Columns of :func:`evaluate_pitch` scores, in table order.
EVALUATION_METRICS = (
    "raw_pitch_accuracy",
    "raw_chroma_accuracy",
    "voicing_recall",
    "voicing_false_alarm",
    "overall_accuracy",
)


def evaluate_pitch(reference: PitchTrack, estimate: PitchTrack) -> dict[str, float]:
    """Compare an estimated f0 track with a reference, as in MIREX melody extraction.

    The estimate is resampled onto the reference times (``mir_eval.melody``,
    linear interpolation of pitch, voicing from the nearest frames), then
    scored with a 50-cent tolerance.

    Parameters
    ----------
    reference, estimate : PitchTrack

    Returns
    -------
    scores : dict of str to float
        ``raw_pitch_accuracy``, ``raw_chroma_accuracy`` (fraction of
        reference-voiced frames whose estimate is voiced and within 50 cents,
        octave-folded for chroma), ``voicing_recall``, ``voicing_false_alarm``
        and ``overall_accuracy``. A ratio with an empty denominator (e.g. no
        voiced reference frame) is 0, as in mir_eval.
    """
    import warnings

    import mir_eval.melody as mel

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(empty|no voiced|Estimate|Reference).*")
        ref_v, ref_c, est_v, est_c = mel.to_cent_voicing(
            reference.times_s, reference.f0_hz, estimate.times_s, estimate.f0_hz
        )
        recall, false_alarm = mel.voicing_measures(ref_v, est_v)
        return {
            "raw_pitch_accuracy": float(mel.raw_pitch_accuracy(ref_v, ref_c, est_v, est_c)),
            "raw_chroma_accuracy": float(mel.raw_chroma_accuracy(ref_v, ref_c, est_v, est_c)),
            "voicing_recall": float(recall),
            "voicing_false_alarm": float(false_alarm),
            "overall_accuracy": float(mel.overall_accuracy(ref_v, ref_c, est_v, est_c)),
        }


def evaluation_subset(recordings, n: int | None) -> list:
    """Pick ``n`` recordings spread evenly over a list (class-major ids stay balanced).

    Parameters
    ----------
    recordings : sequence of str
        Recording ids in corpus order.
    n : int >= 1 or None
        How many to keep; ``None`` or ``n >= len(recordings)`` keeps all.

    Returns
    -------
    subset : list of str
        Ids at positions ``floor((k + 1/2) * len / n)`` for ``k < n`` (the middle of
        ``n`` equal blocks), in corpus order.

    Raises
    ------
    MotivicError
        If ``n`` is not None and not a positive int.

    Examples
    --------
    >>> evaluation_subset(["a1", "a2", "b1", "b2", "c1", "c2"], 3)
    ['a2', 'b2', 'c2']
    """
    items = list(recordings)
    if n is None or (isinstance(n, (int, np.integer)) and n >= len(items)):
        return items
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise MotivicError(f"pitch.evaluate_subset={n!r} must be a positive int or null")
    idx = ((np.arange(int(n)) + 0.5) * len(items) / int(n)).astype(int)
    return [items[i] for i in idx]


def evaluation_table(
    scores: pd.DataFrame, metrics: tuple[str, ...] = EVALUATION_METRICS
) -> pd.DataFrame:
    """Per-recording pitch scores → one block per method, with mean rows.

    Parameters
    ----------
    scores : pandas.DataFrame
        Columns ``method``, ``recording`` and ``metrics``; one row per (method, recording)
        evaluated.
    metrics : tuple of str
        Score columns to keep and average (default :data:`EVALUATION_METRICS`); a column
        that is NaN for a method stays NaN on its mean rows.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``method, recording, n_recordings`` and the metrics. For each method
        (in order of first appearance): its recordings (sorted), a ``MEAN`` row over
        them and, when the methods were not all evaluated on the same recordings, a
        ``MEAN_COMMON`` row over the recordings every method was evaluated on (the
        fair comparison). ``n_recordings`` is 1 on per-recording rows.
    """
    missing = [c for c in ("method", "recording", *metrics) if c not in scores]
    if missing:
        raise MotivicError(f"evaluation_table: scores lack columns {missing}")
    methods = list(dict.fromkeys(scores["method"]))
    sets = [set(scores.loc[scores["method"] == m, "recording"]) for m in methods]
    common = set.intersection(*sets) if sets else set()
    blocks = []
    for method in methods:
        rows = scores[scores["method"] == method].sort_values("recording")
        rows = rows.assign(n_recordings=1)
        means = [_mean_row(rows, method, "MEAN", metrics)]
        if any(s != common for s in sets) and common:
            common_rows = rows[rows["recording"].isin(common)]
            means.append(_mean_row(common_rows, method, "MEAN_COMMON", metrics))
        blocks += [rows, pd.DataFrame(means)]
    columns = ["method", "recording", "n_recordings", *metrics]
    if not blocks:
        return pd.DataFrame(columns=columns)
    return pd.concat(blocks, ignore_index=True)[columns]


def _mean_row(rows: pd.DataFrame, method: str, name: str, metrics: tuple[str, ...]) -> dict:
    return {
        "method": method,
        "recording": name,
        "n_recordings": len(rows),
        **{m: float(rows[m].mean()) for m in metrics},
    }
