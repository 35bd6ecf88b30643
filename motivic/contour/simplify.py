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

The authors' released code (``deep-flamenco``, ``utils/curve_fitting.py`` and
``utils/contour_approximation.py``) reads the method differently: one greedy pass per
run, a segment grows while the range of its points stays within the margin, the level
is the midrange, consecutive levels are classed by their absolute difference (< 70 → 1,
70–112 → 2, > 112 → 3) and the sign is positive when the pitch goes *down*; there is no
minimum step duration. :func:`simplify` offers it as ``method="authors"`` with the class
edges, tie rule and sign as options of both modes (``motivic/contour/classes.py``);
``docs/method.md`` compares both readings with the patterns the authors published.

Time convention: ``times_s`` are frame times (Melodia: frame centres) with period
``hop_s = median(diff(times_s))``; frame ``k`` covers ``[times_s[k], times_s[k] + hop_s)``.
A step covers its frames, so it runs from the time of its first frame to the time of
its last frame plus ``hop_s``.
"""

from __future__ import annotations

import logging

import numpy as np

from motivic.contour.classes import IntervalClasses, _check_positive, hz_to_cents
from motivic.contour.notes import note_segments
from motivic.contour.phrases import Phrase
from motivic.contour.steps import TIE_BREAKS, range_bounded_steps, step_approximation
from motivic.core.errors import MotivicError

__all__ = ["METHODS", "simplify"]

logger = logging.getLogger(__name__)

METHODS = ("paper", "authors", "notes")
_TIME_TOL_S = 1e-9

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


def _authors_steps(run, cents, times_s, hop_s, *, band) -> np.ndarray:
    """Step table of one voiced run in the authors' reading: greedy range-bounded
    segments, level = pitch = midrange, no minimum duration, nothing merged."""
    x = cents[run]
    t0 = times_s[run]
    raw = range_bounded_steps(x, margin_cents=band)
    return np.array(
        [[t0[a], t0[b - 1] + hop_s, level, level] for a, b, level in raw], dtype=float
    ).reshape(-1, 4)


def _note_steps(run, cents, times_s, hop_s, *, band, min_note_s, min_interval_cents, tie_break):
    """Step table of one voiced run in the note-level reading (:mod:`.notes`):
    level = pitch = the median of each note's frames."""
    t0 = times_s[run]
    notes = note_segments(
        cents[run],
        t0,
        hop_s=hop_s,
        band_cents=band,
        min_note_s=min_note_s,
        min_interval_cents=min_interval_cents,
        tie_break=tie_break,
    )
    return np.array(
        [[t0[a], t0[b - 1] + hop_s, pitch, pitch] for a, b, pitch in notes], dtype=float
    ).reshape(-1, 4)


