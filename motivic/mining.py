"""Closed gap-constrained sequential pattern mining (Gap-BIDE) and motif dictionaries.

Definitions (Li & Wang 2008, "Efficient mining of gap-constrained subsequences and its
various applications", building on BIDE, Wang & Han 2004):

* A pattern ``P = p1..pk`` *occurs* in a sequence ``S`` at positions ``i1 < … < ik`` when
  ``S[ij] = pj`` and ``min_gap <= i_{j+1} − i_j − 1 <= max_gap`` for every ``j``.
  With ``[min_gap, max_gap] = [0, 0]`` occurrences are contiguous substrings.
* ``support(P)`` is the number of sequences with at least one occurrence.
* ``P'`` is a (gap-constrained) *super-pattern* of ``P`` when ``P' = Q + P + R`` (token
  concatenation) with ``|Q| + |R| >= 1``. Every occurrence of ``P'`` contains one of
  ``P`` under the same gap constraint, so ``support(P') <= support(P)``. Inserting tokens
  *inside* ``P`` is not an extension here: the gap between the tokens around the
  insertion would change, so support is not monotone under it (Gap-BIDE does not use it).
* ``P`` is *closed* when no super-pattern has the same support. Because
  ``support(QPR) <= support(P + r1) <= support(P)`` and likewise for ``q_last + P``, it
  suffices to check single-token *forward* (``P + e``) and *backward* (``e + P``)
  extensions — Gap-BIDE's forward and backward checks.
* Closedness is judged against all patterns (an equal-support extension is frequent
  whenever ``P`` is); ``min_length`` only filters the output.

Algorithm. A breadth-first (level-wise) Gap-BIDE over numpy arrays: level ``k`` holds
every occurrence of every frequent length-``k`` pattern as flat arrays (group id,
sequence, first and last position, and the full position matrix when several gap
values are allowed). Per level, all groups at once:

1. support = distinct (group, sequence) pairs; drop infrequent groups;
2. backward check by scanning the ``max_gap − min_gap + 1`` positions before each
   occurrence: ``e + P`` with ``support == support(P)`` makes ``P`` non-closed; if every
   *occurrence* of ``P`` has the same ``e`` in its backward window, BIDE's BackScan
   pruning applies — every forward extension ``P + X`` also extends backward by ``e``
   with equal support, so the whole subtree is skipped;
3. forward extension of the unpruned occurrences; a child with ``support(P)`` makes
   ``P`` non-closed; children become the next level.

Occurrences stay sorted by (group, positions) from level to level: children are formed
by a stable radix sort on the appended token, so supports and distinct counts are
counts of value changes and no comparison sort is needed. Pure numpy; the cost is
linear in the total number of occurrences explored, ``O(Σ_k n_occ(k))``, plus building
the output objects.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "DICTIONARY_COLUMNS",
    "LOCATE_COLUMNS",
    "OCCURRENCE_COLUMNS",
    "Pattern",
    "build_dictionary",
    "format_pattern",
    "locate",
    "mine_closed_patterns",
    "parse_pattern",
    "read_table",
    "write_table",
]

logger = logging.getLogger(__name__)

LOCATE_COLUMNS = ["pattern", "support", "phrase", "start_token", "end_token", "start_s", "end_s"]
DICTIONARY_COLUMNS = [
    "motif_id",
    "pattern",
    "length",
    "n_recordings",
    "support",
    "support_per_recording",
    "n_occurrences",
    "classes",
    "n_classes",
]
OCCURRENCE_COLUMNS = [
    "motif_id",
    "pattern",
    "recording",
    "label",
    "phrase",
    "start_s",
    "end_s",
    "duration_s",
]
_STRING_COLUMNS = ["motif_id", "pattern", "recording", "label", "classes", "support_per_recording"]
_TOKEN_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, slots=True)
class Pattern:
    """A closed gap-constrained pattern.

    Attributes
    ----------
    tokens : tuple of int
        The pattern, e.g. ``(1, -2, 1, 1, -1)``.
    support : int
        Number of sequences containing at least one occurrence.
    occurrences : tuple of (sequence_index, positions)
        Every occurrence, sorted; ``positions`` is a tuple of ``len(tokens)`` increasing
        indices into that sequence (consecutive when ``max_gap = 0``).
    """

    tokens: tuple[int, ...]
    support: int
    occurrences: tuple[tuple[int, tuple[int, ...]], ...]


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value, lower: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lower:
        raise MotivicError(f"{name}={value!r} must be an integer >= {lower}")
    return int(value)


def _as_sequences(sequences) -> list[np.ndarray]:
    out = []
    for k, s in enumerate(sequences):
        a = np.asarray(s)
        if a.ndim != 1:
            raise MotivicError(f"sequences[{k}] must be 1-D, got shape {a.shape}")
        whole_floats = np.issubdtype(a.dtype, np.floating) and np.all(a == np.round(a))
        if a.size and not (np.issubdtype(a.dtype, np.integer) or whole_floats):
            raise MotivicError(f"sequences[{k}] must hold integer tokens, got {a.dtype}")
        out.append(a.astype(np.int64))
    return out


# --------------------------------------------------------------------------- the miner


@dataclass
class _Database:
    """Sequences concatenated with ``pad`` sentinel codes before each one and at the end,
    so that any window of ``max_gap + 1`` slots around an occurrence stays in bounds and
    reads the sentinel outside its own sequence (no per-occurrence bounds checks)."""

    codes: np.ndarray  # [N_padded] dense token codes, ``sentinel`` in the padding
    sentinel: int  # code of the padding (= alphabet size)
    alphabet: np.ndarray  # [A] token value of each code (sorted)
    real: np.ndarray  # [N] padded index of every real token, in sequence order
    seq_of: np.ndarray  # [N] sequence index of every real token
    seq_start: np.ndarray  # [n_seq] padded index of each sequence's first token

    @classmethod
    def build(cls, seqs: list[np.ndarray], *, pad: int) -> _Database:
        lengths = np.array([s.size for s in seqs], dtype=np.int64)
        concat = np.concatenate(seqs) if seqs else np.empty(0, np.int64)
        alphabet, codes = np.unique(concat, return_inverse=True)
        sentinel = alphabet.size
        seq_start = np.cumsum(lengths + pad) - lengths
        idx = np.int32 if concat.size + pad * (len(seqs) + 1) < 2**31 else np.int64
        seq_of = np.repeat(np.arange(len(seqs), dtype=idx), lengths)
        real = np.arange(concat.size, dtype=idx) + (pad * (seq_of + 1)).astype(idx)
        padded = np.full(
            concat.size + pad * (len(seqs) + 1), sentinel, dtype=_code_dtype(sentinel + 1)
        )
        padded[real] = codes.ravel()
        return cls(
            codes=padded,
            sentinel=sentinel,
            alphabet=alphabet,
            real=real,
            seq_of=seq_of,
            seq_start=seq_start,
        )


def _code_dtype(n_alpha: int):
    """Smallest unsigned dtype for token codes: numpy sorts it stably by radix sort."""
    return np.uint8 if n_alpha <= 2**8 else np.uint16 if n_alpha <= 2**16 else np.int64


@dataclass
class _Level:
    """All occurrences of the candidate patterns of one length ``k``.

    Invariant: occurrences are sorted by (group, positions), so within a group they
    are sorted by sequence and every distinct-count below is a count of value changes.
    """

    grp: np.ndarray  # [n_occ] group (pattern) id
    seq: np.ndarray  # [n_occ] sequence index
    first: np.ndarray  # [n_occ] global position of the first token
    last: np.ndarray  # [n_occ] global position of the last token
    pos: np.ndarray | None  # [n_occ, k] all positions; None when one gap value fixes them
    tokens: np.ndarray  # [n_grp, k] token codes of each group
    n_grp: int

    def take(self, idx: np.ndarray, grp: np.ndarray) -> _Level:
        """Occurrences ``idx`` (mask or indices) with group ids ``grp``."""
        return _Level(
            grp=grp,
            seq=self.seq[idx],
            first=self.first[idx],
            last=self.last[idx],
            pos=None if self.pos is None else self.pos[idx],
            tokens=self.tokens,
            n_grp=self.n_grp,
        )


def _changes(*cols: np.ndarray) -> np.ndarray:
    """True where a row differs from the previous one in any column (and at row 0)."""
    n = cols[0].size
    head = np.ones(n, dtype=bool)
    if n > 1:
        diff = cols[0][1:] != cols[0][:-1]
        for c in cols[1:]:
            diff |= c[1:] != c[:-1]
        head[1:] = diff
    return head


def _support(grp: np.ndarray, seq: np.ndarray, n_grp: int) -> np.ndarray:
    """Distinct sequences per group, for occurrences sorted by (group, sequence)."""
    return np.bincount(grp[_changes(grp, seq)], minlength=n_grp)


def _filter_frequent(level: _Level, support: np.ndarray, min_support: int):
    keep = support >= min_support
    if keep.all():
        return level, support
    new_id = np.cumsum(keep, dtype=level.first.dtype) - 1
    occ_keep = keep[level.grp]
    lv = level.take(occ_keep, new_id[level.grp[occ_keep]])
    lv.tokens, lv.n_grp = level.tokens[keep], int(keep.sum())
    return lv, support[keep]


def _window(anchor: np.ndarray, offsets: np.ndarray, db: _Database):
    """(occurrence index, position, code) of every slot ``anchor + offset`` inside the
    occurrence's own sequence, in (occurrence, offset) order."""
    if offsets.size == 1:
        at = anchor + offsets[0]
        ev = db.codes[at]
        ok = np.flatnonzero(ev != db.sentinel)
        return ok, at[ok], ev[ok]
    at = (anchor[:, None] + offsets).ravel()
    ev = db.codes[at]
    ok = np.flatnonzero(ev != db.sentinel)
    return ok // offsets.size, at[ok], ev[ok]


