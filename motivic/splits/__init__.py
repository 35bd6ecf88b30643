"""Split strategies: holdout splits and grouped cross-validation folds.

Every strategy turns a segments table into one or more *folds*; each fold
assigns every segment to ``train``, ``val``, ``test`` or ``excluded``.

``random``
    Arronte Alvarez & Gómez (2021): segments shuffled into train/val/test by
    ``fractions``, stratified by label. The unit shuffled is an *overlap
    cluster* (segments of one audio source whose time spans overlap, see
    :func:`overlap_clusters`), so two segments sharing audio never sit on both
    sides. ``repeats`` independent draws (seeds ``seed + k``) are folds
    ``0 … repeats-1``.
``group``
    Every segment of one group (``group_column``: ``recording`` by default, or
    any column such as ``group`` or ``singer``) in one split; ``repeats`` draws
    as for ``random``.
``group_kfold``
    K folds over groups (``folds`` = K). Stratified by label with
    scikit-learn's ``StratifiedGroupKFold`` when every label occurs in at least
    K groups, else ``GroupKFold`` (which balances fold sizes only); the log
    and :attr:`FoldPlan.method` say which.
``logo``
    Leave one group out: one fold per group, the usual protocol with few
    recordings (e.g. the flamenco corpora).
``random_clips``, ``random_contents`` (clip corpora only)
    Holdouts as ``random`` over single clips (a published clip-level
    protocol: copies and nested cuts may straddle) or over distinct contents
    (copies together, nested cuts may straddle). The workflow refuses both
    unless ``split.allow_clip_random`` asks for them
    (:func:`motivic.corpus.clips.check_clip_splits`).

**Passages.** A clip corpus's segments carry a ``passage`` column
(:mod:`motivic.corpus.passages`: clips sharing a stretch of audio). Every other
strategy keeps a passage on one side: in ``random`` the passage is the unit
shuffled, and the grouped strategies join the groups a passage spans
(:func:`merge_units`).

Strategy names extend these bases (:mod:`.plan`, :func:`parse_strategy`):
``<base>_by_<column>`` groups by another column (``logo_by_singer``: leave one
singer out), and ``motif_<base>`` holds out whole motifs within the base's
group folds (``motif_group_kfold``: a training or validation segment sharing a
motif id with a test segment of its fold is ``excluded``).

One plan per comparison (:func:`make_plan`): a grouped strategy's folds are
drawn once from the union of the datasets' segments, and every dataset's
segments follow their group (:func:`apply_plan`), so the motivic and
non-motivic models of a row train, select and test on the same recordings.

In ``group_kfold`` and ``logo`` the training groups of a fold are split again,
*by group*, into train and validation (:func:`inner_validation`), so no group
is on both sides of the checkpoint selection either.

A label with too few units (clusters for ``random``, groups otherwise) is
handled identically in all folds (``small_labels``): an error naming it, or its
segments ``excluded`` from every fold, logged with the reason
(:attr:`FoldPlan.sat_out`). Holdouts need three units of a label (test,
validation, training); ``group_kfold`` and ``logo`` need two (one tested, one
trained on): a label with only two groups then has none in the validation part
of a fold, which only weakens checkpoint selection for it.

Layout: :mod:`.units` (strategy names, overlap clusters, the holdout draws,
labels that sit out), :mod:`.folds` (:func:`make_folds` for every base strategy,
inner validation), :mod:`.plan` (the shared plan of a comparison),
:mod:`.files` (the split and folds tables on disk).
"""

from motivic.splits.files import load_split, read_fold_count, write_folds, write_split
from motivic.splits.folds import (
    FoldPlan,
    assign_splits,
    fold_count,
    inner_validation,
    make_folds,
    strategy_params,
)
from motivic.splits.plan import (
    MOTIF_IDS_COLUMN,
    SplitPlan,
    apply_plan,
    make_plan,
    read_plan,
    segment_motifs,
    write_plan,
)
from motivic.splits.units import (
    EXCLUDED,
    HOLDOUT_STRATEGIES,
    PASSAGE_COLUMN,
    SPLIT_NAMES,
    STRATEGIES,
    Strategy,
    merge_units,
    overlap_clusters,
    parse_strategy,
)

__all__ = [
    "EXCLUDED",
    "HOLDOUT_STRATEGIES",
    "MOTIF_IDS_COLUMN",
    "PASSAGE_COLUMN",
    "SPLIT_NAMES",
    "STRATEGIES",
    "FoldPlan",
    "SplitPlan",
    "Strategy",
    "apply_plan",
    "assign_splits",
    "fold_count",
    "inner_validation",
    "load_split",
    "make_folds",
    "make_plan",
    "merge_units",
    "overlap_clusters",
    "parse_strategy",
    "read_fold_count",
    "read_plan",
    "segment_motifs",
    "strategy_params",
    "write_folds",
    "write_plan",
    "write_split",
]
