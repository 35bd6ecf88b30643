"""Rule split_collection_motifs: one recording's rows of the collection-scope motif table."""

import pandas as pd
from _common import setup_logging

from motivic import mining
from motivic.core.io import atomic_path

log = setup_logging(snakemake)
occ = pd.read_csv(snakemake.input[0], sep="\t", dtype={"pattern": str, "recording": str})
mine = occ[occ["recording"] == snakemake.wildcards.recording][mining.LOCATE_COLUMNS]
log.info("%d occurrences of %d motifs", len(mine), mine["pattern"].nunique())
with atomic_path(snakemake.output[0]) as tmp:
    mine.to_csv(tmp, sep="\t", index=False)
