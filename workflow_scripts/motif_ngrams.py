"""Rule motif_ngrams_baseline: interval-class n-grams + logistic regression on one fold."""

from pathlib import Path

import pandas as pd
from _common import setup_logging, write_scored_run

from motivic.baselines import ngrams
from motivic.contour import load_phrases
from motivic.core.io import atomic_path

log = setup_logging(snakemake)
cfg = dict(snakemake.params.cfg)
inputs = snakemake.input
segments = pd.read_csv(inputs.segments, sep="\t", dtype=str, keep_default_na=False)
segments[["start_s", "end_s"]] = segments[["start_s", "end_s"]].astype(float)
if snakemake.params.clips and cfg.get("clip_tokens", "contour") == "published":
    runs = ngrams.published_runs(segments)
elif snakemake.params.clips:
    runs = ngrams.clip_runs(segments, ngrams.load_clip_tokens(inputs.clip_tokens))
else:
    phrases = {Path(p).stem: load_phrases(p) for p in inputs.contours}
    runs = ngrams.segment_runs(segments, phrases)
run = ngrams.motif_ngrams_run(
    segments,
    inputs.split,
    runs,
    n_max=cfg.get("n_max", 3),
    motif_ids=cfg.get("motif_ids", False),
    C_grid=cfg.get("C", ngrams.DEFAULT_C_GRID),
    class_weighting=snakemake.params.class_weighting,
    max_iter=cfg.get("max_iter", 1000),
    top_k=cfg.get("top_k", 20),
)
for name, table in (("weights", run.weights), ("recordings", run.recordings)):
    with atomic_path(snakemake.output[name]) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.5f")
w = snakemake.wildcards
write_scored_run(
    snakemake, log, run.metrics, run.predictions, run.confusion,
    augment="none",
    seed=int(w.seed),
    title=f"motif_ngrams · {w.dataset} · {w.split}",
)
log.info("recording level: accuracy %.3f over %d recordings",
         run.metrics["recording_level_accuracy"], run.metrics["recording_level_n"])
