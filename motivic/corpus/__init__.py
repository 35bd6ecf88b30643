"""Stage 1, ``rules/corpus.smk``: the recordings a run uses, checked before any compute.

:mod:`.recordings` reads the metadata sheet and the recordings table,
:mod:`.clips` indexes a corpus of pre-cut motif clips (clips mode),
:mod:`.validation` checks every file and writes the validation report, and
:mod:`.synth` renders the synthetic demo corpus with its ground truth.
"""
