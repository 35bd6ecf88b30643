"""Closed gap-constrained sequential pattern mining: a level-wise Gap-BIDE over numpy.

The definitions (occurrence, support, super-pattern, closedness) are in
:mod:`motivic.mining`.

Algorithm. A breadth-first (level-wise) Gap-BIDE over numpy arrays: level ``k`` holds
every occurrence of every frequent length-``k`` pattern as flat arrays (group id,
sequence, first and last position, and the full position matrix when several gap
values are allowed). Per level, all groups at once:

1. backward check over the ``max_gap − min_gap + 1`` positions before each occurrence:
   with one bit per token, a group's occurrences are OR-ed per sequence and the
   results AND-ed over its sequences — a token left means ``e + P`` has
   ``support(P)``, so ``P`` is not closed; AND-ing over *occurrences* instead gives
   BIDE's BackScan pruning: a token in the backward window of every occurrence also
   extends every ``P + X`` with equal support, so the whole subtree is skipped
   (alphabets over 63 tokens use a sort-based version of the same checks);
2. forward extension of the unpruned occurrences: one stable radix sort by the
   appended token groups them by child; a child with ``support(P)`` makes ``P`` not
   closed; the frequent children become the next level.

Occurrences stay sorted by (group, positions) from level to level, so supports and
per-sequence blocks are runs of equal values (no comparison sort). The cost is linear
in the total number of occurrences explored, ``O(Σ_k n_occ(k))``. The output stores
each pattern's occurrences as a read-only view into one integer matrix per length, so
building it costs one small object per pattern, not one per occurrence.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError
from motivic.mining.patterns import Pattern

logger = logging.getLogger(__name__)

_BITMASK_MAX_TOKENS = 63  # backward checks use one uint64 bit per token up to this many


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value, lower: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lower:
        raise MotivicError(f"{name}={value!r} must be an integer >= {lower}")
    return int(value)


def _as_array(k: int, s) -> np.ndarray:
    a = np.asarray(s)
    if a.ndim != 1:
        raise MotivicError(f"sequences[{k}] must be 1-D, got shape {a.shape}")
    if a.dtype.kind in "iu":
        return a
    if a.size == 0:
        return a.astype(np.int64)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        return a.astype(np.int64)
    raise MotivicError(f"sequences[{k}] must hold integer tokens, got {a.dtype}")


def _as_sequences(sequences) -> tuple[np.ndarray, np.ndarray]:
    """All tokens concatenated (int64) and the length of each sequence."""
    arrays = [_as_array(k, s) for k, s in enumerate(sequences)]
    lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    if not arrays:
        return np.empty(0, np.int64), lengths
    return np.concatenate(arrays, dtype=np.int64, casting="unsafe"), lengths


def _encode(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct token values and the dense code of every token."""
    if tokens.size == 0:
        return tokens, tokens
    lo, hi = int(tokens.min()), int(tokens.max())
    if hi - lo >= max(2**16, 2 * tokens.size):  # sparse values: sort instead of count
        return np.unique(tokens, return_inverse=True)
    shifted = tokens - lo
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    code_of = np.cumsum(present) - 1
    return np.flatnonzero(present) + lo, code_of[shifted]


# --------------------------------------------------------------------------- the miner


def _code_dtype(n_codes: int):
    """Smallest unsigned dtype for token codes: numpy sorts it stably by radix sort."""
    return np.uint8 if n_codes <= 2**8 else np.uint16 if n_codes <= 2**16 else np.int64


