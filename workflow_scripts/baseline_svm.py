"""Rules mfcc_svm and convnet_svm[_random|_transfer]: an SVM baseline (Choi 2018, ch. 6) on one split."""

from _common import setup_logging, training_settings, write_scored_run

from motivic.baselines import runs

log = setup_logging(snakemake)
cfg = dict(snakemake.params.cfg)
svm = {
    "grid": cfg.get("grid"),
    "seed": cfg.get("seed", 0) + int(snakemake.wildcards.seed),
    "class_weighting": snakemake.params.class_weighting,
}
inputs = snakemake.input
if snakemake.rule == "mfcc_svm":
    metrics, predictions, matrix = runs.mfcc_svm_run(
        inputs.store, inputs.split, n_mfcc=cfg.get("n_mfcc", 20), **svm
    )
elif snakemake.rule == "convnet_svm_random":
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, None, training=training_settings(snakemake), source="random",
        random_model=cfg.get("architecture", "compact_convnet"),
        random_seed=cfg.get("weights_seed", 0) + int(snakemake.wildcards.seed), **svm
    )
elif snakemake.rule == "convnet_svm_transfer":
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, inputs.checkpoint, training=training_settings(snakemake),
        source="transfer", **svm
    )
else:
    metrics, predictions, matrix = runs.convnet_svm_run(
        inputs.store, inputs.split, inputs.checkpoint, training=training_settings(snakemake), **svm
    )
w = snakemake.wildcards
write_scored_run(
    snakemake, log, metrics, predictions, matrix,
    augment="none",
    seed=svm["seed"],
    title=f"{snakemake.rule} · {w.dataset} · {w.split}",
)
