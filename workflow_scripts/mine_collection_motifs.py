"""Rule mine_collection_motifs: closed motifs over every phrase of the collection (Gap-BIDE).

Support is the number of phrases of the collection containing the motif. Each row keeps its
recording and the phrase index within that recording; ``support`` is rewritten to the number
of phrases of *that recording* holding the motif, so collect_motifs' per-recording sum gives
back the collection support and the dictionary format is the one of the per-recording scope.
"""

from pathlib import Path

from _common import setup_logging

from motivic import contour, mining
from motivic.core.io import atomic_path

log = setup_logging(snakemake)
by_recording = {Path(path).stem: contour.load_phrases(path) for path in snakemake.input}
sequences = [phrase.tokens for table in by_recording.values() for phrase in table]
patterns = mining.mine_closed_patterns(sequences, **snakemake.params.cfg)
occ = mining.locate_collection(patterns, by_recording)
log.info(
    "%d closed motifs, %d occurrences in %d phrases of %d recordings",
    len(patterns), len(occ), len(sequences), len(by_recording),
)
with atomic_path(snakemake.output[0]) as tmp:
    occ.to_csv(tmp, sep="\t", index=False)
