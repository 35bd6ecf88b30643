"""The whole DAG on the tiny configuration: every output exists and is sound."""

import json

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from .conftest import load_tiny, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow


def test_lint_passes(tmp_path):
    write_config(tmp_path, load_tiny())
    proc = snakemake(tmp_path, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_invalid_config_fails_before_any_job(tmp_path):
    config = load_tiny()
    config["contour"]["epsilon"] = -5
    write_config(tmp_path, config)
    proc = snakemake(tmp_path, "--cores", "1", check=False)
    assert proc.returncode != 0
    assert "contour.epsilon" in proc.stdout + proc.stderr
    assert not (tmp_path / "results").exists()


def test_tiny_run_writes_every_stage(tiny_run):
    config = load_tiny()
    n_rec = config["synth"]["n_classes"] * config["synth"]["recordings_per_class"]
    results = tiny_run / "results"
    assert len(list((results / "pitch").glob("*.csv"))) == n_rec
    assert len(list((results / "contour").glob("*.tsv"))) == n_rec
    assert len(list((results / "motifs/per_recording").glob("*.tsv"))) == n_rec
    dictionary = pd.read_csv(results / "motifs/dictionary.tsv", sep="\t")
    assert len(dictionary) > 0 and (dictionary["length"] >= config["mining"]["min_length"]).all()
    motivic = pd.read_csv(results / "segments/motivic.tsv", sep="\t")
    control = pd.read_csv(results / "segments/nonmotivic.tsv", sep="\t")
    assert (motivic["end_s"] - motivic["start_s"] >= config["segments"]["min_duration_s"] - 1e-9).all()
    assert len(control) > 0
    for dataset, segs in (("motivic", motivic), ("nonmotivic", control)):
        with h5py.File(results / f"features/logmel128/{dataset}.h5", "r") as store:
            assert store["mel"].shape == (len(segs), 128, 426)
            assert store.attrs["n_mels"] == 128
            valid = store["valid_frames"][:]
            assert (valid > 0).all() and (valid <= 426).all()
            assert np.isfinite(store["mel"][0]).all()
        split = pd.read_csv(results / f"splits/{dataset}/random.tsv", sep="\t")
        assert set(split["split"]) == {"train", "val", "test"}


def test_tiny_run_trains_and_reports_every_model(tiny_run):
    config = load_tiny()
    results = tiny_run / "results"
    for model in config["models"]:
        for dataset in config["datasets"]:
            run = results / "models" / model / dataset / "random"
            ckpt = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
            assert ckpt["model"] == model
            metrics = json.loads((run / "metrics.json").read_text())
            assert 0.0 <= metrics["accuracy"] <= 1.0
            assert (run / "predictions.tsv").stat().st_size > 0
    table = pd.read_csv(results / "tables/table1.csv")
    assert {"model", "dataset", "accuracy", "auc", "precision", "recall", "f1"} <= set(table.columns)
    assert len(table) == len(config["models"]) * len(config["datasets"])
    assert (results / "tables/table1.md").read_text().count("|") > 10
    assert (results / "eval/pitch.tsv").exists() and (results / "eval/motifs.tsv").exists()
    assert (results / "logs/extract_pitch").is_dir()


def test_second_run_schedules_nothing(tiny_run):
    assert planned_jobs(tiny_run) == {}

