"""Motif kinds (motivic/mining/kinds.py): hand-worked patterns, the dictionary columns, selection."""

from __future__ import annotations

import pandas as pd
import pytest

from motivic.core.errors import MotivicError
from motivic.mining import DICTIONARY_COLUMNS, build_dictionary
from motivic.mining.kinds import (
    is_alternating,
    is_oscillation,
    motif_kind,
    motif_kinds,
    smallest_period,
)
from motivic.mining.patterns import parse_pattern
from motivic.segments.selection import keep_motif_kinds


@pytest.mark.parametrize(
    ("pattern", "period"),
    [
        ("+1,-2,-1,+2,+1,-2", 4),  # the vibrato: one and a half cycles of 4
        ("-1,+1,-1,+1,-1", 2),
        ("+1,+1,+1,+1,+1", 1),
        ("+1,+1,-1,+1,+1,-1", 3),
        ("+1,-2,-1,+2,+1", 4),  # 1.25 cycles: periodic, but too short for test (a)
        ("+1,+2,-1,-2,+3", 5),  # no shorter period: its own length
        ("+2,-1,+2,-1,+2,-3", 6),  # the last token breaks period 2
    ],
)
def test_smallest_period_by_hand(pattern, period):
    assert smallest_period(parse_pattern(pattern)) == period


@pytest.mark.parametrize(
    ("pattern", "oscillation"),
    [
        ("+1,-2,-1,+2,+1,-2", True),  # period 4 over 6 tokens = 1.5 cycles (test a)
        ("+1,-2,-1,+2,+1", False),  # period 4 over 1.25 cycles, and -2,-1 does not alternate
        ("+1,+2,-1,-2,+1,+2,-1", True),  # period 4 over 1.75 cycles
        ("-1,+1,-1,+1,-1", True),  # period 2 (tests a and b)
        ("+3,-3,+3,-3,+3", True),  # period 2 with wide steps: a wide trill (test a only)
        ("+1,+1,-1,+1,+1,-1", True),  # period 3, up and down in each cycle
        ("+1,+1,+1,+1,+1", False),  # period 1: a run, no change of direction
        ("-2,-2,-2,-2,-2", False),
        ("+1,+1,+2,+1,+1,+2", False),  # period 3 but only rising
        ("+1,-2,+1,-1,+2", True),  # period 5, strictly alternating small steps (test b only)
        ("+1,-3,+1,-1,+2", False),  # alternating, but a class-3 step: not (b); period 5: not (a)
        ("+4,-3,+4,-2,+3", False),  # alternating wide leaps: a melody
        ("+1,+2,-1,-2,+3", False),
        ("+2,-4,-3,-2,-3,+3", False),
    ],
)
def test_is_oscillation_by_hand(pattern, oscillation):
    assert is_oscillation(parse_pattern(pattern)) is oscillation


def test_oscillation_thresholds_are_keywords():
    tokens = parse_pattern("+1,+2,-1,-2,+1,+2")  # period 4 over 1.5 cycles
    assert is_oscillation(tokens)
    assert not is_oscillation(tokens, max_period=3)
    assert not is_oscillation(tokens, min_cycles=2)
    assert is_alternating(parse_pattern("+1,-3,+1"), max_class=3)
    assert not is_alternating(parse_pattern("+1,-3,+1"))
    assert not is_alternating((1,))


@pytest.mark.parametrize(
    ("pattern", "median_s", "kind"),
    [
        ("+2,+2,-4,+1,+3", 0.6, "melodic"),  # 6 steps in 0.6 s: exactly 0.1 s per step
        ("+2,+2,-4,+1,+3", 0.59, "fast"),
        ("+2,+2,-4,+1,+3", 0.13, "fast"),  # the 0.13-s median occurrence
        ("-1,+1,-1,+1,-1", 2.0, "oscillation"),  # shape first: a slow trill is an oscillation
        ("-1,+1,-1,+1,-1", 0.2, "oscillation"),
    ],
)
def test_motif_kind_by_hand(pattern, median_s, kind):
    assert motif_kind(parse_pattern(pattern), median_s) == kind


def test_motif_kinds_median_duration_and_step_rate():
    occ = pd.DataFrame(
        {
            "motif_id": ["m1", "m1", "m1", "m2", "m2"],
            "pattern": ["+2,+2,-4,+1,+3"] * 3 + ["-1,+1,-1,+1,-1"] * 2,
            "duration_s": [1.0, 1.2, 3.0, 0.3, 0.5],
        }
    )
    kinds = motif_kinds(occ)
    assert list(kinds.index) == ["m1", "m2"]
    assert kinds.loc["m1", "median_duration_s"] == pytest.approx(1.2)
    assert kinds.loc["m1", "step_rate_hz"] == pytest.approx(6 / 1.2)
    assert kinds.loc["m2", "median_duration_s"] == pytest.approx(0.4)
    assert list(kinds["kind"]) == ["melodic", "oscillation"]
    with pytest.raises(MotivicError, match="duration_s"):
        motif_kinds(occ.drop(columns="duration_s"))


def _located(pattern, spans):
    return pd.DataFrame(
        {
            "pattern": pattern,
            "support": 3,
            "phrase": range(len(spans)),
            "start_token": 0,
            "end_token": 4,
            "start_s": [a for a, _ in spans],
            "end_s": [b for _, b in spans],
        }
    )


def test_dictionary_carries_kind_duration_and_rate():
    per_rec = {
        "a": pd.concat(
            [
                _located("+2,+2,-4,+1,+3", [(0, 1.0), (2, 3.2), (5, 6.1)]),
                _located("-1,+1,-1,+1,-1", [(1, 1.3), (4, 4.25), (7, 7.3)]),
            ]
        )
    }
    dictionary, occurrences = build_dictionary(per_rec, {"a": "style1"})
    assert list(dictionary.columns) == DICTIONARY_COLUMNS
    row = dictionary.set_index("pattern")
    assert row.loc["+2,+2,-4,+1,+3", "kind"] == "melodic"
    assert row.loc["+2,+2,-4,+1,+3", "median_duration_s"] == pytest.approx(1.1)
    assert row.loc["-1,+1,-1,+1,-1", "kind"] == "oscillation"
    assert row.loc["-1,+1,-1,+1,-1", "step_rate_hz"] == pytest.approx(6 / 0.3)
    # segments.motif_kinds keeps the occurrences of the chosen kinds only
    melodic = keep_motif_kinds(occurrences, dictionary, ["melodic"])
    assert set(melodic["pattern"]) == {"+2,+2,-4,+1,+3"} and len(melodic) == 3
    both = keep_motif_kinds(occurrences, dictionary, ["melodic", "oscillation"])
    assert len(both) == len(occurrences)
    assert keep_motif_kinds(occurrences, dictionary, ["fast"]).empty


def test_keep_motif_kinds_rejects_unknown_kinds_and_motifs():
    occ = pd.DataFrame({"motif_id": ["m1", "m9"]})
    dictionary = pd.DataFrame({"motif_id": ["m1"], "kind": ["melodic"]})
    with pytest.raises(MotivicError, match="motif_kinds.*vibrato"):
        keep_motif_kinds(occ, dictionary, ["vibrato"])
    with pytest.raises(MotivicError, match="m9"):
        keep_motif_kinds(occ, dictionary, ["melodic"])
    with pytest.raises(MotivicError, match="kind"):
        keep_motif_kinds(occ, dictionary.drop(columns="kind"), ["melodic"])