@dataclass
class _Database:
    """Sequences concatenated with ``pad`` sentinel codes before each one and at the end,
    so that any window of ``max_gap + 1`` slots around an occurrence stays in bounds and
    reads the sentinel outside its own sequence (no per-occurrence bounds checks)."""

    codes: np.ndarray  # [N_padded] dense token codes, ``sentinel`` in the padding
    sentinel: int  # code of the padding (= alphabet size, the largest code)
    alphabet: np.ndarray  # [A] token value of each code (sorted)
    real: np.ndarray  # [N] padded index of every real token, in sequence order
    seq_at: np.ndarray  # [N_padded] sequence index of every real slot
    seq_start: np.ndarray  # [n_seq] padded index of each sequence's first token
    bits: np.ndarray | None  # [N_padded] uint64 ``1 << code`` (0 in the padding)

    @classmethod
    def build(cls, tokens: np.ndarray, lengths: np.ndarray, *, pad: int) -> _Database:
        alphabet, codes = _encode(tokens)
        sentinel = alphabet.size
        n_padded = tokens.size + pad * (lengths.size + 1)
        idx = np.int32 if n_padded < 2**31 else np.int64
        seq_of = np.repeat(np.arange(lengths.size, dtype=idx), lengths)
        real = np.arange(tokens.size, dtype=idx) + (pad * (seq_of + 1)).astype(idx)
        padded = np.full(n_padded, sentinel, dtype=_code_dtype(sentinel + 1))
        padded[real] = codes
        seq_at = np.zeros(n_padded, dtype=idx)  # each sequence with its leading padding
        seq_at[: n_padded - pad] = np.repeat(np.arange(lengths.size, dtype=idx), lengths + pad)
        bits = None
        if sentinel <= _BITMASK_MAX_TOKENS:
            bit_of = np.left_shift(np.uint64(1), np.arange(sentinel + 1, dtype=np.uint64))
            bit_of[sentinel] = 0
            bits = bit_of[padded]
        return cls(
            codes=padded,
            sentinel=sentinel,
            alphabet=alphabet,
            real=real,
            seq_at=seq_at,
            seq_start=(np.cumsum(lengths + pad) - lengths).astype(idx),
            bits=bits,
        )


