"""SpecAugment-style masking of log-mel spectrograms and class-dependent augmentation plans.

Frequency and time masking follow Park et al. (2019), "SpecAugment: A Simple
Data Augmentation Method for Automatic Speech Recognition": a band of ``f``
consecutive mel channels, ``f ~ U{0, ..., F}``, and a block of ``t``
consecutive frames, ``t ~ U{0, ..., T}``, are replaced by a constant. Time
warping is not used (neither does Arronte Alvarez & Gómez, 2021).

Every transform here is pure: it returns a new array and draws randomness only
from the explicit ``rng`` argument.

Mask value
----------
Park et al. set masked cells to the mean of the (normalised) spectrogram. By
default (``fill_value=None``) the masks here use the mean of the *valid* part
of the input, ``mel[..., :valid_frames].mean()``; for standardised inputs this
is close to 0, the value the stores use for padding. Pass ``fill_value=0.0`` to
mask with the padding value exactly.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import MotivicError

__all__ = [
    "POLICIES",
    "SpecAugment",
    "augmentation_plan",
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
        ``U{0, ..., min(T, valid_frames)}`` and its first frame from
        ``U{0, ..., valid_frames - width}``.
    n_masks : int >= 0
        Number of independent masks.
    fill_value : float or None
        Value written into the mask; ``None``: mean of the valid frames.

    Returns
    -------
    masked : np.ndarray [shape=mel.shape]
        A copy of ``mel`` with the masks applied.

    Raises
    ------
    MotivicError
        If ``max_frames``, ``n_masks`` or ``valid_frames`` is negative.
    """
    mel = _check_mel(mel)
    max_frames = _check_count("max_frames", max_frames)
    n_masks = _check_count("n_masks", n_masks)
    valid = min(_check_count("valid_frames", valid_frames), mel.shape[-1])
    value = _fill(mel, valid, fill_value)
    out = mel.copy()
    for _ in range(n_masks):
        width = int(rng.integers(0, min(max_frames, valid) + 1))
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
        )
    return out


@dataclass(frozen=True)
class SpecAugment:
    """Picklable ``(mel, valid_frames, rng) -> mel`` callable for ``MelDataset(augment=...)``.

    Parameters mirror :func:`spec_augment`; the ``augment:`` config section
    (``policy``, ``freq_mask_bands``, ``time_mask_frames``) maps onto it directly.
    """

    policy: str = "both"
    freq_mask_bands: int = 16
    time_mask_frames: int = 20
    n_freq_masks: int = 1
    n_time_masks: int = 1
    fill_value: float | None = None

    def __post_init__(self) -> None:
        _check_policy(self.policy)
        for name in ("freq_mask_bands", "time_mask_frames", "n_freq_masks", "n_time_masks"):
            _check_count(name, getattr(self, name))

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
        )


def augmentation_plan(
    labels: Sequence,
    *,
    policy: str | Sequence[str],
    rng: np.random.Generator,
    minority_copies: int = 3,
    fraction: float = 0.5,
) -> list[tuple[int, str]]:
    """Decide which training samples get masked copies, and how many.

    Generalises the class-dependent augmentation of Arronte Alvarez & Gómez
    (2021), where smaller classes receive more masked copies. The rule, with
    ``n_c`` the number of samples of class ``c`` and ``n_max`` the largest
    class size:

    - ``k_c = min(minority_copies, floor(n_max / n_c) - 1)``;
    - if ``k_c >= 1`` (class ``c`` has at most half as many samples as the
      largest class) *every* sample of ``c`` gets ``k_c`` copies, which moves
      the class towards ``n_max`` samples without exceeding it;
    - otherwise a random subset of ``round(fraction * n_c)`` samples of ``c``
      (drawn from ``rng`` without replacement) gets one copy each.

    Copy ``j`` of a sample uses ``policies[j % len(policies)]``, so passing
    ``("frequency", "time")`` alternates the mask type across copies.

    Parameters
    ----------
    labels : sequence [shape=(n,)]
        Class of each training sample (any hashable values).
    policy : str or sequence of str
        Masking policy or policies of the copies, from ``POLICIES``;
        ``"none"`` returns an empty plan.
    rng : np.random.Generator
        Chooses the samples of the larger classes.
    minority_copies : int >= 1
        Most copies per sample of a small class.
    fraction : float in [0, 1]
        Share of the samples of the other classes that get one copy.

    Returns
    -------
    plan : list of (int, str)
        ``(position, policy)`` per copy, ``position`` indexing ``labels``;
        sorted by position then copy number.

    Raises
    ------
    MotivicError
        For an unknown policy, ``minority_copies < 1`` or ``fraction`` outside [0, 1].
    """
    policies = (policy,) if isinstance(policy, str) else tuple(policy)
    if not policies:
        raise MotivicError("augment policy=() must name at least one policy")
    for name in policies:
        _check_policy(name)
    if int(minority_copies) != minority_copies or minority_copies < 1:
        raise MotivicError(f"minority_copies={minority_copies!r} must be an integer >= 1")
    if not 0.0 <= fraction <= 1.0:
        raise MotivicError(f"fraction={fraction!r} must lie in [0, 1]")
    labels = np.asarray(labels)
    if policies == ("none",) or labels.size == 0:
        return []
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n_max = counts.max()
    plan: list[tuple[int, str]] = []
    for c, n_c in enumerate(counts):
        members = np.flatnonzero(inverse == c)
        k_c = min(int(minority_copies), math.floor(n_max / n_c) - 1)
        if k_c >= 1:
            plan.extend((int(p), policies[j % len(policies)]) for p in members for j in range(k_c))
        else:
            n_pick = round(fraction * n_c)
            chosen = rng.choice(members, size=n_pick, replace=False) if n_pick else []
            plan.extend((int(p), policies[0]) for p in chosen)
        logger.debug(
            "class %s: %d samples, %s",
            classes[c],
            n_c,
            f"{k_c} copies each" if k_c >= 1 else f"{round(fraction * n_c)} single copies",
        )
    plan = [entry for entry in plan if entry[1] != "none"]
    plan.sort(key=lambda e: e[0])  # stable: copies of one sample keep their order
    logger.info(
        "augmentation plan: %d copies of %d samples (%d classes)",
        len(plan),
        labels.size,
        classes.size,
    )
    return plan
