"""Rule plot_contour: f0, ε-steps and motif occurrences of one recording (PNG)."""

import pandas as pd
from _common import setup_logging

from motivic import contour
from motivic.contour import plots
from motivic.corpus.recordings import load_recordings
from motivic.corpus.synth import load_planted
from motivic.pitch import load_pitch_csv

log = setup_logging(snakemake)
recording = snakemake.wildcards.recording
cfg = snakemake.params.cfg
track = load_pitch_csv(snakemake.input.pitch)
phrases = contour.load_phrases(snakemake.input.contour)
occ = pd.read_csv(snakemake.input.occurrences, sep="\t", dtype={"pattern": str, "recording": str})
occ = occ[occ["recording"] == recording]
planted = load_planted(snakemake.input.planted) if "planted" in snakemake.input.keys() else None
labels = load_recordings(snakemake.input.recordings).set_index("recording")["label"]
title = f"{recording} ({labels[recording]})"
figure = plots.plot_contour(
    track.times_s, track.f0_hz, phrases, occ, planted=planted, title=title,
    seconds_per_inch=cfg["seconds_per_inch"],
)
plots.save_figure(figure, snakemake.output[0], dpi=cfg["dpi"])
log.info("%s: %d phrases, %d motif occurrences drawn", recording, len(phrases), len(occ))
