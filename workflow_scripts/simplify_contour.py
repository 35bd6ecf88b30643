"""Rule simplify_contour: f0 → phrases of signed interval classes with time spans."""

from _common import setup_logging

from motivic import contour
from motivic.pitch import load_pitch_csv

log = setup_logging(snakemake)
track = load_pitch_csv(snakemake.input[0])
phrases = contour.simplify(track.times_s, track.f0_hz, **snakemake.params.cfg)
log.info("%d phrases, %d tokens", len(phrases), sum(len(p.tokens) for p in phrases))
contour.write_phrases(phrases, snakemake.output[0])
