"""The readings of the contour simplification (paper, authors, notes) and the class options
(issue 11, point 3; issue 20, point 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.contour import (
    IntervalClasses,
    interval_class,
    load_phrases,
    note_segments,
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
NOTES = {"method": "notes", "min_step_s": 0.1, "min_interval_cents": 50.0}


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


# --------------------------------------------------------------------------- notes reading


def _times(n):
    return np.arange(n) * HOP_S


def test_note_segments_join_a_short_step_to_the_closer_neighbour_by_hand():
    # 0 | 120 (50 ms) | 200: 120 is 80 cents from 200 and 120 from 0 -> joins the right note
    x = [0.0] * 20 + [120.0] * 5 + [200.0] * 20
    assert note_segments(x, _times(45), hop_s=HOP_S) == [(0, 20, 0.0), (20, 45, 200.0)]
    # 0 | 100 (50 ms) | 200: equally far -> the left note
    x = [0.0] * 20 + [100.0] * 5 + [200.0] * 20
    assert note_segments(x, _times(45), hop_s=HOP_S) == [(0, 25, 0.0), (25, 45, 200.0)]
    # a step of 100 ms is a note (the bound is inclusive)
    x = [0.0] * 20 + [120.0] * 10 + [240.0] * 20
    assert [a for a, _, _ in note_segments(x, _times(50), hop_s=HOP_S)] == [0, 20, 30]


def test_note_segments_merge_the_shortest_step_first_by_hand():
    # 0 (200 ms) | 120 (40 ms) | 260 (70 ms) | 400 (200 ms). Shortest first: 120 joins 0
    # (120 < 140 cents away); then 260 is 260 from 0 and 140 from 400 -> joins 400.
    # (Left to right, 260 would meet the 120-step first and tie 140 / 140.)
    x = [0.0] * 20 + [120.0] * 4 + [260.0] * 7 + [400.0] * 20
    assert note_segments(x, _times(51), hop_s=HOP_S) == [(0, 24, 0.0), (24, 51, 400.0)]


def test_note_segments_absorb_drift_closest_pair_first_by_hand():
    # band 30: 0 | 45 | 80 are three long steps; gaps 45 and 35 cents, both < 50:
    # 45 and 80 join first (median 62.5), then 0 -> 62.5 is >= 50 and stays.
    x = [0.0] * 20 + [45.0] * 20 + [80.0] * 20
    notes = note_segments(x, _times(60), hop_s=HOP_S, band_cents=30.0)
    assert notes == [(0, 20, 0.0), (20, 60, 62.5)]
    two = [0.0] * 20 + [45.0] * 20
    assert note_segments(two, _times(40), hop_s=HOP_S, band_cents=30.0) == [(0, 40, 22.5)]
    kept = note_segments(two, _times(40), hop_s=HOP_S, band_cents=30.0, min_interval_cents=40.0)
    assert kept == [(0, 20, 0.0), (20, 40, 45.0)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 25), st.floats(-400, 400)), min_size=1, max_size=12),
    st.floats(0.0, 0.2),
    st.floats(0.0, 120.0),
)
def test_note_segments_cover_the_run_with_long_distinct_notes(runs, min_note_s, min_interval):
    x = np.concatenate([np.full(n, v) for n, v in runs])
    t = _times(x.size)
    notes = note_segments(x, t, hop_s=HOP_S, min_note_s=min_note_s, min_interval_cents=min_interval)
    assert notes[0][0] == 0 and notes[-1][1] == x.size
    assert all(b == a2 for (_, b, _), (a2, _, _) in zip(notes, notes[1:]))
    for a, b, pitch in notes:
        assert pitch == np.median(x[a:b])
        if len(notes) > 1:  # a lone note may be as short as the run
            assert (b - a) * HOP_S >= min_note_s - 1e-9
    gaps = np.abs(np.diff([p for _, _, p in notes]))
    assert np.all(gaps >= min_interval) and np.all(gaps > 0)


def test_notes_mode_reads_a_wide_vibrato_note_as_one_note():
    t = _times(60)
    wobble = 60.0 * np.sin(2 * np.pi * 6.0 * t)  # 6 Hz, 120 cents peak to peak: wider than the band
    x = np.concatenate([2400.0 + wobble, 2700.0 + wobble, 2500.0 + wobble])
    (notes,) = simplify(*_track(x), min_phrase_tokens=1, **NOTES)
    assert notes.tokens.tolist() == [4, -4]  # +300, -200 cents: one token per note change
    np.testing.assert_allclose(notes.pitches_cents, [2400.0, 2700.0, 2500.0], atol=15.0)
    (paper,) = simplify(*_track(x), min_phrase_tokens=1)
    assert paper.tokens.size > 4  # the paper's reading tokenises the half cycles


def test_notes_mode_absorbs_a_drift_within_a_note():
    drift = np.linspace(2400.0, 2490.0, 60)  # a held note sagging up by 90 cents in 0.6 s
    x = np.concatenate([drift, np.full(40, 2800.0)])
    (notes,) = simplify(*_track(x), min_phrase_tokens=1, **NOTES)
    assert notes.tokens.tolist() == [4]
    (paper,) = simplify(*_track(x), min_phrase_tokens=1)
    assert paper.tokens.size == 2  # the drift crosses the 66-cent band: a spurious +1


def test_notes_mode_every_step_is_a_note():
    rng = np.random.default_rng(0)
    x = 2400.0 + np.cumsum(rng.normal(0.0, 8.0, 500))  # a wandering voice, 5 s
    phrases = simplify(*_track(x), min_phrase_tokens=1, **NOTES)
    steps = np.concatenate([p.steps for p in phrases])
    assert np.all(steps[:, 1] - steps[:, 0] >= 0.1 - 1e-9)
    gaps = np.concatenate([np.abs(np.diff(p.pitches_cents)) for p in phrases])
    assert np.all(gaps >= 50.0)


def test_config_accepts_the_notes_reading():
    from motivic.core.config import load_config

    config = load_config("config.yaml")
    config["contour"].update(NOTES)
    validate_config(config)
    config["contour"]["min_interval_cents"] = -1.0
    with pytest.raises(MotivicError, match="min_interval_cents"):
        validate_config(config)


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
