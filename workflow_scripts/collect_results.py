"""Rules collect_results and collect_table2: runs (folds × seeds) → pooled Table I or Table II."""

import pandas as pd
from _common import setup_logging

from motivic.core.config import ReportSettings
from motivic.core.io import load_json
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
table1 = snakemake.params.table == "table1"
keys = ["model", "dataset", "split"] + ([] if table1 else ["augment"])
table, classes, confusions, per_recording = tables.pool_cells(
    runs,
    keys=keys,
    groups=groups,
    n_boot=cfg.bootstrap,
    confidence=cfg.confidence,
    seed=cfg.seed,
)
order = snakemake.params.order
sort = ["split", "model", "dataset"] + ([] if table1 else ["augment"])
table = markdown.order_rows(table, sort, order)
out = snakemake.output
markdown.write_pooled_tables(
    table,
    markdown.order_rows(classes, sort, order),
    markdown.order_rows(confusions, sort, order),
    markdown.order_rows(per_recording, sort, order),
    csv=out.csv,
    md=out.md,
    classes_csv=out.classes,
    confusion_csv=out.confusion,
    per_recording_tsv=out.per_recording,
    headings={name: markdown.split_heading(name) for name in table["split"].unique()},
    row_keys=["model", "dataset"] + ([] if table1 else ["augment"]),
    confidence=cfg.confidence,
    bootstrap_group=group_column,
)
runs_table = markdown.order_rows(tables.run_table(runs, keys), sort, order)
runs_table.to_csv(out.runs, index=False, float_format="%.4f")
log.info("%s:\n%s", snakemake.params.table, table.to_string())