def _backward_check(
    level: _Level, db: _Database, gaps: np.ndarray, support: np.ndarray, *, closure: bool
):
    """Per group: BackScan-prunable, and (if ``closure``) has an equal-support backward
    extension (otherwise all False: the caller does not need it at this length)."""
    has_backward = np.zeros(level.n_grp, dtype=bool)
    prunable = np.zeros(level.n_grp, dtype=bool)
    if gaps.size == 1:
        # one slot per occurrence: prunable iff the slot holds the same token everywhere
        ev_all = db.codes[level.first - gaps[0] - 1]
        head = _changes(level.grp, ev_all)
        head_grp = level.grp[head]
        one = np.bincount(head_grp, minlength=level.n_grp) == 1
        prunable[head_grp] = one[head_grp] & (ev_all[head] != db.sentinel)
        if not closure:
            return has_backward, prunable
    occ, _, ev = _window(level.first, -gaps - 1, db)
    order = np.argsort(ev, kind="stable")  # -> sorted by (event, group, occurrence)
    occ, ev = occ[order], ev[order]
    grp, seq = level.grp[occ], level.seq[occ]
    seg_head = _changes(ev, grp)
    seg = np.cumsum(seg_head) - 1
    seg_grp = grp[seg_head]
    if closure:
        n_seq = np.bincount(seg[_changes(ev, grp, seq)], minlength=seg_grp.size)
        has_backward[seg_grp[n_seq == support[seg_grp]]] = True
    if gaps.size > 1:  # BackScan: one event in the window of *every* occurrence
        n_occ = np.bincount(seg[_changes(ev, grp, occ)], minlength=seg_grp.size)
        n_occ_grp = np.bincount(level.grp, minlength=level.n_grp)
        prunable[seg_grp[n_occ == n_occ_grp[seg_grp]]] = True
    return has_backward, prunable


