"""Motif kinds: a melodic motif, a repeated pitch oscillation (vibrato, trill) or sub-note steps.

A motif is a pattern of signed interval classes; what it sounds like depends on its shape
and on how fast its steps go by. Three kinds, decided in this order:

``oscillation``
    The pattern is a *repeated direction-changing cycle*, by either test:

    (a) it is periodic with smallest period ``p <= max_period`` (4) over at least
        ``min_cycles`` (1.5) cycles, ``pattern[i] == pattern[i + p]`` for every valid ``i``
        and ``len(pattern) >= min_cycles * p``, and one cycle holds both an upward and a
        downward token (a cycle that only rises or only falls is a run, not an oscillation);
    (b) it strictly alternates direction (every token's sign differs from the next one's)
        and every step is small, ``|class| <= max_alternation_class`` (2, i.e. at most
        2 ε = 132 cents by default: the extent of a vibrato half cycle, Prame 1994 and
        Sundberg 1987 give extents of about ±50–100 cents).

    Test (b) catches vibrato whose half cycles fall into classes 1 and 2 unevenly
    (``+1,-2,+1,-1,+2``), which (a) misses. ``+1,-2,-1,+2,+1,-2`` is one and a half
    cycles of period 4 (test a); ``-1,+1,-1,+1,-1`` has period 2 (tests a and b).
``fast``
    Not an oscillation, but its steps go by faster than sung notes: the median
    occurrence lasts less than ``min_step_s`` (0.1 s) per contour step. A pattern of
    ``L`` interval tokens spans ``L + 1`` steps (:class:`motivic.contour.Phrase`).
    Vibrato runs at 5.5–7.5 Hz (Prame 1994, "Measurements of the vibrato rate of ten
    singers", JASA 96), i.e. 67–91 ms per half cycle; notes sung in fast runs last
    about 0.1 s or more (Sundberg 1987, *The Science of the Singing Voice*, on the
    fastest coloratura passages), so steps below 0.1 s follow the voice's fluctuations
    (vibrato, jitter, glides) rather than its notes.
``melodic``
    Everything else.

The kind of a pattern depends on its tokens and on its occurrences' median duration,
never on a label or a class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.mining.patterns import parse_pattern

__all__ = [
    "KINDS",
    "KIND_COLUMNS",
    "is_alternating",
    "is_oscillation",
    "motif_kind",
    "motif_kinds",
    "smallest_period",
]

KINDS = ("melodic", "oscillation", "fast")
KIND_COLUMNS = ["kind", "median_duration_s", "step_rate_hz"]

MAX_PERIOD = 4
MIN_CYCLES = 1.5
MAX_ALTERNATION_CLASS = 2
MIN_STEP_S = 0.1


def smallest_period(tokens: Sequence[int]) -> int:
    """Smallest ``p >= 1`` with ``tokens[i] == tokens[i + p]`` for every valid ``i``.

    A pattern with no shorter period has period ``len(tokens)`` (0 for an empty one).

    Examples
    --------
    >>> smallest_period([1, -2, -1, 2, 1, -2])
    4
    >>> smallest_period([-1, 1, -1, 1, -1])
    2
    """
    seq = np.asarray(tokens)
    for p in range(1, seq.size):
        if np.array_equal(seq[p:], seq[:-p]):
            return p
    return int(seq.size)


def is_alternating(tokens: Sequence[int], *, max_class: int = MAX_ALTERNATION_CLASS) -> bool:
    """Whether every token's sign differs from the next one's and every ``|token| <= max_class``.

    Patterns of fewer than two tokens do not alternate.
    """
    seq = np.asarray(tokens, dtype=int)
    if seq.size < 2 or np.any(seq == 0):
        return False
    return bool(np.all(np.sign(seq[1:]) != np.sign(seq[:-1])) and np.all(np.abs(seq) <= max_class))


def is_oscillation(
    tokens: Sequence[int],
    *,
    max_period: int = MAX_PERIOD,
    min_cycles: float = MIN_CYCLES,
    max_alternation_class: int = MAX_ALTERNATION_CLASS,
) -> bool:
    """Whether a pattern is a repeated direction-changing cycle (test a or b of the module).

    Examples
    --------
    >>> is_oscillation([1, -2, -1, 2, 1, -2])  # period 4, 1.5 cycles
    True
    >>> is_oscillation([1, 1, 1, 1, 1])  # period 1: a run, no change of direction
    False
    >>> is_oscillation([2, -3, 2, -3, 2])  # period 2 (test a), though steps reach class 3
    True
    >>> is_oscillation([1, 2, -1, 3, -2])
    False
    """
    seq = np.asarray(tokens, dtype=int)
    p = smallest_period(seq)
    if 1 <= p <= max_period and seq.size >= min_cycles * p and seq.size > p:
        cycle = seq[:p]
        if np.any(cycle > 0) and np.any(cycle < 0):
            return True
    return is_alternating(seq, max_class=max_alternation_class)


def motif_kind(
    tokens: Sequence[int],
    median_duration_s: float,
    *,
    max_period: int = MAX_PERIOD,
    min_cycles: float = MIN_CYCLES,
    max_alternation_class: int = MAX_ALTERNATION_CLASS,
    min_step_s: float = MIN_STEP_S,
) -> str:
    """Kind of one motif (``oscillation``, ``fast`` or ``melodic``; see the module).

    Parameters
    ----------
    tokens : sequence of int
        The motif's signed interval classes.
    median_duration_s : float >= 0
        Median duration of its occurrences; ``len(tokens) + 1`` contour steps each.

    Examples
    --------
    >>> motif_kind([2, 2, -4, 1, 3], 1.2)
    'melodic'
    >>> motif_kind([2, 2, -4, 1, 3], 0.3)  # 6 steps in 0.3 s: 50 ms per step
    'fast'
    >>> motif_kind([-1, 1, -1, 1, -1], 1.2)
    'oscillation'
    """
    if is_oscillation(
        tokens,
        max_period=max_period,
        min_cycles=min_cycles,
        max_alternation_class=max_alternation_class,
    ):
        return "oscillation"
    if median_duration_s < min_step_s * (len(tokens) + 1) - 1e-9:  # exact bound is melodic
        return "fast"
    return "melodic"


def motif_kinds(occurrences: pd.DataFrame, **options) -> pd.DataFrame:
    """Kind, median occurrence duration and step rate of every motif of an occurrence table.

    Parameters
    ----------
    occurrences : pandas.DataFrame
        Columns ``motif_id``, ``pattern`` and ``duration_s`` (one row per occurrence, the
        dictionary's occurrence table).
    **options
        Keywords of :func:`motif_kind` (thresholds).

    Returns
    -------
    kinds : pandas.DataFrame
        Indexed by ``motif_id`` (sorted), columns :data:`KIND_COLUMNS`: ``kind``,
        ``median_duration_s`` and ``step_rate_hz`` = contour steps (tokens + 1) per second
        of the median occurrence.

    Raises
    ------
    MotivicError
        If a column is missing.
    """
    missing = [c for c in ("motif_id", "pattern", "duration_s") if c not in occurrences.columns]
    if missing:
        raise MotivicError(f"motif_kinds: occurrence table lacks columns {missing}")
    if occurrences.empty:
        return pd.DataFrame(columns=KIND_COLUMNS, index=pd.Index([], name="motif_id"))
    grouped = occurrences.groupby("motif_id", sort=True)
    median = grouped["duration_s"].median()
    pattern = grouped["pattern"].first()
    rows = {}
    for motif_id, pat in pattern.items():
        tokens = parse_pattern(pat)
        dur = float(median[motif_id])
        rate = (len(tokens) + 1) / dur if dur > 0 else float("inf")
        rows[motif_id] = (motif_kind(tokens, dur, **options), dur, rate)
    kinds = pd.DataFrame.from_dict(rows, orient="index", columns=KIND_COLUMNS)
    kinds.index.name = "motif_id"
    return kinds
