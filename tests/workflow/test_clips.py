"""Clip corpus mode on the real flamenco sample: validation, store, leave-one-recording-out folds."""

import os
from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml

from .conftest import ROOT, snakemake, write_config

pytestmark = pytest.mark.slow

# The sample sits beside the repository (../shared); MOTIVIC_FLAMENCO_SAMPLE points elsewhere.
SAMPLE = Path(
    os.environ.get("MOTIVIC_FLAMENCO_SAMPLE", ROOT / "../shared/data/flamenco-motifs-sample")
).resolve()


@pytest.fixture(scope="module")
def clip_run(tmp_path_factory) -> Path:
    if not SAMPLE.is_dir():
        pytest.skip(f"flamenco sample not found at {SAMPLE}")
    config = yaml.safe_load((ROOT / "config/flamenco.yaml").read_text())
    config["corpus"]["audio_root"] = str(SAMPLE)
    config["corpus"]["metadata"] = str(SAMPLE / "metadata.csv")
    config["models"] = {"reslstm": {"channels": 4, "hidden_size": 8}}
    config["training"]["epochs"] = 1
    config["augment"]["policies"] = []
    config["augment"]["table2"]["models"] = ["reslstm"]
    config["baselines"] = {}
    config["sanity"] = {"duration_only": True, "shuffled_labels": False}
    workdir = tmp_path_factory.mktemp("clips")
    write_config(workdir, config)
    snakemake(workdir, "--cores", "2")
    return workdir


def test_every_clip_is_validated_and_becomes_a_segment(clip_run):
    report = pd.read_csv(clip_run / "results/validation/corpus_report.tsv", sep="\t")
    metadata = pd.read_csv(SAMPLE / "metadata.csv")
    assert len(report) == len(metadata)
    assert set(report["status"]) <= {"ok", "warning"}
    segments = pd.read_csv(clip_run / "results/segments/motivic.tsv", sep="\t")
    assert len(segments) == len(metadata)
    assert set(segments["recording"]) == set(metadata["recording"])
    assert sorted(segments["label"].unique()) == ["debla", "martinete", "saeta"]
    with h5py.File(clip_run / "results/features/logmel128/motivic.h5", "r") as store:
        assert store["mel"].shape[0] == len(metadata)
        valid = store["valid_frames"][:]
    # 25 ms frames: a 0.3-1.6 s clip has 11-64 valid frames
    assert valid.min() >= 10 and valid.max() <= 70


def test_logo_tests_each_recording_once_and_saeta_sits_out(clip_run):
    segments = pd.read_csv(clip_run / "results/segments/motivic.tsv", sep="\t", dtype=str)
    folds = pd.read_csv(clip_run / "results/splits/motivic/logo.tsv", sep="\t", dtype=str)
    merged = segments.merge(folds, on="segment_id")
    fold_columns = [c for c in folds.columns if c.startswith("fold_")]
    recordings = segments.loc[segments["label"] != "saeta", "recording"].unique()
    assert len(fold_columns) == len(recordings)  # saeta has one recording: it sits out
    tested = []
    for column in fold_columns:
        assert (merged.groupby("recording")[column].nunique() == 1).all()  # recordings whole
        assert set(merged.loc[merged["label"] == "saeta", column]) == {"excluded"}
        tested += list(merged.loc[merged[column] == "test", "recording"].unique())
    assert sorted(tested) == sorted(recordings)  # every recording tested exactly once
    table = pd.read_csv(clip_run / "results/tables/table1.csv")
    assert set(table["split"]) == {"logo", "logo_by_singer"}  # reported side by side
    assert (table.loc[table["split"] == "logo", "n_folds"] == len(recordings)).all()
    assert set(table["model"]) == {"reslstm", "duration_only"}


def test_logo_by_singer_tests_each_singer_once_and_never_trains_on_them(clip_run):
    segments = pd.read_csv(clip_run / "results/segments/motivic.tsv", sep="\t", dtype=str)
    folds = pd.read_csv(clip_run / "results/splits/motivic/logo_by_singer.tsv", sep="\t", dtype=str)
    merged = segments.merge(folds, on="segment_id")
    fold_columns = [c for c in folds.columns if c.startswith("fold_")]
    taking_part = merged["label"] != "saeta"  # one singer's style: sits out
    singers = merged.loc[taking_part, "singer"].unique()
    assert len(fold_columns) == len(singers)
    tested = []
    for column in fold_columns:
        test = set(merged.loc[merged[column] == "test", "singer"])
        fitted = set(merged.loc[merged[column].isin(["train", "val"]), "singer"])
        assert len(test) == 1 and not test & fitted
        tested += sorted(test)
    assert sorted(tested) == sorted(singers)
    table = pd.read_csv(clip_run / "results/tables/table1.csv")
    assert (table.loc[table["split"] == "logo_by_singer", "n_folds"] == len(singers)).all()