def _forward_extend(
    level: _Level, db: _Database, gaps: np.ndarray, active: np.ndarray, support: np.ndarray
):
    """Children of the active groups, their supports, and per group whether a child
    keeps its support (an equal-support forward extension).

    Children are numbered in (last token, parent) order; a stable sort by the new token
    keeps every child's occurrences in (positions) order, preserving the invariant.
    """
    if active.all():
        src, nxt, ev = _window(level.last, gaps + 1, db)
    else:
        act = np.flatnonzero(active[level.grp])
        src, nxt, ev = _window(level.last[act], gaps + 1, db)
        src = act[src]
    order = np.argsort(ev, kind="stable")
    src, nxt, ev = src[order], nxt[order], ev[order]
    parent = level.grp[src]
    head = _changes(ev, parent)
    child = np.cumsum(head, dtype=level.first.dtype) - 1
    child_parent = parent[head]
    children = _Level(
        grp=child,
        seq=level.seq[src],
        first=level.first[src],
        last=nxt,
        pos=None if level.pos is None else np.column_stack([level.pos[src], nxt]),
        tokens=np.column_stack([level.tokens[child_parent], ev[head]]),
        n_grp=child_parent.size,
    )
    child_support = _support(child, children.seq, children.n_grp)
    has_forward = np.zeros(level.n_grp, dtype=bool)
    has_forward[child_parent[child_support == support[child_parent]]] = True
    return children, child_support, has_forward


