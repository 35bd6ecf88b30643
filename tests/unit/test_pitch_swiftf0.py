"""Tests of motivic.pitch.swiftf0: the hop-grid mapping, tones, timing, voicing, real singing."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from motivic.core.errors import MotivicError
from motivic.pitch import evaluate_pitch, extract_pitch, load_pitch_csv, swiftf0
from motivic.pitch.swiftf0 import FRAME_PERIOD_S, to_hop_grid

SR = 44100
HOP = 256

needs_swiftf0 = pytest.mark.skipif(
    importlib.util.find_spec("swift_f0") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="swift-f0 or onnxruntime not installed (pip install -e '.[swiftf0]')",
)


def _harmonic(f0_hz, *, seconds=1.0, sr=SR, n_partials=6, amplitude=0.3):
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=float), (int(seconds * sr),))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    return (amplitude * sum(np.sin(k * phase) / k for k in range(1, n_partials + 1))).astype(
        np.float32
    )


def _cents(a, b):
    return 1200 * np.log2(np.asarray(a) / np.asarray(b))


# --------------------------------------------------------------------------- hop grid


def test_hop_grid_interpolates_in_cents():
    """Frames at 0, 16, 32 ms with 100, 200, 400 Hz; a quarter of the way from 100 to 200 Hz in
    cents is 100 * 2**0.25 Hz; times past the last frame hold it."""
    pitch = np.array([100.0, 200.0, 400.0])
    times = np.array([0.0, 0.004, 0.008, 0.016, 0.024, 0.040])
    f0, guess = to_hop_grid(pitch, np.ones(3, dtype=bool), times, frame_period_s=0.016)
    expected = [100.0, 100 * 2**0.25, 100 * 2**0.5, 200.0, 200 * 2**0.5, 400.0]
    np.testing.assert_allclose(f0, expected, rtol=1e-12)
    np.testing.assert_allclose(guess, expected, rtol=1e-12)


def test_hop_grid_takes_voicing_from_the_nearest_frame_and_holds_voiced_pitch():
    """Frame 1 (1000 Hz) is unvoiced. u = t / 16 ms: 0.25 and 0.5 are nearest frame 0 (ties go
    to the earlier frame) and keep its 100 Hz, not a pitch towards the unvoiced 1000 Hz; 0.75
    and 1.25 are nearest frame 1, unvoiced; 1.75 is nearest frame 2 and holds its 400 Hz. The
    guesses interpolate every frame: 100 * 10**0.75 Hz at 0.75, 1000 * 0.4**0.25 Hz at 1.25."""
    pitch = np.array([100.0, 1000.0, 400.0, 400.0])
    voiced = np.array([True, False, True, True])
    times = np.array([0.25, 0.5, 0.75, 1.25, 1.75]) * 0.016
    f0, guess = to_hop_grid(pitch, voiced, times, frame_period_s=0.016)
    np.testing.assert_allclose(f0, [100.0, 100.0, 0.0, 0.0, 400.0], rtol=1e-12)
    np.testing.assert_allclose(
        guess, [100.0, 100.0, 100 * 10**0.75, 1000 * 0.4**0.25, 400.0], rtol=1e-12
    )


def _hop_grid_reference(pitch, voiced, times, period):
    """Plain loop over target times, written from the module docstring's rule."""
    f0, guess = [], []
    last = len(pitch) - 1
    for t in times:
        u = min(max(t / period, 0.0), last)
        k = int(np.floor(u))
        k1 = min(k + 1, last)
        w = u - k
        near = k if w <= 0.5 else k1
        c0, c1 = 1200 * np.log2(pitch[k]), 1200 * np.log2(pitch[k1])
        g = 2 ** (((1 - w) * c0 + w * c1) / 1200)
        if voiced[near]:
            v0 = c0 if voiced[k] else c1
            v1 = c1 if voiced[k1] else c0
            value = 2 ** (((1 - w) * v0 + w * v1) / 1200)
            f0.append(value)
            guess.append(value)
        else:
            f0.append(0.0)
            guess.append(g)
    return np.array(f0), np.array(guess)


@settings(max_examples=60, deadline=None)
@given(
    frames=st.integers(1, 12).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, (n,), elements=st.floats(40.0, 2500.0)),
            arrays(np.bool_, (n,)),
        )
    ),
    times=arrays(np.float64, (15,), elements=st.floats(-0.01, 0.25)),
)
def test_hop_grid_matches_the_reference_and_keeps_voiced_pitch_between_voiced_frames(frames, times):
    pitch, voiced = frames
    f0, guess = to_hop_grid(pitch, voiced, times, frame_period_s=FRAME_PERIOD_S)
    ref_f0, ref_guess = _hop_grid_reference(pitch, voiced, times, FRAME_PERIOD_S)
    np.testing.assert_allclose(f0, ref_f0, rtol=1e-9)
    np.testing.assert_allclose(guess, ref_guess, rtol=1e-9)
    if voiced.any():
        lo, hi = pitch[voiced].min(), pitch[voiced].max()
        on = f0 > 0
        assert np.all(f0[on] >= lo * (1 - 1e-9)) and np.all(f0[on] <= hi * (1 + 1e-9))
    assert np.all(guess > 0)


