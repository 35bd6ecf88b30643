"""Rule evaluate_motifs: planted-motif recall and mined-motif precision on the demo corpus."""

from pathlib import Path

import pandas as pd
from _common import setup_logging

from motivic.core.io import atomic_path
from motivic.corpus.recordings import load_recordings
from motivic.mining.recall import motif_quality

log = setup_logging(snakemake)
recordings = load_recordings(snakemake.input.recordings)
labels = dict(zip(recordings["recording"], recordings["label"]))
planted = pd.concat(
    [pd.read_csv(p, sep="\t").assign(recording=Path(p).stem) for p in snakemake.input.planted],
    ignore_index=True,
)
mined = pd.read_csv(snakemake.input.occurrences, sep="\t", dtype={"recording": str, "motif_id": str})
table = motif_quality(planted, mined, labels, min_iou=snakemake.params.min_iou)
log.info("motif quality:\n%s", table.to_string(index=False))
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
