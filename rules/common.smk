# Workflow-level Python: config validation, the recordings list, config slices, targets.
import os
import sys

# The repository's own motivic package, at parse time; jobs get it via workflow_scripts/_common.py.
sys.path.insert(0, workflow.basedir)

from motivic import synth as _synth
from motivic.config import cfg_slice as _cfg_slice
from motivic.config import validate_config
from motivic.corpus import read_metadata
from motivic.errors import MotivicError

try:
    validate_config(config, source="configuration")
except MotivicError as _err:
    raise WorkflowError(str(_err)) from None

SYNTH = config["corpus"]["mode"] == "synth"

if SYNTH:
    RECORDINGS = _synth.recording_ids(
        n_classes=config["synth"]["n_classes"],
        recordings_per_class=config["synth"]["recordings_per_class"],
    )
    AUDIO = {r: f"{config['corpus']['audio_root']}/audio/{r}.wav" for r in RECORDINGS}
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
    split="random|group",
    feature_set="[A-Za-z0-9_]+",


def cfg_slice(*keys):
    """Config slice (keys sorted) for a rule's params: changing it reruns the rule."""
    return _cfg_slice(config, *keys)


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


def get_final_output():
    targets = ["results/tables/table1.csv", "results/tables/table1.md"]
    if SYNTH:
        targets += ["results/eval/pitch.tsv", "results/eval/motifs.tsv"]
    return targets
