"""Rule index_contour_plots: the list of contour figures (recording, path)."""

from pathlib import Path

import pandas as pd
from _common import setup_logging

from motivic.core.io import atomic_path

log = setup_logging(snakemake)
table = pd.DataFrame({"recording": [Path(p).stem for p in snakemake.input], "path": snakemake.input})
log.info("%d contour figures", len(table))
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False)
