"""Rule score_motif_coherence: do a motif's occurrences sound alike, against random windows?"""

from pathlib import Path

import numpy as np
import pandas as pd
from _common import setup_logging

from motivic import mining
from motivic.core.io import atomic_path
from motivic.pitch import load_pitch_csv

log = setup_logging(snakemake)
cfg = dict(snakemake.params.cfg)
occurrences = pd.read_csv(snakemake.input.occurrences, sep="\t", dtype={"pattern": str, "recording": str})
tracks = {}
for path in snakemake.input.pitch:  # one per valid recording, named after it
    track = load_pitch_csv(path)
    tracks[Path(path).stem] = (track.times_s, track.f0_hz)
scores = mining.motif_coherence(occurrences, tracks, rng=np.random.default_rng(cfg.pop("seed")), **cfg)
log.info(
    "%d of %d motifs scored; dictionary coherence %.3f",
    len(scores), occurrences["motif_id"].nunique(), mining.dictionary_coherence(scores),
)
with atomic_path(snakemake.output[0]) as tmp:
    scores.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
