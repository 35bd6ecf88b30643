"""Rule index_corpus: read the corpus metadata into the recordings table."""

from _common import setup_logging

from motivic.corpus import read_metadata, write_recordings

log = setup_logging(snakemake)
recordings = read_metadata(snakemake.input.metadata, id_column=snakemake.params.id_column)
write_recordings(recordings, snakemake.output[0])
log.info("%d recordings, %d labels", len(recordings), recordings["label"].nunique())
