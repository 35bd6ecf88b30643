"""A mined pattern with its occurrences, and the string form of token sequences."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError

_TOKEN_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Pattern:
    """A closed gap-constrained pattern and every one of its occurrences.

    Attributes
    ----------
    tokens : tuple of int
        The pattern, e.g. ``(1, -2, 1, 1, -1)``.
    support : int
        Number of sequences containing at least one occurrence.
    occurrences : np.ndarray [shape=(n_occurrences, 1 + len(tokens)), dtype=int, read-only]
        One row per occurrence, sorted: column 0 is the sequence index, the other
        columns the increasing positions of the tokens in that sequence (consecutive
        when ``max_gap = 0``). Patterns from :func:`mine_closed_patterns` hold views into
        one matrix per pattern length (int32 unless the database needs int64).

    Notes
    -----
    Equality compares tokens, support and occurrence values (not dtypes); the hash
    uses tokens, support and the number of occurrences, so equal patterns hash alike.
    Build one from ``(sequence_index, positions)`` pairs with
    :meth:`from_occurrence_tuples`; get them back with :meth:`occurrence_tuples`.

    Examples
    --------
    >>> p = Pattern.from_occurrence_tuples((1, -2), 2, [(0, (3, 4)), (2, (0, 1))])
    >>> p.occurrences.tolist()
    [[0, 3, 4], [2, 0, 1]]
    >>> p.occurrence_tuples()
    ((0, (3, 4)), (2, (0, 1)))
    """

    tokens: tuple[int, ...]
    support: int
    occurrences: np.ndarray

    @classmethod
    def from_occurrence_tuples(
        cls, tokens: Iterable[int], support: int, occurrences: Iterable
    ) -> Pattern:
        """Build a Pattern from ``(sequence_index, positions)`` pairs.

        Parameters
        ----------
        tokens : iterable of int
            The pattern.
        support : int >= 0
            Number of sequences containing it.
        occurrences : iterable of (int, sequence of int)
            ``positions`` must have ``len(tokens)`` entries each.

        Returns
        -------
        pattern : Pattern
            With a read-only int64 occurrence matrix (rows kept in the given order).

        Raises
        ------
        MotivicError
            If an occurrence does not have one position per token.
        """
        tokens = tuple(int(t) for t in tokens)
        rows = []
        for seq, positions in occurrences:
            if len(positions) != len(tokens):
                raise MotivicError(
                    f"Pattern occurrence ({seq}, {tuple(positions)}) must have "
                    f"len(tokens)={len(tokens)} positions"
                )
            rows.append((int(seq), *(int(p) for p in positions)))
        matrix = np.array(rows, dtype=np.int64).reshape(len(rows), 1 + len(tokens))
        matrix.flags.writeable = False
        return cls(tokens, int(support), matrix)

    @property
    def sequence_ids(self) -> np.ndarray:
        """Sequence index of each occurrence, shape ``(n_occurrences,)``."""
        return self.occurrences[:, 0]

    @property
    def positions(self) -> np.ndarray:
        """Token positions of each occurrence, shape ``(n_occurrences, len(tokens))``."""
        return self.occurrences[:, 1:]

    @property
    def n_occurrences(self) -> int:
        """Number of occurrences."""
        return self.occurrences.shape[0]

    def occurrence_tuples(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        """Occurrences as ``((sequence_index, positions), ...)`` of Python ints."""
        return tuple((row[0], tuple(row[1:])) for row in self.occurrences.tolist())

    def __eq__(self, other) -> bool:
        if not isinstance(other, Pattern):
            return NotImplemented
        return (
            self.tokens == other.tokens
            and self.support == other.support
            and np.array_equal(self.occurrences, other.occurrences)
        )

    def __hash__(self) -> int:
        return hash((self.tokens, self.support, self.n_occurrences))

    def __repr__(self) -> str:
        return (
            f"Pattern(tokens={self.tokens}, support={self.support}, "
            f"n_occurrences={self.n_occurrences})"
        )


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
