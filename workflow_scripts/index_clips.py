"""Rule index_clips (clips mode): validate every clip; each good clip becomes a motivic segment."""

from _common import progress_bar, setup_logging

from motivic.core.io import atomic_path
from motivic.corpus import validation
from motivic.corpus.clips import clip_segments, scan_clips

log = setup_logging(snakemake)
cfg = snakemake.params.cfg
clips = scan_clips(cfg["audio_root"], label=cfg["label"], metadata=cfg.get("metadata"))
sheet = clips.rename(columns={"recording": "group", "clip": "recording"})
report = validation.validate_corpus(
    sheet[["recording", "path", "label", "group"]],
    audio_root=cfg["audio_root"],
    duplicates=cfg["duplicates"],
    min_duration_s=cfg["min_duration_s"],
    max_duration_s=cfg["max_duration_s"],
    n_threads=snakemake.threads,
    progress=progress_bar(len(sheet), "validating clips"),
)
validation.write_report(report, snakemake.output.report)
validation.require_usable(report, duplicates=cfg["duplicates"], source=snakemake.log[0])
segments = clip_segments(clips, report)
log.info(
    "%d of %d clips go on: %d recordings, labels %s",
    len(segments), len(clips), segments["recording"].nunique(), segments["label"].value_counts().to_dict(),
)
with atomic_path(snakemake.output.segments) as tmp:
    segments.to_csv(tmp, sep="\t", index=False)
