"""Helpers shared by the workflow scripts (never imported by the library)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

# Jobs import the repository's motivic package, also in conda environments that only
# hold third-party dependencies (envs/*.yaml).
REPOSITORY = str(Path(__file__).resolve().parent.parent)
if REPOSITORY not in sys.path:
    sys.path.insert(0, REPOSITORY)


def setup_logging(snakemake, level: int = logging.INFO) -> logging.Logger:
    """Send logging and stderr of this job to the rule's log file.

    Returns the logger scripts use for their own messages.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        stream = open(log_path, "w", buffering=1, encoding="utf-8")
        sys.stderr = stream
        handlers = [logging.StreamHandler(stream)]
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    log = logging.getLogger(f"motivic.workflow.{snakemake.rule}")
    # set by the workflow from storage.hdf5_locking (rules/common.smk, motivic/workflow/storage.py)
    log.info("HDF5_USE_FILE_LOCKING=%s", os.environ.get("HDF5_USE_FILE_LOCKING", "(unset)"))
    return log


def training_settings(snakemake) -> dict:
    """The rule's ``training`` params with the run-time settings its resources carry.

    ``training.num_workers``, ``device`` and ``channels_last`` travel as resources
    (motivic.core.config.runtime_resources), so changing them reruns nothing.
    """
    from motivic.core.config import with_runtime_settings

    return with_runtime_settings(snakemake.params.training, snakemake.resources)


def progress_bar(total: int, desc: str):
    """A tqdm progress callback ``(done, total)`` writing to the job log at a low refresh rate."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, mininterval=10, ascii=True)

    def update(done: int, total: int = total) -> None:
        bar.total = total
        bar.update(done - bar.n)
        if bar.n >= bar.total:
            bar.close()

    return update


def write_scored_run(snakemake, log, metrics, predictions, matrix, *, augment, seed, title):
    """Write a scored run's metrics JSON, predictions TSV and confusion-matrix PNG."""
    from motivic.core.io import atomic_path, write_json
    from motivic.report import figures

    w = snakemake.wildcards
    metrics.update(
        dataset=w.dataset,
        split=w.split,
        fold=int(w.fold),
        seed=int(w.seed),
        model_seed=seed,
        augment=augment,
        confusion=matrix.tolist(),
    )
    log.info("%s: test accuracy %.3f, macro F1 %.3f", title, metrics["accuracy"], metrics["f1"])
    write_json(metrics, snakemake.output.metrics)
    with atomic_path(snakemake.output.predictions) as tmp:
        predictions.to_csv(tmp, sep="\t", index=False, float_format="%.5f")
    figures.plot_confusion(matrix, metrics["labels"], snakemake.output.confusion, title=title)
