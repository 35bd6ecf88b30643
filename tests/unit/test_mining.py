"""Tests for motivic.mining: Gap-BIDE against a brute-force enumerator, and the tables."""

from __future__ import annotations

from collections import defaultdict
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic import mining
from motivic.core.errors import MotivicError
from motivic.mining import (
    DICTIONARY_COLUMNS,
    LOCATE_COLUMNS,
    OCCURRENCE_COLUMNS,
    Pattern,
    build_dictionary,
    format_pattern,
    locate,
    mine_closed_patterns,
    parse_pattern,
    read_table,
    write_table,
)

# --------------------------------------------------------------------------- reference


def _all_occurrences(seqs, min_gap, max_gap):
    """Every gap-constrained occurrence of every pattern, by exhaustive enumeration."""
    occ = defaultdict(list)
    for s, seq in enumerate(seqs):
        stack = [[i] for i in range(len(seq))]
        while stack:
            positions = stack.pop()
            occ[tuple(int(seq[p]) for p in positions)].append((s, tuple(positions)))
            last = positions[-1]
            for j in range(last + min_gap + 1, min(last + max_gap + 2, len(seq))):
                stack.append(positions + [j])
    return occ


def _is_super(q, p):
    """q = Q + p + R with |Q| + |R| >= 1 (p is a proper contiguous sub-list of q)."""
    n = len(p)
    return len(q) > n and any(q[i : i + n] == p for i in range(len(q) - n + 1))


def brute_force(seqs, *, min_support, min_length, min_gap, max_gap):
    occ = _all_occurrences(seqs, min_gap, max_gap)
    support = {p: len({s for s, _ in o}) for p, o in occ.items()}
    out = []
    for p, o in occ.items():
        if support[p] < min_support or len(p) < min_length:
            continue
        if any(support[q] == support[p] and _is_super(q, p) for q in occ):
            continue
        out.append(Pattern.from_occurrence_tuples(p, support[p], sorted(o)))
    return sorted(out, key=lambda p: (len(p.tokens), p.tokens))


def _summary(patterns):
    return [(p.tokens, p.support, p.occurrence_tuples()) for p in patterns]


# --------------------------------------------------------------------------- hand-worked


def test_mine_contiguous_hand_worked():
    pats = mine_closed_patterns([[1, 2, 3], [1, 2, 3], [1, 2]], min_support=2, min_length=1)
    # (1,) (2,) are absorbed by (1, 2) (support 3); (2, 3) by (1, 2, 3) (support 2)
    assert [(p.tokens, p.support) for p in pats] == [((1, 2), 3), ((1, 2, 3), 2)]


def test_mine_lists_every_occurrence_not_first_per_sequence():
    pats = mine_closed_patterns([[1, 2, 5, 1, 2], [1, 2, 7]], min_support=2, min_length=2)
    assert len(pats) == 1
    assert pats[0].tokens == (1, 2) and pats[0].support == 2
    assert pats[0].occurrence_tuples() == ((0, (0, 1)), (0, (3, 4)), (1, (0, 1)))
    assert pats[0].occurrences.tolist() == [[0, 0, 1], [0, 3, 4], [1, 0, 1]]


def test_mine_gap_constraint_skips_positions():
    seqs = [[1, 9, 2], [1, 8, 2]]
    assert mine_closed_patterns(seqs, min_support=2, min_length=2) == []
    pats = mine_closed_patterns(seqs, min_support=2, min_length=2, min_gap=1, max_gap=1)
    assert [(p.tokens, p.occurrence_tuples()) for p in pats] == [
        ((1, 2), ((0, (0, 2)), (1, (0, 2))))
    ]


def test_mine_gapped_backward_extension_closes_pattern():
    # (1, 2) with one gap extends backward to (5, 1, 2) with the same support
    pats = mine_closed_patterns(
        [[5, 1, 9, 2], [5, 1, 8, 2]], min_support=2, min_length=1, min_gap=0, max_gap=1
    )
    assert [p.tokens for p in pats] == [(5, 1, 2)]
    assert pats[0].occurrence_tuples() == ((0, (0, 1, 3)), (1, (0, 1, 3)))