def _local_positions(level: _Level, sel, db: _Database, step: int, cache: dict) -> list:
    """Positions tuples (within each sequence) of the selected occurrences, interned."""
    seq = level.seq[sel]
    if level.pos is None:  # positions follow from the first one: look tuples up by it
        k = level.tokens.shape[1]
        first = level.first[sel] - db.seq_start[seq]
        table = cache.setdefault(("ranges", k), [])
        for f in range(len(table), int(first.max(initial=-1)) + 1):
            table.append(tuple(range(f, f + (k - 1) * step + 1, step)))
        return list(map(table.__getitem__, first.tolist()))
    interned = cache.setdefault("positions", {})
    local = level.pos[sel] - db.seq_start[seq][:, None]
    return [interned.setdefault(p, p) for p in map(tuple, local.tolist())]


def _emit(level: _Level, closed, support, db: _Database, step: int, cache: dict) -> list:
    """Pattern objects for the closed groups of one level (occurrences already sorted)."""
    sel = np.flatnonzero(closed[level.grp])
    grp = level.grp[sel]
    seq_ints = cache.setdefault("seq_ints", list(range(db.seq_start.size)))
    seq = map(seq_ints.__getitem__, level.seq[sel].tolist())
    occ = tuple(zip(seq, _local_positions(level, sel, db, step, cache)))
    head = np.flatnonzero(_changes(grp)) if grp.size else grp
    ends = np.append(head[1:], grp.size).tolist()
    codes = level.tokens[grp[head]]
    out = [
        Pattern(tokens=t, support=s, occurrences=occ[a:b])
        for t, s, a, b in zip(
            map(tuple, db.alphabet[codes].tolist()),
            support[grp[head]].tolist(),
            head.tolist(),
            ends,
        )
    ]
    if not out:
        return out
    return [out[i] for i in np.lexsort(codes.T[::-1]).tolist()]  # lexicographic order


