"""Shared-filesystem settings of the workflow's jobs: HDF5 file locking.

HDF5 (>= 1.10) locks every file it opens with ``flock``/``fcntl``. Many Lustre, GPFS and NFS
mounts refuse or stall such locks, so an ``h5py.File`` open of a feature store then fails with
"unable to lock file" on cluster nodes. The stores of this workflow never need the lock: a store
is written once into a temporary file and renamed into place (:func:`motivic.core.io.atomic_path`),
and every later open is read-only.

The HDF5 library reads the environment variable ``HDF5_USE_FILE_LOCKING`` when it is loaded
(``FALSE``: no locking; ``TRUE``: locking; ``BEST_EFFORT``: locking, ignored where the
filesystem has it disabled), and the variable overrides any per-file setting. It has to be in a
job's environment before the job imports h5py; setting it in a running process after the import
has no effect. The workflow therefore sets it from the config key ``storage.hdf5_locking`` in
the Snakemake process at parse time (``rules/common.smk``), and every job (a child process, or
on SLURM a batch job that inherits the submitting environment and re-parses the workflow)
starts with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from motivic.core.errors import MotivicError

__all__ = ["HDF5_LOCKING_ENV", "apply_hdf5_locking", "hdf5_locking_environment"]

HDF5_LOCKING_ENV = "HDF5_USE_FILE_LOCKING"
_VALUES = {False: "FALSE", True: "TRUE", "best-effort": "BEST_EFFORT"}


def hdf5_locking_environment(locking: bool | str) -> dict[str, str]:
    """Environment variables that make HDF5 open files with the given locking.

    Parameters
    ----------
    locking : {False, True, "best-effort"}
        ``storage.hdf5_locking``: ``False`` opens without locks (safe on Lustre/NFS, the
        default), ``True`` locks as HDF5 does by default, ``"best-effort"`` locks where the
        filesystem supports it.

    Returns
    -------
    env : dict of str to str
        ``{"HDF5_USE_FILE_LOCKING": "FALSE" | "TRUE" | "BEST_EFFORT"}``.

    Raises
    ------
    MotivicError
        If ``locking`` is not one of the three values.

    Examples
    --------
    >>> hdf5_locking_environment(False)
    {'HDF5_USE_FILE_LOCKING': 'FALSE'}
    >>> hdf5_locking_environment("best-effort")
    {'HDF5_USE_FILE_LOCKING': 'BEST_EFFORT'}
    """
    # bool first: 1 == True and 0 == False would otherwise pass the dictionary lookup
    if not isinstance(locking, (bool, str)) or locking not in _VALUES:
        raise MotivicError(f"storage.hdf5_locking={locking!r} must be false, true or best-effort")
    return {HDF5_LOCKING_ENV: _VALUES[locking]}


def apply_hdf5_locking(
    locking: bool | str, environ: MutableMapping[str, str] | None = None
) -> Mapping[str, str]:
    """Set ``HDF5_USE_FILE_LOCKING`` in ``environ`` (default: this process's environment).

    Only processes started afterwards see the setting (HDF5 reads it when h5py is imported),
    which is what the workflow needs: it calls this at parse time, before any job starts.

    Parameters
    ----------
    locking : {False, True, "best-effort"}
        As for :func:`hdf5_locking_environment`.
    environ : mutable mapping, optional
        Environment to update; default ``os.environ``.

    Returns
    -------
    environ : mutable mapping
        The updated environment.
    """
    environ = os.environ if environ is None else environ
    environ.update(hdf5_locking_environment(locking))
    return environ
