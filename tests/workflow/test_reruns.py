"""Partial re-execution: a parameter change reruns exactly the stages that depend on it."""

import copy

import pandas as pd
import pytest

from motivic.core.config import validate_config
from motivic.workflow.grid import BASELINES, SANITY, table1_runs, table2_runs

from .conftest import change_config as _change
from .conftest import load_tiny, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

N_REC = load_tiny()["synth"]["n_classes"] * load_tiny()["synth"]["recordings_per_class"]


def _network_runs(config, keep=lambda run, config: True):
    """Trained runs (Table I and Table II, without duplicates) that ``keep`` selects."""
    config = validate_config(copy.deepcopy(config))
    runs = set(table1_runs(config)) | set(table2_runs(config))
    return {r for r in runs if r.model not in BASELINES + SANITY and keep(r, config)}


def _runs_of(model):
    """Runs (folds × seeds × datasets × strategies) of one baseline or sanity row in Table I."""
    return [r for r in table1_runs(validate_config(load_tiny())) if r.model == model]


def test_pitch_parameter_reruns_everything_from_pitch(tiny_copy):
    jobs = _change(tiny_copy, "pitch", "voicing_tolerance", 0.3)
    assert jobs.get("extract_pitch") == N_REC
    assert jobs.get("simplify_contour") == N_REC
    assert "synth_corpus" not in jobs


def test_contour_epsilon_reruns_contour_onward_but_not_pitch(tiny_copy):
    jobs = _change(tiny_copy, "contour", "epsilon", 60.0)
    assert "extract_pitch" not in jobs
    assert jobs.get("simplify_contour") == N_REC
    assert jobs.get("mine_motifs") == N_REC
    assert "collect_results" in jobs


def test_mining_parameter_reruns_mining_onward_only(tiny_copy):
    jobs = _change(tiny_copy, "mining", "min_length", 6)
    assert "extract_pitch" not in jobs and "simplify_contour" not in jobs
    assert jobs.get("mine_motifs") == N_REC
    assert jobs.get("collect_motifs") == 1


def test_feature_parameter_reruns_stores_onward_only(tiny_copy):
    jobs = _change(tiny_copy, "features", "logmel128", "n_mels", 64)
    assert set(jobs) == {
        "build_mel_store",
        "train_model",
        "collect_results",
        "collect_table2",
        "baseline_svm",
        "sanity_run",
        "compare_datasets",
        "build_browser",  # its per-motif test accuracy reads the networks' predictions
    }
    assert jobs["build_mel_store"] == 2  # the mel40 stores are untouched, and so are their models
    on_logmel = _network_runs(
        load_tiny(), lambda r, c: "features" not in (c["models"][r.model] or {})
    )
    assert jobs["train_model"] == len(on_logmel)


def test_one_models_option_reruns_only_that_model(tiny_copy):
    jobs = _change(tiny_copy, "models", "crnn", "hidden_size", 6)
    n_runs = len(_network_runs(load_tiny(), lambda r, c: r.model == "crnn"))
    assert n_runs > len(load_tiny()["datasets"])  # crnn is in Table II too
    assert jobs == {
        "train_model": n_runs,
        "collect_results": 1,
        "collect_table2": 1,
        "compare_datasets": 1,
        "build_browser": 1,  # its per-motif test accuracy reads crnn's predictions
    }


def test_table2_grid_change_trains_only_the_new_runs(tiny_copy):
    jobs = _change(tiny_copy, "augment", "policies", ["none", "time", "frequency"])
    n_new = len(load_tiny()["augment"]["table2"]["models"])
    assert jobs == {"train_model": n_new, "collect_table2": 1}


def test_baseline_option_reruns_only_that_baseline(tiny_copy):
    jobs = _change(tiny_copy, "baselines", "mfcc_svm", "n_mfcc", 13)
    # the shuffled-labels sanity row is the MFCC + SVM baseline on permuted labels: it follows
    assert jobs == {
        "baseline_svm": len(_runs_of("mfcc_svm")),  # convnet_svm's runs are untouched
        "sanity_run": len(_runs_of("shuffled_labels")),
        "collect_results": 1,
        "compare_datasets": 1,
    }


def test_reordering_config_keys_reruns_nothing(tiny_copy):
    config = load_tiny()
    config["pitch"] = dict(reversed(list(config["pitch"].items())))
    write_config(tiny_copy, config)
    assert planned_jobs(tiny_copy) == {}


# --------------------------------------------------------------------------- melodic stage


