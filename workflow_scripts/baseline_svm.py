"""Rule baseline_svm: the SVM baseline ``{baseline}`` (Choi 2018, ch. 6) on one fold.

``mfcc_svm`` reads MFCC statistics; ``convnet_svm`` (in-domain), ``convnet_svm_transfer`` and
``convnet_svm_random`` the layer averages of a convnet trained on the same split, trained
elsewhere, or with seeded random weights.
"""

from _common import setup_logging, training_settings, write_scored_run

from motivic.baselines import runs
from motivic.core.config import schema_defaults

log = setup_logging(snakemake)
w = snakemake.wildcards
cfg = {**schema_defaults("baselines", w.baseline), **snakemake.params.cfg}
svm = {
    "grid": cfg["grid"],
    "seed": cfg["seed"] + int(w.seed),
    "class_weighting": snakemake.params.class_weighting,
}
inputs = snakemake.input
if w.baseline == "mfcc_svm":
    metrics, predictions, matrix = runs.mfcc_svm_run(
        inputs.store, inputs.split, n_mfcc=cfg["n_mfcc"], **svm
    )
elif w.baseline == "convnet_svm_random":
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, None, training=training_settings(snakemake), source="random",
        random_model=cfg["architecture"],
        random_seed=cfg["weights_seed"] + int(w.seed), **svm
    )
elif w.baseline == "convnet_svm_transfer":
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, inputs.checkpoint, training=training_settings(snakemake),
        source="transfer", **svm
    )
elif w.baseline == "convnet_svm":
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, inputs.checkpoint, training=training_settings(snakemake), **svm
    )
else:
    raise ValueError(f"baseline_svm: unknown baseline {w.baseline!r}")
write_scored_run(
    snakemake, log, metrics, predictions, matrix,
    augment="none",
    seed=svm["seed"],
    title=f"{w.baseline} · {w.dataset} · {w.split}",
)
