"""Coherence: do a motif's occurrences sound alike, more than random stretches of the same singing?

The miner compares tokens with tokens; coherence compares what was sung. For every motif:

1. **Contours.** Each occurrence's f0 (voiced frames inside ``[start_s, end_s)``, in cents)
   is resampled at ``n_points`` equally spaced times over the occurrence and centred on its
   own median, so transposition and tempo drop out (uniform time scaling, as in Fu, Keogh
   et al. 2008, "Scaling and time warping in time series querying", VLDB Journal 17).
2. **Distance.** Dynamic time warping (Sakoe & Chiba 1978) between two contours, cost
   ``|a_i - b_j|`` cents, steps (1, 0), (0, 1), (1, 1), restricted to the Sakoe-Chiba band
   ``|i - j| <= band``; the accumulated cost divided by ``n_points``. For two contours
   aligned without warping it is their mean absolute difference in cents.
3. **Baseline.** For each compared pair of occurrences ``(x, y)`` a pair of *random
   windows* ``(x', y')``: ``x'`` a window of ``x``'s duration from ``x``'s recording, with
   voiced first and last frames and at least ``min_voiced_share`` of its frames voiced,
   placed uniformly at random (``rng``), likewise ``y'``. Random windows may overlap motifs.
4. **Score.** ``coherence`` = the probability that a pair of the motif's occurrences is
   closer than a random pair of the same durations from the same recordings (ties count
   half): the area under the ROC curve of the Mann-Whitney statistic over all
   (within pair, random pair) combinations. 0.5 = no more alike than any two stretches of
   the same singing, 1 = every occurrence pair closer than every random pair. Pairs per
   motif are capped at ``max_pairs`` (a seeded subsample), so the cost is bounded.

A dictionary's coherence is the mean of its motifs' scores (each motif counts once).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError

__all__ = [
    "COHERENCE_COLUMNS",
    "dictionary_coherence",
    "dtw_distances",
    "motif_coherence",
    "random_windows",
    "window_contours",
]

logger = logging.getLogger(__name__)

COHERENCE_COLUMNS = [
    "motif_id",
    "n_occurrences",
    "n_pairs",
    "within_cents",
    "random_cents",
    "coherence",
]
_CHUNK_CELLS = 4_000_000  # cost-matrix cells per batch of pairs (32 MB of float64)


def dtw_distances(a: np.ndarray, b: np.ndarray, *, band: int | None = None) -> np.ndarray:
    """Banded DTW between the rows of ``a`` and ``b``, vectorised over pairs and anti-diagonals.

    Parameters
    ----------
    a : np.ndarray [shape=(n_pairs, n)]
    b : np.ndarray [shape=(n_pairs, m)]
        Row ``k`` of ``a`` is compared with row ``k`` of ``b``.
    band : int >= 0 or None
        Sakoe-Chiba radius: only cells with ``|i - j| <= band`` are allowed (``None``: all).

    Returns
    -------
    distances : np.ndarray [shape=(n_pairs,)]
        Least accumulated ``|a_i - b_j|`` over monotone paths from ``(0, 0)`` to
        ``(n - 1, m - 1)`` with steps (1, 0), (0, 1), (1, 1), divided by ``(n + m) / 2``;
        ``inf`` when the band excludes every path (``band < |n - m|``).

    Raises
    ------
    MotivicError
        If the arrays are not two-dimensional, empty, or differ in their number of rows.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise MotivicError(
            f"dtw_distances: need [pairs, n] and [pairs, m], got {a.shape}, {b.shape}"
        )
    n_pairs, n = a.shape
    m = b.shape[1]
    if n == 0 or m == 0:
        raise MotivicError("dtw_distances: contours must have at least one point")
    if band is not None and band < 0:
        raise MotivicError(f"dtw_distances: band={band} must be >= 0")
    out = np.empty(n_pairs)
    chunk = max(1, _CHUNK_CELLS // (n * m))
    for lo in range(0, n_pairs, chunk):
        out[lo : lo + chunk] = _dtw_chunk(a[lo : lo + chunk], b[lo : lo + chunk], band)
    return out / ((n + m) / 2)


def _dtw_chunk(a: np.ndarray, b: np.ndarray, band: int | None) -> np.ndarray:
    n_pairs, n = a.shape
    m = b.shape[1]
    # One accumulated-cost vector per anti-diagonal i + j = k, cell (i, k - i) at position
    # i + 1 (position 0 is the border). Diagonal k needs only diagonals k - 1 and k - 2:
    # (i - 1, j - 1) at position i of k - 2, (i - 1, j) at i and (i, j - 1) at i + 1 of k - 1.
    before_last = np.full((n_pairs, n + 1), np.inf)
    before_last[:, 0] = 0.0  # the virtual cell (-1, -1)
    last = np.full((n_pairs, n + 1), np.inf)
    for k in range(n + m - 1):
        lo, hi = max(0, k - m + 1), min(n - 1, k)
        if band is not None:  # |i - j| = |2 i - k| <= band
            lo, hi = max(lo, -((band - k) // 2)), min(hi, (k + band) // 2)
        current = np.full((n_pairs, n + 1), np.inf)
        if lo <= hi:
            cost = np.abs(a[:, lo : hi + 1] - b[:, k - hi : k - lo + 1][:, ::-1])
            best = np.minimum(before_last[:, lo : hi + 1], last[:, lo : hi + 1])
            np.minimum(best, last[:, lo + 1 : hi + 2], out=best)
            current[:, lo + 1 : hi + 2] = cost + best
        before_last, last = last, current
    return last[:, n]


def window_contours(
    times_s: np.ndarray,
    f0_hz: np.ndarray,
    starts_s: np.ndarray,
    ends_s: np.ndarray,
    *,
    n_points: int,
) -> np.ndarray:
    """Median-centred pitch contours (cents) of time windows of one f0 track.

    Parameters
    ----------
    times_s, f0_hz : np.ndarray [shape=(n_frames,)]
        The track; ``f0_hz <= 0`` or NaN is unvoiced.
    starts_s, ends_s : np.ndarray [shape=(n_windows,)]
        Window ``[start, end)``.
    n_points : int >= 2
        Samples per contour, at ``linspace(start, end, n_points)``, linearly interpolated
        between the window's voiced frames (held at its first and last one).

    Returns
    -------
    contours : np.ndarray [shape=(n_windows, n_points)]
        Cents minus the window's median; a row of NaN where fewer than two frames are voiced.
    """
    if n_points < 2:
        raise MotivicError(f"window_contours: n_points={n_points} must be >= 2")
    times = np.asarray(times_s, dtype=float)
    f0 = np.asarray(f0_hz, dtype=float)
    voiced = np.isfinite(f0) & (f0 > 0)
    vt = times[voiced]
    vc = 1200.0 * np.log2(f0[voiced] / 440.0)
    starts = np.asarray(starts_s, dtype=float)
    ends = np.asarray(ends_s, dtype=float)
    lo = np.searchsorted(vt, starts, side="left")
    hi = np.searchsorted(vt, ends, side="left")
    out = np.full((starts.size, n_points), np.nan)
    for w in np.flatnonzero(hi - lo >= 2):
        grid = np.linspace(starts[w], ends[w], n_points)
        curve = np.interp(grid, vt[lo[w] : hi[w]], vc[lo[w] : hi[w]])
        out[w] = curve - np.median(curve)
    return out


def random_windows(
    times_s: np.ndarray,
    f0_hz: np.ndarray,
    durations_s: np.ndarray,
    rng: np.random.Generator,
    *,
    min_voiced_share: float = 0.8,
) -> np.ndarray:
    """Start times of random mostly-voiced windows of given durations in one f0 track.

    A window of ``w = max(2, round(duration / hop))`` frames qualifies when its first and
    last frames are voiced and at least ``min_voiced_share`` of its frames are; its start is
    drawn uniformly among qualifying frames.

    Returns
    -------
    starts : np.ndarray [shape=(n_windows,)]
        Start time of each window, NaN where no window of that length qualifies.
    """
    times = np.asarray(times_s, dtype=float)
    f0 = np.asarray(f0_hz, dtype=float)
    durations = np.asarray(durations_s, dtype=float)
    starts = np.full(durations.size, np.nan)
    if times.size < 2:
        return starts
    hop = float(np.median(np.diff(times)))
    voiced = np.isfinite(f0) & (f0 > 0)
    cum = np.concatenate([[0], np.cumsum(voiced)])
    frames = np.maximum(2, np.rint(durations / hop).astype(np.int64))
    for w in np.unique(frames):
        todo = np.flatnonzero(frames == w)
        if w > times.size:
            continue
        first = np.arange(times.size - w + 1)
        ok = (
            voiced[first]
            & voiced[first + w - 1]
            & (cum[first + w] - cum[first] >= min_voiced_share * w)
        )
        candidates = first[ok]
        if candidates.size:
            starts[todo] = times[rng.choice(candidates, size=todo.size)]
    return starts


def _pairs(k: int, max_pairs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """All ``k (k - 1) / 2`` index pairs, or ``max_pairs`` random pairs of distinct indices."""
    if k * (k - 1) // 2 <= max_pairs:
        return np.triu_indices(k, 1)
    i = rng.integers(k, size=max_pairs)
    j = (i + rng.integers(1, k, size=max_pairs)) % k
    return i, j


def motif_coherence(
    occurrences: pd.DataFrame,
    tracks: dict,
    *,
    rng: np.random.Generator,
    max_pairs: int = 100,
    n_points: int = 64,
    band: float = 0.1,
    min_voiced_share: float = 0.8,
) -> pd.DataFrame:
    """Coherence of every motif of an occurrence table (see the module).

    Parameters
    ----------
    occurrences : pandas.DataFrame
        Columns ``motif_id``, ``recording``, ``start_s``, ``end_s``.
    tracks : dict of str to (times_s, f0_hz)
        The f0 track of every recording named in ``occurrences``.
    rng : numpy.random.Generator
        Draws the pair subsample and the random windows.
    max_pairs : int >= 1
        Occurrence pairs compared per motif (all of them when there are fewer).
    n_points : int >= 2
        Samples per contour.
    band : float in [0, 1]
        Sakoe-Chiba radius as a fraction of ``n_points`` (rounded up).
    min_voiced_share : float in [0, 1]
        Least voiced share of a random window.

    Returns
    -------
    coherence : pandas.DataFrame
        One row per motif with at least one scored pair, columns :data:`COHERENCE_COLUMNS`:
        occurrences with a contour, within pairs compared, the median within-motif and
        random-pair distances (cents) and ``coherence`` in [0, 1].

    Raises
    ------
    MotivicError
        If a column or a recording's track is missing, or an option is out of range.
    """
    missing = [c for c in ("motif_id", "recording", "start_s", "end_s") if c not in occurrences]
    if missing:
        raise MotivicError(f"motif_coherence: occurrence table lacks columns {missing}")
    if max_pairs < 1:
        raise MotivicError(f"coherence.max_pairs={max_pairs} must be >= 1")
    if not 0 <= band <= 1:
        raise MotivicError(f"coherence.band={band} must be in [0, 1]")
    absent = sorted(set(occurrences["recording"]) - set(tracks))
    if absent:
        raise MotivicError(f"motif_coherence: no f0 track for recordings {absent[:5]}")
    occ = occurrences.sort_values(["motif_id", "recording", "start_s"], kind="mergesort")
    occ = occ.reset_index(drop=True)
    contours = np.full((len(occ), n_points), np.nan)
    for rec, grp in occ.groupby("recording", sort=True):
        times, f0 = tracks[rec]
        idx = grp.index.to_numpy()
        contours[idx] = window_contours(
            times, f0, grp["start_s"].to_numpy(), grp["end_s"].to_numpy(), n_points=n_points
        )
    valid = ~np.isnan(contours[:, 0])
    occ = occ[valid].reset_index(drop=True)
    contours = contours[valid]
    # within-motif pairs, motif by motif (seeded subsample beyond max_pairs)
    first, second, owner = [], [], []
    counts = {}
    for motif_id, grp in occ.groupby("motif_id", sort=True):
        idx = grp.index.to_numpy()
        counts[motif_id] = idx.size
        i, j = _pairs(idx.size, max_pairs, rng)
        first.append(idx[i])
        second.append(idx[j])
        owner.append(np.full(i.size, motif_id, dtype=object))
    if not first or not sum(x.size for x in first):
        return pd.DataFrame(columns=COHERENCE_COLUMNS)
    first, second, owner = np.concatenate(first), np.concatenate(second), np.concatenate(owner)
    # one random window per compared occurrence: same recording, same duration
    duration = (occ["end_s"] - occ["start_s"]).to_numpy()
    ends = np.concatenate([first, second])
    random_contours = np.full((ends.size, n_points), np.nan)
    rec_of = occ["recording"].to_numpy()[ends]
    for rec in np.unique(rec_of):
        rows = np.flatnonzero(rec_of == rec)
        times, f0 = tracks[rec]
        starts = random_windows(
            times, f0, duration[ends[rows]], rng, min_voiced_share=min_voiced_share
        )
        random_contours[rows] = window_contours(
            times, f0, starts, starts + duration[ends[rows]], n_points=n_points
        )
    radius = int(np.ceil(band * n_points))
    within = dtw_distances(contours[first], contours[second], band=radius)
    rand_a, rand_b = random_contours[: first.size], random_contours[first.size :]
    placed = ~(np.isnan(rand_a[:, 0]) | np.isnan(rand_b[:, 0]))
    random = np.full(first.size, np.nan)
    if placed.any():
        random[placed] = dtw_distances(rand_a[placed], rand_b[placed], band=radius)
    rows = []
    for motif_id, n_occurrences in counts.items():
        mine = owner == motif_id
        w = within[mine]
        r = np.sort(random[mine & placed])
        if not r.size:
            continue
        # P(within < random) + P(within == random) / 2, over every (within, random) combination
        greater = r.size - np.searchsorted(r, w, side="right")
        ties = np.searchsorted(r, w, side="right") - np.searchsorted(r, w, side="left")
        auc = float((greater + 0.5 * ties).sum() / (w.size * r.size))
        rows.append(
            (motif_id, n_occurrences, int(w.size), float(np.median(w)), float(np.median(r)), auc)
        )
    logger.info("coherence of %d motifs (%d pairs)", len(rows), first.size)
    return pd.DataFrame(rows, columns=COHERENCE_COLUMNS)


def dictionary_coherence(coherence: pd.DataFrame) -> float:
    """Mean of the motifs' coherence scores (NaN without a scored motif)."""
    scores = pd.to_numeric(coherence["coherence"], errors="coerce").dropna()
    return float(scores.mean()) if len(scores) else float("nan")
