"""Rule rank_distinctive_motifs: dictionary + occurrences + recordings → results/motifs/distinctive.tsv."""

from _common import setup_logging

from motivic.corpus.recordings import load_recordings
from motivic.mining import read_table, write_table
from motivic.mining.distinctive import distinctive_motifs

log = setup_logging(snakemake)
cfg = snakemake.params.cfg
recordings = load_recordings(snakemake.input.recordings)
table = distinctive_motifs(
    read_table(snakemake.input.occurrences),
    read_table(snakemake.input.dictionary),
    dict(zip(recordings["recording"], recordings["label"].astype(str))),
    prior_scale=cfg["prior_scale"],
    min_recordings=cfg["min_recordings"],
)
log.info("%d ranked (class, motif) rows over %d classes", len(table), table["label"].nunique())
write_table(table, snakemake.output[0])