def _grow(level, support, db, gaps, patterns, cache, *, min_support, min_length, progress):
    """Level-wise Gap-BIDE loop: append the closed patterns of every length to ``patterns``."""
    length = 1
    while True:
        level, support = _filter_frequent(level, support, min_support)
        if progress is not None:
            progress(length, level.n_grp)
        if level.n_grp == 0:
            return
        has_backward, prunable = _backward_check(
            level, db, gaps, support, closure=length >= min_length
        )
        children, child_support, has_forward = _forward_extend(level, db, gaps, ~prunable, support)
        if length >= min_length:
            closed = ~(has_backward | has_forward)
            patterns.extend(_emit(level, closed, support, db, int(gaps[0]) + 1, cache))
        logger.debug("length %d: %d frequent, %d pruned", length, level.n_grp, prunable.sum())
        level, support = children, child_support
        length += 1


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building many small tuples.

    The output holds no reference cycles; without this, CPython's collector repeatedly
    rescans the growing set of live tuples and doubles the cost of building the output.
    The previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def mine_closed_patterns(
    sequences: Sequence,
    *,
    min_support: int = 3,
    min_length: int = 5,
    min_gap: int = 0,
    max_gap: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Pattern]:
    """Mine closed gap-constrained sequential patterns (Gap-BIDE, Li & Wang 2008).

    Parameters
    ----------
    sequences : sequence of array_like [shape=(n_i,), dtype=int]
        The database, e.g. the interval-class tokens of each phrase of a recording.
    min_support : int >= 1
        Minimum number of sequences containing the pattern.
    min_length : int >= 1
        Minimum number of tokens of a returned pattern (output filter only).
    min_gap, max_gap : int, 0 <= min_gap <= max_gap
        Allowed number of skipped positions between consecutive pattern tokens;
        ``[0, 0]`` mines contiguous substrings.
    progress : callable(length, n_frequent) or None
        Called after each pattern length with the number of frequent patterns of that
        length explored (patterns inside BackScan-pruned subtrees are not explored).

    Returns
    -------
    patterns : list of Pattern
        Closed patterns with ``support >= min_support`` and ``len >= min_length``,
        sorted by length, then lexicographically by token value; each lists every occurrence (see module docstring for the
        exact definitions of occurrence, support and closedness).

    Raises
    ------
    MotivicError
        On invalid parameters or non-integer / non-1-D sequences.

    Notes
    -----
    The cyclic garbage collector is paused while the output tuples are built (the
    previous state is restored), which halves the cost of large outputs. With gaps, the number of occurrences can grow as ``(max_gap − min_gap + 1)^k``
    per start position for repetitive sequences; memory is proportional to it.

    Examples
    --------
    >>> pats = mine_closed_patterns([[1, 2, 3, 9], [1, 2, 3], [0, 1, 2]],
    ...                             min_support=2, min_length=2)
    >>> [(p.tokens, p.support) for p in pats]
    [((1, 2), 3), ((1, 2, 3), 2)]
    """
    min_support = _check_int("min_support", min_support, 1)
    min_length = _check_int("min_length", min_length, 1)
    min_gap = _check_int("min_gap", min_gap, 0)
    max_gap = _check_int("max_gap", max_gap, 0)
    if max_gap < min_gap:
        raise MotivicError(f"max_gap={max_gap} must be >= min_gap={min_gap}")
    db = _Database.build(_as_sequences(sequences), pad=max_gap + 1)
    gaps = np.arange(min_gap, max_gap + 1, dtype=db.real.dtype)
    order = np.argsort(db.codes[db.real], kind="stable")
    first = db.real[order]
    level = _Level(
        grp=db.codes[first].astype(first.dtype),
        seq=db.seq_of[order],
        first=first,
        last=first,
        pos=None if gaps.size == 1 else first[:, None],
        tokens=np.arange(db.alphabet.size, dtype=np.int32)[:, None],
        n_grp=db.alphabet.size,
    )
    support = _support(level.grp, level.seq, level.n_grp)
    patterns: list[Pattern] = []
    cache: dict = {}
    with _gc_paused():
        _grow(
            level,
            support,
            db,
            gaps,
            patterns,
            cache,
            min_support=min_support,
            min_length=min_length,
            progress=progress,
        )
    logger.info(
        "mined %d closed patterns (support >= %d, length >= %d, gap [%d, %d])",
        len(patterns),
        min_support,
        min_length,
        min_gap,
        max_gap,
    )
    return patterns


# --------------------------------------------------------------------------- strings


def format_pattern(tokens) -> str:
    """Format tokens as ``"+1,-2,+4"``.

    Examples
    --------
    >>> format_pattern((1, -2, 4))
    '+1,-2,+4'
    """
    return ",".join(f"{int(t):+d}" for t in tokens)


def parse_pattern(s: str) -> tuple[int, ...]:
    """Parse ``"+1,-2,+4"`` into ``(1, -2, 4)``.

    Raises
    ------
    MotivicError
        If ``s`` is not a comma-separated list of signed integers.

    Examples
    --------
    >>> parse_pattern("+1,-2,+4")
    (1, -2, 4)
    """
    parts = str(s).split(",")
    if not all(_TOKEN_RE.match(p.strip()) for p in parts):
        raise MotivicError(f"pattern {s!r} must be comma-separated signed integers like '+1,-2'")
    return tuple(int(p) for p in parts)


# --------------------------------------------------------------------------- tables


