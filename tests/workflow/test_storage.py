"""storage.hdf5_locking reaches the environment of the workflow's jobs (HDF5_USE_FILE_LOCKING).

HDF5 reads the variable when a job imports h5py (tests/unit/test_storage.py shows that it obeys
it); here a small DAG (the demo corpus and its validation) runs with a non-default value, and the
job's log records what its environment held.
"""

from __future__ import annotations

import pytest

from .conftest import load_tiny, snakemake, write_config

pytestmark = pytest.mark.slow


def test_hdf5_locking_setting_reaches_the_jobs(tmp_path):
    config = load_tiny()
    config["synth"].update(
        n_classes=2, recordings_per_class=2, min_duration_s=4.0, max_duration_s=5.0
    )
    config["storage"] = {"hdf5_locking": "best-effort"}
    write_config(tmp_path, config)
    snakemake(tmp_path, "--cores", "1", "results/corpus/recordings.tsv")
    log = (tmp_path / "results/logs/validate_corpus/validate_corpus.log").read_text()
    assert "HDF5_USE_FILE_LOCKING=BEST_EFFORT" in log
