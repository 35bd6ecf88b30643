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
            run = results / "models" / model / dataset / "random" / "none"
            ckpt = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
            assert ckpt["model"] == model
            n_mels = 40 if model.startswith("pons_") else 128  # pons models train on mel40
            assert ckpt["feature_params"]["n_mels"] == n_mels
            metrics = json.loads((run / "metrics.json").read_text())
            assert 0.0 <= metrics["accuracy"] <= 1.0
            assert (run / "predictions.tsv").stat().st_size > 0
            for figure in ("curves.png", "confusion.png"):
                assert (run / figure).read_bytes()[:4] == b"\x89PNG"
    for baseline in config["baselines"]:
        run = results / "models" / baseline / "motivic" / "random" / "none"
        assert json.loads((run / "metrics.json").read_text())["model"] == baseline
        assert (run / "confusion.png").exists()
    table = pd.read_csv(results / "tables/table1.csv")
    metrics = {"accuracy", "auc", "precision", "recall", "f1", "vote_accuracy"}
    assert {"model", "dataset", "split"} | metrics <= set(table.columns)
    rows = len(config["models"]) + len(config["baselines"])
    assert len(table) == rows * len(config["datasets"]) * len(config["split"]["strategies"])
    assert set(table["model"]) == set(config["models"]) | set(config["baselines"])
    assert (results / "tables/table1.md").read_text().count("|") > 10
    table2 = pd.read_csv(results / "tables/table2.csv")
    assert set(config["augment"]["policies"]) <= set(table2.columns)
    assert table2["model"].tolist() == config["augment"]["table2"]["models"]
    assert table2[config["augment"]["policies"]].notna().all().all()
    assert (results / "eval/pitch.tsv").exists() and (results / "eval/motifs.tsv").exists()
    assert (results / "logs/extract_pitch").is_dir()


def test_feature_sets_are_built_only_for_models_that_need_them(tmp_path):
    config = load_tiny()
    config["models"] = {m: o for m, o in config["models"].items() if not m.startswith("pons_")}
    write_config(tmp_path, config)
    jobs = planned_jobs(tmp_path)
    # logmel128 only: no model needs mel40
    assert jobs["build_mel_store"] == len(config["datasets"])


def test_second_run_schedules_nothing(tiny_run):
    assert planned_jobs(tiny_run) == {}