def simplify(
    times_s,
    f0_hz,
    *,
    method: str = "paper",
    epsilon: float = 66.0,
    band_cents: float | None = None,
    n_classes: int = 4,
    class_edges=None,
    ties: str = "lower",
    sign: str = "up",
    min_gap_s: float = 0.15,
    max_jump_cents: float = 1000.0,
    min_step_s: float = 0.03,
    min_interval_cents: float = 50.0,
    min_phrase_tokens: int = 5,
    reference_hz: float = 55.0,
    tie_break: str = "least_squares",
) -> list[Phrase]:
    """Simplify an f0 contour into phrases of signed interval classes.

    Three readings (``method``), sharing stages 1–3 of the module docstring (cents, phrase
    splitting at unvoiced gaps, outlier runs):

    ``"paper"`` (default; the paper's text). Fewest-step ε-band approximation with a
    tie-break, then steps shorter than ``min_step_s`` (measured first-frame time to
    last-frame time + hop) are absorbed: a run of such steps between long steps L and R
    is split at its first step strictly closer in level to R than to L, the part before
    extends L in time, the rest extends R (a run at a phrase edge extends its only
    neighbour; a phrase with no long step is dropped). Absorbed frames do not change the
    level. Afterwards, adjacent steps are merged while the union of their *core* frames
    (frames of their long raw steps) spans at most the band. Band guarantee: every core
    frame of a step lies within ±band/2 of the step level (midrange of the core frames);
    frames absorbed from short steps may lie outside. Tokens compare step pitches
    (medians of the core frames; see the module docstring). Adjacent steps never share
    a level, so tokens are never 0.

    ``"authors"`` (the authors' released code, ``deep-flamenco``
    ``utils/curve_fitting.py``): :func:`range_bounded_steps` per voiced run, tokens
    between consecutive *levels* (midranges); no minimum step duration and no merging
    (``min_step_s`` and ``tie_break`` are not used). Use it with the authors' classes
    (``class_edges: [70, 112]``, ``n_classes: 3``, ``ties: inner``, ``sign: down``;
    ``config/authors.yaml``).

    ``"notes"`` (a note-level reading, :mod:`motivic.contour.notes`): the paper's
    fewest-step segmentation, then steps shorter than ``min_step_s`` (0.1 s in its preset,
    the shortest sung note; a vibrato half cycle lasts less) join their neighbour closer in
    pitch, shortest first, and adjacent steps whose medians differ by less than
    ``min_interval_cents`` (drift within a note) are joined, closest first. Level = pitch =
    the median of all the note's frames; classes as configured (the paper's in its preset).

    Parameters
    ----------
    times_s : array_like [shape=(n,)], strictly increasing
        Frame times in seconds.
    f0_hz : array_like [shape=(n,)]
        f0 per frame; ≤ 0 or not finite marks unvoiced frames.
    method : {"paper", "authors", "notes"}
        Which reading of the step approximation.
    epsilon : float > 0
        Interval class width (when ``class_edges`` is None) and band width (when
        ``band_cents`` is None), in cents: the paper's single ε = 66.
    band_cents : float > 0 or None
        Band width of the steps (the authors' margin), decoupled from the classes;
        None = ``epsilon``.
    n_classes : int >= 2
        Number of interval sizes.
    class_edges : sequence of ``n_classes − 1`` increasing floats, or None
        Class edges in cents; None = ``ε, 2ε, …``.
    ties : {"lower", "upper", "inner"}
        Class of a difference equal to an edge (:class:`IntervalClasses`).
    sign : {"up", "down"}
        Direction of a positive token: pitch up (the paper) or down (the authors' code).
    min_gap_s : float >= 0
        Unvoiced gaps at least this long split phrases; also the shortest run kept when
        it is isolated by implausible jumps.
    max_jump_cents : float > 0
        Larger frame-to-frame jumps are tracking errors.
    min_step_s : float >= 0
        Shorter steps are absorbed by their neighbours (paper mode) or joined with them
        (notes mode: the shortest note).
    min_interval_cents : float >= 0
        Notes mode: adjacent notes closer in pitch are one note (drift).
    min_phrase_tokens : int >= 1
        Phrases with fewer tokens are dropped.
    reference_hz : float > 0
        Frequency of 0 cents.
    tie_break : {"least_squares", "greedy"}
        Which fewest-step segmentation :func:`step_approximation` returns (paper and notes
        modes).

    Returns
    -------
    phrases : list of Phrase
        In time order; ``Phrase.epsilon`` is the band width.

    Raises
    ------
    MotivicError
        On invalid parameters or mismatched/non-increasing ``times_s``.
    """
    if method not in METHODS:
        raise MotivicError(f"method={method!r} is unknown; valid: {', '.join(METHODS)}")
    eps = _check_positive("epsilon", epsilon)
    band = eps if band_cents is None else _check_positive("band_cents", band_cents)
    classes = IntervalClasses.from_options(
        epsilon=eps, n_classes=n_classes, class_edges=class_edges, ties=ties, sign=sign
    )
    min_gap_s = _check_positive("min_gap_s", min_gap_s, allow_zero=True)
    max_jump_cents = _check_positive("max_jump_cents", max_jump_cents)
    min_step_s = _check_positive("min_step_s", min_step_s, allow_zero=True)
    min_interval_cents = _check_positive("min_interval_cents", min_interval_cents, allow_zero=True)
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
        if method == "authors":
            steps = _authors_steps(run, cents, times, hop_s, band=band)
        elif method == "notes":
            steps = _note_steps(
                run,
                cents,
                times,
                hop_s,
                band=band,
                min_note_s=min_step_s,
                min_interval_cents=min_interval_cents,
                tie_break=tie_break,
            )
        else:
            steps = _steps_for_run(
                run, cents, times, hop_s, epsilon=band, min_step_s=min_step_s, tie_break=tie_break
            )
        if len(steps) - 1 >= min_phrase_tokens:
            phrases.append(Phrase.from_steps(steps, epsilon=band, classes=classes))
    logger.info(
        "simplify (%s): %d voiced runs -> %d phrases (%d tokens)",
        method,
        len(runs),
        len(phrases),
        sum(p.tokens.size for p in phrases),
    )
    return phrases
