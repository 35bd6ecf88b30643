"""SpecAugment-style frequency and time masking of log-mel spectrograms.

Frequency and time masking follow Park et al. (2019), "SpecAugment: A Simple
Data Augmentation Method for Automatic Speech Recognition": a band of ``f``
consecutive mel channels, ``f ~ U{0, ..., F}``, and a block of ``t``
consecutive frames, ``t ~ U{0, ..., T}``, are replaced by a constant. Time
warping is not used (neither does Arronte Alvarez & Gómez, 2021).

Every transform here is pure: it returns a new array and draws randomness only
from the explicit ``rng`` argument.

Mask width bound
----------------
Park et al. bound a time mask by ``p`` times the length of the utterance
("time mask upper bound", ``p = 0.2`` in their SM and SS policies). Here the
width of a time mask is drawn from ``U{0, ..., min(T, floor(p * valid_frames))}``
(``max_fraction=p``), so on a short segment a mask never blanks the whole
motif: at 25 ms frames a 0.5 s motif has 20 frames, which ``T = 20`` alone
would allow to mask completely. ``max_fraction=1`` restores the unbounded
``U{0, ..., min(T, valid_frames)}``.

Mask value
----------
Park et al. set masked cells to the mean of the (normalised) spectrogram, which
is 0 for their normalised inputs. With ``fill_value=None`` the masks here use
the mean of the *valid* part of the input, ``mel[..., :valid_frames].mean()``.
The training runs pass an explicit value instead (``augment.fill: pad``, see
:mod:`motivic.train.runs`): the value of the stores' padding, i.e. silence
(``log(log_offset)`` for the ``logmel`` features), so that a masked block looks
like the padding the model already sees rather than like a loud flat block.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError

__all__ = [
    "POLICIES",
    "SpecAugment",
    "frequency_mask",
    "spec_augment",
    "time_mask",
]

logger = logging.getLogger(__name__)

#: Valid masking policies.
POLICIES = ("none", "frequency", "time", "both")


def _check_mel(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel)
    if mel.ndim < 2:
        raise MotivicError(f"mel has shape {mel.shape}; expected [..., n_mels, n_frames]")
    return mel


def _fill(mel: np.ndarray, valid_frames: int, fill_value: float | None) -> float:
    if fill_value is not None:
        return float(fill_value)
    valid = mel[..., : max(int(valid_frames), 1)]
    return float(valid.mean()) if valid.size else 0.0


def _check_fraction(name: str, value: float) -> float:
    if not 0.0 <= float(value) <= 1.0:
        raise MotivicError(f"{name}={value!r} must lie in [0, 1]")
    return float(value)


def _check_count(name: str, value: int) -> int:
    if int(value) != value or value < 0:
        raise MotivicError(f"{name}={value!r} must be an integer >= 0")
    return int(value)


def frequency_mask(
    mel: np.ndarray,
    *,
    rng: np.random.Generator,
    max_bands: int,
    n_masks: int = 1,
    valid_frames: int | None = None,
    fill_value: float | None = None,
) -> np.ndarray:
    """Mask ``n_masks`` random bands of consecutive mel channels.

    Parameters
    ----------
    mel : np.ndarray [shape=(..., n_mels, n_frames)]
        Log-mel spectrogram. Not modified.
    rng : np.random.Generator
        Source of randomness.
    max_bands : int >= 0
        Widest mask, ``F`` in Park et al. (2019); each width is drawn from
        ``U{0, ..., min(F, n_mels)}`` and the first band from
        ``U{0, ..., n_mels - width}``.
    n_masks : int >= 0
        Number of independent masks.
    valid_frames : int or None
        Frames before the zero padding; only these are masked (the padding is
        left untouched). ``None``: all frames.
    fill_value : float or None
        Value written into the mask; ``None``: mean of the valid frames.

    Returns
    -------
    masked : np.ndarray [shape=mel.shape]
        A copy of ``mel`` with the masks applied.

    Raises
    ------
    MotivicError
        If ``max_bands`` or ``n_masks`` is negative or ``mel`` has fewer than two dimensions.
    """
    mel = _check_mel(mel)
    max_bands = _check_count("max_bands", max_bands)
    n_masks = _check_count("n_masks", n_masks)
    n_mels, n_frames = mel.shape[-2:]
    stop = n_frames if valid_frames is None else int(np.clip(valid_frames, 0, n_frames))
    value = _fill(mel, stop, fill_value)
    out = mel.copy()
    for _ in range(n_masks):
        width = int(rng.integers(0, min(max_bands, n_mels) + 1))
        first = int(rng.integers(0, n_mels - width + 1))
        out[..., first : first + width, :stop] = value
    return out


def time_mask(
    mel: np.ndarray,
    valid_frames: int,
    *,
    rng: np.random.Generator,
    max_frames: int,
    n_masks: int = 1,
    fill_value: float | None = None,
    max_fraction: float = 1.0,
) -> np.ndarray:
    """Mask ``n_masks`` random blocks of consecutive frames inside the valid frames.

    Parameters
    ----------
    mel : np.ndarray [shape=(..., n_mels, n_frames)]
        Log-mel spectrogram. Not modified.
    valid_frames : int >= 0
        Frames before the zero padding; masks lie entirely in ``[0, valid_frames)``.
    rng : np.random.Generator
        Source of randomness.
    max_frames : int >= 0
        Widest mask, ``T`` in Park et al. (2019); each width is drawn from
        ``U{0, ..., min(T, floor(max_fraction * valid_frames))}`` and its first
        frame from ``U{0, ..., valid_frames - width}``.
    n_masks : int >= 0
        Number of independent masks.
    fill_value : float or None
        Value written into the mask; ``None``: mean of the valid frames.
    max_fraction : float in [0, 1]
        Park et al.'s time-mask upper bound ``p``: no mask is wider than this
        share of the valid frames (see the module notes).

    Returns
    -------
    masked : np.ndarray [shape=mel.shape]
        A copy of ``mel`` with the masks applied.

    Raises
    ------
    MotivicError
        If ``max_frames``, ``n_masks`` or ``valid_frames`` is negative, or
        ``max_fraction`` lies outside [0, 1].
    """
    mel = _check_mel(mel)
    max_frames = _check_count("max_frames", max_frames)
    n_masks = _check_count("n_masks", n_masks)
    valid = min(_check_count("valid_frames", valid_frames), mel.shape[-1])
    widest = min(max_frames, math.floor(_check_fraction("max_fraction", max_fraction) * valid))
    value = _fill(mel, valid, fill_value)
    out = mel.copy()
    for _ in range(n_masks):
        width = int(rng.integers(0, widest + 1))
        first = int(rng.integers(0, valid - width + 1))
        out[..., first : first + width] = value
    return out


def _check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise MotivicError(f"augment policy={policy!r} must be one of {', '.join(POLICIES)}")
    return policy


def spec_augment(
    mel: np.ndarray,
    valid_frames: int,
    *,
    rng: np.random.Generator,
    policy: str = "both",
    freq_mask_bands: int = 16,
    time_mask_frames: int = 20,
    n_freq_masks: int = 1,
    n_time_masks: int = 1,
    fill_value: float | None = None,
    time_mask_max_fraction: float = 1.0,
) -> np.ndarray:
    """Apply frequency and/or time masking (Park et al., 2019).

    Parameters
    ----------
    mel : np.ndarray [shape=(..., n_mels, n_frames)]
        Log-mel spectrogram. Not modified.
    valid_frames : int >= 0
        Frames before the zero padding.
    rng : np.random.Generator
        Source of randomness.
    policy : {"none", "frequency", "time", "both"}
        Which masks to apply; ``"both"`` applies frequency masks first.
    freq_mask_bands, time_mask_frames : int >= 0
        Widest frequency and time mask (``F`` and ``T``).
    n_freq_masks, n_time_masks : int >= 0
        Number of masks of each kind.
    fill_value : float or None
        Mask value; ``None``: mean of the valid frames of the *input*.
    time_mask_max_fraction : float in [0, 1]
        Time-mask upper bound ``p`` (see :func:`time_mask`).

    Returns
    -------
    masked : np.ndarray [shape=mel.shape]
        A copy of ``mel`` (also when ``policy == "none"``).
    """
    _check_policy(policy)
    mel = _check_mel(mel)
    value = _fill(mel, min(int(valid_frames), mel.shape[-1]), fill_value)
    out = mel.copy()
    if policy in ("frequency", "both"):
        out = frequency_mask(
            out,
            rng=rng,
            max_bands=freq_mask_bands,
            n_masks=n_freq_masks,
            valid_frames=valid_frames,
            fill_value=value,
        )
    if policy in ("time", "both"):
        out = time_mask(
            out,
            valid_frames,
            rng=rng,
            max_frames=time_mask_frames,
            n_masks=n_time_masks,
            fill_value=value,
            max_fraction=time_mask_max_fraction,
        )
    return out


@dataclass(frozen=True)
class SpecAugment:
    """Picklable ``(mel, valid_frames, rng) -> mel`` callable for ``MelDataset(augment=...)``.

    Parameters mirror :func:`spec_augment`; the ``augment:`` config section
    (``freq_mask_bands``, ``time_mask_frames``, ``time_mask_max_fraction``) maps
    onto it directly, ``policy`` being the mask kind of one copy of the plan.
    """

    policy: str = "both"
    freq_mask_bands: int = 16
    time_mask_frames: int = 20
    n_freq_masks: int = 1
    n_time_masks: int = 1
    fill_value: float | None = None
    time_mask_max_fraction: float = 1.0

    def __post_init__(self) -> None:
        _check_policy(self.policy)
        for name in ("freq_mask_bands", "time_mask_frames", "n_freq_masks", "n_time_masks"):
            _check_count(name, getattr(self, name))
        _check_fraction("time_mask_max_fraction", self.time_mask_max_fraction)

    def __call__(self, mel: np.ndarray, valid_frames: int, rng: np.random.Generator) -> np.ndarray:
        return spec_augment(
            mel,
            valid_frames,
            rng=rng,
            policy=self.policy,
            freq_mask_bands=self.freq_mask_bands,
            time_mask_frames=self.time_mask_frames,
            n_freq_masks=self.n_freq_masks,
            n_time_masks=self.n_time_masks,
            fill_value=self.fill_value,
            time_mask_max_fraction=self.time_mask_max_fraction,
        )
