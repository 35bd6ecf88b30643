"""Rule split_segments: one dataset's folds under its strategy's shared plan (rule plan_splits)."""

import pandas as pd
from _common import setup_logging

from motivic import splits

log = setup_logging(snakemake)
segs = pd.read_csv(snakemake.input.segments, sep="\t", dtype=str, keep_default_na=False)
plan = splits.read_plan(snakemake.input.plan, snakemake.input.summary)
folds = splits.apply_plan(segs, plan, snakemake.wildcards.dataset)
summary = splits.write_folds(segs, folds, snakemake.output.folds, snakemake.output.summary)
log.info("%s (%s): %d fold(s)\n%s", folds.strategy, folds.method, folds.n_folds, summary.to_string())
