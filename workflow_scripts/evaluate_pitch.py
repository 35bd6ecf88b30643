"""Rule evaluate_pitch: estimated f0 against the demo corpus's ground truth (mir_eval)."""

from pathlib import Path

import pandas as pd
from _common import setup_logging

from motivic.io import atomic_path
from motivic.pitch import evaluate_pitch, load_pitch_csv

log = setup_logging(snakemake)
rows = []
for est_path, ref_path in zip(snakemake.input.estimates, snakemake.input.references):
    scores = evaluate_pitch(load_pitch_csv(ref_path), load_pitch_csv(est_path))
    rows.append({"recording": Path(est_path).stem, "method": snakemake.params.method, **scores})
table = pd.DataFrame(rows)
mean = table.drop(columns=["recording", "method"]).mean()
table.loc[len(table)] = {"recording": "MEAN", "method": snakemake.params.method, **mean}
log.info("mean over recordings:\n%s", mean.to_string())
with atomic_path(snakemake.output[0]) as tmp:
    table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
