"""SwiftF0 backend: a small convolutional f0 estimator on a 16 kHz spectrogram, via ONNX Runtime.

Nieradzik, "SwiftF0: Fast and Accurate Monophonic Pitch Detection" (arXiv 2508.18440, 2025);
the ``swift-f0`` 0.3.0 wheel (MIT), whose 135 KB ONNX model (14 386 parameters since 0.2.0)
ships inside the wheel and needs only ``onnxruntime`` and numpy. The package's own
:class:`swift_f0.SwiftF0` runs the model: it loads the bundled ``model.onnx`` from its own
folder (nothing is downloaded), cuts long audio into 30 s windows with enough context that the
result equals one pass, restricts the pitch search to ``[fmin, fmax]`` (a frame whose best pitch
lies outside gets confidence 0) and gives confidence 0 to frames whose 256 samples peak below
1e-3 (digital silence, which the model never saw in training).

What the model gives
--------------------
One frame per 256 samples at 16 kHz (16 ms), frame ``k`` centred on sample ``256 k``
(``k * 0.016`` s), with a pitch in Hz on *every* frame (46.875–2093.75 Hz) and a confidence in
[0, 1] that the frame is voiced and its pitch right; the package documents a frame as voiced
when its confidence is at least 0.5 (``pitch.swiftf0_confidence_threshold``).

Onto the pipeline's grid (:func:`to_hop_grid`)
----------------------------------------------
The pipeline's frame ``i`` is at ``t = i * hop_length / sr`` (5.8 ms at 44.1 kHz, hop 256);
let ``u = t / 0.016`` (clipped to the first and last SwiftF0 frame), ``k = floor(u)`` and
``w = u - k``.

- **Voicing** is carried over from the *nearest* SwiftF0 frame: frame ``k`` when ``w <= 0.5``,
  else ``k + 1``.
- **Pitch** is interpolated linearly in cents (log frequency) between frames ``k`` and ``k + 1``
  with weights ``1 - w`` and ``w``. On a voiced pipeline frame only voiced SwiftF0 frames count:
  when one of the two is unvoiced its pitch is replaced by the other's (held, not interpolated
  towards a pitch the model itself rejects).
- The **unvoiced guess** (MIREX; for scoring raw pitch accuracy with voicing ignored) is the
  same cents interpolation over every frame's pitch, and equals the voiced track on voiced
  frames.

Level
-----
The model does not normalise the level and its documentation asks for very quiet recordings
(peak below about -35 dBFS) to be scaled first; such a signal is scaled to a peak of 0.5 (the
package README's example) before detection. Louder signals are passed unchanged. (The package
then gives confidence 0 to 16 ms hops that peak below 1e-3, digital silence.)

The package resamples to 16 kHz itself, with soxr at its default "HQ" quality (what
``librosa.resample(res_type="soxr_hq")`` runs), so librosa is not imported.
"""

from __future__ import annotations

import logging

import numpy as np

from motivic.core.errors import MotivicError

__all__ = [
    "FRAME_PERIOD_S",
    "QUIET_PEAK",
    "SWIFTF0_SR",
    "swiftf0_f0",
    "to_hop_grid",
]

logger = logging.getLogger(__name__)

SWIFTF0_SR = 16000
#: Seconds between SwiftF0 frames (256 samples at 16 kHz).
FRAME_PERIOD_S = 256 / SWIFTF0_SR
#: Peak amplitude (-35 dBFS) below which the signal is scaled up first (the package's advice).
QUIET_PEAK = 10 ** (-35 / 20)
_QUIET_TARGET_PEAK = 0.5
_INSTALL_HINT = (
    "install the swiftf0 extra: `pip install 'swift-f0[audio]==0.3.0' onnxruntime` "
    "(or `pip install -e '.[swiftf0]'`; `make` installs it)"
)


