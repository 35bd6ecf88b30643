"""Rule split_segments: the train/val/test split every model of a dataset shares."""

import pandas as pd
from _common import setup_logging

from motivic import segments

log = setup_logging(snakemake)
cfg = snakemake.params.cfg
segs = pd.read_csv(snakemake.input[0], sep="\t", dtype=str, keep_default_na=False)
split = segments.assign_splits(
    segs,
    strategy=snakemake.wildcards.split,
    fractions=tuple(cfg["fractions"]),
    seed=cfg["seed"],
    small_labels=cfg.get("small_labels", "error"),
)
log.info("split %s: %s", snakemake.wildcards.split, split.value_counts().to_dict())
segments.write_split(segs, split, snakemake.output[0])
