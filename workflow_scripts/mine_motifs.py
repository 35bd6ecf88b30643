"""Rule mine_motifs: closed motifs of one recording (Gap-BIDE), every occurrence with its span."""

from _common import setup_logging

from motivic import contour, mining
from motivic.core.io import atomic_path

log = setup_logging(snakemake)
phrases = contour.load_phrases(snakemake.input[0])
patterns = mining.mine_closed_patterns([p.tokens for p in phrases], **snakemake.params.cfg)
occurrences = mining.locate(patterns, phrases)
log.info("%d closed motifs, %d occurrences in %d phrases", len(patterns), len(occurrences), len(phrases))
with atomic_path(snakemake.output[0]) as tmp:
    occurrences.to_csv(tmp, sep="\t", index=False)
