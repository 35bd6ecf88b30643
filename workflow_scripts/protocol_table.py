"""Rule protocol_table: Table I's accuracies from random over files down to leave one recording out."""

import pandas as pd
from _common import setup_logging

from motivic.core.io import atomic_path
from motivic.report.protocols import format_protocol_table, protocol_table

log = setup_logging(snakemake)
table = protocol_table(pd.read_csv(snakemake.input[0]))
with atomic_path(snakemake.output.csv) as tmp:
    table.to_csv(tmp, index=False)
markdown = format_protocol_table(table, confidence=snakemake.params.confidence)
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(markdown)
log.info("protocol table:\n%s", markdown)
