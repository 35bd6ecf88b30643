"""Motif coherence (motivic/mining/coherence.py): banded DTW, contours, random windows, scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.mining import dictionary_coherence, motif_coherence
from motivic.mining.coherence import dtw_distances, random_windows, window_contours

HOP_S = 0.01


def _reference_dtw(a, b, band=None):
    """Textbook double-loop DTW (Sakoe & Chiba 1978), |a_i - b_j| cost, (n + m) / 2 norm."""
    n, m = len(a), len(b)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if band is not None and abs(i - j) > band:
                continue
            acc[i, j] = abs(a[i - 1] - b[j - 1]) + min(
                acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]
            )
    return acc[n, m] / ((n + m) / 2)


values = st.floats(-1200, 1200, allow_nan=False, width=32)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 12),
    m=st.integers(1, 12),
    pairs=st.integers(1, 3),
    band=st.one_of(st.none(), st.integers(0, 12)),
)
def test_dtw_agrees_with_the_double_loop(data, n, m, pairs, band):
    a = np.array(
        data.draw(
            st.lists(st.lists(values, min_size=n, max_size=n), min_size=pairs, max_size=pairs)
        )
    )
    b = np.array(
        data.draw(
            st.lists(st.lists(values, min_size=m, max_size=m), min_size=pairs, max_size=pairs)
        )
    )
    got = dtw_distances(a, b, band=band)
    want = [_reference_dtw(x, y, band) for x, y in zip(a, b)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_dtw_by_hand():
    # a one-frame delay costs nothing with warping, and the band forbids it at 0
    a = np.array([[0.0, 0.0, 100.0, 100.0]])
    b = np.array([[0.0, 100.0, 100.0, 100.0]])
    assert dtw_distances(a, b)[0] == 0.0
    assert dtw_distances(a, b, band=0)[0] == pytest.approx(100 / 4)  # the unwarped mean |a - b|
    assert np.isinf(dtw_distances(np.zeros((1, 2)), np.zeros((1, 5)), band=2)[0])


@pytest.mark.parametrize(
    ("a", "b", "band", "match"),
    [
        (np.zeros(3), np.zeros((1, 3)), None, "pairs"),
        (np.zeros((2, 3)), np.zeros((1, 3)), None, "pairs"),
        (np.zeros((1, 0)), np.zeros((1, 3)), None, "one point"),
        (np.zeros((1, 3)), np.zeros((1, 3)), -1, "band"),
    ],
)
def test_dtw_rejects_bad_arguments(a, b, band, match):
    with pytest.raises(MotivicError, match=match):
        dtw_distances(a, b, band=band)


def _track(cents):
    cents = np.asarray(cents, dtype=float)
    f0 = np.where(np.isfinite(cents), 440.0 * 2 ** (np.nan_to_num(cents) / 1200), 0.0)
    return np.arange(cents.size) * HOP_S, f0


def test_window_contours_are_median_centred_and_transposition_free():
    rise = np.linspace(0, 400, 50)
    t, f0 = _track(np.concatenate([rise, rise + 700, [np.nan] * 10]))
    c = window_contours(t, f0, np.array([0.0, 0.5, 1.0]), np.array([0.5, 1.0, 1.1]), n_points=20)
    np.testing.assert_allclose(np.median(c[:2], axis=1), 0.0, atol=1e-9)
    np.testing.assert_allclose(c[0], c[1], atol=1e-6)  # same shape 700 cents higher
    assert np.ptp(c[0]) == pytest.approx(400 * 49 / 50, rel=0.05)
    assert np.isnan(c[2]).all()  # unvoiced window
    with pytest.raises(MotivicError, match="n_points"):
        window_contours(t, f0, np.array([0.0]), np.array([0.5]), n_points=1)


def test_random_windows_are_mostly_voiced_seeded_and_nan_when_too_long():
    voiced = np.r_[np.zeros(20), np.ones(100), np.zeros(30), np.ones(40), np.zeros(10)]
    t, f0 = _track(np.where(voiced > 0, 0.0, np.nan))
    durations = np.full(200, 0.5)
    starts = random_windows(t, f0, durations, np.random.default_rng(1))
    frames = np.rint(starts / HOP_S).astype(int)
    assert np.all(voiced[frames] > 0) and np.all(voiced[frames + 49] > 0)
    shares = np.array([voiced[s : s + 50].mean() for s in frames])
    assert shares.min() >= 0.8
    np.testing.assert_array_equal(
        starts, random_windows(t, f0, durations, np.random.default_rng(1))
    )
    assert np.isnan(random_windows(t, f0, np.array([2.5]), np.random.default_rng(1))).all()
    # 1.5-s windows bridge the 30-frame gap with 120 of 150 frames voiced: 0.8, not 0.9
    assert np.isfinite(random_windows(t, f0, np.full(20, 1.5), np.random.default_rng(1))).all()
    strict = random_windows(t, f0, np.array([1.5]), np.random.default_rng(1), min_voiced_share=0.9)
    assert np.isnan(strict).all()


def _motif_song(rng, *, motif, n_repeats, filler_notes=8, note_frames=15):
    """Phrases of filler notes with a fixed motif (cents offsets) at a random transposition."""
    cents, spans, t = [], [], 0
    for _ in range(n_repeats):
        filler = np.repeat(rng.uniform(-600, 600, filler_notes), note_frames)
        notes = np.repeat(np.asarray(motif) + rng.uniform(-300, 300), note_frames)
        cents += [filler, notes, np.full(20, np.nan)]
        start = t + filler.size
        spans.append((start * HOP_S, (start + notes.size) * HOP_S))
        t = start + notes.size + 20
    vibrato = 30 * np.sin(2 * np.pi * 6 * np.arange(t) * HOP_S)
    return _track(np.concatenate(cents) + vibrato), spans


def test_a_repeated_contour_is_coherent_and_random_spans_are_not(rng):
    (t, f0), spans = _motif_song(rng, motif=[0, 200, 400, 200, 0, -300], n_repeats=6)
    occ = pd.DataFrame(
        {
            "motif_id": "m1",
            "recording": "a",
            "start_s": [a for a, _ in spans],
            "end_s": [b for _, b in spans],
        }
    )
    scores = motif_coherence(occ, {"a": (t, f0)}, rng=rng)
    assert list(scores["motif_id"]) == ["m1"] and scores.loc[0, "n_pairs"] == 15
    assert scores.loc[0, "coherence"] > 0.9
    assert scores.loc[0, "within_cents"] < scores.loc[0, "random_cents"] / 3
    shuffled = occ.assign(start_s=occ["start_s"] - 0.6, end_s=occ["end_s"] - 0.6)  # filler spans
    assert motif_coherence(shuffled, {"a": (t, f0)}, rng=rng).loc[0, "coherence"] < 0.75
    # pairs capped at max_pairs, seeded
    few = motif_coherence(occ, {"a": (t, f0)}, rng=np.random.default_rng(5), max_pairs=4)
    again = motif_coherence(occ, {"a": (t, f0)}, rng=np.random.default_rng(5), max_pairs=4)
    assert few.loc[0, "n_pairs"] == 4
    pd.testing.assert_frame_equal(few, again)
    assert dictionary_coherence(scores) == pytest.approx(scores.loc[0, "coherence"])
    assert np.isnan(dictionary_coherence(scores.iloc[:0]))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"tracks": {}}, "no f0 track"),
        ({"max_pairs": 0}, "max_pairs"),
        ({"band": 2.0}, "band"),
        ({"drop": "end_s"}, "end_s"),
    ],
)
def test_motif_coherence_rejects_bad_arguments(change, match, rng):
    t, f0 = _track(np.zeros(100))
    occ = pd.DataFrame(
        {"motif_id": ["m1", "m1"], "recording": "a", "start_s": [0.0, 0.5], "end_s": [0.4, 0.9]}
    )
    occ = occ.drop(columns=change.pop("drop", []))
    tracks = change.pop("tracks", {"a": (t, f0)})
    with pytest.raises(MotivicError, match=match):
        motif_coherence(occ, tracks, rng=rng, **change)


def test_planted_demo_motifs_score_clearly_above_filler_windows(rng):
    """On synthetic singing (motivic/synth, ground-truth f0), planted motifs against filler."""
    from motivic.corpus.synth import make_motifs, synth_recording

    motifs = make_motifs(seed=7, n_classes=2, motifs_per_class=2)["style1"]
    tracks, planted = {}, []
    for i, singer in enumerate(["singer01", "singer02"]):
        rec = synth_recording(
            seed=i,
            label="style1",
            singer=singer,
            motifs=motifs,
            duration_s=40.0,
            sr=16000,
            n_partials=15,
        )
        tracks[f"r{i}"] = (rec.f0_times_s, rec.f0_hz)
        planted += [(o.motif_id, f"r{i}", o.start_s, o.end_s) for o in rec.occurrences]
    planted = pd.DataFrame(planted, columns=["motif_id", "recording", "start_s", "end_s"])
    # filler "motifs": windows of the planted durations overlapping no planted occurrence and
    # no other filler window
    filler = []
    taken = {rec: grp[["start_s", "end_s"]].to_numpy() for rec, grp in planted.groupby("recording")}
    for row in planted.itertuples():
        times, f0 = tracks[row.recording]
        duration = row.end_s - row.start_s
        for start in random_windows(times, f0, np.full(500, duration), rng):
            spans = taken[row.recording]
            if np.isfinite(start) and not np.any(
                (start < spans[:, 1]) & (start + duration > spans[:, 0])
            ):
                break
        else:
            pytest.fail("no free filler window")
        taken[row.recording] = np.vstack([spans, [start, start + duration]])
        filler.append(("filler_" + row.motif_id, row.recording, start, start + duration))
    filler = pd.DataFrame(filler, columns=planted.columns)
    motif_scores = motif_coherence(planted, tracks, rng=rng)
    filler_scores = motif_coherence(filler, tracks, rng=rng)
    assert len(motif_scores) == len(motifs) and len(filler_scores) == len(motifs)
    assert motif_scores["coherence"].min() > 0.9
    assert filler_scores["coherence"].max() < 0.8
    assert dictionary_coherence(motif_scores) > dictionary_coherence(filler_scores) + 0.3
