"""Checkpoint validate_corpus: check every recording; the report and the table of good ones."""

from _common import progress_bar, setup_logging

from motivic.corpus import validation
from motivic.corpus.recordings import read_metadata, write_recordings

log = setup_logging(snakemake)
cfg = snakemake.params.cfg
recordings = read_metadata(snakemake.input.metadata, id_column=snakemake.params.id_column)
log.info("validating %d recordings under %s", len(recordings), cfg["audio_root"])
report = validation.validate_corpus(
    recordings,
    audio_root=cfg["audio_root"],
    duplicates=cfg["duplicates"],
    outside_root=cfg["outside_root"],
    min_duration_s=cfg["min_duration_s"],
    max_duration_s=cfg["max_duration_s"],
    n_threads=snakemake.threads,
    progress=progress_bar(len(recordings), "validating recordings"),
)
validation.write_report(report, snakemake.output.report)
validation.require_usable(report, duplicates=cfg["duplicates"], source=snakemake.log[0])
good = validation.good_recordings(recordings, report)
write_recordings(good, snakemake.output.recordings)
log.info("%d of %d recordings go on (%d labels)", len(good), len(recordings), good["label"].nunique())
