"""Classify new recordings with a trained model and the collection's motif dictionary.

The inference path mirrors the workflow for one recording at a time: f0 →
simplified contour → occurrences of *dictionary* motifs (the patterns mined
from the training collection, matched exactly in the new contour) → log-mel of
each occurrence → per-motif class probabilities → recording-level majority
vote (Pons et al. 2016's track-level aggregation; ties broken by summed
probability).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from motivic import contour, pitch
from motivic.core.audio import load_audio
from motivic.core.errors import MotivicError
from motivic.core.metrics import vote_predictions
from motivic.features import compute_features, pad_or_crop, silence_value
from motivic.train import models
from motivic.train.checkpoints import model_from_checkpoint

__all__ = ["find_motifs", "classify_recording", "RecordingPrediction"]

logger = logging.getLogger(__name__)


def find_motifs(
    phrases: Sequence[contour.Phrase], dictionary: pd.DataFrame, *, min_duration_s: float = 0.5
) -> pd.DataFrame:
    """Occurrences of dictionary motifs (contiguous token matches) in a contour.

    Parameters
    ----------
    phrases : sequence of Phrase
        Simplified contour of one recording.
    dictionary : pandas.DataFrame
        Columns ``motif_id`` and ``pattern`` (e.g. ``"+1,-2,+1,+1,-1"``).
    min_duration_s : float >= 0
        Shorter occurrences are dropped (the workflow's ``segments.min_duration_s``).

    Returns
    -------
    occurrences : pandas.DataFrame
        Columns ``motif_id, pattern, phrase, start_token, start_s, end_s``, in time order.
        Overlapping matches of different motifs are all kept.
    """
    from motivic.mining import parse_pattern

    by_tokens = {parse_pattern(p): (m, p) for m, p in zip(dictionary["motif_id"], dictionary["pattern"])}
    lengths = sorted({len(t) for t in by_tokens})
    rows = []
    for k, phrase in enumerate(phrases):
        tokens = phrase.tokens.tolist()
        for length in lengths:
            for start in range(len(tokens) - length + 1):
                hit = by_tokens.get(tuple(tokens[start : start + length]))
                if hit is None:
                    continue
                start_s = float(phrase.spans[start, 0])
                end_s = float(phrase.spans[start + length - 1, 1])
                if end_s - start_s >= min_duration_s:
                    rows.append((hit[0], hit[1], k, start, start_s, end_s))
    columns = ["motif_id", "pattern", "phrase", "start_token", "start_s", "end_s"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["start_s", "end_s", "motif_id"], ignore_index=True)


@dataclass(frozen=True)
class RecordingPrediction:
    """Result of :func:`classify_recording` for one recording."""

    path: str
    label: str | None
    n_motifs: int
    votes: dict
    segments: pd.DataFrame

    def summary(self) -> dict:
        """One row for the recording-level table."""
        top = self.segments["predicted"].value_counts() if len(self.segments) else pd.Series(dtype=int)
        return {
            "path": self.path,
            "predicted": self.label if self.label is not None else "",
            "n_motifs": self.n_motifs,
            "vote_share": float(top.iloc[0] / top.sum()) if len(top) else float("nan"),
        }


def classify_recording(
    path: str | Path,
    checkpoint: dict,
    dictionary: pd.DataFrame,
    *,
    pitch_cfg: dict,
    contour_cfg: dict,
    min_duration_s: float = 0.5,
    model=None,
    device: str = "cpu",
) -> RecordingPrediction:
    """Predict the class of one recording from its motif occurrences.

    Parameters
    ----------
    path : path
        Audio file (any format, rate and channel count :func:`motivic.core.audio.load_audio` reads).
    checkpoint : dict
        From :func:`motivic.train.checkpoints.load_checkpoint`; its ``feature_params`` define the spectrograms.
    dictionary : pandas.DataFrame
        The collection's motif dictionary (``results/motifs/dictionary.tsv``).
    pitch_cfg, contour_cfg : dict
        The ``pitch`` and ``contour`` config sections the dictionary was mined with.
    min_duration_s : float
        Shortest motif occurrence used (``segments.min_duration_s``).
    model : torch.nn.Module or None
        The checkpoint's model, already built (saves rebuilding it per recording).
    device : str

    Returns
    -------
    prediction : RecordingPrediction
        ``label`` is ``None`` when no dictionary motif occurs in the recording.
    """
    import torch

    params = checkpoint["feature_params"]
    if params.get("kind", "logmel") != "logmel":
        raise MotivicError(
            f"classify: checkpoint features of kind {params.get('kind')!r} need dataset statistics; "
            "only logmel models can classify new recordings"
        )
    cfg = pitch.method_options(pitch_cfg)
    sr_pitch = cfg.pop("sr")
    track = pitch.extract_pitch(load_audio(path, sr=sr_pitch), sr=sr_pitch, **cfg)
    phrases = contour.simplify(track.times_s, track.f0_hz, **contour_cfg)
    found = find_motifs(phrases, dictionary, min_duration_s=min_duration_s)
    labels = list(checkpoint["label_names"])
    if found.empty:
        logger.warning("%s: no dictionary motif of >= %.2f s found", path, min_duration_s)
        return RecordingPrediction(str(path), None, 0, {}, found.assign(predicted=[]))
    if model is None:
        model = model_from_checkpoint(checkpoint, models.build)
    sr = int(params["sr"])
    y = load_audio(path, sr=sr)
    batch, valid = [], []
    for start_s, end_s in zip(found["start_s"], found["end_s"]):
        excerpt = y[int(round(start_s * sr)) : int(round(end_s * sr))]
        mel, n_valid = pad_or_crop(
            compute_features(excerpt, sr=sr, params=params),
            int(params["n_frames"]),
            pad_value=silence_value(params),
        )
        batch.append(mel)
        valid.append(n_valid)
    x = torch.from_numpy(np.stack(batch)[:, None])
    if checkpoint.get("config", {}).get("crop_to_batch", True):  # batches as in training
        min_frames = int(checkpoint.get("config", {}).get("min_frames", 1))
        x = x[..., : min(x.shape[-1], max(max(valid), min_frames))]
    model.eval()
    with torch.no_grad():
        lengths = torch.tensor(valid, dtype=torch.int64, device=device)
        logits = model.to(device)(x.to(device), lengths)  # padding ignored (valid lengths)
        probs = torch.softmax(logits.float(), dim=1).cpu().numpy()
    found = found.assign(predicted=[labels[i] for i in probs.argmax(1)])
    for k, name in enumerate(labels):
        found[f"p_{name}"] = probs[:, k]
    _, winner = vote_predictions(probs, np.zeros(len(found), dtype=int))
    label = labels[int(winner[0])]
    votes = found["predicted"].value_counts().to_dict()
    return RecordingPrediction(str(path), label, len(found), votes, found)
