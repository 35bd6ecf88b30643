"""Contour simplification: f0 → phrases of signed interval classes with time spans.

Arronte Alvarez & Gómez (2021), following Arronte Alvarez & Gómez's earlier motivic
work on flamenco and folk song, reduce a Melodia f0 contour to a rectilinear
("staircase") approximation whose steps are ε = 66 cents wide, then describe the melody
by the signed class of the interval between consecutive steps (1–4, + up, − down).
The rectilinear fitting follows Díaz-Báñez & Mesa (2001), "Fitting rectilinear polygonal
curves to a set of points in the plane", European Journal of Operational Research 130:
among all staircases whose steps stay within a band of half-width ε/2 around every
point, take one with the fewest steps.

Pipeline of :func:`simplify` (each stage is a small private helper):

1. Hz → cents re ``reference_hz``; unvoiced frames (f0 ≤ 0 or not finite) are gaps.
2. Phrases are split at unvoiced gaps of at least ``min_gap_s``; shorter gaps are
   bridged (the unvoiced frames are skipped, the voiced frames on both sides continue
   the same phrase).
3. Implausible jumps (``|Δ| > max_jump_cents`` between consecutive voiced frames of a
   phrase, typically octave errors) cut the phrase into pieces. If a phrase has more
   than one piece, every piece shorter than ``min_gap_s`` is treated as a tracking error
   and removed (its frames become unvoiced, so step 2 may bridge or split there). Jumps
   still left between the surviving pieces split the phrase.
4. Minimal ε-band step approximation (:func:`step_approximation`) per phrase; among the
   segmentations with the fewest steps, the one with the least squared error (default
   ``tie_break="least_squares"``) or the greedy one (``tie_break="greedy"``).
5. Steps shorter than ``min_step_s`` (glides, ornaments) are absorbed into a
   neighbouring long step, then adjacent steps whose *core* frames fit together in one
   band are merged (see :func:`simplify` for the exact rule and the band guarantee).
6. Tokens: :func:`interval_class` of the differences between the *pitches* of
   consecutive steps, where a step's pitch is the median of its core frames.

Level and pitch of a step: the ε band fixes the segmentation and its ``level`` (the
band centre, midrange of the core frames); the interval between two notes is measured
between their ``pitch`` (median of the core frames). The two coincide on a steady
note, but Melodia's analysis window smears every note change over a few frames
(tens of ms), and the neighbouring steps absorb those transition frames into their
bands: the midrange then moves by up to ε/2 while the median stays on the sung note.
With the midrange, 100- and 165-cent intervals flip class often enough that a motif
sung three times is rarely tokenised the same way three times; the median keeps the
segmentation of Díaz-Báñez & Mesa intact and makes the tokens robust.

Why a tie-break: the fewest-step segmentation is rarely unique. The greedy one extends
every step as far right as the band allows, so each step swallows the first frames of the
next note's onset transition and then ends at an arbitrary frame *inside* the next steady
note, which it cuts in two long steps (e.g. 1820→1760 cents of a down-glide, then a held
1750: the band [1750, 1820] is 70 cents wide, so the held note splits after a few frames).
Both halves outlast ``min_step_s`` and their cores do not fit one band, so a spurious ±1
token appears — not every time the motif is sung, which breaks its support. Among the
fewest-step segmentations, the one that minimises the total squared deviation of the
frames from their step means puts the transition frames in a short step of their own
(absorbed later) and keeps the held note whole. Measured on the demo corpus (Melodia f0):
planted-motif recall 0.885 (greedy) → 1.0 (least squares); on the ground-truth f0,
0.78 → 1.0.

Note on glides: each greedy step spans at most ε and the next one starts a frame later,
so on a sampled continuous glide consecutive steps differ by about ε plus one frame
increment: with the paper's boundaries (``|d| <= ε`` → 1) a glide yields a staircase of
±1 or ±2 tokens (depending on where the medians fall), one per ~ε of pitch change.

Time convention: ``times_s`` are frame times (Melodia: frame centres) with period
``hop_s = median(diff(times_s))``; frame ``k`` covers ``[times_s[k], times_s[k] + hop_s)``.
A step covers its frames, so it runs from the time of its first frame to the time of
its last frame plus ``hop_s``.
"""

