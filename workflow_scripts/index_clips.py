"""Rule index_clips (clips mode): validate every clip as published; each good clip of the kinds
segments.motif_kinds asks for becomes a motivic segment."""

from _common import progress_bar, setup_logging

from motivic.core.io import atomic_path
from motivic.corpus import validation
from motivic.corpus.clips import (
    clip_passages,
    clip_segments,
    finding_counts,
    keep_clip_kinds,
    scan_clips,
    validate_clips,
)

log = setup_logging(snakemake)
cfg = snakemake.params.cfg
clips = scan_clips(cfg["audio_root"], label=cfg["label"], metadata=cfg.get("metadata"))
report = validate_clips(
    clips,
    audio_root=cfg["audio_root"],
    duplicates=cfg["duplicates"],
    min_duration_s=cfg["min_duration_s"],
    max_duration_s=cfg["max_duration_s"],
    clip_min_duration_s=cfg["clip_min_duration_s"],
    n_threads=snakemake.threads,
    progress=progress_bar(len(clips), "validating clips"),
)
report["passage"] = clip_passages(report, cfg["audio_root"])
validation.write_report(report, snakemake.output.report)
validation.write_report(finding_counts(report), snakemake.output.summary)
validation.require_usable(report, duplicates=cfg["duplicates"], source=snakemake.log[0])
segments = clip_segments(clips, report, report["passage"])
segments, kind_counts = keep_clip_kinds(segments, snakemake.params.motif_kinds)
validation.write_report(kind_counts, snakemake.output.kinds)
per_kind = kind_counts.groupby("kind")["n_clips"].sum()
log.info(
    "motif kinds of the published patterns (clips): %s; segments.motif_kinds %s keeps %d, drops %d",
    per_kind.to_dict(),
    ",".join(snakemake.params.motif_kinds),
    int(kind_counts.loc[kind_counts["kept"], "n_clips"].sum()),
    int(kind_counts.loc[~kind_counts["kept"], "n_clips"].sum()),
)
log.info(
    "%d of %d clips go on: %d recordings, %d passages, labels %s",
    len(segments),
    len(clips),
    segments["recording"].nunique(),
    segments["passage"].nunique(),
    segments["label"].value_counts().to_dict(),
)
with atomic_path(snakemake.output.segments) as tmp:
    segments.to_csv(tmp, sep="\t", index=False)
