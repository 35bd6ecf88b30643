# Workflow-level Python: config validation, the corpus, the wildcards every stage shares, config
# slices, code digests, resources and the targets; then the input and param functions of each stage,
# in the order of the stage files. The logic they wrap lives in motivic/workflow/ (inputs.py: the
# corpus modes and input selection; grid.py: the runs; provenance.py: code digests), unit-tested.
# The stage files add only names of their own (lowercase) and FOLD_SPLIT (rules/splits.smk), and
# use only names of the files before them.
import os
import sys

# The repository's own motivic package, at parse time; jobs get it via workflow_scripts/_common.py.
sys.path.insert(0, workflow.basedir)

from motivic import pitch as _pitch
from motivic import splits as _splits
from motivic.core.config import cfg_slice as _cfg_slice
from motivic.core.config import runtime_resources as _runtime_resources
from motivic.core.config import evaluation_params as _evaluation_params
from motivic.core.config import training_params as _training_params
from motivic.core.config import validate_config
from motivic.core.errors import MotivicError
from motivic.corpus.recordings import load_recordings
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
    split="|".join(map(re.escape, config["split"]["strategies"])),
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
RUNTIME_TRAINING = _runtime_resources(config["training"])


def get_final_output():
    """Targets of ``rule all`` (motivic/workflow/inputs.py, final_targets)."""
    return _inputs.final_targets(config, CORPUS)


# --- the corpus (rules/corpus.smk): the recordings that passed validation ---------------------


def valid_recordings():
    """Ids of the recordings that passed validation (checkpoint validate_corpus), in sheet order.

    Every aggregation takes its recordings from here, so excluded recordings never reach it;
    per-recording rules stay wildcard rules whose only input is that recording's audio.
    """
    table = load_recordings(checkpoints.validate_corpus.get().output.recordings)
    return list(table["recording"])


def valid(pattern, **kwargs):
    """Input function: ``pattern`` expanded over the valid recordings (and ``kwargs``)."""

    def inner(wildcards):
        return expand(pattern, recording=valid_recordings(), **kwargs)

    return inner


# --- pitch (rules/pitch.smk) ------------------------------------------------------------------


def get_audio(wildcards):
    return CORPUS.audio[wildcards.recording]


def pitch_params(method):
    """The pitch slice for one backend: its own options only (no evaluation keys)."""
    return _pitch.method_options(cfg_slice("pitch"), method)


def pitch_eval_tracks():
    """(method, recording, estimate) of every track evaluate_pitch scores (inputs.py)."""
    return _inputs.pitch_eval_tracks(config["pitch"], CORPUS, valid_recordings())


def get_eval_pitch_estimates(wildcards):
    return [path for _, _, path in pitch_eval_tracks()]


def get_eval_pitch_references(wildcards):
    return [CORPUS.f0_references[r] for _, r, _ in pitch_eval_tracks()]


def get_eval_pitch_tracks(wildcards):
    """Param: [method, recording] of each estimate (changing the set reruns the evaluation)."""
    return [[m, r] for m, r, _ in pitch_eval_tracks()]


# --- contours and their plots (rules/contour.smk) ---------------------------------------------


def contour_plot_params():
    """The plot slice without the activate flag (switching it on reruns nothing else)."""
    cfg = cfg_slice("plots", "contour")
    cfg.pop("activate", None)
    return cfg


def get_contour_plot_inputs(wildcards):
    return _inputs.contour_plot_inputs(config["corpus"], CORPUS, wildcards.recording)


# --- motif mining (rules/mining.smk) ----------------------------------------------------------


def mining_params():
    """The mining slice as mine_closed_patterns keywords (scope picks the rule variant)."""
    cfg = cfg_slice("mining")
    cfg.pop("scope", None)
    return cfg


# --- feature stores (rules/features.smk) ------------------------------------------------------


def get_store_audio(wildcards):
    """Audio a feature store reads: the valid recordings, or every clip (clips mode)."""
    return _inputs.store_audio_files(CORPUS, valid_recordings)


# --- splits (rules/splits.smk) ----------------------------------------------------------------


def split_folds(dataset, split):
    """Fold numbers of a strategy: from the config, or (logo) from the written plan."""
    n = _splits.fold_count(config["split"], split)
    if n is None:
        summary = checkpoints.plan_splits.get(split=split).output.summary
        n = _splits.read_fold_count(summary)
    return range(n)


# --- training and evaluation (rules/train.smk) ------------------------------------------------


def training_params():
    """Param: the training slice that identifies a trained model (no run-time keys)."""
    return _training_params(cfg_slice("training"))


def evaluation_params():
    """Param: the training keys an evaluation of a checkpoint reads."""
    return _evaluation_params(cfg_slice("training"))


def model_options(model):
    """A model's options without the feature-set key."""
    options = cfg_slice("models", model)
    options.pop("features", None)
    return options


def model_feature_set(model):
    """Feature set a model trains on (models.<name>.features, else the first one)."""
    return _grid.feature_set_for(model, config["models"][model], config["features"])


def get_model_store(wildcards):
    """The feature store a run's model trains on (a store is built only when some model needs it)."""
    return f"results/features/{model_feature_set(wildcards.model)}/{wildcards.dataset}.h5"


# --- baselines (rules/baselines.smk) ----------------------------------------------------------


def get_baseline_store(wildcards):
    """The feature store a baseline reads (motivic/workflow/inputs.py, baseline_feature_set)."""
    feature_set = _inputs.baseline_feature_set(config, wildcards.baseline)
    return f"results/features/{feature_set}/{wildcards.dataset}.h5"


def get_baseline_checkpoint(wildcards):
    """The convnet checkpoint a baseline's features come from, if any (baseline_checkpoint)."""
    path = _inputs.baseline_checkpoint(
        config,
        wildcards.baseline,
        dataset=wildcards.dataset,
        split=wildcards.split,
        fold=wildcards.fold,
        seed=wildcards.seed,
    )
    return path or []


def get_motif_ngrams_tokens(wildcards):
    """Inputs of the symbolic baseline: each clip's tokens (clips mode; none for the published
    patterns, which the segments table holds), else the contour of every valid recording."""
    if CORPUS.clips:
        ngrams = config["baselines"].get("motif_ngrams") or {}
        published = ngrams.get("clip_tokens", "contour") == "published"
        return {} if published else {"clip_tokens": "results/eval/clip_patterns.tsv"}
    return {"contours": valid("results/contour/{recording}.tsv")(wildcards)}


def get_baseline_training(wildcards):
    """Param: the training keys a convnet baseline's forward passes read; none for MFCCs."""
    if wildcards.baseline == "mfcc_svm":
        return {}
    return _grid.run_training(evaluation_params(), wildcards.seed)


# --- tables (rules/report.smk) ----------------------------------------------------------------


def run_files(cells, name):
    """Input function: file ``name`` of every run (fold × seed) of ``cells``."""

    def inner(wildcards):
        return [f"{run.path}/{name}" for run in _grid.expand_runs(cells, config, split_folds)]

    return inner