from __future__ import annotations

import collections
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "TIE_BREAKS",
    "Phrase",
    "hz_to_cents",
    "interval_class",
    "load_phrases",
    "simplify",
    "step_approximation",
    "write_phrases",
]

logger = logging.getLogger(__name__)

_PHRASE_COLUMNS = ["phrase", "step", "start_s", "end_s", "level_cents", "pitch_cents", "epsilon"]
_TIME_TOL_S = 1e-9


# --------------------------------------------------------------------------- dataclass


@dataclass(frozen=True, eq=False)
class Phrase:
    """One phrase of a simplified contour.

    Attributes
    ----------
    steps : np.ndarray [shape=(n_steps, 4), dtype=float]
        Columns ``start_s``, ``end_s``, ``level_cents`` (band centre) and
        ``pitch_cents`` (median of the core frames) of each step, in time order.
        Steps are contiguous in time except across bridged unvoiced gaps.
    tokens : np.ndarray [shape=(n_steps - 1,), dtype=int8]
        Signed interval class between the pitches of step ``i`` and step ``i + 1``
        (±1..±4).
    spans : np.ndarray [shape=(n_steps - 1, 2), dtype=float]
        Time span of token ``i``: from the start of step ``i`` to the end of step
        ``i + 1``. A motif made of tokens ``i..j`` therefore sounds from the start of
        step ``i`` to the end of step ``j + 1``.
    epsilon : float
        Class width used for ``tokens``, in cents.
    """

    steps: np.ndarray
    tokens: np.ndarray
    spans: np.ndarray
    epsilon: float

    @classmethod
    def from_steps(cls, steps: np.ndarray, *, epsilon: float = 66.0) -> Phrase:
        """Build a phrase (tokens and spans derived) from a step table.

        ``steps`` is ``[n_steps, 4]`` (start_s, end_s, level_cents, pitch_cents) or
        ``[n_steps, 3]``, in which case the pitch equals the level.
        """
        steps = np.array(steps, dtype=float)
        if steps.ndim == 2 and steps.shape[1] == 3:
            steps = np.column_stack([steps, steps[:, 2]])
        steps = steps.reshape(-1, 4)
        d = np.diff(steps[:, 3])
        # equal medians (rare): the band centres, which always differ, give the direction
        d = np.where(d == 0, np.sign(np.diff(steps[:, 2])) * 1e-9, d)
        tokens = interval_class(d, epsilon=epsilon).astype(np.int8)
        spans = np.column_stack([steps[:-1, 0], steps[1:, 1]]).reshape(-1, 2)
        for arr in (steps, tokens, spans):
            arr.setflags(write=False)
        return cls(steps=steps, tokens=tokens, spans=spans, epsilon=float(epsilon))

    @property
    def start_s(self) -> float:
        """Start of the first step, in seconds."""
        return float(self.steps[0, 0])

    @property
    def end_s(self) -> float:
        """End of the last step, in seconds."""
        return float(self.steps[-1, 1])

    @property
    def levels_cents(self) -> np.ndarray:
        """Step levels (band centres), in cents, shape ``(n_steps,)``."""
        return self.steps[:, 2]

    @property
    def pitches_cents(self) -> np.ndarray:
        """Step pitches (medians of the core frames), in cents, shape ``(n_steps,)``."""
        return self.steps[:, 3]


# --------------------------------------------------------------------------- primitives


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MotivicError(f"{name}={value!r} must be a number") from None
    ok = v >= 0 if allow_zero else v > 0
    if not math.isfinite(v) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise MotivicError(f"{name}={value!r} must be finite and {bound}")
    return v