def test_contour_min_step_reruns_contour_and_mining_but_not_pitch(tiny_copy):
    jobs = _change(tiny_copy, "contour", "min_step_s", 0.05)
    assert "extract_pitch" not in jobs and "extract_eval_pitch" not in jobs
    assert "evaluate_pitch" not in jobs
    assert jobs.get("simplify_contour") == N_REC
    assert jobs.get("mine_motifs") == N_REC
    assert jobs.get("collect_motifs") == 1 and jobs.get("evaluate_motifs") == 1


def test_mining_max_gap_reruns_mining_onward_only(tiny_copy):
    jobs = _change(tiny_copy, "mining", "max_gap", 1)
    assert not {"extract_pitch", "simplify_contour", "evaluate_pitch"} & set(jobs)
    assert jobs.get("mine_motifs") == N_REC
    assert jobs.get("collect_motifs") == 1 and jobs.get("evaluate_motifs") == 1


def test_pitch_evaluation_keys_rerun_only_the_evaluation(tiny_copy):
    jobs = _change(tiny_copy, "pitch", "evaluate_subset", 1)
    # one pyin track, possibly of a recording not evaluated yet; no pipeline pitch job
    assert set(jobs) <= {"extract_eval_pitch", "evaluate_pitch"} and jobs["evaluate_pitch"] == 1
    assert jobs.get("extract_eval_pitch", 0) <= 1
    jobs = _change(tiny_copy, "pitch", "evaluate_methods", ["melodia"])
    assert jobs == {"evaluate_pitch": 1}


def test_melodia_option_does_not_rerun_pyin_evaluation_tracks(tiny_copy):
    jobs = _change(tiny_copy, "pitch", "voicing_tolerance", 0.3)
    assert jobs.get("extract_pitch") == N_REC and "extract_eval_pitch" not in jobs


def test_pitch_evaluation_table_has_a_block_per_backend(tiny_run):
    table = pd.read_csv(tiny_run / "results/eval/pitch.tsv", sep="\t")
    assert list(dict.fromkeys(table["method"])) == ["melodia", "pyin"]
    melodia = table[table["method"] == "melodia"]
    assert (melodia["recording"] == "MEAN").sum() == 1
    assert len(melodia) == N_REC + 2  # recordings, MEAN, MEAN_COMMON
    pyin = table[(table["method"] == "pyin") & ~table["recording"].str.startswith("MEAN")]
    assert len(pyin) == min(4, N_REC)
    assert len(list((tiny_run / "results/eval/pitch/pyin").glob("*.csv"))) == len(pyin)
    means = table[table["recording"] == "MEAN"].set_index("method")
    assert means.loc["melodia", "raw_pitch_accuracy"] >= 0.9


def test_contour_plots_when_activated_run_alone_and_write_pngs(tiny_copy):
    config = load_tiny()
    config["plots"] = {"contour": {"activate": True, "dpi": 40}}
    write_config(tiny_copy, config)
    assert planned_jobs(tiny_copy) == {"plot_contour": N_REC, "index_contour_plots": 1}
    snakemake(tiny_copy, "--cores", "2")
    pngs = sorted((tiny_copy / "results/plots/contour").glob("*.png"))
    assert len(pngs) == N_REC and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    config["plots"]["contour"]["dpi"] = 41
    write_config(tiny_copy, config)
    assert planned_jobs(tiny_copy) == {"plot_contour": N_REC, "index_contour_plots": 1}


def test_collection_scope_mines_all_phrases_with_the_same_dictionary_format(tiny_copy):
    before = pd.read_csv(tiny_copy / "results/motifs/dictionary.tsv", sep="\t")
    jobs = _change(tiny_copy, "mining", "scope", "collection")
    assert not {"extract_pitch", "simplify_contour", "mine_motifs"} & set(jobs)
    assert jobs.get("mine_collection_motifs") == 1 and jobs.get("split_collection_motifs") == N_REC
    snakemake(tiny_copy, "--cores", "2", "results/eval/motifs.tsv")
    after = pd.read_csv(tiny_copy / "results/motifs/dictionary.tsv", sep="\t")
    assert list(after.columns) == list(before.columns)
    # support is now counted over the phrases of the collection (per-recording sums)
    assert (after["support"] >= load_tiny()["mining"]["min_support"]).all()
    # a motif closed in one recording stays closed in the collection (an equal-support
    # extension would need equal support in every recording), so none is lost
    assert set(before["pattern"]) <= set(after["pattern"])