def to_hop_grid(
    pitch_hz: np.ndarray,
    voiced: np.ndarray,
    times_s: np.ndarray,
    *,
    frame_period_s: float = FRAME_PERIOD_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample a frame-wise pitch and voicing onto other frame times (see the module docstring).

    Parameters
    ----------
    pitch_hz : np.ndarray [shape=(n_frames,)]
        Pitch of every source frame, > 0; frame ``k`` is at ``k * frame_period_s``.
    voiced : np.ndarray [shape=(n_frames,), dtype=bool]
        Voicing of every source frame.
    times_s : np.ndarray [shape=(n_times,)]
        Target times in seconds; those outside the source frames take the first or last frame.
    frame_period_s : float > 0
        Seconds between source frames.

    Returns
    -------
    f0_hz : np.ndarray [shape=(n_times,)]
        Pitch interpolated in cents over voiced source frames; 0 where the nearest source frame
        is unvoiced.
    guess_hz : np.ndarray [shape=(n_times,)]
        Pitch interpolated in cents over every source frame; equal to ``f0_hz`` where it is > 0.

    Raises
    ------
    MotivicError
        On empty or mismatched inputs, or a pitch that is not finite and positive.

    Examples
    --------
    >>> f0, guess = to_hop_grid(np.array([100.0, 400.0]), np.array([True, True]),
    ...                         np.array([0.0, 0.008, 0.016]), frame_period_s=0.016)
    >>> np.round(f0, 6).tolist()  # half-way in cents between 100 and 400 Hz is 200 Hz
    [100.0, 200.0, 400.0]
    """
    pitch_hz = np.asarray(pitch_hz, dtype=np.float64)
    voiced = np.asarray(voiced, dtype=bool)
    times_s = np.asarray(times_s, dtype=np.float64)
    if pitch_hz.ndim != 1 or pitch_hz.size == 0 or voiced.shape != pitch_hz.shape:
        raise MotivicError(
            f"pitch_hz {pitch_hz.shape} and voiced {voiced.shape} must be 1-D, equal and non-empty"
        )
    if not np.all(np.isfinite(pitch_hz) & (pitch_hz > 0)):
        raise MotivicError("pitch_hz must be finite and positive on every frame")
    if not frame_period_s > 0:
        raise MotivicError(f"frame_period_s={frame_period_s} must be > 0")
    last = len(pitch_hz) - 1
    position = np.clip(times_s / frame_period_s, 0.0, last)
    lower = np.floor(position).astype(np.int64)
    upper = np.minimum(lower + 1, last)
    weight = position - lower
    nearest = np.where(weight <= 0.5, lower, upper)
    cents = 1200.0 * np.log2(pitch_hz)
    guess_cents = (1.0 - weight) * cents[lower] + weight * cents[upper]
    lower_cents = np.where(voiced[lower], cents[lower], cents[upper])
    upper_cents = np.where(voiced[upper], cents[upper], cents[lower])
    voiced_cents = (1.0 - weight) * lower_cents + weight * upper_cents
    is_voiced = voiced[nearest]
    f0_hz = np.where(is_voiced, 2.0 ** (voiced_cents / 1200.0), 0.0)
    guess_hz = np.where(is_voiced, f0_hz, 2.0 ** (guess_cents / 1200.0))
    return f0_hz, guess_hz


def _detector(threads: int | None):
    try:
        from swift_f0 import SwiftF0
    except ImportError as err:
        raise MotivicError(
            f"pitch.method=swiftf0 needs the swift-f0 package and onnxruntime ({err}); "
            f"{_INSTALL_HINT}"
        ) from err
    return SwiftF0(threads=threads, spin=False)


def swiftf0_f0(
    y: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    fmin_hz: float,
    fmax_hz: float,
    confidence_threshold: float = 0.5,
    threads: int | None = None,
    with_guess: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """f0 in Hz per frame (0 = unvoiced), frame ``i`` centred at ``i * hop_length / sr`` s.

    Parameters are those of :func:`motivic.pitch.extract_pitch`, already validated
    (``confidence_threshold`` is ``swiftf0_confidence_threshold``): a SwiftF0 frame is voiced
    when its confidence reaches it. ``threads`` sets ONNX Runtime's intra-op threads (``None``:
    its default, one per physical core). ``with_guess`` also returns the pitch of every frame,
    unvoiced ones included (MIREX's "unvoiced guesses").

    Returns
    -------
    f0_hz : np.ndarray [shape=(1 + len(y) // hop_length,)]
    guess_hz : np.ndarray [shape=f0_hz.shape]
        Only with ``with_guess``: the pitch of every frame (equal to ``f0_hz`` where voiced).

    Raises
    ------
    MotivicError
        If swift-f0, onnxruntime or soxr is missing (naming what to install), or ``fmin_hz`` …
        ``fmax_hz`` leaves no pitch candidate inside the model's range.
    """
    detector = _detector(threads)
    from swift_f0 import FMAX, FMIN

    if fmin_hz >= FMAX or fmax_hz <= FMIN:
        raise MotivicError(
            f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz}: outside SwiftF0's range {FMIN}–{FMAX} Hz"
        )
    y = np.asarray(y, dtype=np.float32)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if 0.0 < peak < QUIET_PEAK:
        y = y * np.float32(_QUIET_TARGET_PEAK / peak)
    try:
        result = detector.detect(y, sr, fmin=fmin_hz, fmax=fmax_hz)
    except ValueError as err:  # the package's own checks, e.g. a band narrower than one bin
        raise MotivicError(f"SwiftF0 with fmin_hz={fmin_hz}, fmax_hz={fmax_hz}: {err}") from err
    except ImportError as err:  # soxr, which it resamples with (its audio extra)
        raise MotivicError(f"pitch.method=swiftf0 at sr={sr}: {err}; {_INSTALL_HINT}") from err
    voiced = result.confidence >= confidence_threshold
    times = np.arange(1 + len(y) // hop_length) * hop_length / sr
    f0, guess = to_hop_grid(result.pitch_hz, voiced, times)
    logger.debug(
        "swiftf0: %d model frames (%d voiced) -> %d frames", len(voiced), voiced.sum(), len(f0)
    )
    return (f0, guess) if with_guess else f0
