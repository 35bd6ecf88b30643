"""config/real-singing.yaml's melodic targets on two real 10-s recordings (a small DAG)."""

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .conftest import ROOT, snakemake, write_config

DATA = Path(
    os.environ.get("MOTIVIC_REAL_SINGING", ROOT / "../shared/data/real-singing-f0")
).resolve()


def test_melodic_summary_on_real_recordings(tmp_path):
    if not DATA.is_dir():
        pytest.skip(f"real-singing data not found at {DATA}")
    sheet = pd.read_csv(ROOT / "config/real-singing.csv")
    # validation needs two labels
    sheet[sheet["path"].str.contains("irish|marathi")].to_csv(tmp_path / "sheet.csv", index=False)
    config = yaml.safe_load((ROOT / "config/real-singing.yaml").read_text())
    config["corpus"].update(audio_root=str(DATA), metadata=str(tmp_path / "sheet.csv"))
    config["plots"]["contour"]["activate"] = False
    write_config(tmp_path, config)
    snakemake(tmp_path, "--cores", "1", "results/eval/melodic_summary.tsv")
    table = pd.read_csv(tmp_path / "results/eval/melodic_summary.tsv", sep="\t")
    irish, marathi = "audio__irish_fields-of-athenry", "audio__marathi_maajhe-maahera-pandhari"
    modes = ["paper", "authors", "notes"]  # melodic_summary.modes of the preset
    assert table[["recording", "mode"]].values.tolist() == [
        [recording, mode] for recording in (irish, marathi, "ALL") for mode in modes
    ]
    assert table["voiced_share"].between(0.2, 1.0).all()
    for i in (0, 3, 6):
        paper, authors, notes = (table.iloc[i + k] for k in range(3))
        # one pitch track, three readings
        assert paper["voiced_s"] == authors["voiced_s"] == notes["voiced_s"]
        # no minimum step and midrange levels: the authors' reading makes more tokens; notes of
        # at least 0.1 s make fewer than the paper's steps
        assert authors["tokens_per_voiced_s"] > paper["tokens_per_voiced_s"] > 0
        assert paper["tokens_per_voiced_s"] >= notes["tokens_per_voiced_s"]
