"""Rule split_segments: the folds of one split strategy, shared by every model of a dataset."""

import pandas as pd
from _common import setup_logging

from motivic import splits

log = setup_logging(snakemake)
segs = pd.read_csv(snakemake.input[0], sep="\t", dtype=str, keep_default_na=False)
for column in ("start_s", "end_s"):
    if column in segs.columns:
        segs[column] = segs[column].astype(float)
plan = splits.make_folds(segs, strategy=snakemake.wildcards.split, **snakemake.params.cfg)
summary = splits.write_folds(segs, plan, snakemake.output.folds, snakemake.output.summary)
for label, reason in plan.sat_out.items():
    log.warning("label %r sits out every fold: %s", label, reason)
log.info("%s (%s): %d fold(s)\n%s", plan.strategy, plan.method, plan.n_folds, summary.to_string())
