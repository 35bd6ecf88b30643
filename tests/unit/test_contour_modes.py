"""The two readings of the contour simplification and the class options (issue 11, point 3)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.contour import (
    IntervalClasses,
    interval_class,
    load_phrases,
    range_bounded_steps,
    simplify,
    step_approximation,
    write_phrases,
)
from motivic.core.config import validate_config
from motivic.core.errors import MotivicError

HOP_S = 0.01
REF_HZ = 55.0
AUTHORS = {
    "method": "authors",
    "class_edges": [70.0, 112.0],
    "n_classes": 3,
    "ties": "inner",
    "sign": "down",
}


def _track(cents):
    cents = np.asarray(cents, dtype=float)
    f0 = REF_HZ * 2.0 ** (cents / 1200.0)
    f0[~np.isfinite(cents)] = 0.0
    return np.arange(cents.size) * HOP_S, f0


def _notes(levels, n=20):
    return np.repeat(np.asarray(levels, dtype=float), n)


# --------------------------------------------------------------------------- classes


@pytest.mark.parametrize(
    "d, paper, authors",
    [
        (0.5, 1, -1),
        (-65.0, -1, 1),
        (-69.9, -2, 1),
        (70.0, 2, -2),  # authors: 70 is class 2 (>= 70)
        (-112.0, -2, 2),  # authors: 112 is class 2 (<= 112)
        (112.5, 2, -3),
        (132.0, 2, -3),
        (133.0, 3, -3),
        (-250.0, -4, 3),
    ],
)
def test_interval_classes_paper_and_authors_by_hand(d, paper, authors):
    assert interval_class([d]).tolist() == [paper]
    spec = IntervalClasses(edges=(70.0, 112.0), ties="inner", sign="down")
    assert interval_class([d], classes=spec).tolist() == [authors]


def test_interval_class_ties_and_sign_options():
    d = [-66.0, 66.0, 132.0]
    assert IntervalClasses(ties="lower").classify(d).tolist() == [-1, 1, 2]
    assert IntervalClasses(ties="upper").classify(d).tolist() == [-2, 2, 3]
    assert IntervalClasses(ties="inner").classify(d).tolist() == [-2, 2, 2]
    assert IntervalClasses(sign="down").classify(d).tolist() == [1, -1, -2]
    spec = IntervalClasses.from_options(epsilon=50.0, n_classes=3)
    assert spec.edges == (50.0, 100.0) and spec.n_classes == 3
    assert spec.classify([40.0, 60.0, 500.0]).tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"class_edges": [70.0]}, "n_classes - 1"),
        ({"class_edges": [112.0, 70.0], "n_classes": 3}, "increasing"),
        ({"n_classes": 1}, "n_classes"),
        ({"ties": "middle"}, "ties"),
        ({"sign": "+"}, "sign"),
    ],
)
def test_interval_classes_reject_bad_options(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        IntervalClasses.from_options(**kwargs)


def test_config_rejects_class_edges_that_do_not_fit_n_classes(tmp_path):
    from motivic.core.config import load_config

    config = load_config("config.yaml")
    config["contour"].update(class_edges=[70.0, 112.0], n_classes=4)
    with pytest.raises(MotivicError, match="contour.class_edges"):
        validate_config(config)
    config["contour"]["n_classes"] = 3
    validate_config(config)


# --------------------------------------------------------------------------- segmentation


def test_range_bounded_steps_by_hand():
    x = [2400.0, 2430.0, 2466.0, 2540.0, 2560.0, 2600.0, 2480.0, 2475.0]
    # [2400, 2466] range 66 (kept), 2540 breaks; [2540, 2600] range 60, 2480 breaks
    assert range_bounded_steps(x, margin_cents=66.0) == [
        (0, 3, 2433.0),
        (3, 6, 2570.0),
        (6, 8, 2477.5),
    ]
    assert range_bounded_steps([], margin_cents=66.0) == []
    with pytest.raises(MotivicError, match="margin_cents"):
        range_bounded_steps(x, margin_cents=0.0)
    with pytest.raises(MotivicError, match="finite"):
        range_bounded_steps([0.0, np.nan])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.floats(-300, 300, allow_nan=False), min_size=1, max_size=60),
    st.floats(10.0, 150.0),
)
def test_range_bounded_steps_is_the_greedy_fewest_step_cut(x, margin):
    steps = range_bounded_steps(x, margin_cents=margin)
    assert steps == step_approximation(x, epsilon=margin, tie_break="greedy")
    for a, b, level in steps:  # every segment within the margin, level = midrange
        seg = np.asarray(x[a:b])
        assert seg.max() - seg.min() <= margin
        assert level == (seg.max() + seg.min()) / 2


# --------------------------------------------------------------------------- simplify


def test_authors_mode_tokens_by_hand_down_is_positive():
    x = [2400.0, 2430.0, 2466.0, 2540.0, 2560.0, 2600.0, 2480.0, 2475.0]
    (phrase,) = simplify(*_track(x), min_phrase_tokens=1, **AUTHORS)
    # levels 2433 -> 2570 (+137: up, class 3) -> 2477.5 (-92.5: down, class 2)
    np.testing.assert_allclose(phrase.levels_cents, [2433.0, 2570.0, 2477.5], atol=1e-9)
    np.testing.assert_allclose(phrase.pitches_cents, phrase.levels_cents)
    assert phrase.tokens.tolist() == [-3, 2]
    np.testing.assert_allclose(phrase.steps[:, :2], [[0, 0.03], [0.03, 0.06], [0.06, 0.08]])


def test_both_modes_on_held_notes_differ_only_in_classes_and_sign():
    melody = [2400.0, 2500.0, 2700.0, 3000.0, 2900.0, 2700.0]  # +100 +200 +300 -100 -200
    (paper,) = simplify(*_track(_notes(melody)), min_phrase_tokens=1)
    (authors,) = simplify(*_track(_notes(melody)), min_phrase_tokens=1, **AUTHORS)
    assert paper.tokens.tolist() == [2, 4, 4, -2, -4]
    assert authors.tokens.tolist() == [-2, -3, -3, 2, 3]
    (down,) = simplify(*_track(_notes(melody)), min_phrase_tokens=1, sign="down")
    assert down.tokens.tolist() == [-2, -4, -4, 2, 4]


def test_authors_mode_has_no_minimum_step():
    x = _notes([2400.0]).tolist() + [2600.0] + _notes([2400.0, 2300.0]).tolist()
    (authors,) = simplify(*_track(x), min_phrase_tokens=1, **AUTHORS)
    assert authors.tokens.tolist() == [-3, 3, 2]  # the one-frame blip is a step
    (paper,) = simplify(*_track(x), min_phrase_tokens=1, min_step_s=0.03)
    assert paper.tokens.tolist() == [-2]  # absorbed: 2400 -> 2300 only


def test_band_is_decoupled_from_the_classes():
    t = np.arange(100) * HOP_S
    vibrato = 2400.0 + 40.0 * np.sin(2 * np.pi * 5.0 * t)  # 80-cent range
    x = np.concatenate([vibrato, vibrato + 150.0])
    (narrow,) = simplify(*_track(x), min_phrase_tokens=1, min_step_s=0.0)
    assert narrow.tokens.size > 1  # the 66-cent band cuts the vibrato
    (wide,) = simplify(*_track(x), min_phrase_tokens=1, band_cents=100.0)
    assert wide.tokens.tolist() == [3]  # one step per note; classes still 66 wide
    assert wide.epsilon == 100.0 and wide.classes.edges == (66.0, 132.0, 198.0)


def test_simplify_rejects_unknown_method():
    with pytest.raises(MotivicError, match="method"):
        simplify(*_track(_notes([2400.0, 2500.0])), method="fast")
    with pytest.raises(MotivicError, match="band_cents"):
        simplify(*_track(_notes([2400.0, 2500.0])), band_cents=-1.0)


# --------------------------------------------------------------------------- files


def test_phrase_file_keeps_the_classes(tmp_path):
    x = _notes([2400.0, 2500.0, 2700.0, 3000.0])
    phrases = simplify(*_track(x), min_phrase_tokens=1, **AUTHORS)
    write_phrases(phrases, tmp_path / "p.tsv")
    (back,) = load_phrases(tmp_path / "p.tsv")
    assert back.classes == phrases[0].classes
    assert back.tokens.tolist() == phrases[0].tokens.tolist() == [-2, -3, -3]


def test_phrase_file_without_class_columns_is_the_paper_reading(tmp_path):
    path = tmp_path / "old.tsv"
    path.write_text(
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tpitch_cents\tepsilon\n"
        "0\t0\t0.0\t0.2\t2400.0\t2400.0\t66.0\n"
        "0\t1\t0.2\t0.4\t2300.0\t2300.0\t66.0\n"
    )
    (phrase,) = load_phrases(path)
    assert phrase.tokens.tolist() == [-2]


def test_phrase_file_with_bad_classes_names_the_file(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text(
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tpitch_cents\tepsilon\tclass_edges\tties\tsign\n"
        "0\t0\t0.0\t0.2\t2400.0\t2400.0\t66.0\t70.0,x\tinner\tdown\n"
        "0\t1\t0.2\t0.4\t2300.0\t2300.0\t66.0\t70.0,x\tinner\tdown\n"
    )
    with pytest.raises(MotivicError, match="bad.tsv"):
        load_phrases(path)
