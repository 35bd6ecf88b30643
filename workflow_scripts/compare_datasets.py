"""Rule compare_datasets: motivic minus non-motivic accuracy per model and strategy (paired bootstrap, sign-flip test)."""

import pandas as pd
from _common import setup_logging

from motivic.core.config import ReportSettings
from motivic.core.io import atomic_path, load_json
from motivic.report import markdown, tables

log = setup_logging(snakemake)
cfg = ReportSettings.from_config(snakemake.params.cfg)
_TEXT = {c: str for c in ("segment_id", "recording", "label", "predicted")}
runs = [
    tables.RunResult(load_json(m), pd.read_csv(p, sep="\t", dtype=_TEXT, keep_default_na=False))
    for m, p in zip(snakemake.input.metrics, snakemake.input.predictions)
]
group_column = cfg.bootstrap_group
groups = tables.load_recording_groups(snakemake.input.get("groups"), group_column)
table = tables.motivic_vs_control(
    runs,
    groups=groups,
    n_boot=cfg.bootstrap,
    confidence=cfg.confidence,
    permutations=cfg.permutations,
    seed=cfg.seed,
)
if not table.empty:
    table = markdown.order_rows(table, ["split", "model"], snakemake.params.order)
with atomic_path(snakemake.output.csv) as tmp:
    table.to_csv(tmp, index=False, float_format="%.4f")
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(
        markdown.format_comparison(
            table, confidence=cfg.confidence, bootstrap_group=group_column
        )
    )
log.info("motivic vs control:\n%s", table.to_string())
