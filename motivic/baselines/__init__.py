"""Stage 8, ``rules/baselines.smk``: the rows of Table I every network must beat.

:mod:`.svm` holds the features and fits of the SVM baselines of Choi (2018),
:mod:`.runs` runs them on one store and split, scored like the networks, and
:mod:`.sanity` the sanity rows (segment duration only, shuffled labels).
"""
