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
    assert table[["recording", "mode"]].values.tolist() == [
        [irish, "paper"],
        [irish, "authors"],
        [marathi, "paper"],
        [marathi, "authors"],
        ["ALL", "paper"],
        ["ALL", "authors"],
    ]
    assert table["voiced_share"].between(0.2, 1.0).all()
    for paper, authors in ((table.iloc[i], table.iloc[i + 1]) for i in (0, 2, 4)):
        assert paper["voiced_s"] == authors["voiced_s"]  # one pitch track, two readings
        # no minimum step and midrange levels: the authors' reading makes more tokens
        assert authors["tokens_per_voiced_s"] > paper["tokens_per_voiced_s"] > 0
