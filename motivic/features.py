"""Mel spectrogram features and the HDF5 store that holds one feature set of one dataset.

Two feature sets are available, selected by ``params["kind"]``:

``logmel``
    Arronte Alvarez & Gómez (2021): 128 mel bands, 25 ms Hann window, 25 ms hop
    (``n_fft = win_length = hop_length = round(0.025 * sr)``, 1102 samples at
    44.1 kHz), power spectrum, natural log ``log(mel + 1e-6)``, padded to 426
    frames with the log floor ``log(1e-6)`` (silence, as the paper's zero-padded
    audio; see :func:`silence_value`).
``mel40``
    Pons, Lidy & Serra (2016), "Experimenting with musically motivated
    convolutional neural networks": 40 mel bands, 2048-sample Blackman-Harris
    window, 50 % overlap, magnitude spectrum, ``log(1 + 10000 * mel)``.
    Dataset-wide normalisation (statistics of the training split only, see
    :func:`channel_stats`) is applied later by the data loader.

Frames are not centred (``center=False``): frame ``t`` covers samples
``[t * hop_length, t * hop_length + n_fft)`` of the segment, so no audio from
outside the segment (nor reflection padding) leaks in, and a segment of
``n`` samples has ``1 + (n - n_fft) // hop_length`` frames (0.5 s -> 20 frames
for ``logmel`` at any sample rate).

Store layout (one file per feature set and dataset)::

    /mel            float32 [n_segments, n_mels, n_frames], one segment per chunk, lzf
    /valid_frames   int32 [n_segments], frames before padding
    /index/segment_id, recording, label, group, motif_id   utf-8 strings [n_segments]
    /index/start_s, end_s                                  float64 [n_segments]
    attrs           feature_params(...) + dataset + motivic_version
"""

from __future__ import annotations

import functools
import logging
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import scipy.signal

from . import __version__
from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "FEATURE_KINDS",
    "INDEX_FLOAT_COLUMNS",
    "INDEX_STRING_COLUMNS",
    "MelStore",
    "MelStoreWriter",
    "build_store",
    "channel_stats",
    "compute_features",
    "feature_params",
    "logmel",
    "mel40",
    "mel_filterbank",
    "pad_or_crop",
    "silence_value",
]

logger = logging.getLogger(__name__)

FEATURE_KINDS = ("logmel", "mel40")
INDEX_STRING_COLUMNS = ("segment_id", "recording", "label", "group", "motif_id")
INDEX_FLOAT_COLUMNS = ("start_s", "end_s")

