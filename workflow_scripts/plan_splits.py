"""Rule plan_splits: the folds of one split strategy, drawn once for every dataset of a comparison."""

import pandas as pd
from _common import setup_logging

from motivic import splits

log = setup_logging(snakemake)


def read_segments(path):
    segs = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    for column in ("start_s", "end_s"):
        if column in segs.columns:
            segs[column] = segs[column].astype(float)
    return segs


tables = {d: read_segments(p) for d, p in zip(snakemake.params.datasets, snakemake.input)}
plan = splits.make_plan(tables, strategy=snakemake.wildcards.split, **snakemake.params.cfg)
summary = splits.write_plan(plan, snakemake.output.plan, snakemake.output.summary)
for label, reason in plan.sat_out.items():
    log.warning("label %r sits out every fold: %s", label, reason)
log.info("%s (%s): %d fold(s)\n%s", plan.strategy.name, plan.method, plan.n_folds, summary.to_string())
