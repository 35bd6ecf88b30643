"""Applications on top of the workflow's outputs: the ``motivic`` command line and classify.

:mod:`.cli` is the ``motivic`` console script; :mod:`.classify` applies a
trained checkpoint to new recordings, from pitch to per-segment predictions.
"""