# ---------------------------------------------------------------------------
# spectrograms
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Slaney-style mel filterbank (librosa's default), cached per parameter set.

    Returns
    -------
    weights : np.ndarray [shape=(n_mels, 1 + n_fft // 2), dtype=float64]
        Read-only filter weights.
    """
    import librosa  # heavy import, only needed here

    weights = librosa.filters.mel(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin_hz, fmax=fmax_hz, dtype=np.float64
    )
    weights.setflags(write=False)
    return weights


@functools.lru_cache(maxsize=8)
def _window(name: str, n_fft: int) -> np.ndarray:
    win = scipy.signal.get_window(name, n_fft, fftbins=True).astype(np.float64)
    win.setflags(write=False)
    return win


def _mel_spectrogram(
    y: np.ndarray,
    *,
    sr: int,
    n_fft: int,
    hop_length: int,
    window: str,
    power: float,
    n_mels: int,
    fmin_hz: float,
    fmax_hz: float,
) -> np.ndarray:
    """Mel spectrogram of uncentred frames, float64 ``[n_mels, n_frames]``."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise MotivicError(f"audio must be mono 1-D, got shape {y.shape}")
    if y.size < n_fft:
        return np.zeros((n_mels, 0))
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length]
    spec = np.abs(np.fft.rfft(frames * _window(window, n_fft), axis=1)) ** power
    return mel_filterbank(sr, n_fft, n_mels, fmin_hz, fmax_hz) @ spec.T


def logmel(
    y: np.ndarray,
    *,
    sr: int,
    n_mels: int = 128,
    win_s: float = 0.025,
    hop_s: float = 0.025,
    fmin_hz: float = 0.0,
    fmax_hz: float | None = None,
    log_offset: float = 1e-6,
) -> np.ndarray:
    """Log-mel power spectrogram as in Arronte Alvarez & Gómez (2021).

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono audio.
    sr : int > 0
        Sample rate of ``y`` in Hz.
    n_mels : int > 0
        Number of mel bands.
    win_s, hop_s : float > 0
        Window and hop in seconds; ``n_fft = win_length = round(win_s * sr)``
        and ``hop_length = round(hop_s * sr)``. The paper uses 25 ms for both.
    fmin_hz, fmax_hz : float
        Band edges of the filterbank; ``fmax_hz=None`` means ``sr / 2``.
    log_offset : float > 0
        ``log(mel + log_offset)`` (natural log) avoids ``log(0)``.

    Returns
    -------
    mel : np.ndarray [shape=(n_mels, n_frames), dtype=float32]
        ``n_frames = 1 + (n_samples - n_fft) // hop_length`` (uncentred frames),
        0 when ``y`` is shorter than one window.

    Raises
    ------
    MotivicError
        On invalid parameters or non-1-D audio.

    Examples
    --------
    >>> y = np.sin(2 * np.pi * 440.0 * np.arange(22050) / 44100)  # 0.5 s at 44.1 kHz
    >>> logmel(y, sr=44100).shape
    (128, 20)
    """
    p = feature_params(
        kind="logmel",
        sr=sr,
        n_mels=n_mels,
        win_s=win_s,
        hop_s=hop_s,
        fmin_hz=fmin_hz,
        fmax_hz=fmax_hz,
        log_offset=log_offset,
    )
    return _compute(y, p)


def mel40(
    y: np.ndarray,
    *,
    sr: int,
    n_mels: int = 40,
    n_fft: int = 2048,
    hop_length: int = 1024,
    fmin_hz: float = 0.0,
    fmax_hz: float | None = None,
    log_scale: float = 10000.0,
) -> np.ndarray:
    """Pons et al. (2016) mel magnitude spectrogram with ``log(1 + log_scale * mel)``.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono audio.
    sr : int > 0
        Sample rate of ``y`` in Hz.
    n_mels : int > 0
        Number of mel bands (40 in the paper).
    n_fft, hop_length : int > 0
        Blackman-Harris window length and hop in samples (2048, 50 % overlap).
    fmin_hz, fmax_hz : float
        Band edges of the filterbank; ``fmax_hz=None`` means ``sr / 2``.
    log_scale : float > 0
        Compression constant ``C`` of ``log(1 + C * x)``.

    Returns
    -------
    mel : np.ndarray [shape=(n_mels, n_frames), dtype=float32]
        Uncentred frames, ``n_frames = 1 + (n_samples - n_fft) // hop_length``.
    """
    p = feature_params(
        kind="mel40",
        sr=sr,
        n_mels=n_mels,
        n_fft=n_fft,
        hop_length=hop_length,
        fmin_hz=fmin_hz,
        fmax_hz=fmax_hz,
        log_scale=log_scale,
    )
    return _compute(y, p)


def _compute(y: np.ndarray, p: Mapping) -> np.ndarray:
    mel = _mel_spectrogram(
        y,
        sr=p["sr"],
        n_fft=p["n_fft"],
        hop_length=p["hop_length"],
        window=p["window"],
        power=p["power"],
        n_mels=p["n_mels"],
        fmin_hz=p["fmin_hz"],
        fmax_hz=p["fmax_hz"],
    )
    if p["kind"] == "logmel":
        return np.log(mel + p["log_offset"]).astype(np.float32)
    return np.log1p(p["log_scale"] * mel).astype(np.float32)


def silence_value(params: Mapping) -> float:
    """Feature value of a silent frame: the log floor every store and batch pads with.

    The paper zero-pads the *audio* of each segment to 426 frames, so its
    padding is silence. A silent frame has zero mel energy, so it is exactly
    what :func:`compute_features` gives for zeros: ``log(0 + log_offset)``
    (about -13.8 for the default 1e-6) for ``logmel``, ``log(1 + C * 0) = 0``
    for ``mel40``.

    Parameters
    ----------
    params : mapping
        Feature parameters (:func:`feature_params` or a store's attributes).

    Returns
    -------
    value : float
        The float32 value of a silent frame.

    Examples
    --------
    >>> round(silence_value(feature_params(kind="logmel")), 4)
    -13.8155
    >>> silence_value(feature_params(kind="mel40"))
    0.0
    """
    if params.get("kind", "logmel") == "logmel":
        return float(np.log(np.float64(0.0) + float(params["log_offset"])).astype(np.float32))
    return 0.0


def pad_or_crop(mel: np.ndarray, n_frames: int, *, pad_value: float) -> tuple[np.ndarray, int]:
    """Fix the number of frames: crop the end or pad at the end.

    The paper zero-pads the *audio* of every segment to 426 frames, so the
    padding is silence: pass ``pad_value=silence_value(params)`` (the log
    floor, about -13.8). 0 in the log domain is *not* silence (it sits near
    the 80th percentile of real log-mel values), so there is no default.
    ``valid_frames`` lets loaders and models ignore the padding.

    Parameters
    ----------
    mel : np.ndarray [shape=(n_mels, t)]
        Spectrogram.
    n_frames : int > 0
        Target number of frames.
    pad_value : float
        Value of padded frames.

    Returns
    -------
    fixed : np.ndarray [shape=(n_mels, n_frames), dtype=float32]
        First ``min(t, n_frames)`` frames of ``mel`` followed by padding.
    valid_frames : int
        ``min(t, n_frames)``.
    """
    mel = np.asarray(mel, dtype=np.float32)
    if mel.ndim != 2:
        raise MotivicError(f"mel must be 2-D [n_mels, n_frames], got shape {mel.shape}")
    if n_frames < 1:
        raise MotivicError(f"n_frames={n_frames} must be >= 1")
    valid = min(mel.shape[1], n_frames)
    out = np.full((mel.shape[0], n_frames), pad_value, dtype=np.float32)
    out[:, :valid] = mel[:, :valid]
    return out, valid


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------

_DEFAULTS = {
    "logmel": {
        "sr": 44100,
        "n_mels": 128,
        "win_s": 0.025,
        "hop_s": 0.025,
        "n_frames": 426,
        "fmin_hz": 0.0,
        "fmax_hz": None,
        "log_offset": 1e-6,
    },
    "mel40": {
        "sr": 44100,
        "n_mels": 40,
        "n_fft": 2048,
        "hop_length": 1024,
        "n_frames": 459,
        "fmin_hz": 0.0,
        "fmax_hz": None,
        "log_scale": 10000.0,
    },
}
_FIXED = {
    "logmel": {"window": "hann", "power": 2.0, "center": False},
    "mel40": {"window": "blackmanharris", "power": 1.0, "center": False},
}
_DERIVED = {"logmel": ("n_fft", "hop_length"), "mel40": ("win_s", "hop_s")}


def _same(a, b) -> bool:
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return bool(a) == bool(b)
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _as_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or float(value) != int(value) or int(value) < minimum:
        raise MotivicError(f"features.{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def feature_params(**kwargs) -> dict:
    """Canonical, complete feature parameters (stored as HDF5 attributes).

    Accepts a config section (``sr, n_mels, win_s, hop_s, n_frames, fmin_hz,
    fmax_hz, log_offset``, plus ``kind``) or a dict this function returned
    (idempotent). Missing keys take the defaults of ``kind``; derived keys
    (``n_fft``/``hop_length`` for ``logmel``, ``win_s``/``hop_s`` for
    ``mel40``) and the fixed ``window``, ``power`` and ``center`` may be given
    but must agree. ``fmax_hz=None`` becomes ``sr / 2``.

    Parameters
    ----------
    **kwargs
        ``kind`` in :data:`FEATURE_KINDS` (default ``"logmel"``) and its parameters.

    Returns
    -------
    params : dict
        Keys sorted; ``kind, sr, n_mels, n_fft, hop_length, win_s, hop_s,
        n_frames, fmin_hz, fmax_hz, window, power, center`` plus
        ``log_offset`` (``logmel``) or ``log_scale`` (``mel40``). Values are
        plain Python ``int``, ``float``, ``str`` or ``bool``.

    Raises
    ------
    MotivicError
        On an unknown kind or key, an out-of-range value, or inconsistent
        derived values (the message names the key).
    """
    kind = kwargs.pop("kind", "logmel")
    if kind not in _DEFAULTS:
        raise MotivicError(f"features.kind={kind!r} must be one of {list(FEATURE_KINDS)}")
    allowed = set(_DEFAULTS[kind]) | set(_FIXED[kind]) | set(_DERIVED[kind])
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise MotivicError(f"unknown feature parameter(s) {unknown} for kind={kind!r}")
    p = {**_DEFAULTS[kind], **{k: v for k, v in kwargs.items() if k in _DEFAULTS[kind]}}
    p["sr"] = _as_int("sr", p["sr"], 1)
    p["n_mels"] = _as_int("n_mels", p["n_mels"], 1)
    p["n_frames"] = _as_int("n_frames", p["n_frames"], 1)
    if kind == "logmel":
        for key in ("win_s", "hop_s", "log_offset"):
            if not float(p[key]) > 0:
                raise MotivicError(f"features.{key}={p[key]!r} must be > 0")
            p[key] = float(p[key])
        p["n_fft"] = round(p["win_s"] * p["sr"])
        p["hop_length"] = round(p["hop_s"] * p["sr"])
    else:
        p["n_fft"] = _as_int("n_fft", p["n_fft"], 2)
        p["hop_length"] = _as_int("hop_length", p["hop_length"], 1)
        if not float(p["log_scale"]) > 0:
            raise MotivicError(f"features.log_scale={p['log_scale']!r} must be > 0")
        p["log_scale"] = float(p["log_scale"])
        p["win_s"] = p["n_fft"] / p["sr"]
        p["hop_s"] = p["hop_length"] / p["sr"]
    if p["n_fft"] < 2 or p["hop_length"] < 1:
        raise MotivicError(
            f"window/hop of {p['n_fft']}/{p['hop_length']} samples at sr={p['sr']} are too short"
        )
    nyquist = p["sr"] / 2
    p["fmin_hz"] = float(p["fmin_hz"])
    p["fmax_hz"] = nyquist if p["fmax_hz"] is None else float(p["fmax_hz"])
    if not 0 <= p["fmin_hz"] < p["fmax_hz"] <= nyquist:
        raise MotivicError(
            f"features.fmin_hz={p['fmin_hz']}, fmax_hz={p['fmax_hz']} must satisfy "
            f"0 <= fmin_hz < fmax_hz <= sr/2 = {nyquist}"
        )
    p.update(_FIXED[kind], kind=kind)
    for key in set(_FIXED[kind]) | set(_DERIVED[kind]):
        if key in kwargs and not _same(kwargs[key], p[key]):
            raise MotivicError(
                f"features.{key}={kwargs[key]!r} disagrees with the value {p[key]!r} "
                f"implied for kind={kind!r}"
            )
    return dict(sorted(p.items()))


def compute_features(y: np.ndarray, *, sr: int, params: Mapping) -> np.ndarray:
    """Features of one audio excerpt, dispatching on ``params["kind"]``.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono audio at ``params["sr"]``.
    sr : int
        Sample rate of ``y``; must equal ``params["sr"]``.
    params : mapping
        Feature parameters (completed by :func:`feature_params`).

    Returns
    -------
    mel : np.ndarray [shape=(n_mels, n_frames), dtype=float32]
        Unpadded features.

    Raises
    ------
    MotivicError
        If ``sr`` differs from ``params["sr"]`` or the parameters are invalid.
    """
    p = feature_params(**params)
    if int(sr) != p["sr"]:
        raise MotivicError(f"audio sample rate {sr} Hz differs from features.sr={p['sr']} Hz")
    return _compute(y, p)


# ---------------------------------------------------------------------------
# HDF5 store
# ---------------------------------------------------------------------------


class MelStoreWriter:
    """Stream fixed-size spectrograms into a new store, atomically.

    Use as a context manager. The store is written to a temporary file beside
    ``path`` (:func:`motivic.io.atomic_path`) and renamed into place only when
    the ``with`` block exits without an exception; otherwise nothing appears at
    ``path``.

    Parameters
    ----------
    path : str or path-like
        Destination ``.h5`` file.
    params : mapping
        Feature parameters (completed by :func:`feature_params`); they fix
        ``n_mels`` and ``n_frames`` and become root attributes.
    dataset : str
        Dataset name (for example ``"motivic"`` or ``"nonmotivic"``), stored as
        the ``dataset`` attribute.

    Examples
    --------
    >>> with MelStoreWriter(path, params=feature_params(), dataset="motivic") as w:  # doctest: +SKIP
    ...     w.append(mel, valid, segment_id="r1:m0:0", recording="r1", label="a",
    ...              group="r1", motif_id="m0", start_s=1.0, end_s=1.6)
    """

    def __init__(self, path: str | os.PathLike, *, params: Mapping, dataset: str):
        self.path = Path(path)
        self.params = feature_params(**params)
        if not isinstance(dataset, str) or not dataset:
            raise MotivicError(f"dataset={dataset!r} must be a non-empty string")
        self.dataset = dataset
        self._h5: h5py.File | None = None
        self._atomic = None
        self._n = 0
        self._index: dict[str, list] = {}
        self._valid: list[int] = []
        self._ids: set[str] = set()

    @property
    def n_segments(self) -> int:
        """Segments appended so far."""
        return self._n

    def __enter__(self) -> MelStoreWriter:
        if self._h5 is not None:
            raise RuntimeError("MelStoreWriter is already open")
        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        try:
            self._h5 = h5py.File(tmp, "w")
            n_mels, n_frames = self.params["n_mels"], self.params["n_frames"]
            self._h5.create_dataset(
                "mel",
                shape=(0, n_mels, n_frames),
                maxshape=(None, n_mels, n_frames),
                chunks=(1, n_mels, n_frames),
                dtype=np.float32,
                compression="lzf",
            )
            self._h5.attrs.update(self.params)
            self._h5.attrs["dataset"] = self.dataset
            self._h5.attrs["motivic_version"] = __version__
        except BaseException:
            self._close()
            self._atomic.__exit__(*sys.exc_info())
            raise
        self._n = 0
        self._index = {c: [] for c in INDEX_STRING_COLUMNS + INDEX_FLOAT_COLUMNS}
        self._valid, self._ids = [], set()
        return self

    def append(
        self,
        mel_padded: np.ndarray,
        valid_frames: int,
        *,
        segment_id: str,
        recording: str,
        label: str,
        group: str,
        motif_id: str,
        start_s: float,
        end_s: float,
    ) -> None:
        """Add one segment.

        Parameters
        ----------
        mel_padded : np.ndarray [shape=(n_mels, n_frames)]
            Output of :func:`pad_or_crop`.
        valid_frames : int in [0, n_frames]
            Frames before padding.
        segment_id : str
            Unique id of the segment within the store.
        recording, label, group, motif_id : str
            Index fields (``motif_id=""`` for control segments).
        start_s, end_s : float
            Segment bounds in the recording, in seconds.

        Raises
        ------
        MotivicError
            On a wrong shape, ``valid_frames`` out of range or a repeated id.
        """
        if self._h5 is None:
            raise RuntimeError("MelStoreWriter.append outside its with block")
        shape = (self.params["n_mels"], self.params["n_frames"])
        mel_padded = np.asarray(mel_padded, dtype=np.float32)
        if mel_padded.shape != shape:
            raise MotivicError(
                f"segment {segment_id!r}: mel shape {mel_padded.shape} must be {shape} "
                "(n_mels, n_frames); use pad_or_crop"
            )
        if not 0 <= int(valid_frames) <= shape[1]:
            raise MotivicError(
                f"segment {segment_id!r}: valid_frames={valid_frames} not in [0, {shape[1]}]"
            )
        if segment_id in self._ids:
            raise MotivicError(f"segment_id {segment_id!r} appended twice to {self.path}")
        ds = self._h5["mel"]
        if self._n == ds.shape[0]:
            ds.resize(max(64, 2 * self._n), axis=0)
        ds[self._n] = mel_padded
        self._n += 1
        self._ids.add(segment_id)
        self._valid.append(int(valid_frames))
        fields = {
            "segment_id": segment_id,
            "recording": recording,
            "label": label,
            "group": group,
            "motif_id": motif_id,
            "start_s": float(start_s),
            "end_s": float(end_s),
        }
        for key, value in fields.items():
            self._index[key].append(value if key in INDEX_FLOAT_COLUMNS else str(value))

    def _finalize(self) -> None:
        self._h5["mel"].resize(self._n, axis=0)
        self._h5.create_dataset("valid_frames", data=np.asarray(self._valid, dtype=np.int32))
        index = self._h5.create_group("index")
        for key in INDEX_STRING_COLUMNS:
            index.create_dataset(
                key,
                data=np.asarray(self._index[key], dtype=object),
                dtype=h5py.string_dtype("utf-8"),
                shape=(self._n,),
            )
        for key in INDEX_FLOAT_COLUMNS:
            index.create_dataset(key, data=np.asarray(self._index[key], dtype=np.float64))
        if self._n == 0:
            logger.warning("mel store %s holds no segments", self.path)
        logger.info("wrote %d segments to %s", self._n, self.path)

    def _close(self) -> None:
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._finalize()
        except BaseException:
            self._close()
            self._atomic.__exit__(*sys.exc_info())
            raise
        self._close()
        return bool(self._atomic.__exit__(exc_type, exc, tb))


def _plain(value):
    """HDF5 attribute value -> plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value


class MelStore:
    """Read-only access to a store written by :class:`MelStoreWriter`.

    The data file handle is opened lazily on first :meth:`read` and reopened
    when the process id changes, so one instance can be shared with forked
    DataLoader workers (h5py handles must not cross a fork). Metadata
    (``attrs``, ``index``) is read through short-lived handles and cached.
    Pickling drops the handle (spawned workers reopen).

    Parameters
    ----------
    path : str or path-like
        Store file.

    Raises
    ------
    MotivicError
        If ``path`` does not exist.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_file():
            raise MotivicError(f"mel store {self.path} does not exist")
        self._h5: h5py.File | None = None
        self._pid: int | None = None
        self._attrs: dict | None = None
        self._index: pd.DataFrame | None = None
        self._valid: np.ndarray | None = None

    def _file(self) -> h5py.File:
        if self._h5 is None or self._pid != os.getpid():
            self._h5 = h5py.File(self.path, "r")  # a handle inherited by fork is dropped
            self._pid = os.getpid()
        return self._h5

    @property
    def is_open(self) -> bool:
        """Whether this process holds an open data handle."""
        return self._h5 is not None and self._pid == os.getpid()

    @property
    def attrs(self) -> dict:
        """Root attributes: feature parameters, ``dataset``, ``motivic_version``."""
        if self._attrs is None:
            with h5py.File(self.path, "r") as f:
                self._attrs = {k: _plain(v) for k, v in sorted(f.attrs.items())}
        return dict(self._attrs)

    @property
    def index(self) -> pd.DataFrame:
        """Segment table; row ``i`` describes segment ``i``."""
        if self._index is None:
            with h5py.File(self.path, "r") as f:
                group = f["index"]
                cols = {k: group[k].asstr()[()] for k in INDEX_STRING_COLUMNS}
                cols.update({k: group[k][()].astype(np.float64) for k in INDEX_FLOAT_COLUMNS})
            self._index = pd.DataFrame(cols, columns=list(cols))
        return self._index.copy()

    @property
    def valid_frames(self) -> np.ndarray:
        """Valid (unpadded) frames of every segment, int32 ``[n_segments]``."""
        if self._valid is None:
            with h5py.File(self.path, "r") as f:
                self._valid = f["valid_frames"][()].astype(np.int32)
                self._valid.setflags(write=False)
        return self._valid

    def __len__(self) -> int:
        if self._index is None:
            with h5py.File(self.path, "r") as f:
                return int(f["mel"].shape[0])
        return len(self._index)

    def read(self, i: int) -> tuple[np.ndarray, int]:
        """Spectrogram ``[n_mels, n_frames]`` (float32) and valid frames of segment ``i``."""
        f = self._file()
        n = f["mel"].shape[0]
        if not -n <= i < n:
            raise IndexError(f"segment {i} out of range for {n} segments in {self.path}")
        return f["mel"][i].astype(np.float32, copy=False), int(f["valid_frames"][i])

    def read_many(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Spectrograms ``[k, n_mels, n_frames]`` and valid frames ``[k]``, in the given order."""
        f = self._file()
        n = f["mel"].shape[0]
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"segment indices out of range for {n} segments in {self.path}")
        idx = np.where(idx < 0, idx + n, idx)
        uniq, inverse = np.unique(idx, return_inverse=True)
        if uniq.size == 0:
            shape = f["mel"].shape[1:]
            return np.zeros((0, *shape), np.float32), np.zeros(0, np.int32)
        mel = f["mel"][uniq]
        valid = f["valid_frames"][uniq]
        return mel[inverse].astype(np.float32, copy=False), valid[inverse].astype(np.int32)

    def check_params(self, expected: Mapping) -> None:
        """Raise if the store was built with other feature parameters.

        ``expected`` is completed with :func:`feature_params` (so a config
        section or a checkpoint's ``feature_params`` can be passed), then every
        key is compared in sorted order; floats with a relative tolerance of 1e-9.

        Raises
        ------
        MotivicError
            Naming the first differing key, the store file and both values.
        """
        want = feature_params(**expected)
        found = self.attrs
        for key, value in want.items():
            have = found.get(key, "<missing>")
            if not _same(have, value):
                raise MotivicError(
                    f"mel store {self.path}: feature parameter {key!r} is {have!r} in the "
                    f"store but {value!r} is expected; rebuild the store or fix the features config"
                )

    def close(self) -> None:
        """Close this process's data handle (reopened on the next read)."""
        if self.is_open:
            self._h5.close()
        self._h5, self._pid = None, None

    def __enter__(self) -> MelStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_h5"], state["_pid"] = None, None
        return state


def channel_stats(
    store: MelStore, indices: Sequence[int], *, per_band: bool = True, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the valid frames of some segments.

    Compute them on the training split only (Pons et al. 2016 normalise every
    input to zero mean and unit variance with dataset-wide statistics); apply
    as ``(mel - mean) / std``.

    Parameters
    ----------
    store : MelStore
        Feature store.
    indices : sequence of int
        Segments to use (the training split).
    per_band : bool
        One statistic per mel band (True) or one for all bands.
    batch_size : int > 0
        Segments read at a time.

    Returns
    -------
    mean, std : np.ndarray [shape=(n_mels, 1) or (1, 1), dtype=float32]
        Broadcastable against ``[n_mels, n_frames]``; ``std`` is at least 1e-8.

    Raises
    ------
    MotivicError
        If the selected segments have no valid frame.
    """
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    total, total_sq, count = 0.0, 0.0, 0
    for lo in range(0, idx.size, batch_size):
        mel, valid = store.read_many(idx[lo : lo + batch_size])
        mask = np.arange(mel.shape[2])[None, None, :] < valid[:, None, None]
        x = np.where(mask, mel.astype(np.float64), 0.0)
        axes = (0, 2) if per_band else (0, 1, 2)
        total = total + x.sum(axis=axes)
        total_sq = total_sq + (x**2).sum(axis=axes)
        count += int(valid.sum()) * (1 if per_band else mel.shape[1])
    if count == 0:
        raise MotivicError(f"channel_stats: the {idx.size} selected segments have no valid frame")
    mean = np.asarray(total, dtype=np.float64) / count
    var = np.clip(np.asarray(total_sq) / count - mean**2, 0.0, None)
    std = np.maximum(np.sqrt(var), 1e-8)
    shape = (-1, 1) if per_band else (1, 1)
    return mean.reshape(shape).astype(np.float32), std.reshape(shape).astype(np.float32)


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
    recording, as :func:`motivic.segments.motif_segments` returns it.
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