@pytest.mark.parametrize(
    "pitch, voiced, match",
    [
        (np.array([]), np.array([], dtype=bool), "non-empty"),
        (np.array([100.0, 200.0]), np.array([True]), "equal"),
        (np.array([100.0, 0.0]), np.array([True, False]), "positive"),
        (np.array([100.0, np.nan]), np.array([True, False]), "finite"),
    ],
)
def test_hop_grid_rejects_bad_inputs(pitch, voiced, match):
    with pytest.raises(MotivicError, match=match):
        to_hop_grid(pitch, voiced, np.array([0.0]))


# --------------------------------------------------------------------------- tracking


@needs_swiftf0
@pytest.mark.parametrize("f0_hz", [110.0, 233.08, 587.33])
def test_steady_harmonic_tone_comes_back_within_20_cents(f0_hz):
    y = _harmonic(f0_hz)
    track = extract_pitch(y, sr=SR, hop_length=HOP, method="swiftf0")
    assert len(track.times_s) == 1 + len(y) // HOP
    np.testing.assert_allclose(np.diff(track.times_s), HOP / SR)
    inner = (track.times_s > 0.05) & (track.times_s < 0.95)
    assert track.voiced[inner].all()
    assert np.max(np.abs(_cents(track.f0_hz[inner], f0_hz))) <= 20.0


@needs_swiftf0
@pytest.mark.parametrize("before_hz, after_hz", [(220.0, 330.0), (330.0, 220.0)])
def test_frequency_step_shows_up_at_its_time_on_the_hop_grid(before_hz, after_hz):
    """A step at t0, placed at four phases of the 16 ms SwiftF0 frame: the first voiced pipeline
    frame past the geometric mean is within 1.5 SwiftF0 frames of t0. (The model itself
    switches asymmetrically, upward steps a little early and downward ones late, so a single
    step cannot pin the grid closer; the glide test below does.)"""
    middle = np.sqrt(before_hz * after_hz)
    for t0 in 0.6 + 0.004 * np.arange(4):
        f0 = np.where(np.arange(int(1.2 * SR)) < round(t0 * SR), before_hz, after_hz)
        track = extract_pitch(_harmonic(f0, seconds=1.2), sr=SR, hop_length=HOP, method="swiftf0")
        np.testing.assert_allclose(np.diff(track.times_s), HOP / SR)
        moved = (track.f0_hz > middle) if after_hz > before_hz else (track.f0_hz < middle)
        change_s = track.times_s[track.voiced & moved & (track.times_s > 0.3)][0]
        assert abs(change_s - t0) <= 1.5 * FRAME_PERIOD_S, (t0, change_s)


@needs_swiftf0
def test_glides_up_and_down_show_no_lag_on_the_hop_grid():
    """Exponential glides of 2400 cents/s, up and down, through 200 Hz: a timing error of d
    seconds biases the median cents error by +2400 d going up and -2400 d going down, so half
    their difference over 2400 estimates d (a frame-centring error would give 8 ms, and the
    interpolation must stay within 20 cents of the glide)."""
    rate = 2400.0
    t = np.arange(SR) / SR
    medians = []
    for sign in (1.0, -1.0):
        track = extract_pitch(
            _harmonic(200.0 * 2 ** (sign * rate * (t - 0.5) / 1200)), sr=SR, method="swiftf0"
        )
        truth = 200.0 * 2 ** (sign * rate * (track.times_s - 0.5) / 1200)
        inner = (track.times_s > 0.1) & (track.times_s < 0.9)
        assert track.voiced[inner].all()
        errors = _cents(track.f0_hz[inner], truth[inner])
        assert np.max(np.abs(errors)) <= 20.0
        medians.append(np.median(errors))
    lag_s = (medians[0] - medians[1]) / (2 * rate)
    assert abs(lag_s) <= 0.002, lag_s


