"""Split strategies on the tiny run: no temporal leakage in any strategy, folds and seeds as jobs."""

import pandas as pd
import pytest

from motivic import splits

from .conftest import load_tiny, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

STRATEGIES = ["random", "group", "group_kfold", "logo", "motif_group_kfold"]


def _overlap_pairs(segments: pd.DataFrame, parts: pd.Series) -> list[tuple[str, str]]:
    """(test, training) segment pairs of one recording whose time spans intersect."""
    pairs = []
    frame = segments.assign(part=parts.to_numpy())
    for _, rec in frame.groupby("recording"):
        test = rec[rec.part == "test"]
        fit = rec[rec.part.isin(["train", "val"])]
        for t in test.itertuples():
            hit = fit[(fit.start_s < t.end_s - 1e-9) & (fit.end_s > t.start_s + 1e-9)]
            pairs += [(t.segment_id, h) for h in hit.segment_id]
    return pairs


@pytest.fixture(scope="module")
def every_split(tmp_path_factory, tiny_run):
    """The tiny run's segments split by every strategy (only the split jobs run)."""
    import shutil

    workdir = tmp_path_factory.mktemp("splits") / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    config = load_tiny()
    config["split"]["strategies"] = STRATEGIES
    write_config(workdir, config)
    targets = [
        f"results/splits/{dataset}/{strategy}.tsv"
        for dataset in config["datasets"]
        for strategy in STRATEGIES
    ]
    snakemake(workdir, "--cores", "2", *targets)
    return workdir, config


def test_no_test_segment_overlaps_a_training_segment_in_any_strategy(every_split):
    workdir, config = every_split
    results = workdir / "results"
    for dataset in config["datasets"]:
        segments = pd.read_csv(
            results / f"segments/{dataset}.tsv", sep="\t", dtype={"recording": str}
        )
        for strategy in STRATEGIES:
            path = results / f"splits/{dataset}/{strategy}.tsv"
            n = splits.read_fold_count(results / f"splits/{dataset}/{strategy}.folds.tsv")
            assert n >= 1
            for fold in range(n):
                parts = segments["segment_id"].map(splits.load_split(path, fold=fold))
                assert parts.notna().all()
                assert {"train", "val", "test"} <= set(parts)
                assert _overlap_pairs(segments, parts) == [], (dataset, strategy, fold)


def test_both_datasets_train_validate_and_test_on_the_same_recordings(every_split):
    # one plan per comparison: the grouped folds are drawn once for motivic and nonmotivic
    workdir, _ = every_split
    results = workdir / "results"
    tables = {
        d: pd.read_csv(results / f"segments/{d}.tsv", sep="\t", dtype=str, keep_default_na=False)
        for d in ("motivic", "nonmotivic")
    }
    for strategy in STRATEGIES:
        if splits.parse_strategy(strategy).within_recording:
            continue
        n = splits.read_fold_count(results / f"splits/{strategy}.folds.tsv")
        motif_holdout = splits.parse_strategy(strategy).hold_out_motifs
        for fold in range(n):
            sets = {}
            for dataset, segments in tables.items():
                path = results / f"splits/{dataset}/{strategy}.tsv"
                parts = segments["segment_id"].map(splits.load_split(path, fold=fold))
                sets[dataset] = {
                    p: set(segments.recording[parts == p]) for p in ("train", "val", "test")
                }
            shared = set(tables["motivic"].recording) & set(tables["nonmotivic"].recording)
            for part in ("train", "val", "test"):
                a, b = sets["motivic"][part] & shared, sets["nonmotivic"][part] & shared
                if motif_holdout and part != "test":
                    assert a <= b, (strategy, fold, part)  # motivic segments may be excluded
                else:
                    assert a == b, (strategy, fold, part)


def test_segments_never_overlap_within_a_dataset(tiny_run):
    # merged motif occurrences; control segments placed apart from one another
    for dataset in ("motivic", "nonmotivic"):
        segments = pd.read_csv(tiny_run / f"results/segments/{dataset}.tsv", sep="\t")
        clusters = splits.overlap_clusters(segments)
        assert clusters.nunique() == len(segments), dataset


def test_logo_folds_are_jobs_known_from_the_written_split(every_split):
    workdir, config = every_split
    summary = pd.read_csv(workdir / "results/splits/motivic/logo.folds.tsv", sep="\t")
    # the fold plan takes the recordings with segments in every dataset of the comparison
    n_recordings = len(
        set.intersection(
            *(
                set(pd.read_csv(workdir / f"results/segments/{d}.tsv", sep="\t")["recording"])
                for d in config["datasets"]
            )
        )
    )
    excluded = summary["sat_out"].astype(object).fillna("").iloc[0]
    assert len(summary) <= n_recordings and (summary["n_test"] > 0).all()
    assert summary["test_groups"].is_unique
    if not excluded:
        assert len(summary) == n_recordings
    # one train job per fold, seed and dataset of every network (the datasets
    # stay as they were: the fold plan is drawn from all of them, so it is reused as written)
    config["split"]["strategies"] = ["logo"]
    config["training"]["seeds"] = [0, 1]
    config["augment"]["policies"] = []
    config["augment"]["table2"]["splits"] = ["logo"]
    write_config(workdir, config)
    jobs = planned_jobs(workdir)
    n_datasets = len(config["datasets"])
    assert jobs["train_model"] == len(config["models"]) * len(summary) * 2 * n_datasets
    assert jobs["split_fold"] == len(summary) * n_datasets