@dataclass
class _Level:
    """All occurrences of the frequent patterns (groups) of one length ``k``.

    Invariant: occurrences are sorted by (group, positions), so group ids are
    non-decreasing, every group has at least one occurrence, and within a group the
    occurrences are sorted by sequence.
    """

    grp: np.ndarray  # [n_occ] int32 group (pattern) id
    seq: np.ndarray  # [n_occ] sequence index
    first: np.ndarray  # [n_occ] padded position of the first token
    last: np.ndarray  # [n_occ] padded position of the last token
    pos: np.ndarray | None  # [n_occ, k] all positions; None when one gap value fixes them
    tokens: np.ndarray  # [n_grp, k] int32 token codes of each group
    support: np.ndarray  # [n_grp] distinct support units of each group
    unit: np.ndarray  # [n_occ] what support counts: the sequence, or the first position

    @property
    def n_grp(self) -> int:
        return self.tokens.shape[0]

    def select(self, keep: np.ndarray) -> _Level:
        """The groups where ``keep`` (bool, ``[n_grp]``) holds, renumbered in order."""
        if keep.all():
            return self
        occ = np.flatnonzero(keep[self.grp])
        new_id = np.cumsum(keep, dtype=np.int32) - 1
        return _Level(
            grp=new_id[self.grp[occ]],
            seq=self.seq[occ],
            first=self.first[occ],
            last=self.last[occ],
            pos=None if self.pos is None else self.pos[occ],
            tokens=self.tokens[keep],
            support=self.support[keep],
            unit=self.unit[occ],
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


def _support(grp: np.ndarray, unit: np.ndarray, n_grp: int) -> np.ndarray:
    """Distinct support units per group, for occurrences sorted by (group, unit)."""
    return np.bincount(grp[_changes(grp, unit)], minlength=n_grp)


SUPPORTS = ("phrases", "occurrences")


def _first_level(db: _Database, pos: bool, min_support: int, by_occurrence: bool) -> _Level:
    """Every occurrence of every frequent single token, sorted by (token, position)."""
    codes = db.codes[db.real]
    order = np.argsort(codes, kind="stable")
    first = db.real[order]
    grp = codes[order].astype(np.int32)
    seq = db.seq_at[first]
    unit = first if by_occurrence else seq
    level = _Level(
        grp=grp,
        seq=seq,
        first=first,
        last=first,
        pos=first[:, None] if pos else None,
        tokens=np.arange(db.sentinel, dtype=np.int32)[:, None],
        support=_support(grp, unit, db.sentinel),
        unit=unit,
    )
    return level.select(level.support >= min_support)


def _backward_bitmask(level: _Level, db: _Database, gaps: np.ndarray, *, closure: bool):
    """Per group: (equal-support backward extension, BackScan-prunable), one bit per
    token. The first is only computed when ``closure`` (all False otherwise)."""
    if gaps.size == 1:
        bits = db.bits[level.first - (gaps[0] + 1)]
    else:
        window = db.bits[level.first[:, None] - (gaps + 1)]
        bits = np.bitwise_or.reduce(window, axis=1)
    grp_head = np.flatnonzero(_changes(level.grp))
    prunable = np.bitwise_and.reduceat(bits, grp_head) != 0
    if not closure:
        return np.zeros(level.n_grp, dtype=bool), prunable
    block_head = np.flatnonzero(_changes(level.grp, level.unit))  # (group, unit) blocks
    block_bits = np.bitwise_or.reduceat(bits, block_head)
    block_grp_head = np.flatnonzero(_changes(level.grp[block_head]))
    return np.bitwise_and.reduceat(block_bits, block_grp_head) != 0, prunable


def _backward_sorted(level: _Level, db: _Database, gaps: np.ndarray, *, closure: bool):
    """As :func:`_backward_bitmask` for any alphabet size: sort the window tokens."""
    offsets = -gaps - 1
    at = (level.first[:, None] + offsets).ravel()
    ev = db.codes[at]
    ok = np.flatnonzero(ev != db.sentinel)
    occ, ev = ok // offsets.size, ev[ok]
    order = np.argsort(ev, kind="stable")  # -> sorted by (token, group, occurrence)
    occ, ev = occ[order], ev[order]
    grp, unit = level.grp[occ], level.unit[occ]
    seg_head = _changes(ev, grp)
    seg = np.cumsum(seg_head) - 1
    seg_grp = grp[seg_head]
    has_backward = np.zeros(level.n_grp, dtype=bool)
    if closure:
        n_unit = np.bincount(seg[_changes(ev, grp, unit)], minlength=seg_grp.size)
        has_backward[seg_grp[n_unit == level.support[seg_grp]]] = True
    n_occ = np.bincount(seg[_changes(ev, grp, occ)], minlength=seg_grp.size)
    n_occ_grp = np.bincount(level.grp, minlength=level.n_grp)
    prunable = np.zeros(level.n_grp, dtype=bool)
    prunable[seg_grp[n_occ == n_occ_grp[seg_grp]]] = True
    return has_backward, prunable


def _forward_extend(level: _Level, db: _Database, gaps: np.ndarray, active, *, min_support):
    """Frequent children of the active groups (the next level), and per group whether
    a child keeps its support (an equal-support forward extension).

    Children are numbered in (appended token, parent) order; the stable radix sort by
    the appended token keeps each child's occurrences in (positions) order, preserving
    the invariant. Window slots of inactive groups are set to the sentinel, which sorts
    last and is cut off.
    """
    n_gap = gaps.size
    at = level.last + (gaps[0] + 1) if n_gap == 1 else (level.last[:, None] + gaps + 1).ravel()
    ev = db.codes[at]
    if not active.all():
        off = ~active[level.grp]
        ev[off if n_gap == 1 else np.repeat(off, n_gap)] = db.sentinel
    order = np.argsort(ev, kind="stable")
    order = order[: ev.size - np.count_nonzero(ev == db.sentinel)]
    ev = ev[order]
    src = order if n_gap == 1 else order // n_gap
    parent, seq, unit = level.grp[src], level.seq[src], level.unit[src]
    head = _changes(ev, parent)
    start = np.flatnonzero(head)  # first occurrence of each child
    size = np.diff(start, append=ev.size)
    block = np.cumsum(_changes(ev, parent, unit), dtype=np.int32)  # (child, unit) blocks
    support = block[start + size - 1] - block[start] + 1
    child_parent = parent[start]
    has_forward = np.zeros(level.n_grp, dtype=bool)
    has_forward[child_parent[support == level.support[child_parent]]] = True
    keep = np.flatnonzero(support >= min_support)
    if keep.size == start.size:
        child = np.cumsum(head, dtype=np.int32) - 1
    else:
        sel = np.flatnonzero(np.repeat(support >= min_support, size))
        child = np.repeat(np.arange(keep.size, dtype=np.int32), size[keep])
        src, seq, unit, order = src[sel], seq[sel], unit[sel], order[sel]
    k = level.tokens.shape[1]
    tokens = np.empty((keep.size, k + 1), dtype=np.int32)
    tokens[:, :k] = level.tokens[child_parent[keep]]
    tokens[:, k] = ev[start[keep]]
    last = at[order]
    children = _Level(
        grp=child,
        seq=seq,
        first=level.first[src],
        last=last,
        pos=None if level.pos is None else np.column_stack([level.pos[src], last]),
        tokens=tokens,
        support=support[keep],
        unit=unit,
    )
    return children, has_forward


def _emit(level: _Level, closed: np.ndarray, db: _Database, step: int, out: list) -> None:
    """Append the closed groups of one level to ``out`` as Patterns, in lexicographic
    order, each holding a read-only view into one occurrence matrix for the level."""
    closed_grp = np.flatnonzero(closed)
    if not closed_grp.size:
        return
    k = level.tokens.shape[1]
    sel = np.flatnonzero(closed[level.grp])
    seq = level.seq[sel]
    start = db.seq_start[seq]
    if level.pos is None:  # positions follow from the first one
        local = level.first[sel] - start
        occ = local[:, None] + step * np.arange(-1, k, dtype=local.dtype)
    else:
        occ = np.empty((sel.size, k + 1), dtype=db.real.dtype)
        occ[:, 1:] = level.pos[sel] - start[:, None]
    occ[:, 0] = seq
    occ.flags.writeable = False
    counts = np.bincount(level.grp[sel], minlength=level.n_grp)[closed_grp]
    ends = np.cumsum(counts)
    codes = level.tokens[closed_grp]
    order = _lexicographic_order(codes, db.sentinel)
    rows = map(slice, (ends - counts)[order].tolist(), ends[order].tolist())
    out += _new_patterns(
        list(map(tuple, db.alphabet[codes[order]].tolist())),
        level.support[closed_grp[order]].tolist(),
        map(occ.__getitem__, rows),
    )


def _lexicographic_order(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Order of the rows of ``codes`` ([n, k] ints in ``[0, n_codes)``), lexicographic;
    one sort of a base-``n_codes`` integer key when it fits in int64."""
    k = codes.shape[1]
    if n_codes**k >= 2**62:
        return np.lexsort(codes.T[::-1])
    key = codes[:, 0].astype(np.int64)
    for j in range(1, k):
        key = key * n_codes + codes[:, j]
    return np.argsort(key, kind="stable")


def _new_patterns(tokens: list, support: list, occurrences: Iterable) -> list[Pattern]:
    """``[Pattern(t, s, o) for t, s, o in zip(tokens, support, occurrences)]``, built
    field by field with the slots' own descriptors (what the frozen dataclass's
    ``__init__`` does through ``object.__setattr__``), in C loops: about twice as fast
    for the tens of thousands of patterns of a mining run."""
    out = list(map(object.__new__, itertools.repeat(Pattern, len(tokens))))
    for field, values in (
        (Pattern.tokens, tokens),
        (Pattern.support, support),
        (Pattern.occurrences, occurrences),
    ):
        collections.deque(map(field.__set__, out, values), maxlen=0)
    return out


def _grow(level: _Level, db: _Database, gaps: np.ndarray, *, min_support, min_length, progress):
    """Level-wise Gap-BIDE loop: the closed patterns of every length, in output order."""
    backward = _backward_bitmask if db.bits is not None else _backward_sorted
    patterns: list[Pattern] = []
    length = 1
    while level.n_grp:
        if progress is not None:
            progress(length, level.n_grp)
        emit = length >= min_length
        has_backward, prunable = backward(level, db, gaps, closure=emit)
        children, has_forward = _forward_extend(level, db, gaps, ~prunable, min_support=min_support)
        if emit:
            _emit(level, ~(has_backward | has_forward), db, int(gaps[0]) + 1, patterns)
        logger.debug("length %d: %d frequent, %d pruned", length, level.n_grp, prunable.sum())
        level = children
        length += 1
    if progress is not None:
        progress(length, 0)
    return patterns


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building many small objects.

    The output holds no reference cycles; without this, CPython's collector repeatedly
    rescans the growing set of live objects. The previous state is restored on exit.
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
    support: str = "phrases",
    progress: Callable[[int, int], None] | None = None,
) -> list[Pattern]:
    """Mine closed gap-constrained sequential patterns (Gap-BIDE, Li & Wang 2008).

    Parameters
    ----------
    sequences : sequence of array_like [shape=(n_i,), dtype=int]
        The database, e.g. the interval-class tokens of each phrase of a recording.
    min_support : int >= 1
        Minimum support: sequences containing the pattern, or its occurrences.
    min_length : int >= 1
        Minimum number of tokens of a returned pattern (output filter only).
    min_gap, max_gap : int, 0 <= min_gap <= max_gap
        Allowed number of skipped positions between consecutive pattern tokens;
        ``[0, 0]`` mines contiguous substrings.
    support : {"phrases", "occurrences"}
        What ``support`` counts: the sequences (phrases) with at least one occurrence
        (Gap-BIDE's definition), or every occurrence, overlapping ones included, over
        all sequences (the paper's "repeated at least 3 times in a single song"; then
        ``min_gap = max_gap = 0``, where an extension's occurrences map one-to-one onto
        some of the pattern's, so support stays monotone and the closure checks hold:
        ``e + P`` keeps the count exactly when ``e`` precedes *every* occurrence).
    progress : callable(length, n_frequent) or None
        Called for each pattern length with the number of frequent patterns of that
        length explored (patterns inside BackScan-pruned subtrees are not explored),
        ending with a call reporting 0.

    Returns
    -------
    patterns : list of Pattern
        Closed patterns with ``support >= min_support`` and ``len >= min_length``,
        sorted by length, then lexicographically by token value; each lists every
        occurrence, sorted, in its ``occurrences`` matrix (see the module docstring for
        the exact definitions of occurrence, support and closedness).

    Raises
    ------
    MotivicError
        On invalid parameters or non-integer / non-1-D sequences.

    Notes
    -----
    The patterns of one length share one read-only occurrence matrix (each holds a
    view), so keeping any of them keeps that matrix alive. The cyclic garbage
    collector is paused while the output is built (the previous state is restored).
    With gaps, the number of occurrences can grow as ``(max_gap − min_gap + 1)^k`` per
    start position for repetitive sequences; memory is proportional to it.

    Examples
    --------
    >>> pats = mine_closed_patterns([[1, 2, 3, 9], [1, 2, 3], [0, 1, 2]],
    ...                             min_support=2, min_length=2)
    >>> [(p.tokens, p.support) for p in pats]
    [((1, 2), 3), ((1, 2, 3), 2)]
    >>> pats[1].occurrences.tolist()
    [[0, 0, 1, 2], [1, 0, 1, 2]]
    """
    min_support = _check_int("min_support", min_support, 1)
    min_length = _check_int("min_length", min_length, 1)
    min_gap = _check_int("min_gap", min_gap, 0)
    max_gap = _check_int("max_gap", max_gap, 0)
    if max_gap < min_gap:
        raise MotivicError(f"max_gap={max_gap} must be >= min_gap={min_gap}")
    if support not in SUPPORTS:
        raise MotivicError(f"support={support!r} is unknown; valid: {', '.join(SUPPORTS)}")
    by_occurrence = support == "occurrences"
    if by_occurrence and max_gap > 0:
        raise MotivicError(
            f"support='occurrences' needs contiguous motifs (min_gap = max_gap = 0), got "
            f"max_gap={max_gap}: with gaps one start position has several occurrences"
        )
    tokens, lengths = _as_sequences(sequences)
    db = _Database.build(tokens, lengths, pad=max_gap + 1)
    gaps = np.arange(min_gap, max_gap + 1, dtype=db.real.dtype)
    level = _first_level(
        db, pos=gaps.size > 1, min_support=min_support, by_occurrence=by_occurrence
    )
    with _gc_paused():
        patterns = _grow(
            level, db, gaps, min_support=min_support, min_length=min_length, progress=progress
        )
    logger.info(
        "mined %d closed patterns (support >= %d %s, length >= %d, gap [%d, %d])",
        len(patterns),
        min_support,
        support,
        min_length,
        min_gap,
        max_gap,
    )
    return patterns
