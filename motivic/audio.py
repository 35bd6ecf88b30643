"""Audio decoding: read any format soundfile (or librosa's fallback) reads, downmix, resample.

Every step is explicit: channels are averaged only when ``mono=True``, and
resampling (``librosa.resample`` with ``res_type="soxr_hq"``) happens only when
the file's rate differs from ``sr``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from .errors import MotivicError

__all__ = ["audio_info", "load_audio"]

logger = logging.getLogger(__name__)


def load_audio(path: str | os.PathLike, *, sr: int, mono: bool = True) -> np.ndarray:
    """Decode an audio file to float32 at ``sr``.

    Parameters
    ----------
    path : path-like
        Any file libsndfile decodes (WAV, FLAC, OGG, MP3 with libsndfile >= 1.1);
        other formats go through ``librosa.load``'s fallback decoder.
    sr : int > 0
        Target sampling rate in Hz.
    mono : bool
        Average the channels into one.

    Returns
    -------
    y : np.ndarray [shape=(n_samples,) if mono else (n_channels, n_samples), dtype=float32]

    Raises
    ------
    MotivicError
        Naming the file if it is missing, cannot be decoded, holds no samples or
        holds non-finite samples; or if ``sr`` is not a positive int.

    Examples
    --------
    >>> import tempfile, soundfile as sf
    >>> path = tempfile.mkdtemp() + "/tone.wav"
    >>> sf.write(path, np.zeros((800, 2)), 8000)
    >>> load_audio(path, sr=16000).shape
    (1600,)
    """
    if not isinstance(sr, (int, np.integer)) or isinstance(sr, bool) or sr <= 0:
        raise MotivicError(f"sr={sr!r} must be a positive int (Hz)")
    file = Path(path)
    if not file.is_file():
        raise MotivicError(f"audio file {file}: not found")
    y, native_sr = _decode(file)  # (n_channels, n_samples) float32
    if y.shape[-1] == 0:
        raise MotivicError(f"audio file {file}: holds zero samples")
    if not np.all(np.isfinite(y)):
        raise MotivicError(f"audio file {file}: holds non-finite samples (NaN or inf)")
    if mono:
        y = y.mean(axis=0)
    if native_sr != sr:
        import librosa

        logger.debug("resampling %s from %d to %d Hz", file, native_sr, sr)
        y = librosa.resample(y, orig_sr=native_sr, target_sr=int(sr), res_type="soxr_hq", axis=-1)
    return np.ascontiguousarray(y, dtype=np.float32)


def audio_info(path: str | os.PathLike) -> dict:
    """Read a file's header: sampling rate, channels and duration, without decoding.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    info : dict
        ``sr`` (int, Hz), ``channels`` (int), ``duration_s`` (float).

    Raises
    ------
    MotivicError
        Naming the file if it is missing or its header cannot be read.
    """
    import soundfile as sf

    file = Path(path)
    if not file.is_file():
        raise MotivicError(f"audio file {file}: not found")
    try:
        info = sf.info(str(file))
    except (RuntimeError, sf.LibsndfileError) as err:
        raise MotivicError(f"audio file {file}: header cannot be read ({err})") from err
    return {
        "sr": int(info.samplerate),
        "channels": int(info.channels),
        "duration_s": float(info.frames) / float(info.samplerate),
    }


def _decode(file: Path) -> tuple[np.ndarray, int]:
    """Samples as ``(n_channels, n_samples)`` float32 and the native rate."""
    import soundfile as sf

    try:
        data, native_sr = sf.read(str(file), dtype="float32", always_2d=True)
        return data.T, int(native_sr)
    except (RuntimeError, sf.LibsndfileError) as sf_err:
        first_error = sf_err
    try:  # formats libsndfile lacks (e.g. m4a via audioread)
        import warnings

        import librosa

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data, native_sr = librosa.load(str(file), sr=None, mono=False, dtype=np.float32)
    except Exception as err:
        raise MotivicError(
            f"audio file {file}: cannot be decoded ({first_error}; fallback: {err})"
        ) from err
    return np.atleast_2d(data), int(native_sr)