def locate(patterns: Sequence[Pattern], phrases: Sequence) -> pd.DataFrame:
    """Map every occurrence of every pattern to time.

    Parameters
    ----------
    patterns : sequence of Pattern
        Mined from ``[p.tokens for p in phrases]``.
    phrases : sequence of motivic.contour.Phrase
        Anything with ``.spans`` (``[n_tokens, 2]`` start/end seconds per token).

    Returns
    -------
    occurrences : pandas.DataFrame
        Columns :data:`LOCATE_COLUMNS`: ``pattern`` (``"+1,-2,…"``), ``support``,
        ``phrase``, ``start_token``, ``end_token`` (inclusive), ``start_s`` (start of the
        first token's span), ``end_s`` (end of the last token's span).

    Raises
    ------
    MotivicError
        If an occurrence points outside ``phrases``.
    """
    rows = []
    for p in patterns:
        name = format_pattern(p.tokens)
        for seq, positions in p.occurrences:
            if not 0 <= seq < len(phrases):
                raise MotivicError(
                    f"locate: occurrence in sequence {seq}, only {len(phrases)} phrases given"
                )
            spans = phrases[seq].spans
            a, b = positions[0], positions[-1]
            if not 0 <= a <= b < len(spans):
                raise MotivicError(
                    f"locate: positions {positions} outside phrase {seq} ({len(spans)} tokens)"
                )
            rows.append((name, p.support, seq, a, b, float(spans[a, 0]), float(spans[b, 1])))
    df = pd.DataFrame(rows, columns=LOCATE_COLUMNS)
    return df.astype(
        {
            "support": np.int64,
            "phrase": np.int64,
            "start_token": np.int64,
            "end_token": np.int64,
            "start_s": float,
            "end_s": float,
        }
    )


def build_dictionary(
    occurrences_by_recording: dict[str, pd.DataFrame], labels: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge per-recording motif occurrences into a motif dictionary.

    Parameters
    ----------
    occurrences_by_recording : dict of str → DataFrame
        Output of :func:`locate` for each recording.
    labels : dict of str → str
        Class label of each recording.

    Returns
    -------
    dictionary : DataFrame
        One row per distinct pattern, columns :data:`DICTIONARY_COLUMNS`; ``motif_id``
        ``m00001…`` follows the sorted pattern strings; ``support`` sums the per-recording
        supports, ``support_per_recording`` reads ``"rec_a:3;rec_b:4"``, ``classes`` is
        the sorted labels joined by ``";"``.
    occurrences : DataFrame
        One row per occurrence, columns :data:`OCCURRENCE_COLUMNS`, sorted by motif,
        recording, phrase and time.

    Raises
    ------
    MotivicError
        If a recording has no label or a table lacks columns.
    """
    frames = []
    for rec in sorted(occurrences_by_recording):
        df = occurrences_by_recording[rec]
        missing = [c for c in LOCATE_COLUMNS if c not in df.columns]
        if missing:
            raise MotivicError(f"occurrences of recording {rec!r}: missing columns {missing}")
        if rec not in labels:
            raise MotivicError(f"labels: no label for recording {rec!r}")
        frames.append(df[LOCATE_COLUMNS].assign(recording=rec, label=str(labels[rec])))
    if not frames or not sum(len(f) for f in frames):
        return (pd.DataFrame(columns=DICTIONARY_COLUMNS), pd.DataFrame(columns=OCCURRENCE_COLUMNS))
    occ = pd.concat(frames, ignore_index=True)
    names = sorted(occ["pattern"].unique())
    ids = {p: f"m{i + 1:05d}" for i, p in enumerate(names)}
    occ["motif_id"] = occ["pattern"].map(ids)
    occ["duration_s"] = occ["end_s"] - occ["start_s"]
    occ = occ.sort_values(
        ["motif_id", "recording", "phrase", "start_s", "end_s"], kind="mergesort"
    ).reset_index(drop=True)
    return _dictionary_rows(occ), occ[OCCURRENCE_COLUMNS]


def _dictionary_rows(occ: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for motif_id, grp in occ.groupby("motif_id", sort=True):
        per_rec = grp.groupby("recording", sort=True)["support"].first()
        classes = sorted(grp["label"].unique())
        pattern = grp["pattern"].iloc[0]
        rows.append(
            (
                motif_id,
                pattern,
                len(parse_pattern(pattern)),
                len(per_rec),
                int(per_rec.sum()),
                ";".join(f"{r}:{int(s)}" for r, s in per_rec.items()),
                len(grp),
                ";".join(classes),
                len(classes),
            )
        )
    return pd.DataFrame(rows, columns=DICTIONARY_COLUMNS)


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a DataFrame as TSV (no index), atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False)


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a TSV written by :func:`write_table`; id/pattern/label columns stay strings.

    Raises
    ------
    MotivicError
        If the file is missing or not a readable TSV.
    """
    try:
        return pd.read_csv(
            path,
            sep="\t",
            dtype={c: str for c in _STRING_COLUMNS},
            keep_default_na=False,
            na_values=[""],
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise MotivicError(f"table {path}: cannot read ({e})") from None
