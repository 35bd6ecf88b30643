"""Parse-time helpers of the Snakemake workflow; only ``rules/`` imports this package.

:mod:`.inputs` reads the corpus a configuration names (``corpus.mode``) and
chooses the files each rule reads and the targets of a run, :mod:`.grid`
expands the configuration into the runs behind each table, :mod:`.provenance` digests the code a workflow script can run (a rule param,
so code edits rerun exactly what they change), and :mod:`.storage` sets the
HDF5 file-locking policy jobs inherit. Nothing here imports torch.
"""
