"""pYIN backend: librosa's probabilistic YIN (Mauch & Dixon, ICASSP 2014)."""

from __future__ import annotations

import numpy as np

__all__ = ["pyin_f0"]


def pyin_f0(
    y: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    frame_size: int,
    fmin_hz: float,
    fmax_hz: float,
    with_guess: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """f0 in Hz per frame (0 = unvoiced), frame ``i`` centred on sample ``i * hop_length``.

    Parameters are those of :func:`motivic.pitch.extract_pitch`, already validated.
    ``with_guess`` also returns pYIN's best f0 for every frame, unvoiced ones included
    (librosa's ``fill_na=None``; MIREX's "unvoiced guesses"), 0 where it has none.
    """
    import librosa

    f0, voiced, _prob = librosa.pyin(
        y.astype(np.float32),
        fmin=fmin_hz,
        fmax=fmax_hz,
        sr=sr,
        frame_length=frame_size,
        hop_length=hop_length,
        center=True,
        fill_na=None,
    )
    guess = np.where(np.isfinite(f0), f0, 0.0).astype(np.float64)
    f0 = np.where(voiced, guess, 0.0)
    return (f0, guess) if with_guess else f0
