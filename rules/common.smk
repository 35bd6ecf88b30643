# Workflow-level Python: config validation, the corpus, the wildcards every stage shares, config
# slices, code digests, resources and the targets. The names defined here are the only ones the
# stage files share, apart from rule outputs a later stage reads (FOLD_SPLIT, rules/splits.smk)
# and the functions of an earlier stage (each file uses names of earlier files only).
import os
import sys

# The repository's own motivic package, at parse time; jobs get it via workflow_scripts/_common.py.
sys.path.insert(0, workflow.basedir)

from motivic.core.config import cfg_slice as _cfg_slice
from motivic.core.config import validate_config
from motivic.core.errors import MotivicError
from motivic.workflow import grid as _grid
from motivic.workflow import inputs as _inputs
from motivic.workflow import storage as _storage
from motivic.workflow.provenance import code_digest as _code_digest

try:
    validate_config(config, source="configuration")
    _grid.check_grid(config)
    # corpus.mode and the files it names (motivic/workflow/inputs.py)
    CORPUS = _inputs.load_corpus(config)
except MotivicError as _err:
    raise WorkflowError(str(_err)) from None

# Jobs inherit this process's environment (SLURM jobs too, and they re-parse this file): HDF5
# opens every store with or without file locks as storage.hdf5_locking says (motivic/workflow/storage.py).
_storage.apply_hdf5_locking(config["storage"]["hdf5_locking"])


wildcard_constraints:
    recording="|".join(map(re.escape, CORPUS.recordings)) if CORPUS.recordings else "NONE",
    model="|".join(config["models"]),
    dataset="motivic|nonmotivic",
    split="random|group|group_kfold|logo",
    fold=r"\d+",
    seed=r"\d+",
    augment="none|frequency|time|both",
    feature_set="[A-Za-z0-9_]+",


def code_digest(script):
    """Param: digest of workflow_scripts/``script`` and the motivic code it reaches.

    Editing library code a rule can run reruns that rule (and so its consumers), and nothing
    that cannot run the edited code (motivic/workflow/provenance.py). Docstrings and comments don't count.
    """
    return _code_digest(
        os.path.join(workflow.basedir, "workflow_scripts", script), workflow.basedir
    )


def cfg_slice(*keys):
    """Config slice (keys sorted) for a rule's params: changing it reruns the rule."""
    return _cfg_slice(config, *keys)


def attempt_scaled(base):
    """Resource callable: ``base`` times the attempt, so a retried job gets more memory and time.

    Snakemake passes ``attempt`` (1, then 2 with ``--retries 1``, ...). The SLURM profile writes
    the same policy as ``"2000 * attempt"`` in ``set-resources``.
    """
    return lambda wildcards, attempt: base * attempt


# Run-time settings of the torch rules (rules/train.smk, rules/baselines.smk), passed as resources
# (changing them reruns nothing): loader_workers = training.num_workers, torch_device =
# training.device, channels_last = training.channels_last (0/1).
RUNTIME_TRAINING = {
    "loader_workers": int(config["training"].get("num_workers", 0)),
    "torch_device": str(config["training"].get("device", "auto")),
    "channels_last": int(bool(config["training"].get("channels_last", False))),
}


def get_final_output():
    """Targets of ``rule all`` (motivic/workflow/inputs.py, final_targets)."""
    return _inputs.final_targets(config, CORPUS)
