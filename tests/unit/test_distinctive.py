"""Distinctive motifs per class (motivic/mining/distinctive.py), on a hand-worked corpus."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.mining.distinctive import (
    DISTINCTIVE_COLUMNS,
    distinctive_motifs,
    fightin_words,
    recording_counts,
)

# Two classes of two recordings each (a5 carries no motif).
#   m1: a1 (three occurrences), a2          -> A: 2 recordings, B: 0
#   m2: a1, b1, b2                          -> A: 1, B: 2
#   m3: b1 only                             -> A: 0, B: 1 (one recording: never ranked)
OCCURRENCES = pd.DataFrame(
    [
        ("m1", "a1", "A"),
        ("m1", "a1", "A"),
        ("m1", "a1", "A"),
        ("m1", "a2", "A"),
        ("m2", "a1", "A"),
        ("m2", "b1", "B"),
        ("m2", "b2", "B"),
        ("m2", "b2", "B"),
        ("m3", "b1", "B"),
    ],
    columns=["motif_id", "recording", "label"],
)
DICTIONARY = pd.DataFrame({"motif_id": ["m1", "m2", "m3"], "pattern": ["+1,+1", "-1,+2", "+3,-3"]})
LABELS = {"a1": "A", "a2": "A", "a5": "A", "b1": "B", "b2": "B"}


def test_recording_counts_count_each_recording_once():
    counts = recording_counts(OCCURRENCES)
    assert counts.loc["m1"].tolist() == [2, 0]
    assert counts.loc["m2"].tolist() == [1, 2]
    assert counts.loc["m3"].tolist() == [0, 1]


def test_fightin_words_by_hand():
    # Class A against B. y^A = (2, 1, 0), n^A = 3; y^B = (0, 2, 1), n^B = 3.
    # Prior scale 1: alpha = y = (2, 3, 1), alpha_0 = 6.
    # m1: (2+2)/(3+6-2-2) = 4/5 against (0+2)/(3+6-0-2) = 2/7 -> log(2.8); var 1/4 + 1/2
    # m2: (1+3)/(3+6-1-3) = 4/5 against (2+3)/(3+6-2-3) = 5/4 -> log(0.64); var 1/4 + 1/5
    # m3: (0+1)/(3+6-0-1) = 1/8 against (1+1)/(3+6-1-1) = 2/7 -> log(7/16); var 1/1 + 1/2
    log_odds, variance = fightin_words([2, 1, 0], [0, 2, 1])
    np.testing.assert_allclose(log_odds, [math.log(2.8), math.log(0.64), math.log(7 / 16)])
    np.testing.assert_allclose(variance, [0.75, 0.45, 1.5])


def test_fightin_words_prior_scale_by_hand():
    # Scale 0.5: alpha = (1, 1.5, 0.5), alpha_0 = 3.
    # m1: (2+1)/(3+3-2-1) = 1 against (0+1)/(3+3-0-1) = 1/5 -> log(5); var 1/3 + 1/1
    log_odds, variance = fightin_words([2, 1, 0], [0, 2, 1], prior_scale=0.5)
    assert log_odds[0] == pytest.approx(math.log(5))
    assert variance[0] == pytest.approx(4 / 3)


def test_distinctive_motifs_by_hand():
    table = distinctive_motifs(OCCURRENCES, DICTIONARY, LABELS)
    assert list(table.columns) == DISTINCTIVE_COLUMNS
    a = table[table["label"] == "A"].set_index("motif_id")
    b = table[table["label"] == "B"].set_index("motif_id")
    # A carries m1 and m2; m3 (a single recording) is never ranked.
    assert list(a.index) == ["m1", "m2"] and a["rank"].tolist() == [1, 2]
    assert list(b.index) == ["m2"]
    assert a.loc["m1", "z"] == pytest.approx(math.log(2.8) / math.sqrt(0.75))
    assert a.loc["m2", "z"] == pytest.approx(math.log(0.64) / math.sqrt(0.45))
    # Two classes: the contrast of B against A mirrors A against B.
    assert b.loc["m2", "log_odds"] == pytest.approx(-a.loc["m2", "log_odds"])
    assert a.loc["m1", "recordings_in_class"] == 2 and a.loc["m1", "recordings_elsewhere"] == 0
    assert a.loc["m1", "occurrences_in_class"] == 4
    assert a.loc["m1", "class_recordings"] == 3  # a5 has no motif but is of class A
    assert a.loc["m1", "pattern"] == "+1,+1"


def test_more_recordings_more_certain():
    # The same exclusive pattern carried by more recordings gets a larger z.
    few = fightin_words([2, 5], [0, 5])
    many = fightin_words([6, 5], [0, 5])
    assert many[0][0] / math.sqrt(many[1][0]) > few[0][0] / math.sqrt(few[1][0])


def test_min_recordings_three_drops_two_recording_motifs():
    table = distinctive_motifs(OCCURRENCES, DICTIONARY, LABELS, min_recordings=3)
    assert set(table["motif_id"]) == {"m2"}


def test_one_class_gives_an_empty_table():
    occ = OCCURRENCES[OCCURRENCES["label"] == "A"]
    table = distinctive_motifs(occ, DICTIONARY, {"a1": "A", "a2": "A"})
    assert table.empty and list(table.columns) == DISTINCTIVE_COLUMNS


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"min_recordings": 1}, "min_recordings"),
        ({"prior_scale": 0.0}, "prior_scale"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        distinctive_motifs(OCCURRENCES, DICTIONARY, LABELS, **kwargs)


def test_unknown_motif_is_an_error():
    with pytest.raises(MotivicError, match="m3"):
        distinctive_motifs(OCCURRENCES, DICTIONARY.iloc[:2], LABELS)


def test_two_labels_for_one_recording_is_an_error():
    occ = pd.concat([OCCURRENCES, pd.DataFrame([("m1", "a1", "B")], columns=OCCURRENCES.columns)])
    with pytest.raises(MotivicError, match="a1"):
        recording_counts(occ)


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 20)).filter(lambda t: sum(t) > 0),
        min_size=2,
        max_size=12,
    ),
    st.floats(0.05, 5.0),
)
def test_swapping_the_groups_flips_the_sign(pairs, prior_scale):
    y_i, y_j = np.array(pairs).T
    forward, var_f = fightin_words(y_i, y_j, prior_scale=prior_scale)
    backward, var_b = fightin_words(y_j, y_i, prior_scale=prior_scale)
    np.testing.assert_allclose(forward, -backward, atol=1e-12)
    np.testing.assert_allclose(var_f, var_b)
