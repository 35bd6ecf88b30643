"""Audio decoding: read any format soundfile (or librosa's fallback) reads, downmix, resample.

Every step is explicit: channels are averaged only when ``mono=True``, and
resampling (``librosa.resample`` with ``res_type="soxr_hq"``) happens only when
the file's rate differs from ``sr``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from motivic.core.errors import MotivicError

__all__ = ["audio_blocks", "audio_info", "load_audio"]

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


def audio_blocks(
    path: str | os.PathLike, *, block_frames: int = 65536
) -> Iterator[tuple[np.ndarray, int]]:
    """Decode a file block by block at its native rate, in bounded memory.

    libsndfile formats are streamed (at most ``block_frames`` frames are held
    at a time, whatever the file's length); other formats go through
    ``librosa.load``'s fallback decoder, which decodes the whole file first.

    Parameters
    ----------
    path : path-like
        Audio file.
    block_frames : int > 0
        Frames per block (the last block may be shorter).

    Yields
    ------
    block : np.ndarray [shape=(n_channels, n <= block_frames), dtype=float32]
        Consecutive samples of every channel, not downmixed, not resampled.
    sr : int
        Native sampling rate in Hz (the same for every block).

    Raises
    ------
    MotivicError
        Naming the file if it is missing or cannot be decoded (also when the
        error occurs part-way through), or if ``block_frames`` is not a positive int.

    Examples
    --------
    >>> import tempfile, soundfile as sf
    >>> path = tempfile.mkdtemp() + "/two.wav"
    >>> sf.write(path, np.zeros((1000, 2)), 8000)
    >>> [block.shape for block, sr in audio_blocks(path, block_frames=400)]
    [(2, 400), (2, 400), (2, 200)]
    """
    import soundfile as sf

    if not isinstance(block_frames, (int, np.integer)) or block_frames <= 0:
        raise MotivicError(f"block_frames={block_frames!r} must be a positive int (frames)")
    file = Path(path)
    if not file.is_file():
        raise MotivicError(f"audio file {file}: not found")
    try:
        handle = sf.SoundFile(str(file))
    except (RuntimeError, sf.LibsndfileError):
        data, native_sr = _decode(file)  # raises MotivicError naming both decoders' errors
        for start in range(0, data.shape[-1], block_frames):
            yield data[:, start : start + block_frames], native_sr
        return
    with handle:
        native_sr, done = int(handle.samplerate), 0
        while True:
            try:
                block = handle.read(block_frames, dtype="float32", always_2d=True)
            except (RuntimeError, sf.LibsndfileError) as err:
                raise MotivicError(
                    f"audio file {file}: decoding failed at {done / native_sr:.2f} s ({err})"
                ) from err
            if block.shape[0] == 0:
                return
            done += block.shape[0]
            yield block.T, native_sr


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
