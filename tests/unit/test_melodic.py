"""The melodic stage in numbers (motivic/mining/summary.py) and the two contour presets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from motivic.contour import MODE_PRESETS, mode_options
from motivic.core.config import load_config
from motivic.core.errors import MotivicError
from motivic.mining.summary import SUMMARY_COLUMNS, summarise_track, summary_total

ROOT = Path(__file__).resolve().parents[2]
HOP_S = 0.01
MINING = {"min_support": 3, "min_length": 5, "min_gap": 0, "max_gap": 0}


def _song(motif_cents, *, repeats=3, note_frames=20, gap_frames=30):
    """A held-note motif sung ``repeats`` times, each time a phrase of its own."""
    notes = np.repeat(np.asarray(motif_cents, dtype=float), note_frames)
    gap = np.full(gap_frames, np.nan)
    cents = np.concatenate([np.concatenate([notes, gap]) for _ in range(repeats)])
    f0 = np.where(np.isfinite(cents), 55.0 * 2 ** (np.nan_to_num(cents) / 1200), 0.0)
    return np.arange(cents.size) * HOP_S, f0


MOTIF = [2400.0, 2500.0, 2600.0, 2400.0, 2300.0, 2500.0, 2400.0]  # 6 intervals, 1.4 s


@pytest.mark.parametrize("mode", ["paper", "authors"])
def test_summary_of_a_motif_sung_three_times(mode):
    t, f0 = _song(MOTIF)
    row = summarise_track(t, f0, contour_options=mode_options({}, mode), mining_options=MINING)
    assert set(row) == set(SUMMARY_COLUMNS) - {"recording", "mode"}
    assert row["duration_s"] == pytest.approx(3 * 1.7)
    assert row["voiced_s"] == pytest.approx(3 * 1.4)
    assert row["voiced_share"] == pytest.approx(1.4 / 1.7)
    assert row["n_phrases"] == 3 and row["n_tokens"] == 18
    assert row["tokens_per_voiced_s"] == pytest.approx(18 / 4.2)
    assert row["n_motifs"] == 1 and row["n_occurrences"] == 3
    assert row["length_mean"] == row["length_max"] == 6
    assert row["occurrence_s_mean"] == pytest.approx(1.4)
    assert row["n_occurrences_kept"] == 3 and row["share_kept"] == 1.0


def test_summary_without_motifs_and_the_duration_filter():
    t, f0 = _song(MOTIF, repeats=2)
    row = summarise_track(t, f0, contour_options={}, mining_options=MINING)
    assert row["n_motifs"] == 0 and row["n_occurrences"] == 0 and np.isnan(row["share_kept"])
    t, f0 = _song(MOTIF, note_frames=6)  # 7 notes of 60 ms: a 0.42-s motif
    row = summarise_track(t, f0, contour_options={}, mining_options=MINING, min_duration_s=0.5)
    assert row["n_occurrences"] == 3 and row["n_occurrences_kept"] == 0 and row["share_kept"] == 0


def test_occurrence_support_finds_a_motif_repeated_inside_one_phrase():
    notes = np.repeat(np.asarray(MOTIF * 3), 20)  # one phrase: the motif three times in a row
    f0 = 55.0 * 2 ** (notes / 1200)
    t = np.arange(notes.size) * HOP_S
    by_phrase = summarise_track(t, f0, contour_options={}, mining_options=MINING)
    by_occurrence = summarise_track(
        t, f0, contour_options={}, mining_options={**MINING, "support": "occurrences"}
    )
    assert by_phrase["n_motifs"] == 0
    assert by_occurrence["n_motifs"] >= 1 and by_occurrence["n_occurrences"] >= 3


def test_summary_total_pools_the_recordings():
    rows = pd.DataFrame(
        [
            {
                "recording": "a",
                "mode": "paper",
                "duration_s": 10.0,
                "voiced_s": 8.0,
                "n_phrases": 2,
                "n_tokens": 40,
                "n_motifs": 2,
                "n_occurrences": 6,
                "length_mean": 5.0,
                "length_max": 5,
                "occurrence_s_mean": 0.4,
                "n_occurrences_kept": 0,
                "n_melodic": 1,
                "n_oscillation": 1,
                "n_fast": 0,
                "n_motifs_scored": 2,
                "coherence": 0.7,
            },
            {
                "recording": "b",
                "mode": "paper",
                "duration_s": 30.0,
                "voiced_s": 12.0,
                "n_phrases": 3,
                "n_tokens": 60,
                "n_motifs": 0,
                "n_occurrences": 0,
                "length_mean": np.nan,
                "length_max": np.nan,
                "occurrence_s_mean": np.nan,
                "n_occurrences_kept": 0,
                "n_melodic": 0,
                "n_oscillation": 0,
                "n_fast": 0,
                "n_motifs_scored": 0,
                "coherence": np.nan,
            },
        ]
    )
    (total,) = summary_total(rows).to_dict("records")
    assert total["recording"] == "ALL" and total["tokens_per_voiced_s"] == pytest.approx(5.0)
    assert total["voiced_share"] == pytest.approx(0.5)
    assert total["length_mean"] == 5.0 and total["share_kept"] == 0.0
    assert total["motifs_per_voiced_min"] == pytest.approx(60 * 2 / 20)
    assert total["n_melodic"] == total["n_oscillation"] == 1
    assert total["coherence"] == pytest.approx(0.7)


def test_presets_are_the_shipped_configurations():
    shipped = (
        ("paper", "config.yaml"),
        ("authors", "config/authors.yaml"),
        ("notes", "config/real-singing.yaml"),
    )
    for mode, path in shipped:
        contour = load_config(ROOT / path)["contour"]
        assert mode_options(contour, mode) == contour, path
    assert set(MODE_PRESETS) == {"paper", "authors", "notes"}
    with pytest.raises(MotivicError, match="unknown"):
        mode_options({}, "both")


def test_real_recordings_with_20_s_voiced_yield_motifs_in_the_authors_reading():
    import os

    data = Path(os.environ.get("MOTIVIC_REAL_SINGING", ROOT / "../shared/data/real-singing-f0"))
    if not data.is_dir():
        pytest.skip(f"real-singing data not found at {data}")
    from motivic.core.audio import load_audio
    from motivic.pitch import extract_pitch, method_options

    config = load_config(ROOT / "config/real-singing.yaml")
    options = method_options(config["pitch"], "melodia")
    sr = options.pop("sr")
    mining_options = {k: v for k, v in config["mining"].items() if k != "scope"}
    track = extract_pitch(load_audio(data / "audio/vocadito_1.wav", sr=sr), sr=sr, **options)
    rows = {
        mode: summarise_track(
            track.times_s,
            track.f0_hz,
            contour_options=mode_options(config["contour"], mode),
            mining_options=mining_options,
        )
        for mode in MODE_PRESETS
    }
    assert rows["authors"]["voiced_s"] >= 20.0
    assert rows["authors"]["n_motifs"] >= 1  # the released code's reading finds motifs
    assert rows["authors"]["tokens_per_voiced_s"] > 2 * rows["paper"]["tokens_per_voiced_s"]


def test_summary_counts_kinds_and_scores_coherence():
    t, f0 = _song(MOTIF)
    coherence = {"max_pairs": 10, "n_points": 16, "band": 0.1, "min_voiced_share": 0.8}
    row = summarise_track(
        t,
        f0,
        contour_options=mode_options({}, "paper"),
        mining_options=MINING,
        coherence_options=coherence,
        rng=np.random.default_rng(0),
    )
    assert row["n_melodic"] == 1 and row["n_oscillation"] == row["n_fast"] == 0
    assert row["motifs_per_voiced_min"] == pytest.approx(60 / 4.2)
    assert row["n_motifs_scored"] == 1 and 0 <= row["coherence"] <= 1
    plain = summarise_track(t, f0, contour_options=mode_options({}, "paper"), mining_options=MINING)
    assert plain["n_motifs_scored"] == 0 and np.isnan(plain["coherence"])
    with pytest.raises(MotivicError, match="rng"):
        summarise_track(
            t, f0, contour_options={}, mining_options=MINING, coherence_options=coherence
        )
    # the ALL row: kind counts add up, coherence is the mean over scored motifs
    rows = pd.DataFrame(
        [{"recording": "a", "mode": "paper", **row}, {"recording": "b", "mode": "paper", **plain}],
        columns=SUMMARY_COLUMNS,
    )
    total = summary_total(rows).iloc[0]
    assert total["n_melodic"] == 2 and total["n_motifs_scored"] == 1
    assert total["coherence"] == pytest.approx(row["coherence"])
