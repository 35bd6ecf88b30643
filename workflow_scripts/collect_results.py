"""Rule collect_results: every run's metrics → the paper's Table I (CSV and Markdown)."""

from _common import setup_logging

from motivic import report
from motivic.io import load_json

log = setup_logging(snakemake)
records = [load_json(path) for path in snakemake.input]
frame = report.collect_metrics(records)
table = report.table1(frame, augment=snakemake.params.augment_policy)
report.write_table(table, snakemake.output.csv, snakemake.output.md)
log.info("Table I:\n%s", report.format_markdown(table))
