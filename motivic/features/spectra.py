"""Mel spectrograms (``logmel``, ``mel40``), their parameters and fixed-length padding."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping

import numpy as np
import scipy.signal

from motivic.core.errors import MotivicError

FEATURE_KINDS = ("logmel", "mel40")

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


def native_fmax(cfg: Mapping, native_rates: Iterable[float]) -> dict:
    """A feature section whose ``fmax_hz: null`` follows the corpus's native rate.

    Audio recorded at a lower rate than the features' ``sr`` holds nothing above
    its own Nyquist frequency: 22.05 kHz clips analysed at 44.1 kHz with
    ``fmax = sr / 2`` leave the top 24 of 128 mel bands empty. ``fmax_hz: null``
    therefore resolves to ``min(sr, lowest native rate) / 2``; an explicit
    ``fmax_hz`` is kept as given.

    Parameters
    ----------
    cfg : mapping
        A ``features.<name>`` section (``sr``, optional ``fmax_hz``, ...).
    native_rates : iterable of float
        Native rate of every audio source of the store (blank entries ignored).

    Returns
    -------
    cfg : dict
        A copy, with ``fmax_hz`` set when it was null.

    Examples
    --------
    >>> native_fmax({"sr": 44100, "fmax_hz": None}, [22050, 44100])["fmax_hz"]
    11025.0
    """
    out = dict(cfg)
    if out.get("fmax_hz") is not None:
        return out
    sr = float(out.get("sr", _DEFAULTS[out.get("kind", "logmel")]["sr"]))
    rates = [float(r) for r in native_rates if r not in (None, "") and float(r) > 0]
    out["fmax_hz"] = min([sr, *rates]) / 2
    return out


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
