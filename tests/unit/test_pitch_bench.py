"""Tests of benchmarks/bench_pitch_real.py's helpers (the corpus sheet, backend specs, tables)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from motivic.core.errors import MotivicError
from motivic.pitch import EVALUATION_METRICS

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_pitch_real.py"
_spec = importlib.util.spec_from_file_location("bench_pitch_real", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

PITCH = {
    "method": "melodia",
    "sr": 44100,
    "hop_length": 256,
    "frame_size": 2048,
    "fmin_hz": 80.0,
    "fmax_hz": 1000.0,
    "crepe_model": "full",
    "crepe_decoder": "weighted_argmax",
    "evaluate_subset": 4,
}


def test_read_pairs_resolves_paths_and_skips_blank_references(tmp_path):
    (tmp_path / "metadata.csv").write_text("path,f0\naudio/a.wav,f0/a.csv\naudio/b.wav,\n")
    pairs = bench.read_pairs(tmp_path)
    assert pairs["name"].tolist() == ["a"]
    assert pairs["audio"].iloc[0] == tmp_path / "audio/a.wav"
    assert pairs["f0"].iloc[0] == tmp_path / "f0/a.csv"


@pytest.mark.parametrize("text, match", [(None, "metadata.csv: missing"), ("path\nx.wav\n", "f0")])
def test_read_pairs_names_the_problem(tmp_path, text, match):
    if text is not None:
        (tmp_path / "metadata.csv").write_text(text)
    with pytest.raises(MotivicError, match=match):
        bench.read_pairs(tmp_path)


def test_backend_options_take_the_config_and_the_spec():
    crepe = bench.backend_options("crepe:tiny:viterbi", PITCH)
    assert crepe["method"] == "crepe" and crepe["crepe_model"] == "tiny"
    assert crepe["crepe_decoder"] == "viterbi" and "frame_size" not in crepe
    assert bench.backend_options("crepe", PITCH)["crepe_model"] == "full"
    assert bench.backend_options("pyin", PITCH) == {
        "method": "pyin",
        "sr": 44100,
        "hop_length": 256,
        "frame_size": 2048,
        "fmin_hz": 80.0,
        "fmax_hz": 1000.0,
    }
    with pytest.raises(MotivicError, match="only crepe"):
        bench.backend_options("pyin:tiny", PITCH)


def test_summary_speeds_are_totals_over_files():
    rows = [
        {
            "method": "m",
            "recording": r,
            **dict.fromkeys(EVALUATION_METRICS, v),
            "rpa_guess": g,
            "audio_s": a,
            "cpu_s": c,
            "wall_s": 2 * c,
        }
        for r, v, g, a, c in [("x", 0.5, 0.6, 10.0, 1.0), ("y", 1.0, 1.0, 30.0, 4.0)]
    ]
    # a backend without unvoiced guesses (Melodia here) gets a blank cell, not 'nan'
    rows += [{**row, "method": "no_guess", "rpa_guess": float("nan")} for row in rows]
    table = bench.summarise(pd.DataFrame(rows)).set_index(["method", "recording"])
    assert table.loc[("m", "MEAN"), "raw_pitch_accuracy"] == pytest.approx(0.75)
    assert table.loc[("m", "MEAN"), "rpa_guess"] == pytest.approx(0.8)
    assert table.loc[("m", "x"), "rpa_guess"] == pytest.approx(0.6)
    assert table.loc[("m", "MEAN"), "audio_s_per_cpu_s"] == pytest.approx(40.0 / 5.0)
    assert table.loc[("m", "x"), "audio_s_per_wall_s"] == pytest.approx(5.0)
    text = bench.markdown(table.reset_index(), "header")
    assert "| m | 0.750 | 0.750 | 0.750 | 0.750 | 0.750 | 0.800 | 8.00 | 4.00 |" in text
    assert "| no_guess | 0.750 | 0.750 | 0.750 | 0.750 | 0.750 |  | 8.00 | 4.00 |" in text
    assert "| m | 0.500 | 1.000 |" in text
