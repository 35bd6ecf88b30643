"""Rule collect_motifs: per-recording motifs → the collection's motif dictionary."""

from pathlib import Path

import pandas as pd
from _common import setup_logging

from motivic import mining
from motivic.core.io import atomic_path
from motivic.corpus.recordings import load_recordings

log = setup_logging(snakemake)
recordings = load_recordings(snakemake.input.recordings)
labels = dict(zip(recordings["recording"], recordings["label"]))
per_recording = {
    Path(path).stem: pd.read_csv(path, sep="\t", dtype={"pattern": str}) for path in snakemake.input.motifs
}
empty = sorted(r for r, table in per_recording.items() if table.empty)
if empty:
    log.warning("%d recordings yielded no motif: %s", len(empty), ", ".join(empty))
dictionary, occurrences = mining.build_dictionary(per_recording, labels)
log.info("dictionary: %d motifs, %d occurrences", len(dictionary), len(occurrences))
for table, path in ((dictionary, snakemake.output.dictionary), (occurrences, snakemake.output.occurrences)):
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
