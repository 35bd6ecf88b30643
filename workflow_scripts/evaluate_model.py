"""Rule evaluate_model: test-split metrics, predictions and confusion matrix of one checkpoint."""

import torch
from _common import setup_logging

from motivic import report
from motivic.experiment import evaluate_run
from motivic.io import atomic_path, write_json

log = setup_logging(snakemake)
torch.set_num_threads(snakemake.threads)
w = snakemake.wildcards
metrics, predictions, matrix = evaluate_run(
    snakemake.input.store,
    snakemake.input.split,
    snakemake.input.checkpoint,
    training=snakemake.params.training,
)
metrics.update(
    dataset=w.dataset,
    split=w.split,
    augment=w.augment,
    seed=snakemake.params.training["seed"],
    confusion=matrix.tolist(),
)
log.info("test accuracy %.3f, macro F1 %.3f", metrics["accuracy"], metrics["f1"])
write_json(metrics, snakemake.output.metrics)
with atomic_path(snakemake.output.predictions) as tmp:
    predictions.to_csv(tmp, sep="\t", index=False, float_format="%.5f")
report.plot_confusion(
    matrix,
    metrics["labels"],
    snakemake.output.confusion,
    title=f"{w.model} · {w.dataset} · {w.split} · {w.augment}",
)
