"""Build a store from a segment table: decode each recording once, cut, compute, write."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.features.spectra import _compute, feature_params, pad_or_crop, silence_value
from motivic.features.store import MelStoreWriter

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# building a store
# ---------------------------------------------------------------------------


def _default_loader(path, *, sr: int) -> np.ndarray:
    import librosa

    y, _ = librosa.load(path, sr=sr, mono=True)
    return y


def _load(load_audio: Callable, path, sr: int, recording: str) -> np.ndarray:
    out = load_audio(path, sr=sr)
    if isinstance(out, tuple):  # (y, sr) as librosa.load returns
        out, got_sr = out
        if int(got_sr) != sr:
            raise MotivicError(
                f"recording {recording!r} ({path}) loaded at {got_sr} Hz, not {sr} Hz"
            )
    y = np.asarray(out, dtype=np.float32)
    if y.ndim != 1:
        raise MotivicError(
            f"recording {recording!r} ({path}) must load as mono 1-D audio, got {y.shape}"
        )
    return y


def _segment_samples(seg, y: np.ndarray, sr: int) -> tuple[int, int]:
    """Sample bounds of a segment clipped to the audio; raise if nothing is left."""
    lo = max(0, round(seg.start_s * sr))
    hi = min(y.size, round(seg.end_s * sr))
    if hi <= lo:
        raise MotivicError(
            f"segment {seg.segment_id!r} of recording {seg.recording!r} "
            f"[{seg.start_s:.3f}, {seg.end_s:.3f}] s lies outside its audio "
            f"({y.size / sr:.3f} s long)"
        )
    return lo, hi


def build_store(
    segments: pd.DataFrame,
    audio_paths: Mapping[str, str | os.PathLike],
    out_path: str | os.PathLike,
    *,
    params: Mapping,
    dataset: str,
    load_audio: Callable | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute features of every segment and write them to a new store.

    Each recording is loaded once; its segments are cut, converted
    (:func:`compute_features`), padded or cropped to ``params["n_frames"]``
    and streamed into the store. Store rows follow ``segments`` grouped by
    recording (recordings in order of first appearance, segment order kept
    within a recording), which equals the input order when it is sorted by
    recording, as :func:`motivic.segments.selection.motif_segments` returns it.
    Segments running past the end of the audio are clipped.

    Parameters
    ----------
    segments : pd.DataFrame
        Columns ``segment_id, recording, label, start_s, end_s`` and optionally
        ``group`` (default: the recording), ``motif_id`` (default ``""``) and
        ``source`` (the key of the segment's audio file in ``audio_paths``;
        default: the recording — a clip corpus has one file per segment).
    audio_paths : mapping of str to path
        Audio file of every source (recording or clip).
    out_path : str or path-like
        Destination store; written atomically.
    params : mapping
        Feature parameters (:func:`feature_params`).
    dataset : str
        Dataset name stored in the attributes.
    load_audio : callable, optional
        ``load_audio(path, sr=sr)`` returning mono audio (or ``(audio, sr)``);
        default ``librosa.load(path, sr=sr, mono=True)``.
    progress : callable, optional
        Called as ``progress(done, total)`` (segments) after each recording.

    Returns
    -------
    n_segments : int
        Segments written.

    Raises
    ------
    MotivicError
        On missing columns or audio paths, or a segment with no audio left
        after clipping (the message names the recording and times).
    """
    p = feature_params(**params)
    missing = [
        c for c in ("segment_id", "recording", "label", "start_s", "end_s") if c not in segments
    ]
    if missing:
        raise MotivicError(f"segments table lacks column(s) {missing}")
    segs = segments.copy()
    segs["recording"] = segs["recording"].astype(str)
    if "group" not in segs:
        segs["group"] = segs["recording"]
    no_group = segs["group"].isna() | (segs["group"].astype(str) == "")
    segs["group"] = segs["group"].astype(str).where(~no_group, segs["recording"])
    if "motif_id" in segs:
        segs["motif_id"] = segs["motif_id"].astype(object).fillna("").astype(str)
    else:
        segs["motif_id"] = ""
    segs["source"] = segs["source"].astype(str) if "source" in segs else segs["recording"]
    unknown = sorted(set(segs["source"]) - set(audio_paths))
    if unknown:
        raise MotivicError(f"no audio path for recordings {unknown[:5]} ({len(unknown)} in all)")
    loader = _default_loader if load_audio is None else load_audio
    sr, done = p["sr"], 0
    floor = silence_value(p)
    with MelStoreWriter(out_path, params=p, dataset=dataset) as writer:
        for source, rec_segs in segs.groupby("source", sort=False):
            y = _load(loader, audio_paths[source], sr, source)
            for seg in rec_segs.itertuples(index=False):
                lo, hi = _segment_samples(seg, y, sr)
                mel, valid = pad_or_crop(_compute(y[lo:hi], p), p["n_frames"], pad_value=floor)
                writer.append(
                    mel,
                    valid,
                    segment_id=str(seg.segment_id),
                    recording=str(seg.recording),
                    label=str(seg.label),
                    group=str(seg.group),
                    motif_id=str(seg.motif_id),
                    start_s=seg.start_s,
                    end_s=seg.end_s,
                )
            done += len(rec_segs)
            logger.debug("%s: %d segments", source, len(rec_segs))
            if progress is not None:
                progress(done, len(segs))
        n = writer.n_segments
    logger.info("built %s store %s: %d segments", dataset, out_path, n)
    return n
