"""The symbolic motif baseline is a Table I row of the demo: its runs are in the DAG."""

import pytest
import yaml

from motivic.workflow.grid import table1_runs

from .conftest import ROOT, planned_jobs, write_config

pytestmark = pytest.mark.slow


def _demo_config() -> dict:
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_demo_dag_runs_motif_ngrams_on_every_fold_and_seed(tmp_path):
    config = _demo_config()
    assert "motif_ngrams" in config["baselines"]
    write_config(tmp_path, config)
    jobs = planned_jobs(tmp_path)
    expected = [r for r in table1_runs(config) if r.model == "motif_ngrams"]
    assert len(expected) > 0
    assert jobs.get("motif_ngrams_baseline") == len(expected)


def test_without_its_key_the_baseline_leaves_the_dag(tmp_path):
    config = _demo_config()
    del config["baselines"]["motif_ngrams"]
    write_config(tmp_path, config)
    assert "motif_ngrams_baseline" not in planned_jobs(tmp_path)
