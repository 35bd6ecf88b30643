"""Passages of a clip corpus: clips cut from the same stretch of audio, found by their samples.

Published motif clips often hold nested or overlapping cuts of one passage (in
the flamenco collection, recording M1050 has ``-2-2-11-2-2-11``,
``-2-2-11-2-2-1``, ``-2-11-2-2-11`` and ``-2-11-2-2-1``, each cut from the
same sung phrase). Their names differ, their contents (hashes) differ, yet a
split that puts one in training and another in test tests on audio the model
has heard. :func:`passage_clusters` links two clips when a contiguous stretch
of one equals a stretch of the other, and returns the connected components:
every clip of a component is one *passage*, a unit no split may cut
(:func:`motivic.splits.units.merge_units`).

**How.** Published cuts are not always sample-exact copies: in the flamenco
release, nested cuts of one phrase correlate at 1.000 but differ by a gain
(each clip normalised on its own). The hash therefore reads the *sign* of
each sample (``-1, 0, +1``), which a positive gain never changes. Each clip's
samples are cut into non-overlapping *anchor* windows of ``window`` samples
(quiet windows skipped); a polynomial rolling hash of the signs at every
window position of every clip (prefix sums modulo 2**64) is looked up among
the anchor hashes (a bitmap of their low bits first rules out most windows),
and each hit proposes an alignment of two clips; hits are deduplicated per
alignment, in arrays, and each alignment is verified once on the samples:
the overlap must hold at least ``min_overlap`` samples and their normalised
correlation (gain-free) reach ``min_correlation``. Any overlap of at least ``2 * window`` samples contains
a whole anchor window, so it is found as long as the signs agree there.

**Limits.** Recognised: sample-aligned cuts of one waveform, each with its own
positive gain, copies. Not recognised: resampled audio (clips of different
native rates are never compared), lossy re-encoding, fades, polarity
inversion, or added noise that flips a sign in every anchor window of the
overlap. Falsely linked: strictly periodic, nearly noise-free audio of two
different phrases can agree in sign and correlate above 0.99 over a short
overlap (seen with synthetic harmonic tones carrying 1 % noise); a larger
``min_overlap`` guards against it. Clips shorter than ``2 * window`` samples
are linked only through identical contents (``contents``). Every decoded
sample is held in memory (4 bytes per sample: about 1 GB for the 11,158 clips
of the full flamenco release).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

__all__ = ["passage_clusters", "window_hashes"]

logger = logging.getLogger(__name__)

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_SILENT = 1e-4  # anchor windows quieter than -80 dBFS match everywhere: skipped


def _powers(n: int, base: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    out[0] = 1
    if n > 1:
        out[1:] = np.uint64(base)
        np.cumprod(out[1:], out=out[1:])
    return out


def window_hashes(samples: np.ndarray, window: int) -> np.ndarray:
    """Hash of the signs of every window ``samples[o : o + window]`` (``o = 0 … n - window``).

    The hash is ``sum_k (sign(x[o + k]) + 2) * B**k`` modulo 2**64, so windows
    with the same sign pattern (the same audio at any positive gain) have equal
    hashes and windows whose signs differ anywhere almost surely do not.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
    window : int > 0

    Returns
    -------
    hashes : np.ndarray [shape=(max(n - window + 1, 0),), dtype=uint64]
    """
    x = (np.sign(np.asarray(samples, dtype=np.float32)) + 2).astype(np.uint64)
    n = len(x)
    if n < window:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(x * _powers(n, int(_BASE)), out=prefix[1:])
        sums = prefix[window:] - prefix[: n - window + 1]  # = B**o * hash(o)
        return sums * _powers(n - window + 1, pow(int(_BASE), -1, 2**64))


def _anchors(samples: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and hashes of the non-silent, non-overlapping windows of one clip."""
    offsets = np.arange(0, len(samples) - window + 1, window)
    if not len(offsets):
        return offsets, np.zeros(0, dtype=np.uint64)
    blocks = np.abs(samples[: offsets[-1] + window]).reshape(-1, window)
    offsets = offsets[blocks.max(axis=1) > _SILENT]
    return offsets, window_hashes(samples, window)[offsets]


