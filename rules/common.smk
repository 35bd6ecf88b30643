# Workflow-level Python: config validation, the recordings list, config slices, targets.
import os
import sys

# The repository's own motivic package, at parse time; jobs get it via workflow_scripts/_common.py.
sys.path.insert(0, workflow.basedir)

from motivic import pitch as _pitch
from motivic import splits as _splits
from motivic.corpus import synth as _synth
from motivic.core.config import cfg_slice as _cfg_slice
from motivic.core.config import evaluation_params as _evaluation_params
from motivic.core.config import training_params as _training_params
from motivic.corpus.clips import check_clip_splits, scan_clips
from motivic.core.config import validate_config
from motivic.corpus.recordings import load_recordings, read_metadata
from motivic.core.errors import MotivicError
from motivic.workflow import storage as _storage
from motivic.workflow.provenance import code_digest as _code_digest

try:
    validate_config(config, source="configuration")
except MotivicError as _err:
    raise WorkflowError(str(_err)) from None

# Jobs inherit this process's environment (SLURM jobs too, and they re-parse this file): HDF5
# opens every store with or without file locks as storage.hdf5_locking says (motivic/workflow/storage.py).
_storage.apply_hdf5_locking(config["storage"]["hdf5_locking"])

SYNTH = config["corpus"]["mode"] == "synth"
CLIPS = config["corpus"]["mode"] == "clips"
CLIP_AUDIO = {}  # clip id -> audio file (clips mode)

if not CLIPS and not config["corpus"].get("metadata"):
    raise WorkflowError(f"configuration: corpus.metadata is required in {config['corpus']['mode']} mode")
try:
    check_clip_splits(config["corpus"]["mode"], config["split"])
except MotivicError as _err:
    raise WorkflowError(f"configuration: {_err}") from None
if CLIPS and "nonmotivic" in config["datasets"]:
    raise WorkflowError(
        "configuration: corpus.mode clips has no recordings to draw non-motivic segments from; "
        "set datasets: [motivic]"
    )

if SYNTH:
    RECORDINGS = _synth.recording_ids(
        n_classes=config["synth"]["n_classes"],
        recordings_per_class=config["synth"]["recordings_per_class"],
    )
    AUDIO = {r: f"{config['corpus']['audio_root']}/audio/{r}.wav" for r in RECORDINGS}
elif CLIPS:
    try:
        _clips = scan_clips(
            config["corpus"]["audio_root"],
            label=config["corpus"]["label"],
            metadata=config["corpus"].get("metadata"),
        )
    except MotivicError as _err:
        raise WorkflowError(str(_err)) from None
    RECORDINGS, AUDIO = [], {}
    CLIP_AUDIO = {  # names that cannot be read are reported by index_clips, not decoded
        c: os.path.join(config["corpus"]["audio_root"], p)
        for c, p, check in zip(_clips["clip"], _clips["path"], _clips["name_check"])
        if check != "bad_layout"
    }
else:
    try:
        _sheet = read_metadata(config["corpus"]["metadata"])
    except MotivicError as _err:
        raise WorkflowError(str(_err)) from None
    RECORDINGS = list(_sheet["recording"])
    AUDIO = {
        r: os.path.join(config["corpus"]["audio_root"], p)
        for r, p in zip(_sheet["recording"], _sheet["path"])
    }

MODELS = list(config["models"])
DATASETS = list(config["datasets"])
SPLITS = list(config["split"]["strategies"])


wildcard_constraints:
    recording="|".join(map(re.escape, RECORDINGS)) if RECORDINGS else "NONE",
    model="|".join(MODELS),
    dataset="motivic|nonmotivic",
    split="|".join(_splits.STRATEGIES),
    fold=r"\d+",
    seed=r"\d+",
    augment="none|frequency|time|both",
    feature_set="[A-Za-z0-9_]+",


def code_digest(script):
    """Param: digest of workflow_scripts/``script`` and the motivic code it reaches.

    Editing library code a rule can run reruns that rule (and so its consumers), and nothing
    that cannot run the edited code (motivic/workflow/provenance.py). Docstrings and comments don't count.
    """
    return _code_digest(os.path.join(workflow.basedir, "workflow_scripts", script), workflow.basedir)


