"""The whole DAG on the tiny configuration: every output exists and is sound."""

import json
import re

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
        split = pd.read_csv(results / f"splits/{dataset}/random/0.tsv", sep="\t")
        # rows of labels that sat out (split.small_labels: exclude) are marked excluded
        assert {"train", "val", "test"} <= set(split["split"]) <= {"train", "val", "test", "excluded"}


def test_tiny_run_trains_and_reports_every_model(tiny_run):
    config = load_tiny()
    results = tiny_run / "results"
    for model in config["models"]:
        for dataset in config["datasets"]:
            run = results / "models" / model / dataset / "random" / "0" / "0" / "none"
            ckpt = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
            assert ckpt["model"] == model
            n_mels = 40 if model.startswith("pons_") else 128  # pons models train on mel40
            assert ckpt["feature_params"]["n_mels"] == n_mels
            metrics = json.loads((run / "metrics.json").read_text())
            assert 0.0 <= metrics["accuracy"] <= 1.0
            assert (metrics["fold"], metrics["seed"]) == (0, 0)
            assert (run / "predictions.tsv").stat().st_size > 0
            for figure in ("curves.png", "confusion.png"):
                assert (run / figure).read_bytes()[:4] == b"\x89PNG"
    for baseline in config["baselines"]:
        run = results / "models" / baseline / "motivic" / "random" / "0" / "0" / "none"
        assert json.loads((run / "metrics.json").read_text())["model"] == baseline
        assert (run / "confusion.png").exists()
    table = pd.read_csv(results / "tables/table1.csv")
    columns = {
        "model", "dataset", "split", "accuracy", "accuracy_ci_low", "accuracy_ci_high",
        "balanced_accuracy", "majority_rate", "f1_paper", "f1_macro", "auc", "vote_accuracy",
        "n_test_segments", "n_test_recordings", "n_folds", "n_seeds", "accuracy_runs_std",
    }  # fmt: skip
    assert columns <= set(table.columns)
    sanity = ["duration_only", "shuffled_labels"]
    rows = len(config["models"]) + len(config["baselines"]) + len(sanity)
    assert len(table) == rows * len(config["datasets"]) * len(config["split"]["strategies"])
    assert set(table["model"]) == set(config["models"]) | set(config["baselines"]) | set(sanity)
    assert set(table["split"]) == set(config["split"]["strategies"])
    # every row pools its folds x seeds: K folds for group_kfold, one holdout for random
    folds = {"random": config["split"]["repeats"], "group_kfold": config["split"]["folds"]}
    assert (table["n_folds"] == table["split"].map(folds)).all()
    assert (table["n_seeds"] == len(config["training"]["seeds"])).all()
    assert (table["accuracy_ci_low"] <= table["accuracy"] + 1e-9).all()
    assert (table["accuracy"] <= table["accuracy_ci_high"] + 1e-9).all()
    assert (results / "tables/table1.md").read_text().count("|") > 10
    classes = pd.read_csv(results / "tables/table1_classes.csv")
    confusions = pd.read_csv(results / "tables/table1_confusion.csv")
    assert {"model", "dataset", "split", "label", "recall"} <= set(classes.columns)
    per_row = confusions.groupby(["model", "dataset", "split"])["count"].sum()
    assert (per_row.to_numpy() > 0).all() and len(per_row) == len(table)
    # one row per run (fold x seed) of every Table I row, with its checkpoint choice and priors
    runs = pd.read_csv(results / "tables/table1_runs.csv", keep_default_na=False, na_values=[""])
    assert len(runs) == table["n_runs"].sum()
    assert runs.groupby(["model", "dataset", "split"]).size().to_dict() == (
        table.set_index(["model", "dataset", "split"])["n_runs"].to_dict()
    )
    networks = runs[runs["model"].isin(list(config["models"]))]
    assert (networks["best_epoch"] >= 1).all()
    assert networks["val_balanced_accuracy"].between(0, 1).all()
    assert networks["train_class_priors"].str.contains("style1").all()
    table2 = pd.read_csv(results / "tables/table2.csv")
    assert len(pd.read_csv(results / "tables/table2_runs.csv")) == table2["n_runs"].sum()
    assert set(table2["augment"]) == set(config["augment"]["policies"])
    assert set(table2["model"]) == set(config["augment"]["table2"]["models"])
    assert columns <= set(table2.columns)  # Table II has every Table I column
    comparison = pd.read_csv(results / "tables/motivic_vs_control.csv")
    assert len(comparison) == (len(config["models"]) + len(config["baselines"]) + len(sanity)) * len(
        config["split"]["strategies"]
    )
    assert {"accuracy_diff", "accuracy_diff_ci_low", "accuracy_diff_ci_high"} <= set(comparison)
    assert (comparison["n_recordings"] > 0).all()
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


def test_tiny_run_ranks_distinctive_motifs_and_builds_the_browser(tiny_run):
    config = load_tiny()
    results = tiny_run / "results"
    distinctive = pd.read_csv(results / "motifs/distinctive.tsv", sep="\t")
    assert len(distinctive) > 0
    assert (distinctive["recordings_in_class"] + distinctive["recordings_elsewhere"] >= 2).all()
    page = (results / "browser/index.html").read_text(encoding="utf-8")
    n_rows = page.count('class="motif-row"')
    assert 0 < n_rows <= config["synth"]["n_classes"] * 12  # browser.motifs_per_class (default)
    assert "Acc. " in page  # the networks' per-motif test accuracy (browser.accuracy)
    sources = re.findall(r'<audio[^>]* src="([^"]+)"', page)
    assert sources
    for src in sources:
        assert (results / "browser" / src).stat().st_size > 44, src  # more than a WAV header