def _candidate_alignments(
    clips: Sequence[np.ndarray],
    members: Sequence[int],
    hashes: np.ndarray,
    owner: np.ndarray,
    where: np.ndarray,
    window: int,
) -> np.ndarray:
    """Distinct alignments ``(i, j, shift)`` (``i < j``) proposed by anchor-hash hits.

    Every window of every member clip ``j`` is looked up among the sorted anchor
    ``hashes`` (owned by clip ``owner`` at offset ``where``); a hit says clip
    ``i``'s sample ``t`` may be clip ``j``'s sample ``t + shift``. A shared
    stretch yields one hit per anchor inside it, from both clips' sides: the
    hits are deduplicated here, in arrays, so the samples are compared once per
    alignment.
    """
    # a bitmap of the anchors' low hash bits rules out almost every window with one gather, so the
    # binary search runs on the few windows left
    bits = max(16, min(26, int(np.ceil(np.log2(max(len(hashes), 1)))) + 6))
    mask = np.uint64((1 << bits) - 1)
    seen = np.zeros(1 << bits, dtype=bool)
    seen[(hashes & mask).astype(np.intp)] = True
    found = []
    for j in members:
        rolling = window_hashes(clips[j], window)
        candidate = np.flatnonzero(seen[(rolling & mask).astype(np.intp)])
        lo = np.searchsorted(hashes, rolling[candidate], side="left")
        hi = np.searchsorted(hashes, rolling[candidate], side="right")
        hit = hi > lo
        if not hit.any():
            continue
        position, lo, hi = candidate[hit], lo[hit], hi[hit]
        n_hits = hi - lo
        first = np.cumsum(n_hits) - n_hits
        k = np.repeat(lo, n_hits) + np.arange(int(n_hits.sum())) - np.repeat(first, n_hits)
        i = owner[k]
        shift = np.repeat(position, n_hits) - where[k]  # clip i's sample t is clip j's t + shift
        keep = i != j
        i, shift = i[keep], shift[keep]
        swap = i > j  # (i, j, shift) and (j, i, -shift) are one alignment
        found.append(
            np.stack([np.where(swap, j, i), np.where(swap, i, j), np.where(swap, -shift, shift)], 1)
        )
    if not found:
        return np.zeros((0, 3), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


class _Components:
    """Union-find over ``n`` items."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _shares_audio(
    a: np.ndarray, b: np.ndarray, shift: int, min_overlap: int, min_correlation: float
) -> bool:
    """Whether ``a[t]`` is ``b[t + shift]`` up to a gain over an overlap of >= ``min_overlap``."""
    start, stop = max(0, -shift), min(len(a), len(b) - shift)
    if stop - start < min_overlap:
        return False
    x = a[start:stop].astype(np.float64)
    y = b[start + shift : stop + shift].astype(np.float64)
    norm = np.sqrt(np.dot(x, x) * np.dot(y, y))
    return bool(norm > 0 and np.dot(x, y) / norm >= min_correlation)


def passage_clusters(
    samples: Sequence[np.ndarray],
    rates: Sequence[int],
    *,
    contents: Sequence[str] | None = None,
    window: int = 256,
    min_overlap: int | None = None,
    min_correlation: float = 0.99,
) -> np.ndarray:
    """Cluster clips that share a stretch of audio (nested or overlapping cuts, copies).

    Parameters
    ----------
    samples : sequence of np.ndarray [shape=(n_i,), dtype=float32]
        Each clip's mono samples at its native rate.
    rates : sequence of int
        Native rate of each clip; clips of different rates are never linked.
    contents : sequence of str or None
        A content key per clip (the decoded-audio hash); equal keys are linked
        whatever their length. Empty strings link nothing.
    window : int > 0
        Anchor window in samples (256: 12 ms at 22.05 kHz).
    min_overlap : int or None
        Fewest shared samples that link two clips; ``None`` = ``2 * window``,
        the overlap that is always found.
    min_correlation : float in (0, 1]
        Least normalised correlation of the overlapping samples (1: the same
        samples up to a positive gain).

    Returns
    -------
    cluster : np.ndarray [shape=(n_clips,), dtype=int]
        Index of the first clip of each clip's passage (clips sharing audio
        directly or through a chain of others get the same value).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> phrase = rng.standard_normal(8000).astype(np.float32)
    >>> clips = [phrase[1000:6000], rng.standard_normal(3000).astype(np.float32), phrase[2000:4000]]
    >>> passage_clusters(clips, [22050] * 3).tolist()
    [0, 1, 0]
    """
    if window < 1:
        raise ValueError(f"window={window} must be >= 1")
    min_overlap = 2 * window if min_overlap is None else int(min_overlap)
    clips = [np.ascontiguousarray(s, dtype=np.float32).ravel() for s in samples]
    rates = [int(r) for r in rates]
    if len(rates) != len(clips):
        raise ValueError(f"{len(clips)} clips but {len(rates)} rates")
    components = _Components(len(clips))
    if contents is not None:
        first: dict[str, int] = {}
        for i, key in enumerate(contents):
            if key:
                components.union(first.setdefault(key, i), i)
    for rate in sorted(set(rates)):
        members = [i for i, r in enumerate(rates) if r == rate]
        anchor_hash, anchor_clip, anchor_offset = [], [], []
        for i in members:
            offsets, hashes = _anchors(clips[i], window)
            anchor_hash.append(hashes)
            anchor_clip.append(np.full(len(hashes), i))
            anchor_offset.append(offsets)
        if not members or not sum(len(h) for h in anchor_hash):
            continue
        hashes = np.concatenate(anchor_hash)
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        owner = np.concatenate(anchor_clip)[order]
        where = np.concatenate(anchor_offset)[order]
        for i, j, shift in _candidate_alignments(
            clips, members, hashes, owner, where, window
        ).tolist():
            if components.find(i) != components.find(j) and _shares_audio(
                clips[i], clips[j], shift, min_overlap, min_correlation
            ):
                components.union(i, j)
    cluster = np.array([components.find(i) for i in range(len(clips))], dtype=int)
    logger.info(
        "passages: %d clips in %d passage(s), %d of them holding several clips",
        len(clips),
        len(set(cluster.tolist())),
        int(sum(np.bincount(cluster) > 1)),
    )
    return cluster
