"""Band-bounded step segmentations of one voiced run (the staircase fits of both readings).

* :func:`step_approximation` — the paper's reading: the rectilinear fitting of Díaz-Báñez &
  Mesa (2001), fewest steps whose points stay within a band of width ε, with a tie-break.
* :func:`range_bounded_steps` — the reading of the authors' released code (Arronte Alvarez,
  ``deep-flamenco``, ``utils/curve_fitting.py``): one left-to-right pass in which a segment
  grows while the range (max − min) of its points stays within the margin; level = midrange.
  It is the greedy fewest-step segmentation, with nothing after it (no tie-break, no minimum
  step duration).
"""

from __future__ import annotations

import collections

import numpy as np

from motivic.contour.classes import _check_positive
from motivic.core.errors import MotivicError

__all__ = ["TIE_BREAKS", "range_bounded_steps", "step_approximation"]


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


def range_bounded_steps(cents, *, margin_cents: float = 66.0) -> list[tuple[int, int, float]]:
    """Greedy range-bounded segmentation, the reading of the authors' released code.

    Scanning left to right, the current segment takes the next point while
    ``max − min`` of its points stays ``<= margin_cents``; otherwise that point starts a
    new segment. A segment's level is its midrange ``(max + min) / 2``. This equals
    ``step_approximation(cents, epsilon=margin_cents, tie_break="greedy")`` (the greedy
    segmentation has the fewest steps); it is spelled out here as the authors' mode.

    Parameters
    ----------
    cents : array_like [shape=(n,)], finite
        Pitch of a voiced run, in cents.
    margin_cents : float > 0
        Largest range of the points of one segment.

    Returns
    -------
    steps : list of (start_idx, end_idx_exclusive, level_cents)

    Raises
    ------
    MotivicError
        If ``margin_cents <= 0`` or ``cents`` is not 1-D and finite.

    Examples
    --------
    >>> range_bounded_steps([0.0, 30.0, 66.0, 100.0, 20.0], margin_cents=66.0)
    [(0, 3, 33.0), (3, 4, 100.0), (4, 5, 20.0)]
    """
    margin = _check_positive("margin_cents", margin_cents)
    x = np.asarray(cents, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise MotivicError("range_bounded_steps: cents must be 1-D and finite (one voiced run)")
    steps: list[tuple[int, int, float]] = []
    start = 0
    lo = hi = None
    for i, v in enumerate(x.tolist()):
        if lo is None:
            lo = hi = v
        elif max(hi, v) - min(lo, v) <= margin:
            lo, hi = min(lo, v), max(hi, v)
        else:
            steps.append((start, i, (lo + hi) / 2.0))
            start, lo, hi = i, v, v
    if lo is not None:
        steps.append((start, x.size, (lo + hi) / 2.0))
    return steps
