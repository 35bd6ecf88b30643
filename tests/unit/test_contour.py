"""Tests for motivic.contour: cents, ε-step approximation, interval classes, phrases, TSV."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.contour import (
    Phrase,
    hz_to_cents,
    interval_class,
    load_phrases,
    simplify,
    step_approximation,
    write_phrases,
)
from motivic.core.errors import MotivicError

HOP_S = 0.01
REF_HZ = 55.0


def _f0_from_cents(cents):
    cents = np.asarray(cents, dtype=float)
    f0 = REF_HZ * 2.0 ** (cents / 1200.0)
    f0[~np.isfinite(cents)] = 0.0
    return f0


def _notes(levels_cents, *, note_s=0.2):
    n = round(note_s / HOP_S)
    return np.repeat(np.asarray(levels_cents, dtype=float), n)


def _track(cents):
    cents = np.asarray(cents, dtype=float)
    return np.arange(cents.size) * HOP_S, _f0_from_cents(cents)


BASE = 2400.0  # cents above 55 Hz (220 Hz)
MELODY = BASE + np.array([0.0, 100.0, 300.0, 600.0, 500.0, 300.0])


# --------------------------------------------------------------------------- primitives


def test_hz_to_cents_values_and_unvoiced():
    out = hz_to_cents([110.0, 55.0, 0.0, -1.0, np.nan, 27.5])
    np.testing.assert_allclose(out[[0, 1, 5]], [1200.0, 0.0, -1200.0])
    assert np.isnan(out[2:5]).all()
    np.testing.assert_allclose(hz_to_cents([440.0], reference_hz=440.0), [0.0])


@pytest.mark.parametrize(
    ("d", "cls"),
    [
        (1, 1),
        (66, 1),
        (66.5, 2),
        (67, 2),
        (132, 2),
        (133, 3),
        (198, 3),
        (199, 4),
        (2000, 4),
        (-66, -1),
        (-67, -2),
        (-133, -3),
        (-199, -4),
        (0, 0),
    ],
)
def test_interval_class_paper_boundaries(d, cls):
    assert interval_class(d, epsilon=66.0) == cls


def test_interval_class_is_vectorised_and_scales_with_epsilon():
    d = np.array([[10.0, -60.0], [150.0, -350.0]])
    out = interval_class(d, epsilon=50.0)
    assert out.shape == (2, 2) and out.dtype == np.int8
    assert out.tolist() == [[1, -2], [3, -4]]


def _feasible(x, eps):
    return len(x) == 0 or max(x) - min(x) <= eps


def _exhaustive_min_steps(x, eps):
    """Fewest steps over all 2**(n-1) segmentations of x into consecutive steps."""
    n = len(x)
    best = n
    for cuts in itertools.product([False, True], repeat=n - 1):
        bounds = [0] + [i + 1 for i, c in enumerate(cuts) if c] + [n]
        if all(_feasible(x[a:b], eps) for a, b in itertools.pairwise(bounds)):
            best = min(best, len(bounds) - 1)
    return best


_values = st.lists(
    st.floats(-300, 300, allow_nan=False).map(lambda v: round(v, 1)), min_size=1, max_size=9
)


@settings(max_examples=150, deadline=None)
@given(x=_values, eps=st.sampled_from([20.0, 66.0, 100.0]))
def test_step_approximation_is_minimal_vs_exhaustive(x, eps):
    steps = step_approximation(x, epsilon=eps)
    assert len(steps) == _exhaustive_min_steps(x, eps)


@settings(max_examples=150, deadline=None)
@given(
    x=st.lists(st.floats(-2000, 2000, allow_nan=False), min_size=1, max_size=200),
    eps=st.floats(1.0, 200.0),
)
def test_step_approximation_band_property(x, eps):
    x = np.asarray(x)
    steps = step_approximation(x, epsilon=eps)
    assert steps[0][0] == 0 and steps[-1][1] == x.size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(steps))
    for start, end, level in steps:
        assert end > start
        assert np.all(np.abs(x[start:end] - level) <= eps / 2 + 1e-9)
    levels = [s[2] for s in steps]
    assert all(a != b for a, b in itertools.pairwise(levels))


def _sse(x, bounds):
    pairs = itertools.pairwise(bounds)
    return sum(float(np.sum((x[a:b] - np.mean(x[a:b])) ** 2)) for a, b in pairs)


def _exhaustive_least_squares(x, eps):
    """(fewest steps, least squared error among them) over all segmentations of x."""
    n = len(x)
    best = (n + 1, np.inf)
    for cuts in itertools.product([False, True], repeat=n - 1):
        bounds = [0] + [i + 1 for i, c in enumerate(cuts) if c] + [n]
        if all(_feasible(x[a:b], eps) for a, b in itertools.pairwise(bounds)):
            best = min(best, (len(bounds) - 1, _sse(np.asarray(x), bounds)))
    return best


@settings(max_examples=150, deadline=None)
@given(x=_values, eps=st.sampled_from([20.0, 66.0, 100.0]))
def test_least_squares_tie_break_is_optimal_vs_exhaustive(x, eps):
    steps = step_approximation(x, epsilon=eps, tie_break="least_squares")
    n_best, sse_best = _exhaustive_least_squares(x, eps)
    bounds = [s[0] for s in steps] + [len(x)]
    assert len(steps) == n_best
    assert _sse(np.asarray(x), bounds) == pytest.approx(sse_best, abs=1e-6)
    assert len(step_approximation(x, epsilon=eps, tie_break="greedy")) == n_best


def _reference_least_squares(x, eps):
    """Plain O(n^2) DP over prefixes of (fewest steps, least squared error)."""
    x = np.asarray(x, dtype=float)
    best = [(0, 0.0)] + [(np.inf, np.inf)] * len(x)
    for j in range(1, len(x) + 1):
        for i in range(j):
            if _feasible(x[i:j], eps) and best[i][0] < np.inf:
                seg = x[i:j]
                cand = (best[i][0] + 1, best[i][1] + float(np.sum((seg - seg.mean()) ** 2)))
                if cand[0] < best[j][0] or (cand[0] == best[j][0] and cand[1] < best[j][1] - 1e-9):
                    best[j] = cand
    return best[-1]


@settings(max_examples=60, deadline=None)
@given(
    deltas=st.lists(st.floats(-45, 45, allow_nan=False), min_size=1, max_size=120),
    eps=st.sampled_from([20.0, 66.0, 100.0]),
)
def test_windowed_least_squares_agrees_with_prefix_dp(deltas, eps):
    x = np.round(np.cumsum(deltas), 1)
    steps = step_approximation(x, epsilon=eps)
    n_ref, sse_ref = _reference_least_squares(x, eps)
    assert len(steps) == n_ref
    assert _sse(x, [a for a, _, _ in steps] + [x.size]) == pytest.approx(sse_ref, abs=1e-6)
    for a, b, level in steps:
        assert np.all(np.abs(x[a:b] - level) <= eps / 2 + 1e-9)


def test_least_squares_keeps_a_held_note_whole_after_a_transition():
    # Melodia f0 (10-cent resolution) around a -165-cent note change, then +100 cents:
    # the greedy band [1750, 1820] takes the transition frames and cuts the held note.
    held = [1760.0] * 12 + [1750.0] * 24 + [1760.0] * 2
    x = [1920.0] * 8 + [1910, 1890, 1860, 1820, 1790, 1770] + held
    x += [1780, 1790, 1810, 1830, 1840] + [1850.0] * 10
    t, f0 = _track(x)
    (greedy,) = simplify(t, f0, min_phrase_tokens=1, min_step_s=0.03, tie_break="greedy")
    (lsq,) = simplify(t, f0, min_phrase_tokens=1, min_step_s=0.03)
    assert greedy.tokens.tolist() == [-3, -1, 2]  # the held note split in two steps
    assert lsq.tokens.tolist() == [-3, 2]
    assert lsq.pitches_cents.tolist() == [1920.0, 1750.0, 1850.0]


def test_step_approximation_rejects_nan_and_bad_epsilon():
    with pytest.raises(MotivicError, match="finite"):
        step_approximation([0.0, np.nan])
    with pytest.raises(MotivicError, match="epsilon"):
        step_approximation([0.0], epsilon=0.0)
    with pytest.raises(MotivicError, match="tie_break"):
        step_approximation([0.0], tie_break="median")
    assert step_approximation([]) == []


# --------------------------------------------------------------------------- simplify


def test_simplify_held_note_has_no_tokens():
    t = np.arange(200) * HOP_S
    cents = BASE + 20.0 * np.sin(2 * np.pi * 5.0 * t)  # ±20-cent vibrato
    assert len(step_approximation(cents)) == 1
    assert simplify(t, _f0_from_cents(cents), min_phrase_tokens=1) == []


def test_simplify_rising_glide_is_monotonic_staircase():
    cents = np.linspace(BASE, BASE + 1200.0, 200)  # one octave in 2 s
    (greedy,) = simplify(*_track(cents), min_phrase_tokens=1, tie_break="greedy")
    (phrase,) = simplify(*_track(cents), min_phrase_tokens=1)
    assert np.all(np.diff(phrase.levels_cents) > 0)
    # both have the fewest raw steps (greedy's last one is short and absorbed)
    assert len(step_approximation(cents)) == len(step_approximation(cents, tie_break="greedy"))
    assert abs(phrase.tokens.size - greedy.tokens.size) <= 1
    # least squares spreads the slack over the steps: levels ~ε apart, classes 1 or 2
    assert set(phrase.tokens.tolist()) <= {1, 2}


def test_simplify_rising_glide_greedy_staircase():
    cents = np.linspace(BASE, BASE + 1200.0, 200)  # one octave in 2 s
    per_frame = 1200.0 / 199
    (phrase,) = simplify(*_track(cents), min_phrase_tokens=1, tie_break="greedy")
    assert np.all(np.diff(phrase.levels_cents) > 0)
    assert 1200 / 66 - 2 <= phrase.tokens.size <= 1200 / 66 + 1
    # each greedy step spans at most ε and the next starts one frame higher, so on a
    # sampled glide consecutive levels differ by ε + one frame increment: class 2
    d = np.diff(phrase.levels_cents)
    assert np.all((d > 66.0) & (d <= 66.0 + 2 * per_frame))
    assert set(phrase.tokens.tolist()) == {2}


def test_simplify_note_jumps_give_paper_classes():
    (phrase,) = simplify(*_track(_notes(MELODY)), min_phrase_tokens=1)
    assert phrase.tokens.tolist() == [2, 4, 4, -2, -4]  # +100, +200, +300, -100, -200
    np.testing.assert_allclose(phrase.levels_cents, MELODY)
    np.testing.assert_allclose(phrase.steps[:, 0], np.arange(6) * 0.2, atol=1e-9)
    # token i spans from the start of step i to the end of step i + 1
    np.testing.assert_allclose(phrase.spans[:, 0], phrase.steps[:-1, 0])
    np.testing.assert_allclose(phrase.spans[:, 1], phrase.steps[1:, 1])
    assert phrase.start_s == 0.0 and phrase.end_s == pytest.approx(1.2)


def test_simplify_splits_phrases_at_unvoiced_gaps():
    long_gap = np.full(30, np.nan)  # 0.3 s >= min_gap_s
    short_gap = np.full(5, np.nan)  # 0.05 s: bridged
    two = simplify(*_track(np.r_[_notes(MELODY), long_gap, _notes(MELODY)]))
    assert len(two) == 2
    assert all(p.tokens.tolist() == [2, 4, 4, -2, -4] for p in two)
    assert two[1].start_s == pytest.approx(1.5)
    (one,) = simplify(*_track(np.r_[_notes(MELODY), short_gap, _notes(MELODY)]))
    assert one.tokens.tolist() == [2, 4, 4, -2, -4, -4, 2, 4, 4, -2, -4]


def test_simplify_removes_octave_error_frames():
    clean = _notes(MELODY)
    noisy = clean.copy()
    noisy[65:68] += 1200.0  # three frames one octave up inside the 600-cent note
    (expected,) = simplify(*_track(clean))
    (got,) = simplify(*_track(noisy))
    assert got.tokens.tolist() == expected.tokens.tolist()
    np.testing.assert_allclose(got.steps, expected.steps)


def test_simplify_splits_phrase_at_jump_between_long_runs():
    low = BASE + np.array([0.0, 100.0, 0.0, 100.0, 0.0, 100.0])
    cents = _notes(np.r_[low, low + 1400.0])
    phrases = simplify(*_track(cents))
    assert [p.tokens.tolist() for p in phrases] == [[2, -2, 2, -2, 2]] * 2


def test_simplify_absorbs_short_steps():
    blip = _notes(MELODY)
    blip[70:72] += 150.0  # 0.02-s ornament inside the 600-cent note
    (kept,) = simplify(*_track(blip), min_step_s=0.0)
    (absorbed,) = simplify(*_track(blip), min_step_s=0.03)
    assert kept.tokens.size == 7
    assert absorbed.tokens.tolist() == [2, 4, 4, -2, -4]
    assert absorbed.steps[3, 1] - absorbed.steps[3, 0] == pytest.approx(0.2)


_walks = st.lists(st.floats(-40, 40, allow_nan=False), min_size=20, max_size=300)


@settings(max_examples=60, deadline=None)
@given(
    deltas=_walks,
    holes=st.lists(st.integers(0, 299), max_size=20),
    min_step_s=st.sampled_from([0.0, 0.03]),
)
def test_simplify_invariants_on_random_contours(deltas, holes, min_step_s):
    cents = BASE + np.cumsum(deltas)
    cents[[h for h in holes if h < cents.size]] = np.nan
    t, f0 = _track(cents)
    phrases = simplify(t, f0, min_phrase_tokens=1, min_step_s=min_step_s)
    for p in phrases:
        assert np.all(p.tokens != 0) and np.all(np.abs(p.tokens) <= 4)
        d = np.diff(p.pitches_cents)
        same = d == 0
        assert p.tokens[~same].tolist() == interval_class(d[~same]).tolist()
        assert np.all(np.sign(p.tokens[same]) == np.sign(np.diff(p.levels_cents)[same]))
        # a step's pitch (median of its core frames) lies inside the step's band
        assert np.all(np.abs(p.pitches_cents - p.levels_cents) <= 33.0 + 1e-6)
        assert np.all(p.steps[:, 1] > p.steps[:, 0])
        assert np.all(p.steps[1:, 0] >= p.steps[:-1, 1] - 1e-9)
        np.testing.assert_array_equal(p.spans, np.c_[p.steps[:-1, 0], p.steps[1:, 1]])
        if min_step_s == 0.0:  # no absorption: every voiced frame is within the band
            for start, end, level, _pitch in p.steps:
                inside = (t >= start - 1e-9) & (t < end - 1e-9) & np.isfinite(cents)
                assert np.all(np.abs(cents[inside] - level) <= 33.0 + 1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": float("nan")}, "epsilon"),
        ({"min_gap_s": -0.1}, "min_gap_s"),
        ({"max_jump_cents": 0.0}, "max_jump_cents"),
        ({"min_step_s": -1.0}, "min_step_s"),
        ({"min_phrase_tokens": 0}, "min_phrase_tokens"),
        ({"reference_hz": 0.0}, "reference_hz"),
        ({"tie_break": "first"}, "tie_break"),
    ],
)
def test_simplify_rejects_bad_parameters(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        simplify(*_track(_notes(MELODY)), **kwargs)


def test_simplify_rejects_bad_times():
    t, f0 = _track(_notes(MELODY))
    with pytest.raises(MotivicError, match="times_s"):
        simplify(t[:-1], f0)
    with pytest.raises(MotivicError, match="increasing"):
        simplify(t[::-1], f0)


# --------------------------------------------------------------------------- TSV


def test_write_load_phrases_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    cents = BASE + np.cumsum(rng.normal(0, 15, 800))
    cents[300:340] = np.nan
    phrases = simplify(*_track(cents), epsilon=50.0, min_phrase_tokens=2)
    assert len(phrases) == 2
    write_phrases(phrases, tmp_path / "p.tsv")
    loaded = load_phrases(tmp_path / "p.tsv")
    assert len(loaded) == len(phrases)
    for a, b in zip(phrases, loaded):
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.tokens, b.tokens)
        np.testing.assert_array_equal(a.spans, b.spans)
        assert b.epsilon == 50.0
    write_phrases([], tmp_path / "empty.tsv")
    assert load_phrases(tmp_path / "empty.tsv") == []


@pytest.mark.parametrize(
    "text",
    [
        "phrase\tstep\tstart_s\tend_s\n0\t0\t0.0\t1.0\n",
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tepsilon\n0\t0\t0.0\tx\t5.0\t66.0\n",
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tepsilon\n0\t1\t0.0\t1.0\t5.0\t66.0\n",
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tepsilon\n1\t0\t0.0\t1.0\t5.0\t66.0\n",
        "phrase\tstep\tstart_s\tend_s\tlevel_cents\tepsilon\n0\t0\t1.0\t1.0\t5.0\t66.0\n",
        "",
    ],
)
def test_load_phrases_rejects_malformed_files(tmp_path, text):
    path = tmp_path / "bad_phrases.tsv"
    path.write_text(text)
    with pytest.raises(MotivicError, match="bad_phrases.tsv"):
        load_phrases(path)


def test_load_phrases_missing_file_names_it(tmp_path):
    with pytest.raises(MotivicError, match="nope.tsv"):
        load_phrases(tmp_path / "nope.tsv")


def test_phrase_from_steps_derives_tokens():
    p = Phrase.from_steps([[0.0, 1.0, 0.0], [1.0, 2.0, 140.0], [2.0, 3.0, 70.0]])
    assert p.tokens.tolist() == [3, -2]
    assert p.spans.tolist() == [[0.0, 2.0], [1.0, 3.0]]


def test_simplify_tokens_survive_smeared_note_changes():
    # Melodia smears each note change over a few frames; the steps on both sides absorb
    # those frames into their bands. Intervals measured between step medians stay right.
    notes = [0.0, 100.0, 265.0, 165.0, 465.0, 365.0]
    frames_per_note, ramp = 40, 5
    parts = []
    for a, b in zip(notes[:-1], notes[1:]):
        parts.append(np.full(frames_per_note, a))
        parts.append(np.linspace(a, b, ramp + 2)[1:-1])
    parts.append(np.full(frames_per_note, notes[-1]))
    cents = BASE + np.concatenate(parts)
    t, f0 = _track(cents)
    (phrase,) = simplify(t, f0, min_phrase_tokens=1, min_step_s=0.04)
    assert phrase.tokens.tolist() == [2, 3, -2, 4, -2]
    # the band centres are pulled by the absorbed ramp frames: 265 -> 165 would read as -1
    assert interval_class(np.diff(phrase.levels_cents)).tolist() != phrase.tokens.tolist()
    np.testing.assert_allclose(phrase.pitches_cents - BASE, notes, atol=1e-6)
