"""Rules mfcc_svm and convnet_svm: an SVM baseline (Choi 2018, ch. 6) trained and scored on one split."""

from _common import setup_logging

from motivic import experiment, report
from motivic.io import atomic_path, write_json

log = setup_logging(snakemake)
cfg = dict(snakemake.params.cfg)
svm = {"grid": cfg.get("grid"), "seed": cfg.get("seed", 0)}
inputs = snakemake.input
if snakemake.rule == "mfcc_svm":
    metrics, predictions, matrix = experiment.mfcc_svm_run(
        inputs.store, inputs.split, n_mfcc=cfg.get("n_mfcc", 20), **svm
    )
else:
    metrics, predictions, matrix = experiment.convnet_svm_run(
        inputs.store, inputs.split, inputs.checkpoint, training=snakemake.params.training, **svm
    )
w = snakemake.wildcards
metrics.update(
    dataset=w.dataset, split=w.split, augment="none", seed=svm["seed"], confusion=matrix.tolist()
)
log.info(
    "%s: test accuracy %.3f, macro F1 %.3f", snakemake.rule, metrics["accuracy"], metrics["f1"]
)
write_json(metrics, snakemake.output.metrics)
with atomic_path(snakemake.output.predictions) as tmp:
    predictions.to_csv(tmp, sep="\t", index=False, float_format="%.5f")
report.plot_confusion(
    matrix,
    metrics["labels"],
    snakemake.output.confusion,
    title=f"{snakemake.rule} · {w.dataset} · {w.split}",
)
