"""`motivic classify` on the tiny run's model: recordings of known class get a vote."""

import subprocess
import sys

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def test_classify_cli_writes_recording_and_segment_tables(tiny_run, tmp_path):
    audio = sorted((tiny_run / "results/demo_corpus/audio").glob("*.wav"))[:2]
    cmd = [
        sys.executable, "-m", "motivic.apps.cli", "classify", *map(str, audio),
        "--model", str(tiny_run / "results/models/reslstm/motivic/random/0/0/none/checkpoint.pt"),
        "--dictionary", str(tiny_run / "results/motifs/dictionary.tsv"),
        "--config", str(tiny_run / "config.yaml"),
        "--output", str(tmp_path / "recordings.csv"),
        "--segments", str(tmp_path / "segments.csv"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "recordings.csv")
    assert table["path"].tolist() == [str(a) for a in audio]
    labels = {"style1", "style2", "style3", "style4"}
    for row in table.itertuples():
        if row.n_motifs:
            assert row.predicted in labels and 0 < row.vote_share <= 1
    segments = pd.read_csv(tmp_path / "segments.csv")
    assert len(segments) == table["n_motifs"].sum()
    assert ((segments["end_s"] - segments["start_s"]) >= 0.5 - 1e-9).all()
    assert str(audio[0]) in proc.stdout


def test_classify_cli_reports_bad_model_path(tiny_run, tmp_path):
    cmd = [sys.executable, "-m", "motivic.apps.cli", "classify", "x.wav", "--model", str(tmp_path / "none.pt"),
           "--config", str(tiny_run / "config.yaml"),
           "--dictionary", str(tiny_run / "results/motifs/dictionary.tsv")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "none.pt" in proc.stderr
