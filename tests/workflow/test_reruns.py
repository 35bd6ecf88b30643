"""Partial re-execution: a parameter change reruns exactly the stages that depend on it."""

import pytest

from .conftest import load_tiny, planned_jobs, write_config

pytestmark = pytest.mark.slow

N_REC = load_tiny()["synth"]["n_classes"] * load_tiny()["synth"]["recordings_per_class"]


def _change(workdir, *path_and_value):
    config = load_tiny()
    *path, value = path_and_value
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    write_config(workdir, config)
    return planned_jobs(workdir)


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
    assert set(jobs) == {"build_mel_store", "train_model", "evaluate_model", "collect_results"}
    assert jobs["build_mel_store"] == 2


def test_one_models_option_reruns_only_that_model(tiny_copy):
    jobs = _change(tiny_copy, "models", "crnn", "hidden_size", 6)
    n_datasets = len(load_tiny()["datasets"])
    assert jobs == {"train_model": n_datasets, "evaluate_model": n_datasets, "collect_results": 1}


def test_reordering_config_keys_reruns_nothing(tiny_copy):
    config = load_tiny()
    config["pitch"] = dict(reversed(list(config["pitch"].items())))
    write_config(tiny_copy, config)
    assert planned_jobs(tiny_copy) == {}
