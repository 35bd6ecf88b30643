"""Tests of motivic.pitch: f0 extraction, MIREX files and pitch evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from motivic.core.errors import MotivicError
from motivic.corpus.synth import make_motifs, synth_recording
from motivic.pitch import (
    EVALUATION_METRICS,
    METHOD_OPTIONS,
    METHODS,
    PitchTrack,
    evaluate_pitch,
    evaluation_subset,
    evaluation_table,
    extract_pitch,
    load_pitch_csv,
    write_pitch_csv,
)

SR = 44100
HOP = 256


def _harmonic_notes(notes_hz, *, note_s=0.5, sr=SR, n_partials=8):
    """Harmonic tone sequence with abrupt note changes; returns (y, f0 per sample)."""
    f0 = np.repeat(np.asarray(notes_hz, dtype=float), int(note_s * sr))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, n_partials + 1))
    return (0.3 * y).astype(np.float32), f0


def _cents(a, b):
    return 1200 * np.log2(a / b)


def _steady_errors(track, f0, note_s=0.5):
    """Cents errors on voiced frames at least 30 ms from a note change, and their mask."""
    truth = f0[np.minimum((track.times_s * SR).astype(int), len(f0) - 1)]
    t_in_note = np.mod(track.times_s, note_s)
    steady = (t_in_note > 0.03) & (t_in_note < note_s - 0.03) & (track.times_s < len(f0) / SR)
    ok = steady & track.voiced
    return _cents(track.f0_hz[ok], truth[ok]), steady


@pytest.mark.parametrize("method", ["melodia", "pyin"])
def test_steady_tone_comes_back_within_10_cents(method):
    y, f0 = _harmonic_notes([233.08], note_s=1.0)
    track = extract_pitch(y, sr=SR, method=method)
    errors, steady = _steady_errors(track, f0, note_s=1.0)
    assert track.voiced[steady].mean() > 0.95
    assert np.max(np.abs(errors)) <= 10.0


@pytest.mark.parametrize("method, options", [("melodia", {"voicing_tolerance": 1.4}), ("pyin", {})])
def test_known_note_sequence_comes_back_within_10_cents(method, options):
    """Melodia's voicing is relative to the other contours: on a four-contour toy signal the
    default tolerance drops some notes, so the sequence test keeps every contour."""
    y, f0 = _harmonic_notes([220.0, 261.63, 329.63, 196.0])
    track = extract_pitch(y, sr=SR, method=method, **options)
    errors, steady = _steady_errors(track, f0)
    assert track.voiced[steady].mean() > 0.9
    assert np.max(np.abs(errors)) <= 10.0


@pytest.mark.parametrize("method", ["melodia", "pyin"])
def test_silence_has_no_voiced_frames(method):
    track = extract_pitch(np.zeros(SR // 2, dtype=np.float32), sr=SR, method=method)
    assert len(track.times_s) > 50
    assert not track.voiced.any()


def test_melodia_frame_times_are_frame_centres():
    """A note change at t0 shows up in the frame nearest t0, not half a window later."""
    t0 = 0.6
    y, _f0 = _harmonic_notes([220.0, 330.0], note_s=t0)
    track = extract_pitch(y, sr=SR)
    assert len(track.times_s) == -(-len(y) // HOP) + 1  # ceil(n / hop) + 1 frames
    np.testing.assert_allclose(np.diff(track.times_s), HOP / SR)
    assert track.times_s[0] == 0.0
    ok = track.voiced
    high = ok & (track.f0_hz > np.sqrt(220.0 * 330.0))
    change_s = track.times_s[high][0]
    assert abs(change_s - t0) <= 2 * HOP / SR


def test_melodia_rejects_unsupported_equal_loudness_rate():
    with pytest.raises(MotivicError, match="EqualLoudness"):
        extract_pitch(np.zeros(22050, dtype=np.float32), sr=22050)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"method": "swipe"}, "melodia, pyin, crepe"),
        ({"hop_length": 0}, "hop_length"),
        ({"frame_size": 128}, "frame_size"),
        ({"fmin_hz": 500.0, "fmax_hz": 400.0}, "fmin_hz"),
        ({"voicing_tolerance": 2.0}, "voicing_tolerance"),
    ],
)
def test_extract_pitch_rejects_bad_parameters(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        extract_pitch(np.zeros(4096, dtype=np.float32), sr=SR, **kwargs)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros((2, 100)), "mono"),
        (np.array([]), "empty"),
        (np.array([0.0, np.nan]), "non-finite"),
    ],
)
def test_extract_pitch_rejects_bad_signals(y, match):
    with pytest.raises(MotivicError, match=match):
        extract_pitch(y, sr=SR)


def test_pitch_track_validates_and_reports_voicing():
    track = PitchTrack(np.array([0.0, 0.01, 0.02]), np.array([0.0, 220.0, 0.0]))
    assert track.voiced.tolist() == [False, True, False]
    with pytest.raises(MotivicError, match="equal length"):
        PitchTrack(np.zeros(3), np.zeros(2))
    with pytest.raises(MotivicError, match="increasing"):
        PitchTrack(np.array([0.0, 0.0]), np.zeros(2))
    with pytest.raises(MotivicError, match="f0_hz >= 0"):
        PitchTrack(np.array([0.0, 1.0]), np.array([-1.0, 0.0]))


def test_mirex_round_trip(tmp_path, rng):
    times = np.arange(200) * HOP / SR
    f0 = np.where(rng.random(200) < 0.3, 0.0, rng.uniform(80, 1000, 200))
    path = tmp_path / "track.csv"
    write_pitch_csv(PitchTrack(times, f0), path)
    first = path.read_text().splitlines()[1]
    assert first.count(",") == 1 and len(first.split(",")[0].split(".")[1]) == 6
    back = load_pitch_csv(path)
    np.testing.assert_allclose(back.times_s, times, atol=5e-7)
    np.testing.assert_allclose(back.f0_hz, f0, atol=5e-7)
    np.testing.assert_array_equal(back.voiced, f0 > 0)


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "empty"),
        ("0.0,100.0\n0.01\n", "line 2"),
        ("0.0,100.0\n0.01,abc\n", "line 2"),
        ("0.0,100.0,3\n", "line 1"),
        ("0.0,100.0\n0.0,120.0\n", "increasing"),
        ("0.0,nan\n", "non-finite"),
    ],
)
def test_load_pitch_csv_rejects_malformed_files(tmp_path, text, match):
    path = tmp_path / "broken_f0.csv"
    path.write_text(text)
    with pytest.raises(MotivicError, match=match) as err:
        load_pitch_csv(path)
    assert "broken_f0.csv" in str(err.value)


def test_load_pitch_csv_reports_missing_file(tmp_path):
    with pytest.raises(MotivicError, match="nowhere.csv"):
        load_pitch_csv(tmp_path / "nowhere.csv")


def test_evaluate_pitch_scores_known_errors():
    times = np.arange(100) * 0.01
    f0 = np.where(np.arange(100) < 80, 200.0, 0.0)
    ref = PitchTrack(times, f0)
    perfect = evaluate_pitch(ref, ref)
    assert perfect["raw_pitch_accuracy"] == 1.0 and perfect["voicing_false_alarm"] == 0.0
    assert perfect["overall_accuracy"] == 1.0
    off = evaluate_pitch(ref, PitchTrack(times, f0 * 2 ** (100 / 1200)))  # +100 cents
    assert off["raw_pitch_accuracy"] == 0.0 and off["voicing_recall"] == 1.0
    octave = evaluate_pitch(ref, PitchTrack(times, f0 * 2))
    assert octave["raw_pitch_accuracy"] == 0.0 and octave["raw_chroma_accuracy"] == 1.0
    all_voiced = evaluate_pitch(ref, PitchTrack(times, np.full(100, 200.0)))
    assert all_voiced["voicing_false_alarm"] == 1.0
    # the estimate is resampled onto the reference times
    fine = np.arange(400) * 0.0025
    dense = evaluate_pitch(ref, PitchTrack(fine, np.where(fine < 0.7975, 200.0, 0.0)))
    assert dense["raw_pitch_accuracy"] == 1.0


@pytest.mark.parametrize("seed", [3, 8])
def test_melodia_on_demo_recordings_reaches_90_percent_rpa(seed):
    """Acceptance: Melodia (workflow settings) vs the synthesiser's ground truth."""
    motifs = make_motifs(seed=7, n_classes=4, motifs_per_class=3)
    label = f"style{seed % 4 + 1}"
    rec = synth_recording(
        seed=seed,
        label=label,
        singer=f"singer{seed:02d}",
        motifs=motifs[label],
        duration_s=15.0,
        sr=SR,
    )
    est = extract_pitch(
        rec.audio,
        sr=rec.sr,
        method="melodia",
        hop_length=256,
        frame_size=2048,
        fmin_hz=80.0,
        fmax_hz=1000.0,
        voicing_tolerance=0.2,
        equal_loudness=True,
    )
    scores = evaluate_pitch(PitchTrack(rec.f0_times_s, rec.f0_hz), est)
    assert scores["raw_pitch_accuracy"] >= 0.90, scores
    assert scores["voicing_false_alarm"] <= 0.2, scores


