"""Clip corpus mode on the real flamenco sample: validation, the 0.5 s filter, store, folds."""

from pathlib import Path

import h5py
import pandas as pd
import pytest
import yaml

from .conftest import ROOT, snakemake, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip_run(tmp_path_factory, flamenco_sample) -> tuple[Path, Path]:
    config = yaml.safe_load((ROOT / "config/flamenco.yaml").read_text())
    config["corpus"]["audio_root"] = str(flamenco_sample)
    config["corpus"]["metadata"] = str(flamenco_sample / "metadata.csv")
    config["models"] = {"reslstm": {"channels": 4, "hidden_size": 8}}
    config["training"]["epochs"] = 1
    config["augment"]["policies"] = []
    config["augment"]["table2"]["models"] = ["reslstm"]
    config["baselines"] = {}
    config["sanity"] = {"duration_only": True, "shuffled_labels": False}
    workdir = tmp_path_factory.mktemp("clips")
    write_config(workdir, config)
    snakemake(workdir, "--cores", "2")
    return workdir, flamenco_sample


def test_every_clip_is_validated_and_the_short_ones_are_filtered(clip_run):
    clip_run, sample = clip_run
    report = pd.read_csv(clip_run / "results/validation/corpus_report.tsv", sep="\t")
    metadata = pd.read_csv(sample / "metadata.csv")
    assert len(report) == len(metadata)
    # corpus.clip_min_duration_s: 0.5 (the paper's filter): shorter clips are reported and excluded
    short = report["check"].fillna("").str.contains("short_clip")
    assert (short == (report["duration_s"] < 0.5)).all()
    assert short.sum() == (metadata["duration_s"] < 0.5).sum() > 0
    assert (report.loc[short, "status"] == "error").all()
    assert set(report.loc[~short, "status"]) <= {"ok", "warning"}
    counts = pd.read_csv(clip_run / "results/validation/clip_findings.tsv", sep="\t")
    assert counts.set_index("check").at["short_clip", "n_files"] == short.sum()
    # the clips of >= 0.5 s go on, from every recording and style
    segments = pd.read_csv(clip_run / "results/segments/motivic.tsv", sep="\t")
    kept = metadata[metadata["duration_s"] >= 0.5]
    assert len(segments) == (~short).sum() == len(kept)
    assert segments["duration_s"].min() >= 0.5
    assert set(segments["recording"]) == set(kept["recording"])
    assert sorted(segments["label"].unique()) == ["debla", "martinete", "saeta"]
    with h5py.File(clip_run / "results/features/logmel128/motivic.h5", "r") as store:
        assert store["mel"].shape[0] == len(segments)
        valid = store["valid_frames"][:]
    # 25 ms frames: a 0.5-1.6 s clip has 20-64 valid frames
    assert valid.min() >= 19 and valid.max() <= 70


def test_logo_tests_each_recording_once_and_saeta_sits_out(clip_run):
    clip_run, _ = clip_run
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
    workdir, _ = clip_run
    segments = pd.read_csv(workdir / "results/segments/motivic.tsv", sep="\t", dtype=str)
    folds = pd.read_csv(workdir / "results/splits/motivic/logo_by_singer.tsv", sep="\t", dtype=str)
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
    table = pd.read_csv(workdir / "results/tables/table1.csv")
    assert (table.loc[table["split"] == "logo_by_singer", "n_folds"] == len(singers)).all()