def test_mine_insertion_is_not_a_super_pattern():
    # (1, 3, 2) has the same support as (1, 2) but (1, 2) is not a sub-string of it
    pats = mine_closed_patterns(
        [[1, 3, 2], [1, 3, 2]], min_support=2, min_length=2, min_gap=0, max_gap=1
    )
    assert [p.tokens for p in pats] == [(1, 2), (1, 3, 2)]


def test_mine_min_length_filters_output_only():
    seqs = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 9]]
    every = mine_closed_patterns(seqs, min_support=2, min_length=1)
    assert [p.tokens for p in every] == [(1, 2), (1, 2, 3, 4)]
    long_only = mine_closed_patterns(seqs, min_support=2, min_length=3)
    assert _summary(long_only) == _summary([p for p in every if len(p.tokens) >= 3])


def test_mine_support_counts_sequences_not_occurrences():
    pats = mine_closed_patterns([[4, 4, 4, 4, 4, 4]], min_support=2, min_length=1)
    assert pats == []
    pats = mine_closed_patterns([[4, 4, 4, 4, 4, 4]], min_support=1, min_length=1)
    assert [(p.tokens, len(p.occurrences)) for p in pats] == [((4,) * 6, 1)]


def test_mine_progress_reports_each_length_after_backscan_pruning():
    calls = []
    pats = mine_closed_patterns(
        [[1, 2, 3], [1, 2, 3]],
        min_support=2,
        min_length=1,
        progress=lambda k, n: calls.append((k, n)),
    )
    # every occurrence of (2,) is preceded by 1 and of (3,) by 2: their subtrees are
    # pruned, so (2, 3) is never grown and only (1, 2) -> (1, 2, 3) is explored
    assert calls == [(1, 3), (2, 1), (3, 1), (4, 0)]
    assert [p.tokens for p in pats] == [(1, 2, 3)]


def test_mine_accepts_numpy_int8_and_negative_tokens():
    seqs = [np.array([1, -2, 3, -4], np.int8), np.array([9, 1, -2, 3, -4], np.int8)]
    pats = mine_closed_patterns(seqs, min_support=2, min_length=4)
    assert [p.tokens for p in pats] == [(1, -2, 3, -4)]
    assert all(type(t) is int for t in pats[0].tokens)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_support": 0}, "min_support"),
        ({"min_length": 0}, "min_length"),
        ({"min_gap": -1}, "min_gap"),
        ({"min_gap": 2, "max_gap": 1}, "max_gap"),
        ({"min_support": 1.5}, "min_support"),
    ],
)
def test_mine_rejects_bad_parameters(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        mine_closed_patterns([[1, 2]], **kwargs)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([0.5, 1.0], "integer"),
        ([np.nan, 1.0], "integer"),
        ([np.inf], "integer"),
        ([True, False], "integer"),
        ([[1, 2]], "1-D"),
    ],
)
def test_mine_rejects_non_integer_sequences(bad, match):
    with pytest.raises(MotivicError, match=rf"sequences\[1\] .*{match}"):
        mine_closed_patterns([[1, 2], bad])


def test_mine_accepts_whole_floats_and_empty_sequences():
    pats = mine_closed_patterns([[1.0, 2.0], [], np.array([1, 2])], min_support=2, min_length=1)
    assert [(p.tokens, p.support) for p in pats] == [((1, 2), 2)]
    assert mine_closed_patterns([], min_support=1, min_length=1) == []


def test_mine_sparse_large_token_values():
    # values spread over ~2e12 take the sort-based token encoding
    big = 10**12
    seqs = [[big, -3, 7], [5, big, -3, 7, big], [-big, big, -3]]
    kw = {"min_support": 2, "min_length": 1, "min_gap": 0, "max_gap": 0}
    pats = mine_closed_patterns(seqs, **kw)
    assert _summary(pats) == _summary(brute_force(seqs, **kw))
    assert [p.tokens for p in pats] == [(big, -3), (big, -3, 7)]