# --------------------------------------------------------------------------- evaluation tables


def test_evaluation_subset_spreads_over_classes():
    ids = [f"style{c}_r{i:02d}" for c in range(1, 5) for i in range(1, 9)]
    subset = evaluation_subset(ids, 4)
    assert [r.split("_")[0] for r in subset] == ["style1", "style2", "style3", "style4"]
    assert subset == sorted(subset, key=ids.index)
    assert evaluation_subset(ids, None) == ids and evaluation_subset(ids, 99) == ids
    assert len(set(evaluation_subset(ids, 7))) == 7


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_evaluation_subset_rejects_bad_sizes(n):
    with pytest.raises(MotivicError, match="evaluate_subset"):
        evaluation_subset(["a", "b", "c"], n)


def _scores(method, recordings, value):
    return pd.DataFrame(
        [{"method": method, "recording": r, **dict.fromkeys(EVALUATION_METRICS, value + k)}
         for k, r in enumerate(recordings)]
    )


def test_evaluation_table_blocks_and_means():
    scores = pd.concat(
        [_scores("melodia", ["r3", "r1", "r2"], 0.5), _scores("pyin", ["r2"], 0.25)],
        ignore_index=True,
    )
    table = evaluation_table(scores)
    assert table["method"].tolist() == ["melodia"] * 5 + ["pyin"] * 3
    assert table["recording"].tolist() == [
        "r1", "r2", "r3", "MEAN", "MEAN_COMMON", "r2", "MEAN", "MEAN_COMMON"
    ]
    rows = table.set_index(["method", "recording"])
    # melodia r3 = 0.5, r1 = 1.5, r2 = 2.5 → mean 1.5; on the common recording (r2): 2.5
    assert rows.loc[("melodia", "MEAN"), "raw_pitch_accuracy"] == pytest.approx(1.5)
    assert rows.loc[("melodia", "MEAN"), "n_recordings"] == 3
    assert rows.loc[("melodia", "MEAN_COMMON"), "overall_accuracy"] == pytest.approx(2.5)
    assert rows.loc[("pyin", "MEAN_COMMON"), "n_recordings"] == 1


