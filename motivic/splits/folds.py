"""The folds of every split strategy (holdouts, group K-fold, leave one group out)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.splits.units import (
    _FOLD_PREFIX,
    EXCLUDED,
    HOLDOUT_STRATEGIES,
    PASSAGE_COLUMN,
    STRATEGIES,
    _check_fractions,
    _check_nested,
    _group_splits,
    _random_splits,
    _require_columns,
    _sat_out,
    merge_units,
    overlap_clusters,
    parse_strategy,
    time_key,
)

logger = logging.getLogger(__name__)


def assign_splits(
    segments: pd.DataFrame,
    *,
    strategy: str = "random",
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    group_column: str = "recording",
    small_labels: str = "error",
) -> pd.Series:
    """Assign each segment to ``train``, ``val`` or ``test`` (one holdout draw).

    ``random`` (the paper): within each label, overlap clusters
    (:func:`overlap_clusters`; single segments when nothing overlaps) are
    shuffled and cut by ``fractions`` (largest-remainder rounding, at least one
    per split with a positive fraction). ``group``: every segment sharing a
    value of ``group_column`` goes to one split. Within each label the groups
    are shuffled and each is given to the split furthest below its target
    segment count; the last groups fill any split still empty. A group (or
    cluster) whose segments carry several labels follows its majority label.

    Parameters
    ----------
    segments : pd.DataFrame
        Table with a ``label`` column, ``group_column`` for ``group``, and
        ``recording`` (or ``source``), ``start_s``, ``end_s`` for the clusters.
    strategy : {"random", "group"}
    fractions : sequence of 3 floats >= 0 summing to 1
        Train, validation and test shares.
    seed : int
        Seed of the shuffles; the same inputs and seed give the same splits.
    group_column : str
        Column holding the group key for ``strategy="group"``.
    small_labels : {"error", "exclude"}
        A label with fewer units than splits to fill: stop with an error, or
        mark its segments ``"excluded"`` (logged).

    Returns
    -------
    split : pd.Series [dtype=object]
        ``"train"``, ``"val"``, ``"test"`` (or ``"excluded"``), indexed like
        ``segments``, named ``split``.

    Raises
    ------
    MotivicError
        On an unknown strategy, bad fractions, a missing column, or a label with
        too few units and ``small_labels="error"``.
    """
    if strategy not in HOLDOUT_STRATEGIES:
        raise MotivicError(
            f"split strategy={strategy!r} must be one of {', '.join(HOLDOUT_STRATEGIES)} here "
            "(make_folds runs every strategy)"
        )
    plan = make_folds(
        segments,
        strategy=strategy,
        fractions=fractions,
        seed=seed,
        repeats=1,
        group_column=group_column,
        small_labels=small_labels,
    )
    return plan.fold(0)


# ---------------------------------------------------------------------------
# folds
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldPlan:
    """The folds of one strategy on one segments table.

    Attributes
    ----------
    strategy : str
    method : str
        How folds were formed (``holdout``, ``StratifiedGroupKFold``,
        ``GroupKFold``, ``leave-one-group-out``).
    assignments : pd.DataFrame
        Indexed like the segments; column ``fold_k`` holds the part of each
        segment in fold ``k``.
    test_groups : list of list of str
        The groups (clusters for ``random``) tested in each fold.
    sat_out : dict
        Label -> reason, for labels excluded from every fold.
    """

    strategy: str
    method: str
    assignments: pd.DataFrame
    test_groups: list = field(default_factory=list)
    sat_out: dict = field(default_factory=dict)

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return self.assignments.shape[1]

    def fold(self, k: int) -> pd.Series:
        """Parts of fold ``k`` (train/val/test/excluded), indexed like the segments."""
        if not 0 <= k < self.n_folds:
            raise MotivicError(
                f"fold {k} does not exist; strategy {self.strategy} has {self.n_folds}"
            )
        return self.assignments[f"{_FOLD_PREFIX}{k}"].rename("split")


def fold_count(split_cfg: Mapping, strategy: str) -> int | None:
    """Number of folds known from the configuration alone; ``None`` for ``logo`` (one per group).

    ``random`` and ``group``: ``split.repeats`` (default 1); ``group_kfold``:
    ``split.folds`` (default 5). ``strategy`` is a strategy name
    (:func:`~motivic.splits.units.parse_strategy`); its base decides.
    """
    strategy = parse_strategy(strategy).base
    if strategy in HOLDOUT_STRATEGIES:
        return int(split_cfg.get("repeats", 1))
    if strategy == "group_kfold":
        return int(split_cfg.get("folds", 5))
    if strategy == "logo":
        return None
    raise MotivicError(f"split strategy={strategy!r} must be one of {', '.join(STRATEGIES)}")


#: ``split`` keys each strategy reads (so editing another strategy's keys reruns nothing).
_STRATEGY_KEYS = {
    "random": ("fractions", "repeats", "seed", "small_labels"),
    "random_clips": ("fractions", "repeats", "seed", "small_labels"),
    "random_contents": ("fractions", "repeats", "seed", "small_labels"),
    "group": ("fractions", "group_column", "repeats", "seed", "small_labels"),
    "group_kfold": ("folds", "fractions", "group_column", "seed", "small_labels"),
    "logo": ("fractions", "group_column", "seed", "small_labels"),
}


def strategy_params(split_cfg: Mapping, strategy: str) -> dict:
    """The keys of the ``split`` section that ``strategy`` reads, as keywords of :func:`make_folds`.

    ``strategy`` is a strategy name (:func:`~motivic.splits.units.parse_strategy`):
    its base decides which keys, and a ``_by_<column>`` name sets ``group_column``
    itself (so editing ``split.group_column`` reruns nothing of it).
    """
    spec = parse_strategy(strategy)
    params = {k: split_cfg[k] for k in _STRATEGY_KEYS[spec.base] if k in split_cfg}
    if spec.group_column:
        params["group_column"] = spec.group_column
    return params


def inner_validation(
    labels: pd.Series, keys: pd.Series, *, val_fraction: float, rng: np.random.Generator
) -> np.ndarray:
    """Split the rows of one training fold into train and validation *by group*.

    Groups are visited in a seeded random order. First, for each label (in
    sorted order) a group containing it is moved to validation; then groups are
    added while that brings the validation share of segments closer to
    ``val_fraction``. A group is never moved if some label it carries would
    then have no training group left.

    Parameters
    ----------
    labels, keys : pd.Series
        Label and group of each row (same length).
    val_fraction : float in (0, 1)
        Target share of the rows in validation.
    rng : np.random.Generator

    Returns
    -------
    parts : np.ndarray [dtype=object]
        ``"train"`` or ``"val"`` per row.
    """
    keys = keys.astype(str).reset_index(drop=True)
    labels = labels.astype(str).reset_index(drop=True)
    groups = np.array(sorted(keys.unique()), dtype=object)
    order = groups[rng.permutation(len(groups))]
    label_sets = {g: set(v) for g, v in labels.groupby(keys.to_numpy())}
    sizes = keys.value_counts().to_dict()
    in_train = pd.Series(keys.to_numpy()).groupby(labels.to_numpy()).nunique().to_dict()
    target = val_fraction * len(keys)
    val: set = set()
    val_n = 0

    def movable(g) -> bool:
        return g not in val and all(in_train[lab] > 1 for lab in label_sets[g])

    def move(g) -> None:
        nonlocal val_n
        val.add(g)
        val_n += sizes[g]
        for lab in label_sets[g]:
            in_train[lab] -= 1

    covered: set = set()
    for label in sorted(in_train):
        if label in covered:
            continue
        for g in order:
            if label in label_sets[g] and movable(g):
                move(g)
                covered |= label_sets[g]
                break
    for g in order:
        if movable(g) and abs(val_n + sizes[g] - target) < abs(val_n - target):
            move(g)
    return np.where(keys.isin(val).to_numpy(), "val", "train").astype(object)


def _kfold_tests(
    labels: pd.Series, keys: pd.Series, k: int, seed: int, group_column: str
) -> tuple[str, list[np.ndarray]]:
    """Test groups of each of ``k`` folds: StratifiedGroupKFold where every label has >= k groups."""
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    n_groups = keys.nunique()
    if n_groups < k:
        raise MotivicError(
            f"split.folds={k} but only {n_groups} {group_column} group(s) take part; "
            "lower split.folds or use strategy 'logo'"
        )
    per_label = pd.Series(keys.to_numpy()).groupby(labels.to_numpy()).nunique()
    if int(per_label.min()) >= k:
        method = "StratifiedGroupKFold"
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        method = "GroupKFold"
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
        logger.info(
            "group_kfold: label(s) %s occur in fewer than %d groups; folds are not stratified",
            sorted(per_label.index[per_label < k]),
            k,
        )
    dummy = np.zeros((len(keys), 1))
    tests = [
        np.unique(keys.to_numpy()[test])
        for _, test in splitter.split(dummy, labels.to_numpy(), keys.to_numpy())
    ]
    return method, tests


def make_folds(
    segments: pd.DataFrame,
    *,
    strategy: str,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    folds: int = 5,
    repeats: int = 1,
    group_column: str = "recording",
    small_labels: str = "error",
) -> FoldPlan:
    """Folds of one split strategy (see the module docstring).

    Parameters
    ----------
    segments : pd.DataFrame
        Segments table (``label``; ``recording`` or ``source``; ``start_s``,
        ``end_s``; ``group_column`` for the grouped strategies).
    strategy : {"random", "group", "group_kfold", "logo", "random_clips", "random_contents"}
        In a clip corpus (a ``passage`` column) every strategy but the clip-level
        ``random_clips`` and ``random_contents`` keeps each passage whole: ``random``
        shuffles passages, the grouped strategies join groups a passage spans
        (:func:`~motivic.splits.units.merge_units`).
    fractions : 3 floats summing to 1
        Holdout shares; in ``group_kfold``/``logo`` only the train : val ratio
        of the training groups is used.
    seed : int
        Holdout draw ``k`` uses ``seed + k``; the K-fold shuffle and the inner
        validation of fold ``k`` use ``seed`` and ``seed + k``.
    folds : int >= 2
        K of ``group_kfold``.
    repeats : int >= 1
        Holdout draws of ``random`` and ``group``.
    group_column : str
        Grouping column; every recording must lie in one group.
    small_labels : {"error", "exclude"}

    Returns
    -------
    plan : FoldPlan

    Raises
    ------
    MotivicError
        On an unknown strategy, bad fractions, a missing column, a group column
        varying within a recording, too few groups for ``folds``, or a label with
        too few units and ``small_labels="error"``.
    """
    if strategy not in STRATEGIES:
        raise MotivicError(f"split strategy={strategy!r} must be one of {', '.join(STRATEGIES)}")
    fr = _check_fractions(fractions)
    if repeats < 1:
        raise MotivicError(f"split.repeats={repeats} must be >= 1")
    if strategy == "group_kfold" and folds < 2:
        raise MotivicError(f"split.folds={folds} must be >= 2")
    _require_columns(segments, ["label"], "segments table")
    segs = segments.reset_index(drop=True)
    labels = segs["label"].astype(str)
    sources = time_key(segs)
    passages = segs[PASSAGE_COLUMN] if PASSAGE_COLUMN in segs.columns else None
    if (
        strategy == "random_clips"
    ):  # every clip (segment) its own unit: copies and cuts may straddle
        units, what = pd.Series(np.arange(len(segs)).astype(str), dtype=object), "clip"
    elif strategy == "random_contents":  # copies of one content together; nested cuts may straddle
        _require_columns(segs, ["content"], "segments table")
        units, what = segs["content"].astype(str), "distinct content"
    elif strategy == "random":
        units, what = overlap_clusters(segs).reset_index(drop=True), "segment cluster"
        if passages is not None:
            units, what = merge_units(units, passages), "passage"
    else:
        _require_columns(segs, [group_column], "segments table")
        units, what = segs[group_column].astype(str), f"{group_column} group"
        _check_nested(units, sources, group_column)
        if passages is not None:
            units = merge_units(units, passages)
    # holdouts put a unit of every label in each part; K-fold and logo need one group to test and
    # one to train on (validation takes a group of the label only where a third one is left)
    need = int((fr > 0).sum()) if strategy in HOLDOUT_STRATEGIES else 2
    sat_out = _sat_out(labels, units, need, what, small_labels, strategy)
    active = ~labels.isin(list(sat_out)).to_numpy()
    columns: dict[str, np.ndarray] = {}
    tests: list[list[str]] = []

    def new_fold() -> np.ndarray:
        parts = np.full(len(segs), EXCLUDED, dtype=object)
        columns[f"{_FOLD_PREFIX}{len(columns)}"] = parts
        return parts

    lab, unit = labels[active].reset_index(drop=True), units[active].reset_index(drop=True)
    if strategy in HOLDOUT_STRATEGIES:
        method = "holdout"
        for k in range(repeats):
            rng = np.random.default_rng(seed + k)
            if strategy != "group":
                values = _random_splits(lab, unit, fr, rng)
            else:
                values = _group_splits(lab, unit, fr, rng, group_column)
            parts = new_fold()
            parts[active] = values
            tests.append(sorted(set(unit[values == "test"])))
    else:
        if strategy == "logo":
            method = "leave-one-group-out"
            test_sets = [np.array([g]) for g in sorted(unit.unique())]
        else:
            method, test_sets = _kfold_tests(lab, unit, folds, seed, group_column)
        val_fraction = fr[1] / (fr[0] + fr[1])
        for k, test_groups in enumerate(test_sets):
            parts = new_fold()
            values = np.empty(len(lab), dtype=object)
            is_test = unit.isin(test_groups).to_numpy()
            values[is_test] = "test"
            values[~is_test] = inner_validation(
                lab[~is_test],
                unit[~is_test],
                val_fraction=val_fraction,
                rng=np.random.default_rng(seed + k),
            )
            parts[active] = values
            tests.append([str(g) for g in test_groups])
    assignments = pd.DataFrame(columns, index=segments.index)
    logger.info(
        "split %s (%s, grouped by %s): %d fold(s)%s",
        strategy,
        method,
        what if strategy != "group" and strategy in HOLDOUT_STRATEGIES else group_column,
        len(columns),
        f"; labels sitting out: {sorted(sat_out)}" if sat_out else "",
    )
    return FoldPlan(strategy, method, assignments, tests, sat_out)
