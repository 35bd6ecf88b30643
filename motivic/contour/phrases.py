"""The :class:`Phrase` of a simplified contour and its TSV file (one row per step)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.contour.classes import IntervalClasses
from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path

__all__ = ["Phrase", "load_phrases", "write_phrases"]

_PHRASE_COLUMNS = ["phrase", "step", "start_s", "end_s", "level_cents", "pitch_cents", "epsilon"]
# written since the class edges and the sign became options; files without them hold the
# paper's classes of width epsilon
_CLASS_COLUMNS = ["class_edges", "ties", "sign"]


@dataclass(frozen=True, eq=False)
class Phrase:
    """One phrase of a simplified contour.

    Attributes
    ----------
    steps : np.ndarray [shape=(n_steps, 4), dtype=float]
        Columns ``start_s``, ``end_s``, ``level_cents`` (band centre) and
        ``pitch_cents`` (the pitch tokens compare: median of the core frames in the
        paper's mode, the level in the authors' mode) of each step, in time order.
        Steps are contiguous in time except across bridged unvoiced gaps.
    tokens : np.ndarray [shape=(n_steps - 1,), dtype=int8]
        Signed interval class between the pitches of step ``i`` and step ``i + 1``.
    spans : np.ndarray [shape=(n_steps - 1, 2), dtype=float]
        Time span of token ``i``: from the start of step ``i`` to the end of step
        ``i + 1``. A motif made of tokens ``i..j`` therefore sounds from the start of
        step ``i`` to the end of step ``j + 1``.
    epsilon : float
        Band width of the steps, in cents (also the class width when ``classes`` was
        built from it).
    classes : IntervalClasses
        Class edges, tie rule and sign convention of ``tokens``.
    """

    steps: np.ndarray
    tokens: np.ndarray
    spans: np.ndarray
    epsilon: float
    classes: IntervalClasses = field(default_factory=IntervalClasses)

    @classmethod
    def from_steps(
        cls, steps: np.ndarray, *, epsilon: float = 66.0, classes: IntervalClasses | None = None
    ) -> Phrase:
        """Build a phrase (tokens and spans derived) from a step table.

        ``steps`` is ``[n_steps, 4]`` (start_s, end_s, level_cents, pitch_cents) or
        ``[n_steps, 3]``, in which case the pitch equals the level. ``classes`` defaults
        to the paper's four classes of width ``epsilon``, positive up.
        """
        if classes is None:
            classes = IntervalClasses.from_options(epsilon=epsilon, n_classes=4)
        steps = np.array(steps, dtype=float)
        if steps.ndim == 2 and steps.shape[1] == 3:
            steps = np.column_stack([steps, steps[:, 2]])
        steps = steps.reshape(-1, 4)
        d = np.diff(steps[:, 3])
        # equal pitches (rare): the band centres, which always differ, give the direction
        d = np.where(d == 0, np.sign(np.diff(steps[:, 2])) * 1e-9, d)
        tokens = classes.classify(d).astype(np.int8)
        spans = np.column_stack([steps[:-1, 0], steps[1:, 1]]).reshape(-1, 2)
        for arr in (steps, tokens, spans):
            arr.setflags(write=False)
        return cls(steps=steps, tokens=tokens, spans=spans, epsilon=float(epsilon), classes=classes)

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
        """Step pitches (what the tokens compare), in cents, shape ``(n_steps,)``."""
        return self.steps[:, 3]


def _edges_text(classes: IntervalClasses) -> str:
    return ",".join(repr(e) for e in classes.edges)


def write_phrases(phrases: list[Phrase], path: str | os.PathLike) -> None:
    """Write phrases as a TSV with one row per step (atomically).

    Columns: ``phrase, step, start_s, end_s, level_cents, pitch_cents, epsilon,
    class_edges, ties, sign``. Floats are written with ``repr`` so :func:`load_phrases`
    restores them bit-exactly.
    """
    lines = ["\t".join(_PHRASE_COLUMNS + _CLASS_COLUMNS)]
    for p_idx, phrase in enumerate(phrases):
        c = phrase.classes
        tail = f"{_edges_text(c)}\t{c.ties}\t{c.sign}"
        for s_idx, (start, end, level, pitch) in enumerate(phrase.steps.tolist()):
            lines.append(
                f"{p_idx}\t{s_idx}\t{start!r}\t{end!r}\t{level!r}\t{pitch!r}\t{phrase.epsilon!r}"
                f"\t{tail}"
            )
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def load_phrases(path: str | os.PathLike) -> list[Phrase]:
    """Read phrases written by :func:`write_phrases`; tokens and spans are re-derived.

    Files without the class columns (written before they existed) hold the paper's four
    classes of width ``epsilon``, positive up.

    Raises
    ------
    MotivicError
        If the file is missing, lacks columns, or its phrase/step numbering, times,
        epsilon or classes are inconsistent. The message names the file.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t", dtype={"class_edges": str, "ties": str, "sign": str})
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
    phrases = []
    for start, block in zip(np.r_[0, bounds], np.split(values, bounds)):
        eps = float(block[0, 4])
        phrases.append(
            Phrase.from_steps(block[:, :4], epsilon=eps, classes=_row_classes(path, df, start, eps))
        )
    return phrases


def _row_classes(path, df: pd.DataFrame, row: int, epsilon: float) -> IntervalClasses:
    if not all(c in df.columns for c in _CLASS_COLUMNS):
        return IntervalClasses.from_options(epsilon=epsilon, n_classes=4)
    edges, ties, sign = (df[c].iloc[row] for c in _CLASS_COLUMNS)
    try:
        return IntervalClasses(
            edges=tuple(float(e) for e in str(edges).split(",")), ties=str(ties), sign=str(sign)
        )
    except (ValueError, MotivicError) as e:
        raise MotivicError(
            f"phrases file {path}: bad class columns in row {row + 2} ({e})"
        ) from None


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