def test_mine_alphabet_over_bitmask_size_matches_brute_force():
    # 70 distinct tokens: the backward checks fall back to sorting window tokens
    base = list(np.random.default_rng(3).permutation(70).reshape(7, 10))
    seqs = [*base, base[0][2:8], np.concatenate([base[1][:4], base[0][3:6], base[1][:3]])]
    assert len(np.unique(np.concatenate(seqs))) > mining.bide._BITMASK_MAX_TOKENS
    for gap in [(0, 0), (0, 1)]:
        kw = {"min_support": 2, "min_length": 1, "min_gap": gap[0], "max_gap": gap[1]}
        pats = mine_closed_patterns(seqs, **kw)
        assert pats and _summary(pats) == _summary(brute_force(seqs, **kw))


# --------------------------------------------------------------------------- Pattern


def test_mined_occurrences_are_read_only_int_matrices():
    pats = mine_closed_patterns([[1, 2, 3, 1, 2], [1, 2, 3]], min_support=2, min_length=2)
    assert [p.tokens for p in pats] == [(1, 2, 3)]
    p = pats[0]
    assert p.occurrences.tolist() == [[0, 0, 1, 2], [1, 0, 1, 2]]
    assert np.issubdtype(p.occurrences.dtype, np.integer) and p.n_occurrences == 2
    assert p.sequence_ids.tolist() == [0, 1]
    assert p.positions.tolist() == [[0, 1, 2], [0, 1, 2]]
    with pytest.raises(ValueError, match="read-only"):
        p.occurrences[0, 0] = 7


def test_pattern_from_occurrence_tuples_round_trip():
    occ = [(0, (1, 3)), (2, (0, 2))]
    p = Pattern.from_occurrence_tuples((4, -1), 2, occ)
    assert p.occurrences.shape == (2, 3) and not p.occurrences.flags.writeable
    assert p.occurrence_tuples() == tuple(occ)
    assert all(type(v) is int for s, pos in p.occurrence_tuples() for v in (s, *pos))
    empty = Pattern.from_occurrence_tuples((4, -1), 0, [])
    assert empty.occurrences.shape == (0, 3) and empty.occurrence_tuples() == ()


def test_pattern_from_occurrence_tuples_rejects_wrong_position_count():
    with pytest.raises(MotivicError, match="positions"):
        Pattern.from_occurrence_tuples((1, 2), 1, [(0, (1, 2, 3))])


def test_pattern_equality_and_hash_follow_values():
    mined = mine_closed_patterns([[1, 2, 9], [1, 2]], min_support=2, min_length=2)[0]
    same = Pattern.from_occurrence_tuples((1, 2), 2, [(0, (0, 1)), (1, (0, 1))])
    assert mined == same and hash(mined) == hash(same) and len({mined, same}) == 1
    moved = Pattern.from_occurrence_tuples((1, 2), 2, [(0, (0, 1)), (1, (1, 2))])
    assert mined != moved and mined != Pattern(same.tokens, 3, same.occurrences)
    assert mined != (mined.tokens, mined.support, mined.occurrences)
    assert "n_occurrences=2" in repr(mined)
    with pytest.raises(AttributeError):
        mined.support = 5


# --------------------------------------------------------------------------- properties

_db = st.lists(st.lists(st.sampled_from([-2, -1, 1, 2]), max_size=9), min_size=1, max_size=6)
_small_alpha_db = st.lists(st.lists(st.sampled_from([1, 2]), max_size=10), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    seqs=st.one_of(_db, _small_alpha_db),
    min_support=st.integers(1, 3),
    min_length=st.integers(1, 3),
)
def test_mine_matches_brute_force_contiguous(seqs, min_support, min_length):
    kw = {"min_support": min_support, "min_length": min_length, "min_gap": 0, "max_gap": 0}
    assert _summary(mine_closed_patterns(seqs, **kw)) == _summary(brute_force(seqs, **kw))


@settings(max_examples=100, deadline=None)
@given(
    seqs=st.one_of(_db, _small_alpha_db),
    min_support=st.integers(1, 3),
    gap=st.sampled_from([(0, 1), (1, 2), (1, 1)]),
)
def test_mine_matches_brute_force_gapped(seqs, min_support, gap):
    seqs = [s[:7] for s in seqs]
    kw = {"min_support": min_support, "min_length": 1, "min_gap": gap[0], "max_gap": gap[1]}
    assert _summary(mine_closed_patterns(seqs, **kw)) == _summary(brute_force(seqs, **kw))