def cfg_slice(*keys):
    """Config slice (keys sorted) for a rule's params: changing it reruns the rule."""
    return _cfg_slice(config, *keys)


def training_params():
    """Param: the training slice that identifies a trained model (no run-time keys)."""
    return _training_params(cfg_slice("training"))


def evaluation_params():
    """Param: the training keys an evaluation of a checkpoint reads."""
    return _evaluation_params(cfg_slice("training"))


# Run-time settings of the torch rules, passed as resources (changing them reruns nothing):
# loader_workers = training.num_workers, torch_device = training.device,
# channels_last = training.channels_last (0/1).
RUNTIME_TRAINING = {
    "loader_workers": int(config["training"].get("num_workers", 0)),
    "torch_device": str(config["training"].get("device", "auto")),
    "channels_last": int(bool(config["training"].get("channels_last", False))),
}


def attempt_scaled(base):
    """Resource callable: ``base`` times the attempt, so a retried job gets more memory and time.

    Snakemake passes ``attempt`` (1, then 2 with ``--retries 1``, ...). The SLURM profile writes
    the same policy as ``"2000 * attempt"`` in ``set-resources``.
    """
    return lambda wildcards, attempt: base * attempt


# Conda env of train_model (envs.train_model): envs/torch.yaml (CPU) or envs/torch-cuda.yaml.
TRAIN_ENV = f"../envs/{config['envs']['train_model']}.yaml"


def model_options(model):
    """A model's options without the feature-set key."""
    options = cfg_slice("models", model)
    options.pop("features", None)
    return options


def model_feature_set(model):
    """Feature set a model trains on (models.<name>.features, else the first one)."""
    return (config["models"][model] or {}).get("features", next(iter(config["features"])))


def get_audio(wildcards):
    return AUDIO[wildcards.recording]


def validation_audio():
    """Audio the validation checkpoint reads: all of it (synth), else the files that exist.

    A metadata row whose file is missing cannot be an input; validation reports it instead.
    Adding the file later changes the input set, which reruns validation.
    """
    paths = AUDIO.values() if SYNTH else [p for p in AUDIO.values() if os.path.isfile(p)]
    return [p for p in paths if "{" not in p and "}" not in p]  # braces: reported as bad_name


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


def valid_audio(wildcards):
    return [AUDIO[r] for r in valid_recordings()]


def store_audio_files(wildcards):
    """Audio a feature store reads: the valid recordings, or every clip (clips mode)."""
    return list(CLIP_AUDIO.values()) if CLIPS else valid_audio(wildcards)


def store_audio_paths():
    """Param: source id -> audio file for build_mel_store."""
    return dict(CLIP_AUDIO) if CLIPS else {r: AUDIO[r] for r in RECORDINGS}


# --- melodic stage: rules/pitch.smk, rules/motifs.smk, rules/plots.smk ---------------------

PLOT_TARGETS = ["results/plots/contour/index.tsv"] if config["plots"]["contour"]["activate"] else []


def pitch_params(method):
    """The pitch slice for one backend: its own options only (no evaluation keys)."""
    return _pitch.method_options(cfg_slice("pitch"), method)


def _f0_references():
    """Recording -> f0 reference (MIREX CSV) for evaluate_pitch.

    Synth mode: the synthesiser's ground truth, {audio_root}/f0/{recording}.csv. Recordings
    mode: the sheet's optional f0 column (path relative to corpus.audio_root; blank = none).
    """
    root = config["corpus"]["audio_root"]
    if SYNTH:
        return {r: f"{root}/f0/{r}.csv" for r in RECORDINGS}
    if CLIPS or "f0" not in _sheet.columns:
        return {}
    pairs = zip(_sheet["recording"], _sheet["f0"].str.strip())
    return {r: os.path.join(root, f0) for r, f0 in pairs if f0}


F0_REFERENCES = _f0_references()