def hz_to_cents(f0_hz, *, reference_hz: float = 55.0) -> np.ndarray:
    """Convert frequencies to cents above ``reference_hz``.

    Parameters
    ----------
    f0_hz : array_like [shape=(n,)]
        Frequencies in Hz; values ≤ 0 or not finite mark unvoiced frames.
    reference_hz : float > 0
        Frequency of 0 cents (default A1 = 55 Hz).

    Returns
    -------
    cents : np.ndarray [shape=(n,), dtype=float]
        ``1200 * log2(f0_hz / reference_hz)``; ``nan`` where unvoiced.

    Raises
    ------
    MotivicError
        If ``reference_hz`` is not a finite positive number.

    Examples
    --------
    >>> hz_to_cents([110.0, 0.0, 55.0]).round(6).tolist()
    [1200.0, nan, 0.0]
    """
    ref = _check_positive("reference_hz", reference_hz)
    f = np.asarray(f0_hz, dtype=float)
    out = np.full(f.shape, np.nan)
    voiced = np.isfinite(f) & (f > 0)
    out[voiced] = 1200.0 * np.log2(f[voiced] / ref)
    return out


def interval_class(d_cents, *, epsilon: float = 66.0) -> np.ndarray:
    """Signed interval class of pitch differences, as in Arronte Alvarez & Gómez (2021).

    Parameters
    ----------
    d_cents : array_like [shape=(...)]
        Differences between consecutive step levels, in cents.
    epsilon : float > 0
        Class width: ``|d| <= ε`` → 1, ``ε < |d| <= 2ε`` → 2, ``2ε < |d| <= 3ε`` → 3,
        ``|d| > 3ε`` → 4 (66/132/198 cents for ε = 66).

    Returns
    -------
    classes : np.ndarray [shape=d_cents.shape, dtype=int8]
        ``sign(d) * class``. A difference of exactly 0 has no direction and maps to 0;
        :func:`simplify` never produces it (consecutive levels always differ).

    Raises
    ------
    MotivicError
        If ``epsilon <= 0`` or ``d_cents`` holds non-finite values.

    Examples
    --------
    >>> interval_class([66, -67, 132, 133, -198, 199]).tolist()
    [1, -2, 2, 3, -3, 4]
    """
    eps = _check_positive("epsilon", epsilon)
    d = np.asarray(d_cents, dtype=float)
    if not np.all(np.isfinite(d)):
        raise MotivicError("interval_class: d_cents must be finite (got nan or inf)")
    a = np.abs(d)
    cls = 1 + (a > eps).astype(np.int8) + (a > 2 * eps) + (a > 3 * eps)
    return (np.sign(d).astype(np.int8) * cls).astype(np.int8)


def _greedy_breaks(values: list[float], epsilon: float) -> list[int]:
    """Start index of every step of the greedy maximal band segmentation."""
    starts = [0]
    lo = hi = values[0]
    for i in range(1, len(values)):
        v = values[i]
        if v < lo:
            if hi - v > epsilon:
                starts.append(i)
                hi = v
            lo = v
        elif v > hi:
            if v - lo > epsilon:
                starts.append(i)
                lo = v
            hi = v
    return starts


TIE_BREAKS = ("least_squares", "greedy")


def _leftmost_starts(values: list[float], epsilon: float) -> np.ndarray:
    """``left[j]``: smallest ``i`` with ``max(x[i:j]) - min(x[i:j]) <= ε`` (monotone deques)."""
    n = len(values)
    left = np.zeros(n + 1, dtype=np.intp)
    max_q: collections.deque = collections.deque()
    min_q: collections.deque = collections.deque()
    i = 0
    for j, v in enumerate(values):
        while max_q and values[max_q[-1]] <= v:
            max_q.pop()
        max_q.append(j)
        while min_q and values[min_q[-1]] >= v:
            min_q.pop()
        min_q.append(j)
        while values[max_q[0]] - values[min_q[0]] > epsilon:
            i += 1
            if max_q[0] < i:
                max_q.popleft()
            if min_q[0] < i:
                min_q.popleft()
        left[j + 1] = i
    return left


