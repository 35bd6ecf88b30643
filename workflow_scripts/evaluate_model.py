"""Rule evaluate_model: test-split metrics, predictions and confusion matrix of one checkpoint."""

import torch
from _common import setup_logging

from motivic.experiment import evaluate_run
from motivic.io import atomic_path, write_json

log = setup_logging(snakemake)
torch.set_num_threads(snakemake.threads)
metrics, predictions, matrix = evaluate_run(
    snakemake.input.store,
    snakemake.input.split,
    snakemake.input.checkpoint,
    training=snakemake.params.training,
)
metrics.update(
    dataset=snakemake.wildcards.dataset,
    split=snakemake.wildcards.split,
    augment=snakemake.params.augment_policy,
    seed=snakemake.params.training["seed"],
    confusion=matrix.tolist(),
)
log.info("test accuracy %.3f, macro F1 %.3f", metrics["accuracy"], metrics["f1"])
write_json(metrics, snakemake.output.metrics)
with atomic_path(snakemake.output.predictions) as tmp:
    predictions.to_csv(tmp, sep="\t", index=False, float_format="%.5f")
