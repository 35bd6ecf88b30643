"""Rule evaluate_model: test-split metrics, predictions and confusion matrix of one checkpoint."""

import torch
from _common import setup_logging, training_settings, write_scored_run

from motivic.train.runs import evaluate_run

log = setup_logging(snakemake)
torch.set_num_threads(snakemake.threads)
w = snakemake.wildcards
metrics, predictions, matrix = evaluate_run(
    snakemake.input.store,
    snakemake.input.split,
    snakemake.input.checkpoint,
    training=training_settings(snakemake),
)
write_scored_run(
    snakemake, log, metrics, predictions, matrix,
    augment=w.augment,
    seed=snakemake.params.training["seed"],
    title=f"{w.model} · {w.dataset} · {w.split} · {w.augment}",
)