@settings(max_examples=60, deadline=None)
@given(
    seqs=st.one_of(_db, _small_alpha_db),
    min_support=st.integers(1, 3),
    gap=st.sampled_from([(0, 0), (0, 1), (1, 2)]),
)
def test_mine_sort_based_backward_check_matches_brute_force(seqs, min_support, gap):
    seqs = [s[:7] for s in seqs]
    kw = {"min_support": min_support, "min_length": 1, "min_gap": gap[0], "max_gap": gap[1]}
    with mock.patch.object(mining.bide, "_BITMASK_MAX_TOKENS", 0):
        got = mine_closed_patterns(seqs, **kw)
    assert _summary(got) == _summary(brute_force(seqs, **kw))


# --------------------------------------------------------------------------- strings / tables


@pytest.mark.parametrize("tokens", [(1,), (1, -2, 4), (-4, -3, 2, 1, 1)])
def test_format_parse_round_trip(tokens):
    s = format_pattern(tokens)
    assert all(part[0] in "+-" for part in s.split(","))
    assert parse_pattern(s) == tokens


@pytest.mark.parametrize("bad", ["", "+1,,2", "a,b", "+1;-2"])
def test_parse_pattern_rejects_malformed(bad):
    with pytest.raises(MotivicError, match="pattern"):
        parse_pattern(bad)


class _FakePhrase:
    def __init__(self, spans):
        self.spans = np.asarray(spans, dtype=float)


def test_locate_maps_tokens_to_time():
    phrases = [
        _FakePhrase([[0.0, 0.5], [0.2, 0.9], [0.5, 1.2]]),
        _FakePhrase([[3.0, 3.4], [3.2, 3.7], [3.4, 4.0]]),
    ]
    pat = Pattern.from_occurrence_tuples((1, -2), 2, [(0, (1, 2)), (1, (0, 1))])
    df = locate([pat], phrases)
    assert list(df.columns) == LOCATE_COLUMNS
    assert df["pattern"].tolist() == ["+1,-2", "+1,-2"]
    assert df[["phrase", "start_token", "end_token"]].values.tolist() == [[0, 1, 2], [1, 0, 1]]
    assert df[["start_s", "end_s"]].values.tolist() == [[0.2, 1.2], [3.0, 3.7]]


def test_locate_gapped_pattern_ends_at_last_position():
    seqs = [[1, 9, 2], [1, 8, 2]]
    pats = mine_closed_patterns(seqs, min_support=2, min_length=2, min_gap=1, max_gap=1)
    phrases = [_FakePhrase([[0.0, 1.0], [1.0, 2.0], [2.0, 3.5]])] * 2
    df = locate(pats, phrases)
    assert df[["phrase", "start_token", "end_token"]].values.tolist() == [[0, 0, 2], [1, 0, 2]]
    assert df["end_s"].tolist() == [3.5, 3.5] and df["support"].tolist() == [2, 2]


def test_locate_without_patterns_is_empty_with_columns():
    df = locate([], [_FakePhrase([[0.0, 1.0]])])
    assert list(df.columns) == LOCATE_COLUMNS and len(df) == 0


@pytest.mark.parametrize(
    ("occ", "match"),
    [((0, (2, 3)), "positions"), ((1, (0, 1)), "sequence 1"), ((0, (-1, 0)), "positions")],
)
def test_locate_rejects_out_of_range_occurrence(occ, match):
    pat = Pattern.from_occurrence_tuples((1, 1), 1, [occ])
    with pytest.raises(MotivicError, match=match):
        locate([pat], [_FakePhrase([[0, 1], [1, 2], [2, 3]])])


def _occ(rows):
    return pd.DataFrame(rows, columns=LOCATE_COLUMNS)


