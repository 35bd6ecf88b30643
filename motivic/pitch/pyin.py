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
) -> np.ndarray:
    """f0 in Hz per frame (0 = unvoiced), frame ``i`` centred on sample ``i * hop_length``.

    Parameters are those of :func:`motivic.pitch.extract_pitch`, already validated.
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
    )
    return np.where(voiced & np.isfinite(f0), f0, 0.0).astype(np.float64)
