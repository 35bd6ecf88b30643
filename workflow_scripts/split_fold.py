"""Rule split_fold: one fold of a strategy's fold table, as the train/val/test file its runs read."""

import pandas as pd
from _common import setup_logging

from motivic import splits

log = setup_logging(snakemake)
fold = int(snakemake.wildcards.fold)
parts = splits.load_split(snakemake.input[0], fold=fold)
segs = pd.DataFrame({"segment_id": parts.index.astype(str)})
splits.write_split(segs, pd.Series(parts.to_numpy(), index=segs.index), snakemake.output[0])
log.info("fold %d: %s", fold, parts.value_counts().to_dict())
