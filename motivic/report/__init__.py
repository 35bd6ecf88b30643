"""Stage 9, ``rules/report.smk``: the result tables and figures.

:mod:`.tables` pools the out-of-fold predictions of every run into the
paper's Table I and II and the motivic − non-motivic comparison, with
recording-level intervals and tests (:mod:`motivic.core.resampling`);
:mod:`.markdown` writes them; :mod:`.figures` draws a run's confusion matrix
and training curves.
"""
