"""Rule train_model: train one model on one dataset's store and split, with one masking policy,
then score its best checkpoint on the fold's test part."""

import torch
from _common import setup_logging, training_settings, write_scored_run

from motivic import seed_everything
from motivic.core.io import atomic_path
from motivic.report import figures
from motivic.train.runs import evaluate_run, train_run

log = setup_logging(snakemake)
training = training_settings(snakemake)
torch.set_num_threads(snakemake.threads)
seed_everything(training["seed"])
w = snakemake.wildcards
title = f"{w.model} · {w.dataset} · {w.split} · {w.augment}"
history = train_run(
    snakemake.input.store,
    snakemake.input.split,
    model_name=w.model,
    model_options=snakemake.params.model,
    training=training,
    augment=snakemake.params.augment,
    checkpoint_path=snakemake.output.checkpoint,
)
log.info("best epoch %s, best validation score %.4f", history.best_epoch, history.best_score)
frame = history.to_frame()
with atomic_path(snakemake.output.history) as tmp:
    frame.to_csv(tmp, sep="\t", index=False)
figures.plot_curves(frame, snakemake.output.curves, title=title)

metrics, predictions, matrix = evaluate_run(
    snakemake.input.store, snakemake.input.split, snakemake.output.checkpoint, training=training
)
write_scored_run(
    snakemake, log, metrics, predictions, matrix,
    augment=w.augment, seed=training["seed"], title=title,
)