def test_evaluation_table_same_recordings_has_no_common_row():
    scores = pd.concat([_scores("melodia", ["a", "b"], 0.1), _scores("pyin", ["a", "b"], 0.2)])
    table = evaluation_table(scores)
    assert "MEAN_COMMON" not in set(table["recording"])
    with pytest.raises(MotivicError, match="lack columns"):
        evaluation_table(scores.drop(columns="voicing_recall"))



def test_method_options_are_extract_pitch_keywords():
    import inspect

    keywords = set(inspect.signature(extract_pitch).parameters) - {"y"}
    for method, options in METHOD_OPTIONS.items():
        assert set(options) <= keywords and {"sr", "hop_length"} <= set(options), method
    assert set(METHOD_OPTIONS) == set(METHODS)


def test_method_options_keep_only_the_backends_keywords():
    from motivic.pitch import method_options

    cfg = {"method": "melodia", "sr": 44100, "hop_length": 256, "voicing_tolerance": 0.2,
           "evaluate_methods": ["melodia", "pyin"], "evaluate_subset": 4}
    assert method_options(cfg) == {"method": "melodia", "sr": 44100, "hop_length": 256,
                                   "voicing_tolerance": 0.2}
    assert method_options(cfg, "pyin") == {"method": "pyin", "sr": 44100, "hop_length": 256}
    with pytest.raises(MotivicError, match="pitch.method"):
        method_options(cfg, "swipe")


def test_schema_defaults_equal_extract_pitch_defaults():
    """A key left out of a config means the same as extract_pitch's own default."""
    import inspect

    import yaml

    from motivic.core.config import SCHEMA_PATH

    schema = yaml.safe_load(SCHEMA_PATH.read_text())["properties"]["pitch"]["properties"]
    signature = inspect.signature(extract_pitch).parameters
    shared = set(schema) & set(signature)
    assert {"crepe_model", "crepe_decoder", "crepe_voicing_threshold", "hop_length"} <= shared
    for key in shared - {"sr"}:
        assert schema[key]["default"] == signature[key].default, key
