"""Rule melodic_summary: per recording and reading, voiced share, tokens, motifs, kinds, coherence."""

from pathlib import Path

import numpy as np
import pandas as pd
from _common import setup_logging

from motivic.core.io import atomic_path
from motivic.mining.summary import SUMMARY_COLUMNS, summarise_track, summary_total
from motivic.pitch import load_pitch_csv

log = setup_logging(snakemake)
coherence = dict(snakemake.params.coherence)
seed = coherence.pop("seed")
rows = []
for path in snakemake.input.pitch:  # one per valid recording, named after it
    track = load_pitch_csv(path)
    for mode, options in snakemake.params.modes.items():
        row = summarise_track(
            track.times_s,
            track.f0_hz,
            contour_options=options,
            mining_options=snakemake.params.mining,
            min_duration_s=snakemake.params.min_duration_s,
            coherence_options=coherence,
            rng=np.random.default_rng(seed),  # each recording and reading drawn alike
        )
        rows.append({"recording": Path(path).stem, "mode": mode, **row})
        log.info(
            "%s (%s): %.1f tokens per voiced s, %d motifs (%d melodic), %d occurrences, %d >= %.2f s",
            Path(path).stem,
            mode,
            row["tokens_per_voiced_s"],
            row["n_motifs"],
            row["n_melodic"],
            row["n_occurrences"],
            row["n_occurrences_kept"],
            snakemake.params.min_duration_s,
        )
table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
table = pd.concat([table, summary_total(table)], ignore_index=True)
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
