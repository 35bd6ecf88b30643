"""Occurrence support of the Gap-BIDE miner against a brute-force reference (issue 11, point 5)."""

from __future__ import annotations

import collections

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.mining import mine_closed_patterns


def _reference_closed_by_occurrences(sequences, min_support, min_length):
    """Every contiguous substring, counted once per (sequence, start); closed when no
    one-token extension on either side has the same count."""
    count = collections.Counter()
    where = collections.defaultdict(list)
    for s, seq in enumerate(sequences):
        for i in range(len(seq)):
            for j in range(i + 1, len(seq) + 1):
                key = tuple(seq[i:j])
                count[key] += 1
                where[key].append((s, i))
    out = {}
    for pat, n in count.items():
        if n < min_support or len(pat) < min_length:
            continue
        extensions = set()  # the one-token extensions that occur: from each occurrence's neighbours
        for s, i in where[pat]:
            seq = sequences[s]
            if i > 0:
                extensions.add((seq[i - 1], *pat))
            if i + len(pat) < len(seq):
                extensions.add((*pat, seq[i + len(pat)]))
        if all(count[e] < n for e in extensions):
            out[pat] = (n, sorted(where[pat]))
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([-2, -1, 1, 2]), max_size=10), max_size=5),
    st.integers(1, 4),
    st.integers(1, 3),
)
def test_occurrence_support_matches_reference(sequences, min_support, min_length):
    got = mine_closed_patterns(
        sequences, min_support=min_support, min_length=min_length, support="occurrences"
    )
    want = _reference_closed_by_occurrences(sequences, min_support, min_length)
    assert {p.tokens: p.support for p in got} == {k: v[0] for k, v in want.items()}
    for p in got:
        assert [(int(r[0]), int(r[1])) for r in p.occurrences] == want[p.tokens][1]


def test_occurrence_support_counts_repeats_in_one_phrase():
    one_song = [[1, -1, 2, 5, 1, -1, 2, 6, 1, -1, 2]]  # one phrase, the motif three times
    by_phrase = mine_closed_patterns(one_song, min_support=3, min_length=3)
    by_occurrence = mine_closed_patterns(
        one_song, min_support=3, min_length=3, support="occurrences"
    )
    assert by_phrase == []
    assert [(p.tokens, p.support) for p in by_occurrence] == [((1, -1, 2), 3)]


def test_occurrence_support_needs_contiguous_motifs():
    with pytest.raises(MotivicError, match="contiguous"):
        mine_closed_patterns([[1, 2]], max_gap=1, support="occurrences")
    with pytest.raises(MotivicError, match="support"):
        mine_closed_patterns([[1, 2]], support="songs")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), max_size=10), max_size=4),
    st.integers(1, 3),
)
def test_occurrence_support_matches_reference_with_a_large_alphabet(sequences, min_support):
    # 70 more distinct tokens: the backward checks take the sort-based path (> 63 tokens)
    sequences = [*sequences, list(range(100, 170))]
    got = mine_closed_patterns(
        sequences, min_support=min_support, min_length=1, support="occurrences"
    )
    want = _reference_closed_by_occurrences(sequences, min_support, 1)
    assert {p.tokens: p.support for p in got} == {k: v[0] for k, v in want.items()}
