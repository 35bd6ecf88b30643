"""Rule select_segments: occurrences of the chosen motif kinds ≥ min duration, and the control set."""

from pathlib import Path

import numpy as np
import pandas as pd
from _common import setup_logging

from motivic import mining
from motivic.core.config import SegmentSettings
from motivic.core.io import atomic_path
from motivic.corpus import validation
from motivic.corpus.recordings import load_recordings
from motivic.pitch import load_pitch_csv
from motivic.segments import selection

log = setup_logging(snakemake)
cfg = SegmentSettings.from_config(snakemake.params.cfg)
recordings = load_recordings(snakemake.input.recordings)
occurrences = pd.read_csv(snakemake.input.occurrences, sep="\t", dtype={"pattern": str, "recording": str})
dictionary = mining.read_table(snakemake.input.dictionary)
kept_kinds = selection.keep_motif_kinds(occurrences, dictionary, cfg.motif_kinds)
log.info(
    "motif kinds %s: %d of %d motifs, %d of %d occurrences",
    ",".join(cfg.motif_kinds),
    kept_kinds["motif_id"].nunique(), len(dictionary), len(kept_kinds), len(occurrences),
)
motivic = selection.motif_segments(
    kept_kinds,
    recordings,
    min_duration_s=cfg.min_duration_s,
    merge_overlaps=cfg.merge_overlaps,
)
n_long = int((kept_kinds["duration_s"] >= cfg.min_duration_s).sum())
log.info(  # the paper kept 10,640 of 111,076 (9.6 %); per recording: rule melodic_summary
    "duration filter: %d of %d motif occurrences (%.1f %%) last >= %g s",
    n_long, len(kept_kinds), 100 * n_long / max(len(kept_kinds), 1), cfg.min_duration_s,
)
if motivic.attrs.get("merged"):
    log.info("%d overlapping motif occurrences merged into their clusters", motivic.attrs["merged"])
voiced = {}
for path in snakemake.input.pitch:  # one per valid recording, named after it
    track = load_pitch_csv(path)
    voiced[Path(path).stem] = selection.voiced_intervals(
        track.times_s, track.f0_hz, min_gap_s=snakemake.params.min_gap_s
    )
control = selection.control_segments(
    motivic,
    voiced,
    recordings,
    max_overlap=cfg.max_overlap,
    rng=np.random.default_rng(cfg.seed),
    occurrences=occurrences,
)
if control.attrs.get("unplaced"):
    log.warning("%d control segments could not be placed", control.attrs["unplaced"])
log.info("%d motivic segments, %d control segments", len(motivic), len(control))
voiced_s = {rec: float((iv[:, 1] - iv[:, 0]).sum()) for rec, iv in voiced.items()}
no_motifs = validation.no_motif_report(
    recordings, kept_kinds, motivic, voiced_s, min_duration_s=cfg.min_duration_s
)
for row in no_motifs.itertuples(index=False):
    log.warning("recording %s (%s) yields no motif: %s", row.recording, row.label, row.message)
validation.write_report(no_motifs, snakemake.output.no_motifs)
for table, path in ((motivic, snakemake.output.motivic), (control, snakemake.output.nonmotivic)):
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
