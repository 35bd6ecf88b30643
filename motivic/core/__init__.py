"""What every stage uses: errors, file I/O, audio decoding, configuration, metrics.

:mod:`.errors` (:class:`MotivicError`), :mod:`.io` (atomic writes, JSON and TSV
helpers), :mod:`.audio` (decode, resample, downmix), :mod:`.config` (schema
validation, config slices for rule params), :mod:`.metrics` (classification
metrics and the recording vote) and :mod:`.resampling` (recording bootstraps
and permutation tests). Nothing here imports another stage.
"""