def test_build_dictionary_merges_recordings():
    by_rec = {
        "rec_b": _occ(
            [
                ("+1,+1", 2, 0, 0, 1, 0.0, 1.0),
                ("+1,+1", 2, 3, 2, 3, 5.0, 5.5),
                ("-1,+2", 3, 1, 0, 1, 2.0, 2.25),
            ]
        ),
        "rec_a": _occ([("+1,+1", 4, 2, 1, 2, 1.0, 1.75)]),
    }
    dictionary, occ = build_dictionary(by_rec, {"rec_a": "jota", "rec_b": "fandango"})
    assert list(dictionary.columns) == DICTIONARY_COLUMNS
    assert list(occ.columns) == OCCURRENCE_COLUMNS
    assert dictionary["motif_id"].tolist() == ["m00001", "m00002"]
    first = dictionary.iloc[0]
    assert first["pattern"] == "+1,+1" and first["length"] == 2
    assert first["n_recordings"] == 2 and first["support"] == 6
    assert first["support_per_recording"] == "rec_a:4;rec_b:2"
    assert first["n_occurrences"] == 3
    assert first["classes"] == "fandango;jota" and first["n_classes"] == 2
    assert occ["recording"].tolist() == ["rec_a", "rec_b", "rec_b", "rec_b"]
    assert occ["duration_s"].tolist() == [0.75, 1.0, 0.5, 0.25]


def test_build_dictionary_requires_labels():
    with pytest.raises(MotivicError, match="rec_x"):
        build_dictionary({"rec_x": _occ([("+1", 1, 0, 0, 0, 0.0, 1.0)])}, {})


def test_write_read_table_keeps_patterns_as_strings(tmp_path):
    by_rec = {"r1": _occ([("+1", 3, 0, 0, 0, 0.1, 0.30000000000000004)])}
    dictionary, occ = build_dictionary(by_rec, {"r1": "a"})
    write_table(dictionary, tmp_path / "d.tsv")
    write_table(occ, tmp_path / "o.tsv")
    d2, o2 = read_table(tmp_path / "d.tsv"), read_table(tmp_path / "o.tsv")
    assert d2["pattern"].tolist() == ["+1"]
    pd.testing.assert_frame_equal(o2, occ, check_dtype=False)
    with pytest.raises(MotivicError, match="missing.tsv"):
        read_table(tmp_path / "missing.tsv")


def test_mined_planted_motif_is_found_with_its_support():
    rng = np.random.default_rng(0)
    motif = [1, -2, 1, 1, -1, 3]
    seqs = []
    for k in range(12):
        s = rng.choice([-4, -3, -2, -1, 1, 2, 3, 4], size=30)
        if k % 2 == 0:
            at = int(rng.integers(0, 24))
            s[at : at + 6] = motif
        seqs.append(s)
    pats = mine_closed_patterns(seqs, min_support=3, min_length=5)
    found = {p.tokens: p for p in pats}
    hit = [p for t, p in found.items() if _is_super(t, tuple(motif)) or t == tuple(motif)]
    assert hit and max(p.support for p in hit) >= 6


def test_locate_collection_maps_occurrences_back_to_recordings():
    from motivic.contour import Phrase
    from motivic.mining import locate_collection

    def phrase(tokens):
        levels = np.concatenate([[0.0], np.cumsum([60.0 * t for t in tokens])])
        starts = np.arange(levels.size) * 0.2
        return Phrase.from_steps(np.column_stack([starts, starts + 0.2, levels]))

    motif = [1, 1, -1]
    by_recording = {
        "a": [phrase(motif + [1]), phrase([2] + motif)],
        "b": [phrase(motif)],
    }
    sequences = [p.tokens for table in by_recording.values() for p in table]
    patterns = mine_closed_patterns(sequences, min_support=3, min_length=3)
    occ = locate_collection(patterns, by_recording)
    motif_rows = occ[occ["pattern"] == format_pattern(motif)]
    assert sorted(zip(motif_rows["recording"], motif_rows["phrase"])) == [("a", 0), ("a", 1), ("b", 0)]
    # support per recording sums back to the collection support
    per_recording = motif_rows.groupby("recording")["support"].first()
    assert per_recording.to_dict() == {"a": 2, "b": 1}
    row = motif_rows[(motif_rows["recording"] == "a") & (motif_rows["phrase"] == 1)].iloc[0]
    assert (row["start_s"], row["end_s"]) == pytest.approx((0.2, 1.0))
