"""Rules collect_results and collect_table2: run metrics → Table I or Table II (CSV and Markdown)."""

from _common import setup_logging

from motivic import report
from motivic.io import load_json

log = setup_logging(snakemake)
frame = report.collect_metrics([load_json(path) for path in snakemake.input])
order = snakemake.params.order
if snakemake.params.table == "table1":
    table = report.table1(frame, augment=None, order=order)
    report.write_table(
        table,
        snakemake.output.csv,
        snakemake.output.md,
        sections_by="split",
        headings=report.SPLIT_HEADINGS,
    )
else:
    table = report.table2(frame, metric="accuracy", order=order)
    report.write_table(table, snakemake.output.csv, snakemake.output.md)
log.info("%s:\n%s", snakemake.params.table, report.format_markdown(table))
