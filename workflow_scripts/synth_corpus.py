"""Rule synth_corpus: generate the synthetic demo corpus."""

from pathlib import Path

from _common import setup_logging

from motivic.corpus import synth

log = setup_logging(snakemake)
out_dir = Path(snakemake.output.metadata).parent
cfg = snakemake.params.cfg
metadata = synth.make_corpus(out_dir, **cfg, workers=snakemake.threads)
log.info("wrote %d recordings (%d classes) to %s", len(metadata), metadata["label"].nunique(), out_dir)
