"""Audio snippets of motif occurrences for the browser's players: cut, faded, written as small WAVs."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from motivic.browser.gather import Snippet
from motivic.core.audio import load_audio
from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path

__all__ = ["cut_snippet", "write_snippets"]

logger = logging.getLogger(__name__)

_FADE_S = 0.01  # linear fade at both ends, so a cut in mid-note does not click


def cut_snippet(y: np.ndarray, *, sr: int, start_s: float, end_s: float) -> np.ndarray:
    """Samples of ``y`` from ``start_s`` to ``end_s`` (clipped to the signal), faded in and out.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono signal.
    sr : int > 0
    start_s, end_s : float
        Span in seconds, ``0 <= start_s < end_s``.

    Returns
    -------
    snippet : np.ndarray [shape=(n,), dtype=float32]
        ``n = round(end_s * sr) - round(start_s * sr)`` samples, fewer where the span passes
        the end of ``y``; the first and last 10 ms (at most a quarter each) fade linearly.

    Raises
    ------
    MotivicError
        If the span is empty, negative or starts after the signal's end.
    """
    if not 0 <= start_s < end_s:
        raise MotivicError(f"snippet span {start_s}..{end_s} s must satisfy 0 <= start < end")
    a, b = round(start_s * sr), min(round(end_s * sr), y.shape[-1])
    if a >= b:
        raise MotivicError(
            f"snippet span {start_s}..{end_s} s starts after the signal's end ({y.shape[-1] / sr:.3f} s)"
        )
    out = np.array(y[a:b], dtype=np.float32)
    n_fade = min(round(_FADE_S * sr), out.size // 4)
    if n_fade:
        ramp = np.linspace(0.0, 1.0, n_fade, endpoint=False, dtype=np.float32)
        out[:n_fade] *= ramp
        out[-n_fade:] *= ramp[::-1]
    return out


def write_snippets(
    snippets: Sequence[Snippet],
    audio: Mapping[str, str | os.PathLike],
    directory: str | os.PathLike,
    *,
    sr: int,
) -> list[Path]:
    """Cut every snippet from its recording and write it as mono 16-bit WAV.

    Parameters
    ----------
    snippets : sequence of Snippet
        Their ``file`` paths are relative to ``directory``.
    audio : mapping of str to path-like
        Recording id -> audio file.
    directory : path-like
        The page's directory.
    sr : int > 0
        Sampling rate of the snippets (the recordings are resampled to it).

    Returns
    -------
    paths : list of Path
        The files written, in the order of ``snippets``.
    """
    by_recording: dict[str, list[int]] = {}
    for k, snippet in enumerate(snippets):
        by_recording.setdefault(snippet.recording, []).append(k)
    paths: list[Path] = [Path()] * len(snippets)
    for recording, indices in by_recording.items():
        if recording not in audio:
            raise MotivicError(f"browser: no audio file for recording {recording!r}")
        y = load_audio(audio[recording], sr=sr)
        for k in indices:
            snippet = snippets[k]
            path = Path(directory) / snippet.file
            path.parent.mkdir(parents=True, exist_ok=True)
            samples = cut_snippet(y, sr=sr, start_s=snippet.start_s, end_s=snippet.end_s)
            with atomic_path(path) as tmp:
                sf.write(tmp, np.clip(samples, -1.0, 1.0), sr, subtype="PCM_16", format="WAV")
            paths[k] = path
    logger.info("wrote %d snippets from %d recordings", len(snippets), len(by_recording))
    return paths