def _least_squares_breaks(x: np.ndarray, epsilon: float) -> list[int]:
    """Start index of every step of the fewest-step, then least-squared-error segmentation.

    Let ``m`` be the fewest steps and ``b_0 = 0 < b_1 < … < b_{m-1}`` the starts of any
    fewest-step segmentation. The greedy rule run left to right gives the latest possible
    ``b_k`` (``g_k``, "greedy stays ahead"); run right to left on the reversed run, the
    earliest (``r_k``). So ``b_k`` lies in the window ``[r_k, g_k]``, and a dynamic
    programme over the windows is exact: ``cost_{k+1}(e) = min_s cost_k(s) + sse(s, e)``
    over ``s`` in window ``k`` with ``x[s:e]`` inside one band (``s >= left[e]``). The
    squared errors come from prefix sums; each window pair is one numpy block. Windows
    are a few frames wide at note changes, so the cost is close to the greedy one.
    """
    n = x.size
    values = x.tolist()
    latest = _greedy_breaks(values, epsilon) + [n]
    earliest = sorted(n - b for b in _greedy_breaks(values[::-1], epsilon)[1:])
    earliest = [0, *earliest, n]
    left = _leftmost_starts(values, epsilon)
    xc = x - x.mean()  # centred: the prefix sums keep their precision
    s1 = np.concatenate([[0.0], np.cumsum(xc)])
    s2 = np.concatenate([[0.0], np.cumsum(xc * xc)])
    starts = np.array([0])
    cost = np.zeros(1)
    choices = []
    for k in range(1, len(latest)):
        ends = np.arange(earliest[k], latest[k] + 1)
        length = ends[None, :] - starts[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            sse = (s2[ends][None, :] - s2[starts][:, None]) - (
                s1[ends][None, :] - s1[starts][:, None]
            ) ** 2 / length
        total = cost[:, None] + np.maximum(sse, 0.0)
        total[(length <= 0) | (starts[:, None] < left[ends][None, :])] = np.inf
        best = np.argmin(total, axis=0)  # ties: the earliest start
        choices.append((starts, best))
        cost, starts = total[best, np.arange(ends.size)], ends
    breaks, j = [], 0  # the final window is [n, n]
    for cand, best in reversed(choices):
        j = int(best[j])
        breaks.append(int(cand[j]))
    return breaks[::-1]


def step_approximation(
    cents, *, epsilon: float = 66.0, tie_break: str = "least_squares"
) -> list[tuple[int, int, float]]:
    """Minimal-step rectilinear approximation of a voiced run within a band of width ε.

    Every point of a step lies within ±ε/2 of the step level, i.e. within a step
    ``max − min ≤ ε`` and ``level = (max + min) / 2``; among all such segmentations
    into consecutive steps, the returned one has the fewest steps. This is the
    rectilinear curve fitting of Díaz-Báñez & Mesa (2001) restricted to horizontal
    segments, as used for contour simplification by Arronte Alvarez & Gómez (2021).

    *Fewest steps* (exchange / "greedy stays ahead"): the greedy rule (extend each step
    to the right as far as the band allows) is optimal. Feasibility is hereditary, since
    any sub-interval of a feasible step is feasible. Let the greedy step ends be
    ``g_1 < g_2 < …`` and those of any feasible segmentation ``o_1 < o_2 < …``. Then
    ``g_k ≥ o_k`` for every ``k``: for ``k = 1`` because ``[0, o_1)`` is feasible and
    greedy takes the longest feasible prefix; if ``g_k ≥ o_k`` and ``g_k < o_{k+1}``, then
    ``[g_k, o_{k+1}) ⊆ [o_k, o_{k+1})`` is feasible, so greedy reaches ``g_{k+1} ≥ o_{k+1}``.
    Hence greedy covers the run with no more steps than any other segmentation.

    *Tie-break*: the fewest-step segmentation is usually not unique (the greedy one puts
    every break as late as possible). ``"least_squares"`` returns, among all fewest-step
    segmentations, one minimising the total squared deviation of the points from their
    step's mean (a dynamic programme, exact; see the module docstring for why it matters
    at note transitions). ``"greedy"`` returns the greedy segmentation.

    Consecutive levels always differ in any fewest-step segmentation: two adjacent steps
    with the same level ``c`` both lie in ``[c − ε/2, c + ε/2]``, so their union is one
    feasible step and the segmentation was not minimal.

    Parameters
    ----------
    cents : array_like [shape=(n,)], finite
        Pitch of a voiced run, in cents.
    epsilon : float > 0
        Band width in cents.
    tie_break : {"least_squares", "greedy"}
        Which fewest-step segmentation to return.

    Returns
    -------
    steps : list of (start_idx, end_idx_exclusive, level_cents)
        Consecutive steps covering ``0..n``; empty for ``n = 0``.

    Raises
    ------
    MotivicError
        If ``epsilon <= 0``, ``tie_break`` is unknown or ``cents`` is not 1-D and finite.

    Examples
    --------
    >>> step_approximation([0.0, 10.0, 60.0, 100.0, 110.0], epsilon=66.0, tie_break="greedy")
    [(0, 3, 30.0), (3, 5, 105.0)]
    >>> step_approximation([0.0, 10.0, 60.0, 100.0, 110.0], epsilon=66.0)
    [(0, 2, 5.0), (2, 5, 85.0)]
    """
    eps = _check_positive("epsilon", epsilon)
    if tie_break not in TIE_BREAKS:
        raise MotivicError(f"tie_break={tie_break!r} is unknown; valid: {', '.join(TIE_BREAKS)}")
    x = np.asarray(cents, dtype=float)
    if x.ndim != 1:
        raise MotivicError(f"step_approximation: cents must be 1-D, got shape {x.shape}")
    if x.size == 0:
        return []
    if not np.all(np.isfinite(x)):
        raise MotivicError("step_approximation: cents must be finite (one voiced run)")
    if tie_break == "greedy":
        breaks = _greedy_breaks(x.tolist(), eps)
    else:
        breaks = _least_squares_breaks(x, eps)
    starts = np.asarray(breaks, dtype=np.intp)
    ends = np.append(starts[1:], x.size)
    levels = (np.maximum.reduceat(x, starts) + np.minimum.reduceat(x, starts)) / 2.0
    return list(zip(starts.tolist(), ends.tolist(), levels.tolist()))


# --------------------------------------------------------------------------- phrases


def _frame_period_s(times_s: np.ndarray) -> float:
    if times_s.size < 2:
        return 0.0
    dt = np.diff(times_s)
    if not np.all(dt > 0):
        raise MotivicError("simplify: times_s must be strictly increasing")
    return float(np.median(dt))


def _split_at_gaps(idx: np.ndarray, times_s, hop_s: float, min_gap_s: float) -> list:
    """Split voiced frame indices where the unvoiced time between them is ≥ min_gap_s."""
    if idx.size == 0:
        return []
    gap_s = np.diff(times_s[idx]) - hop_s
    cut = np.flatnonzero(gap_s >= min_gap_s - _TIME_TOL_S) + 1
    return np.split(idx, cut)


def _pieces(idx: np.ndarray, cents: np.ndarray, max_jump_cents: float) -> list:
    cut = np.flatnonzero(np.abs(np.diff(cents[idx])) > max_jump_cents) + 1
    return np.split(idx, cut)


def _remove_outlier_runs(idx, cents, times_s, hop_s, *, max_jump_cents, min_gap_s):
    """Drop runs shorter than ``min_gap_s`` that are isolated by implausible jumps."""
    pieces = _pieces(idx, cents, max_jump_cents)
    if len(pieces) == 1:
        return idx
    keep = [p for p in pieces if times_s[p[-1]] + hop_s - times_s[p[0]] >= min_gap_s]
    if len(keep) < len(pieces):
        logger.debug(
            "removed %d outlier runs (jumps > %g cents)", len(pieces) - len(keep), max_jump_cents
        )
    return np.concatenate(keep) if keep else idx[:0]


def _voiced_runs(times_s, cents, *, min_gap_s, max_jump_cents) -> list:
    hop_s = _frame_period_s(times_s)
    voiced = np.flatnonzero(np.isfinite(cents))
    cleaned = [
        _remove_outlier_runs(
            run, cents, times_s, hop_s, max_jump_cents=max_jump_cents, min_gap_s=min_gap_s
        )
        for run in _split_at_gaps(voiced, times_s, hop_s, min_gap_s)
    ]
    runs = []
    for run in _split_at_gaps(
        np.concatenate(cleaned) if cleaned else voiced[:0], times_s, hop_s, min_gap_s
    ):
        runs.extend(_pieces(run, cents, max_jump_cents))
    return [r for r in runs if r.size], hop_s


def _absorb_short_steps(raw, long_mask) -> list[int]:
    """Owner (index of a long raw step) of every raw step; -1 when none is long.

    A maximal run of short steps between long steps L (left) and R (right) is split at
    its first step strictly closer in level to R than to L: the steps before go to L,
    that step and the rest to R. A run at a phrase edge goes to its only neighbour.
    """
    n = len(raw)
    long_idx = np.flatnonzero(long_mask)
    if long_idx.size == 0:
        return [-1] * n
    owner = list(range(n))
    levels = [s[2] for s in raw]
    prev_long = -1
    i = 0
    while i < n:
        if long_mask[i]:
            prev_long = i
            i += 1
            continue
        j = i
        while j < n and not long_mask[j]:
            j += 1
        next_long = j if j < n else -1
        for k in range(i, j):
            if prev_long < 0:
                owner[k] = next_long
            elif next_long < 0:
                owner[k] = prev_long
            else:
                closer_right = abs(levels[k] - levels[next_long]) < abs(
                    levels[k] - levels[prev_long]
                )
                owner[k] = next_long if closer_right or owner[k - 1] == next_long else prev_long
        i = j
    return owner


def _steps_for_run(run, cents, times_s, hop_s, *, epsilon, min_step_s, tie_break) -> np.ndarray:
    """Step table ``[n, 4]`` (start_s, end_s, level, pitch) of one voiced run."""
    x = cents[run]
    t0 = times_s[run]
    raw = step_approximation(x, epsilon=epsilon, tie_break=tie_break)
    starts_s = [t0[a] for a, _, _ in raw]
    ends_s = [t0[b - 1] + hop_s for _, b, _ in raw]
    long_mask = [e - s >= min_step_s - _TIME_TOL_S for s, e in zip(starts_s, ends_s)]
    owner = _absorb_short_steps(raw, long_mask)
    if owner and owner[0] < 0:
        return np.empty((0, 4))
    merged: list[list] = []  # [start_s, end_s, core_lo, core_hi, core frame arrays]
    last_owner = None
    for k, (a, b, _) in enumerate(raw):
        if owner[k] == last_owner:
            merged[-1][1] = ends_s[k]
        else:
            merged.append([starts_s[k], ends_s[k], np.inf, -np.inf, []])
            last_owner = owner[k]
        if long_mask[k]:
            merged[-1][2] = min(merged[-1][2], float(x[a:b].min()))
            merged[-1][3] = max(merged[-1][3], float(x[a:b].max()))
            merged[-1][4].append(x[a:b])
    return _merge_band_compatible(merged, epsilon)


def _merge_band_compatible(merged: list[list], epsilon: float) -> np.ndarray:
    """Merge neighbours whose cores fit in one band (or whose levels coincide)."""
    out: list[list] = []
    for step in merged:
        if out:
            prev = out[-1]
            lo, hi = min(prev[2], step[2]), max(prev[3], step[3])
            same_level = (prev[2] + prev[3]) / 2 == (step[2] + step[3]) / 2
            if hi - lo <= epsilon or same_level:
                out[-1] = [prev[0], step[1], lo, hi, prev[4] + step[4]]
                continue
        out.append(list(step))
    if not out:
        return np.empty((0, 4))
    table = np.array([row[:4] for row in out], dtype=float)
    pitch = np.array([np.median(np.concatenate(row[4])) for row in out])
    return np.column_stack([table[:, 0], table[:, 1], (table[:, 2] + table[:, 3]) / 2, pitch])


def simplify(
    times_s,
    f0_hz,
    *,
    epsilon: float = 66.0,
    min_gap_s: float = 0.15,
    max_jump_cents: float = 1000.0,
    min_step_s: float = 0.03,
    min_phrase_tokens: int = 5,
    reference_hz: float = 55.0,
    tie_break: str = "least_squares",
) -> list[Phrase]:
    """Simplify an f0 contour into phrases of signed interval classes.

    See the module docstring for the stages. Steps shorter than ``min_step_s``
    (measured first-frame time to last-frame time + hop) are absorbed: a run of such
    steps between long steps L and R is split at its first step strictly closer in level
    to R than to L, the part before extends L in time, the rest extends R (a run at a
    phrase edge extends its only neighbour; a phrase with no long step is dropped).
    Absorbed frames do not change the level. Afterwards, adjacent steps are merged while
    the union of their *core* frames (frames of their long raw steps) spans at most ε.

    Band guarantee of the returned steps: every core frame of a step lies within ±ε/2
    of the step level (level = midrange of the core frames); frames absorbed from short
    steps may lie outside. Tokens compare step pitches (medians of the core frames; see
    the module docstring). Adjacent steps never share a level (equal levels would put
    both cores in one band, and they would have been merged), so tokens are never 0.

    Parameters
    ----------
    times_s : array_like [shape=(n,)], strictly increasing
        Frame times in seconds.
    f0_hz : array_like [shape=(n,)]
        f0 per frame; ≤ 0 or not finite marks unvoiced frames.
    epsilon : float > 0
        Band width and interval class width, in cents.
    min_gap_s : float >= 0
        Unvoiced gaps at least this long split phrases; also the shortest run kept when
        it is isolated by implausible jumps.
    max_jump_cents : float > 0
        Larger frame-to-frame jumps are tracking errors.
    min_step_s : float >= 0
        Shorter steps are absorbed by their neighbours.
    min_phrase_tokens : int >= 1
        Phrases with fewer tokens are dropped.
    reference_hz : float > 0
        Frequency of 0 cents.
    tie_break : {"least_squares", "greedy"}
        Which fewest-step segmentation :func:`step_approximation` returns.

    Returns
    -------
    phrases : list of Phrase
        In time order.

    Raises
    ------
    MotivicError
        On invalid parameters or mismatched/non-increasing ``times_s``.
    """
    eps = _check_positive("epsilon", epsilon)
    min_gap_s = _check_positive("min_gap_s", min_gap_s, allow_zero=True)
    max_jump_cents = _check_positive("max_jump_cents", max_jump_cents)
    min_step_s = _check_positive("min_step_s", min_step_s, allow_zero=True)
    if int(min_phrase_tokens) != min_phrase_tokens or min_phrase_tokens < 1:
        raise MotivicError(f"min_phrase_tokens={min_phrase_tokens!r} must be an integer >= 1")
    if tie_break not in TIE_BREAKS:
        raise MotivicError(f"tie_break={tie_break!r} is unknown; valid: {', '.join(TIE_BREAKS)}")
    times = np.asarray(times_s, dtype=float)
    cents = hz_to_cents(f0_hz, reference_hz=reference_hz)
    if times.ndim != 1 or times.shape != cents.shape:
        raise MotivicError(
            f"simplify: times_s {times.shape} and f0_hz {cents.shape} must be 1-D, same length"
        )
    runs, hop_s = _voiced_runs(times, cents, min_gap_s=min_gap_s, max_jump_cents=max_jump_cents)
    phrases = []
    for run in runs:
        steps = _steps_for_run(
            run, cents, times, hop_s, epsilon=eps, min_step_s=min_step_s, tie_break=tie_break
        )
        if len(steps) - 1 >= min_phrase_tokens:
            phrases.append(Phrase.from_steps(steps, epsilon=eps))
    logger.info(
        "simplify: %d voiced runs -> %d phrases (%d tokens)",
        len(runs),
        len(phrases),
        sum(p.tokens.size for p in phrases),
    )
    return phrases


# --------------------------------------------------------------------------- I/O


def write_phrases(phrases: list[Phrase], path: str | os.PathLike) -> None:
    """Write phrases as a TSV with one row per step (atomically).

    Columns: ``phrase, step, start_s, end_s, level_cents, pitch_cents, epsilon``. Floats are written
    with ``repr`` so :func:`load_phrases` restores them bit-exactly.
    """
    lines = ["\t".join(_PHRASE_COLUMNS)]
    for p_idx, phrase in enumerate(phrases):
        for s_idx, (start, end, level, pitch) in enumerate(phrase.steps.tolist()):
            lines.append(
                f"{p_idx}\t{s_idx}\t{start!r}\t{end!r}\t{level!r}\t{pitch!r}\t{phrase.epsilon!r}"
            )
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def load_phrases(path: str | os.PathLike) -> list[Phrase]:
    """Read phrases written by :func:`write_phrases`; tokens and spans are re-derived.

    Raises
    ------
    MotivicError
        If the file is missing, lacks columns, or its phrase/step numbering, times or
        epsilon are inconsistent. The message names the file.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise MotivicError(f"phrases file {path}: cannot read ({e})") from None
    missing = [c for c in _PHRASE_COLUMNS if c not in df.columns]
    if missing:
        raise MotivicError(f"phrases file {path}: missing columns {missing}")
    try:
        ids = df[["phrase", "step"]].to_numpy(dtype=np.int64, copy=True)
        values = df[["start_s", "end_s", "level_cents", "pitch_cents", "epsilon"]].to_numpy(
            dtype=float
        )
    except (ValueError, TypeError) as e:
        raise MotivicError(f"phrases file {path}: non-numeric values ({e})") from None
    _check_phrase_table(path, df, ids, values)
    if not len(df):
        return []
    bounds = np.flatnonzero(np.diff(ids[:, 0])) + 1
    return [
        Phrase.from_steps(block[:, :4], epsilon=float(block[0, 4]))
        for block in np.split(values, bounds)
    ]


def _check_phrase_table(path, df, ids, values) -> None:
    if not np.all(np.isfinite(values)) or not np.array_equal(ids, df[["phrase", "step"]]):
        raise MotivicError(f"phrases file {path}: non-finite or non-integer values")
    if not len(df):
        return
    new_phrase = np.r_[True, np.diff(ids[:, 0]) != 0]
    expected_phrase = np.cumsum(new_phrase) - 1
    run_start = np.maximum.accumulate(np.where(new_phrase, np.arange(len(df)), 0))
    expected_step = np.arange(len(df)) - run_start
    if not (
        np.array_equal(ids[:, 0], expected_phrase) and np.array_equal(ids[:, 1], expected_step)
    ):
        raise MotivicError(
            f"phrases file {path}: phrase must count 0,1,2,… and step restart at 0 per phrase"
        )
    if np.any(values[:, 1] <= values[:, 0]) or np.any(values[:, 4] <= 0):
        raise MotivicError(f"phrases file {path}: need end_s > start_s and epsilon > 0")