@needs_swiftf0
def test_silence_and_noise_are_unvoiced(rng):
    quiet = (1e-5 * rng.standard_normal(SR // 2)).astype(np.float32)  # -100 dBFS noise
    noise = (0.1 * rng.standard_normal(SR // 2)).astype(np.float32)
    for y in (np.zeros(SR // 2, dtype=np.float32), quiet, noise):
        track = extract_pitch(y, sr=SR, method="swiftf0")
        assert len(track.times_s) > 50 and not track.voiced.any()


@needs_swiftf0
def test_a_quiet_recording_is_scaled_before_detection():
    """The model does not normalise the level: a -50 dBFS tone is scaled up first (its package
    asks for recordings below about -35 dBFS to be scaled) and comes back voiced."""
    y = _harmonic(220.0) * np.float32(10 ** (-50 / 20) / 0.3)
    assert np.abs(y).max() < swiftf0.QUIET_PEAK
    track = extract_pitch(y, sr=SR, method="swiftf0")
    inner = (track.times_s > 0.05) & (track.times_s < 0.95)
    assert track.voiced[inner].mean() > 0.9
    assert np.max(np.abs(_cents(track.f0_hz[inner & track.voiced], 220.0))) <= 20.0


@needs_swiftf0
def test_the_frequency_range_is_respected():
    """A 60 Hz tone lies below fmin_hz = 80: unvoiced; with fmin_hz = 50 it is found."""
    y = _harmonic(60.0)
    assert not extract_pitch(y, sr=SR, method="swiftf0", fmin_hz=80.0).voiced.any()
    track = extract_pitch(y, sr=SR, method="swiftf0", fmin_hz=50.0)
    inner = (track.times_s > 0.05) & (track.times_s < 0.95)
    assert track.voiced[inner].mean() > 0.9


@needs_swiftf0
def test_unvoiced_guesses_keep_the_voiced_track_and_give_every_frame_a_pitch():
    y = np.concatenate([_harmonic(220.0, seconds=0.5), np.zeros(SR // 2, dtype=np.float32)])
    band = {"sr": SR, "hop_length": HOP, "fmin_hz": 80.0, "fmax_hz": 1000.0}
    f0, guess = swiftf0.swiftf0_f0(y, with_guess=True, **band)
    track = extract_pitch(y, method="swiftf0", **band)
    np.testing.assert_array_equal(f0, track.f0_hz)
    assert track.voiced.any() and not track.voiced.all()
    np.testing.assert_array_equal(guess[track.voiced], f0[track.voiced])
    assert (guess > 0).all()


@needs_swiftf0
def test_a_lower_confidence_threshold_never_voices_fewer_frames():
    y = np.concatenate([_harmonic(220.0, seconds=0.5), 0.05 * _harmonic(300.0, seconds=0.5)])
    voiced = [
        extract_pitch(y, sr=SR, method="swiftf0", swiftf0_confidence_threshold=t).voiced
        for t in (0.0, 0.5, 0.99)
    ]
    assert voiced[0].all()
    assert np.all(voiced[1] <= voiced[0]) and np.all(voiced[2] <= voiced[1])


def test_missing_package_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "swift_f0", None)  # import swift_f0 raises ImportError
    with pytest.raises(
        MotivicError, match=r"swift-f0.*pip install 'swift-f0\[audio\]==0.3.0' onnxruntime"
    ):
        extract_pitch(np.zeros(4096, dtype=np.float32), sr=SR, method="swiftf0")


@needs_swiftf0
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"swiftf0_confidence_threshold": 1.5}, "swiftf0_confidence_threshold"),
        ({"threads": 0}, "threads"),
        ({"fmin_hz": 2500.0, "fmax_hz": 3000.0}, "SwiftF0's range"),
        ({"fmin_hz": 200.0, "fmax_hz": 201.0}, "fmin_hz=200.0, fmax_hz=201.0"),
    ],
)
def test_extract_pitch_rejects_bad_swiftf0_options(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        extract_pitch(np.zeros(4096, dtype=np.float32), sr=SR, method="swiftf0", **kwargs)


# --------------------------------------------------------------------------- real singing

REAL = Path(
    os.environ.get(
        "MOTIVIC_REAL_SINGING",
        Path(__file__).resolve().parents[2] / "../shared/data/real-singing-f0",
    )
)


@needs_swiftf0
@pytest.mark.skipif(
    not (REAL / "metadata.csv").is_file(),
    reason=f"real-singing references not found at {REAL} (set MOTIVIC_REAL_SINGING)",
)
def test_on_real_singing_references():
    """SwiftF0 on the four shared real-singing files, the pipeline's grid (44.1 kHz, hop 256).

    The issue's goal as a floor: mean raw pitch accuracy with voicing ignored >= 0.95 (measured
    2026-12-06: 0.991, 0.944, 0.985, 0.937; with voicing 0.971, 0.921, 0.967, 0.875;
    benchmarks/bench_pitch_real.py, docs/method.md). No option was tuned to these files.
    """
    from motivic.core.audio import load_audio

    rpa, guess_rpa, recall = [], [], []
    for name in (
        "vocadito_1",
        "yoruba_ise-agbe",
        "irish_fields-of-athenry",
        "marathi_maajhe-maahera-pandhari",
    ):
        y = load_audio(next((REAL / "audio").glob(f"{name}.*")), sr=SR)
        track, guess = extract_pitch(y, sr=SR, hop_length=HOP, method="swiftf0", with_guess=True)
        reference = load_pitch_csv(REAL / "f0" / f"{name}.csv")
        scores = evaluate_pitch(reference, track)
        rpa.append(scores["raw_pitch_accuracy"])
        recall.append(scores["voicing_recall"])
        guess_rpa.append(evaluate_pitch(reference, guess)["raw_pitch_accuracy"])
    assert np.mean(guess_rpa) >= 0.95 and min(guess_rpa) >= 0.9, guess_rpa
    assert np.mean(rpa) >= 0.9 and min(rpa) >= 0.85, rpa
    assert min(recall) >= 0.85, recall
