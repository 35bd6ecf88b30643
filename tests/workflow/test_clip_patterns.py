"""Rule clip_patterns on a few clips of the real flamenco sample (a two-job DAG)."""

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .conftest import ROOT, snakemake, write_config

SAMPLE = Path(
    os.environ.get("MOTIVIC_FLAMENCO_SAMPLE", ROOT / "../shared/data/flamenco-motifs-sample")
).resolve()


def test_clip_patterns_rule_writes_one_row_per_clip_and_a_total(tmp_path):
    if not SAMPLE.is_dir():
        pytest.skip(f"flamenco sample not found at {SAMPLE}")
    metadata = pd.read_csv(SAMPLE / "metadata.csv").iloc[::80]  # 6 clips
    for path in metadata["path"]:
        (tmp_path / "clips" / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / path, tmp_path / "clips" / path)
    metadata.to_csv(tmp_path / "clips" / "metadata.csv", index=False)
    config = yaml.safe_load((ROOT / "config/authors.yaml").read_text())
    flamenco = yaml.safe_load((ROOT / "config/flamenco.yaml").read_text())
    config["corpus"] = {
        **flamenco["corpus"],
        "audio_root": str(tmp_path / "clips"),
        "metadata": str(tmp_path / "clips" / "metadata.csv"),
    }
    config["datasets"] = ["motivic"]
    write_config(tmp_path, config)
    snakemake(tmp_path, "--cores", "1", "results/eval/clip_patterns.tsv")
    table = pd.read_csv(
        tmp_path / "results/eval/clip_patterns.tsv", sep="\t", dtype={"tokens": str}
    )
    assert len(table) == len(metadata) + 1
    assert sorted(table["path"].iloc[:-1]) == sorted(metadata["path"])  # relative paths
    assert table["published"].iloc[:-1].tolist() == [
        p for p in metadata.sort_values("path")["contour_pattern"].astype(str)
    ]
    total = table.iloc[-1]
    assert total["clip"] == "ALL" and total["n_clips"] == len(metadata)
    assert 0 <= total["exact"] <= 1 and total["lcs_own"] > 0
