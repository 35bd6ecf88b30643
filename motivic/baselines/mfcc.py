"""MFCC statistics of a segment: the features of the ``mfcc_svm`` baseline (Choi 2018, ch. 6).

Each segment is summarised by the mean and standard deviation over time of 20
MFCCs and their first and second derivatives (120 numbers).

Which input?
------------
:func:`mfcc_stats` starts from audio (librosa's MFCC: power mel spectrogram in
dB, then an orthonormal DCT-II). The pipeline's stores hold log-mel
spectrograms, so :func:`mfcc_stats_from_mel` applies the same DCT to them
directly. When a store's log differs from librosa's decibels only by a factor
and an offset (natural log: factor 10 / ln 10), the MFCCs differ by that
factor and, in the 0th coefficient, by an offset; both vanish under the
per-dimension standardisation of :func:`motivic.baselines.svm.fit_svm`. (librosa also clips to
80 dB below the peak, which a store may not: a small, non-linear difference.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.fft

from motivic.core.errors import MotivicError

__all__ = ["features_from_store", "mfcc_stats", "mfcc_stats_from_mel", "stats_from_mfcc"]

logger = logging.getLogger(__name__)


def _deltas(mfcc: np.ndarray, order: int) -> np.ndarray:
    """librosa's Savitzky–Golay derivative, window: the widest odd width <= 9 that fits."""
    import librosa

    n_frames = mfcc.shape[1]
    width = min(9, n_frames if n_frames % 2 else n_frames - 1)
    if width < 3:
        return np.zeros_like(mfcc)
    return librosa.feature.delta(mfcc, width=width, order=order, axis=1, mode="interp")


def stats_from_mfcc(mfcc: np.ndarray) -> np.ndarray:
    """Mean and std over time of MFCCs, Δ and ΔΔ.

    Parameters
    ----------
    mfcc : np.ndarray [shape=(n_mfcc, n_frames)], n_frames >= 1

    Returns
    -------
    features : np.ndarray [shape=(6 * n_mfcc,), dtype=float64]
        ``[mean(mfcc), mean(Δ), mean(ΔΔ), std(mfcc), std(Δ), std(ΔΔ)]``.
    """
    mfcc = np.asarray(mfcc, dtype=np.float64)
    if mfcc.ndim != 2 or mfcc.shape[1] < 1:
        raise MotivicError(f"mfcc has shape {mfcc.shape}; expected [n_mfcc, n_frames >= 1]")
    stacked = np.concatenate([mfcc, _deltas(mfcc, 1), _deltas(mfcc, 2)], axis=0)
    return np.concatenate([stacked.mean(axis=1), stacked.std(axis=1)])


def mfcc_stats(
    y: np.ndarray,
    *,
    sr: int,
    n_mfcc: int = 20,
    n_mels: int = 128,
    n_fft: int = 2048,
    hop_length: int = 512,
) -> np.ndarray:
    """MFCC statistics of a waveform.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono audio.
    sr : int > 0
        Sampling rate in Hz.
    n_mfcc, n_mels, n_fft, hop_length : int
        As in ``librosa.feature.mfcc``.

    Returns
    -------
    features : np.ndarray [shape=(6 * n_mfcc,)]
        See :func:`stats_from_mfcc` (120 numbers for ``n_mfcc=20``).
    """
    import librosa

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise MotivicError(f"y has shape {y.shape}; expected a non-empty mono signal")
    mfcc = librosa.feature.mfcc(
        y=y, sr=sr, n_mfcc=n_mfcc, n_mels=n_mels, n_fft=min(n_fft, y.size), hop_length=hop_length
    )
    return stats_from_mfcc(mfcc)


def mfcc_stats_from_mel(
    logmel: np.ndarray, valid_frames: int | None = None, *, n_mfcc: int = 20
) -> np.ndarray:
    """MFCC statistics of a log-mel spectrogram (orthonormal DCT-II over bands, as librosa).

    Parameters
    ----------
    logmel : np.ndarray [shape=(n_mels, n_frames)]
        Log-mel spectrogram, as stored by :mod:`motivic.features`.
    valid_frames : int or None
        Frames before the zero padding; only these are used. ``None``: all.
    n_mfcc : int in [1, n_mels]

    Returns
    -------
    features : np.ndarray [shape=(6 * n_mfcc,)]
    """
    logmel = np.asarray(logmel, dtype=np.float64)
    if logmel.ndim != 2:
        raise MotivicError(f"logmel has shape {logmel.shape}; expected [n_mels, n_frames]")
    if not 1 <= n_mfcc <= logmel.shape[0]:
        raise MotivicError(f"n_mfcc={n_mfcc} must lie in [1, n_mels={logmel.shape[0]}]")
    stop = logmel.shape[1] if valid_frames is None else int(valid_frames)
    if not 1 <= stop <= logmel.shape[1]:
        raise MotivicError(f"valid_frames={valid_frames} must lie in [1, {logmel.shape[1]}]")
    mfcc = scipy.fft.dct(logmel[:, :stop], type=2, norm="ortho", axis=0)[:n_mfcc]
    return stats_from_mfcc(mfcc)


def features_from_store(store, indices: Sequence[int], *, n_mfcc: int = 20) -> np.ndarray:
    """:func:`mfcc_stats_from_mel` of the listed segments of a MelStore-like object.

    Returns
    -------
    X : np.ndarray [shape=(len(indices), 6 * n_mfcc)]
    """
    rows = []
    for i in indices:
        mel, valid = store.read(int(i))
        rows.append(mfcc_stats_from_mel(mel, max(int(valid), 1), n_mfcc=n_mfcc))
    return np.stack(rows) if rows else np.zeros((0, 6 * n_mfcc))
