"""storage.hdf5_locking: the environment it produces, and that HDF5 in a new process obeys it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from motivic.core.errors import MotivicError
from motivic.workflow.storage import HDF5_LOCKING_ENV, apply_hdf5_locking, hdf5_locking_environment

# Holds a store open for writing (with HDF5's lock) until its stdin closes.
WRITER = textwrap.dedent(
    """
    import sys, h5py
    with h5py.File(sys.argv[1], "w") as f:
        f["x"] = [1, 2, 3]
        f.flush()
        print("open", flush=True)
        sys.stdin.read()
    """
)
READER = "import sys, h5py; h5py.File(sys.argv[1], 'r').close()"


@pytest.mark.parametrize(
    ("locking", "value"), [(False, "FALSE"), (True, "TRUE"), ("best-effort", "BEST_EFFORT")]
)
def test_hdf5_locking_environment_values(locking, value):
    assert hdf5_locking_environment(locking) == {HDF5_LOCKING_ENV: value}


@pytest.mark.parametrize("bad", [0, 1, "false", "no", None, "besteffort"])
def test_hdf5_locking_environment_rejects_other_values(bad):
    with pytest.raises(MotivicError, match="storage.hdf5_locking"):
        hdf5_locking_environment(bad)


def test_apply_hdf5_locking_updates_the_given_environment():
    env = {"PATH": "/bin", HDF5_LOCKING_ENV: "TRUE"}
    assert apply_hdf5_locking(False, env) is env
    assert env == {"PATH": "/bin", HDF5_LOCKING_ENV: "FALSE"}


def _env(locking) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != HDF5_LOCKING_ENV}
    return apply_hdf5_locking(locking, env)


def test_setting_reaches_h5py_in_a_new_process(tmp_path):
    """A store held open for writing (locked) opens without locking, and fails with locking."""
    path = str(tmp_path / "store.h5")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(True),
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        results = {}
        for locking in (False, True):
            proc = subprocess.run(
                [sys.executable, "-c", READER, path],
                capture_output=True,
                text=True,
                env=_env(locking),
                timeout=60,
                check=False,
            )
            results[locking] = proc
        assert results[False].returncode == 0, results[False].stderr
        assert results[True].returncode != 0
        assert "lock" in results[True].stderr
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)


def test_config_default_is_no_locking_and_other_values_fail():
    from pathlib import Path

    from motivic.core.config import load_config, validate_config

    config = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    config.pop("storage", None)
    assert validate_config(config)["storage"] == {"hdf5_locking": False}
    config["storage"] = {"hdf5_locking": "yes"}
    with pytest.raises(MotivicError, match="storage.hdf5_locking"):
        validate_config(config)