def pitch_eval_tracks():
    """(method, recording, estimate) of every track evaluate_pitch scores.

    The pipeline's own tracks (pitch.method) on every valid recording with an f0 reference
    (F0_REFERENCES); each other backend of pitch.evaluate_methods on pitch.evaluate_subset of
    them spread over the corpus, extracted under results/eval/pitch/{method}/ so the main pitch
    jobs never rerun.
    """
    main = config["pitch"]["method"]
    recordings = [r for r in valid_recordings() if r in F0_REFERENCES]
    tracks = [(main, r, f"results/pitch/{r}.csv") for r in recordings]
    subset = _pitch.evaluation_subset(recordings, config["pitch"]["evaluate_subset"])
    for method in dict.fromkeys(config["pitch"]["evaluate_methods"]):
        if method != main:
            tracks += [(method, r, f"results/eval/pitch/{method}/{r}.csv") for r in subset]
    return tracks


def get_eval_pitch_estimates(wildcards):
    return [path for _, _, path in pitch_eval_tracks()]


def get_eval_pitch_references(wildcards):
    return [F0_REFERENCES[r] for _, r, _ in pitch_eval_tracks()]


def get_eval_pitch_tracks(wildcards):
    """Param: [method, recording] of each estimate (changing the set reruns the evaluation)."""
    return [[m, r] for m, r, _ in pitch_eval_tracks()]


def mining_params():
    """The mining slice as mine_closed_patterns keywords (scope picks the rule variant)."""
    cfg = cfg_slice("mining")
    cfg.pop("scope", None)
    return cfg


def contour_plot_params():
    """The plot slice without the activate flag (switching it on reruns nothing else)."""
    cfg = cfg_slice("plots", "contour")
    cfg.pop("activate", None)
    return cfg


def get_contour_plot_inputs(wildcards):
    inputs = {
        "pitch": f"results/pitch/{wildcards.recording}.csv",
        "contour": f"results/contour/{wildcards.recording}.tsv",
        "occurrences": "results/motifs/occurrences.tsv",
        "recordings": "results/corpus/recordings.tsv",
    }
    if SYNTH:
        inputs["planted"] = f"{config['corpus']['audio_root']}/motifs/{wildcards.recording}.tsv"
    return inputs


def get_final_output():
    targets = ["results/tables/table1.csv", "results/tables/table1.md"]
    if TABLE2_RUNS:  # rules/report.smk: augment.policies × augment.table2
        targets += ["results/tables/table2.csv", "results/tables/table2.md"]
    targets += COMPARISON_TARGETS  # rules/report.smk: motivic vs non-motivic, paired
    targets += PROTOCOL_TARGETS  # rules/report.smk: the authors' clip-level protocol beside others
    if SYNTH:
        targets += ["results/eval/pitch.tsv", "results/eval/motifs.tsv"]
    elif F0_REFERENCES:  # recordings mode with an f0 column in the sheet: pitch scored too
        targets += ["results/eval/pitch.tsv"]
    if CLIPS:  # rules/motifs.smk: each clip's tokens against the pattern in its file name
        targets += ["results/eval/clip_patterns.tsv"]
    if not CLIPS:  # rules/motifs.smk: do a motif's occurrences sound alike?
        targets += ["results/motifs/coherence.tsv"]
    if config["melodic_summary"]["activate"] and not CLIPS:  # rules/motifs.smk: melodic stage in numbers
        targets += ["results/eval/melodic_summary.tsv"]
    targets += PLOT_TARGETS  # rules/plots.smk: plots.contour.activate
    if not CLIPS:  # rules/browser.smk: distinctive motifs per class and the motif browser
        targets += ["results/motifs/distinctive.tsv"]
        targets += ["results/browser"] if config["browser"]["activate"] else []
    return targets


# --- tables: rules/report.smk (split folds are known once split_segments has run) ---------


def split_folds(dataset, split):
    """Fold numbers of a strategy: from the config, or (logo) from the written split."""
    n = _splits.fold_count(config["split"], split)
    if n is None:
        summary = checkpoints.split_segments.get(dataset=dataset, split=split).output.summary
        n = _splits.read_fold_count(summary)
    return range(n)


def run_files(cells, name):
    """Input function: file ``name`` of every run (fold × seed) of ``cells``."""

    def inner(wildcards):
        return [f"{run.path}/{name}" for run in _grid.expand_runs(cells, config, split_folds)]

    return inner
