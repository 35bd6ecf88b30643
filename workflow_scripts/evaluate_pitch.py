"""Rule evaluate_pitch: every backend's f0 against the f0 references (mir_eval).

The references are the demo corpus's ground truth (synth mode) or the f0 column of the
recordings sheet (recordings mode); see motivic/workflow/inputs.py, Corpus.f0_references.
"""

import pandas as pd
from _common import setup_logging

from motivic.core.io import atomic_path
from motivic.pitch import evaluate_pitch, evaluation_table, load_pitch_csv

log = setup_logging(snakemake)
rows = []
for (method, recording), est_path, ref_path in zip(
    snakemake.params.tracks, snakemake.input.estimates, snakemake.input.references
):
    scores = evaluate_pitch(load_pitch_csv(ref_path), load_pitch_csv(est_path))
    rows.append({"method": method, "recording": recording, **scores})
table = evaluation_table(pd.DataFrame(rows))
means = table[table["recording"].str.startswith("MEAN")]
log.info("mean scores per backend:\n%s", means.to_string(index=False))
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
