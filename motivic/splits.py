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
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "EXCLUDED",
    "HOLDOUT_STRATEGIES",
    "SPLIT_NAMES",
    "STRATEGIES",
    "FoldPlan",
    "assign_splits",
    "fold_count",
    "inner_validation",
    "load_split",
    "make_folds",
    "overlap_clusters",
    "read_fold_count",
    "strategy_params",
    "write_folds",
    "write_split",
]

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "val", "test")
EXCLUDED = (
    "excluded"  # split value of segments whose label cannot be split (small_labels="exclude")
)
STRATEGIES = ("random", "group", "group_kfold", "logo")
HOLDOUT_STRATEGIES = ("random", "group")
_FOLD_PREFIX = "fold_"
_EPS_S = 1e-9


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MotivicError(f"{what} lacks column(s) {missing}; found {list(df.columns)}")


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    fr = np.asarray(fractions, dtype=float)
    if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0, atol=1e-6):
        raise MotivicError(
            f"split.fractions={list(fractions)} must be three non-negative numbers "
            "(train, val, test) summing to 1"
        )
    return fr


# ---------------------------------------------------------------------------
# overlap clusters
# ---------------------------------------------------------------------------


def time_key(segments: pd.DataFrame) -> pd.Series:
    """The audio a segment's times refer to: ``source`` (clip corpora) if present, else ``recording``.

    Clips are separate files whose ``start_s`` is 0 in the clip, so two clips
    of one recording never share audio as far as the table can tell.
    """
    column = "source" if "source" in segments.columns else "recording"
    _require_columns(segments, [column], "segments table")
    return segments[column].astype(str)


def overlap_clusters(segments: pd.DataFrame) -> pd.Series:
    """Cluster id of each segment: connected components of time overlap within one audio source.

    Two segments of the same source (:func:`time_key`) whose ``[start_s, end_s)``
    spans intersect (by more than 1 ns) are in one cluster, and so,
    transitively, is every segment overlapping either. Segments without
    ``start_s``/``end_s`` columns are each their own cluster.

    Returns
    -------
    clusters : pd.Series [dtype=object]
        ``"{source}#{k}"``, indexed like ``segments``.
    """
    keys = time_key(segments)
    if not {"start_s", "end_s"} <= set(segments.columns):
        return pd.Series(
            [f"{k}#{i}" for i, k in enumerate(keys)], index=segments.index, dtype=object
        )
    starts = segments["start_s"].astype(float).to_numpy()
    ends = segments["end_s"].astype(float).to_numpy()
    out = np.empty(len(segments), dtype=object)
    for key, pos in pd.Series(np.arange(len(segments))).groupby(keys.to_numpy()):
        pos = pos.to_numpy()
        order = pos[np.lexsort((ends[pos], starts[pos]))]
        k, reach = -1, -np.inf
        for p in order:
            if starts[p] >= reach - _EPS_S:
                k += 1
                reach = ends[p]
            else:
                reach = max(reach, ends[p])
            out[p] = f"{key}#{k}"
    return pd.Series(out, index=segments.index, dtype=object)


def _check_nested(keys: pd.Series, sources: pd.Series, group_column: str) -> None:
    """Every audio source must lie in one group, or its segments could land on both sides."""
    per_source = pd.Series(keys.to_numpy()).groupby(sources.to_numpy()).nunique()
    split_up = per_source[per_source > 1]
    if len(split_up):
        raise MotivicError(
            f"split.group_column={group_column!r} takes several values within recording "
            f"{split_up.index[0]!r} ({len(split_up)} recording(s) in all): its segments could be "
            "tested and trained on at once; group by a column constant per recording"
        )


# ---------------------------------------------------------------------------
# holdout splits
# ---------------------------------------------------------------------------


def _allocate(n: int, fractions: np.ndarray) -> np.ndarray:
    """Split ``n`` items by ``fractions``.

    One item goes to each positive fraction, the rest by largest remainder.
    """
    base = (fractions > 0).astype(int)
    rest = n - base.sum()
    if rest <= 0:
        return base
    target = np.clip(n * fractions - base, 0.0, None)
    if target.sum() <= 0:  # every split already at its share: the rest follows the fractions
        target = fractions.astype(float)
    share = target / target.sum() * rest
    counts = np.floor(share).astype(int)
    order = np.argsort(-(share - counts), kind="mergesort")
    counts[order[: rest - counts.sum()]] += 1
    return base + counts


def _random_splits(
    labels: pd.Series, units: pd.Series, fractions: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Stratified holdout over ``units`` (overlap clusters); a unit follows its majority label."""
    owner = pd.crosstab(units, labels).idxmax(axis=1)
    need = int((fractions > 0).sum())
    split_of_unit: dict = {}
    for label in sorted(owner.unique()):
        mine = owner.index[owner == label].to_numpy()
        if len(mine) < need:
            raise MotivicError(
                f"assign_splits(strategy='random'): label {label!r} has {len(mine)} segment "
                f"cluster(s); need >= {need} to put one in each split with fractions "
                f"{fractions.tolist()}"
            )
        counts = _allocate(len(mine), fractions)
        mine = mine[rng.permutation(len(mine))]
        split_of_unit.update(zip(mine, np.repeat(np.array(SPLIT_NAMES, dtype=object), counts)))
    return units.map(split_of_unit).to_numpy(dtype=object)


def _group_splits(
    labels: pd.Series,
    keys: pd.Series,
    fractions: np.ndarray,
    rng: np.random.Generator,
    group_column: str,
) -> np.ndarray:
    sizes = pd.crosstab(keys, labels)  # groups x labels, sorted both ways
    owner = sizes.idxmax(axis=1)  # a group spanning labels follows its majority label
    n_mixed = int(((sizes > 0).sum(axis=1) > 1).sum())
    if n_mixed:
        logger.info(
            "%d %s group(s) span several labels; each follows its majority", n_mixed, group_column
        )
    need = int((fractions > 0).sum())
    split_of_group: dict = {}
    for label in sorted(owner.unique()):
        grp = owner.index[owner == label].to_numpy()
        if len(grp) < need:
            raise MotivicError(
                f"assign_splits(strategy='group'): label {label!r} has {len(grp)} {group_column} "
                f"group(s) ({int(sizes.loc[grp].to_numpy().sum())} segments); need >= {need} to "
                "put one in each split; use strategy='random', a finer group_column or "
                "split.small_labels: exclude"
            )
        grp = grp[rng.permutation(len(grp))]
        n_grp = sizes.loc[grp].sum(axis=1).to_numpy()
        target = fractions * n_grp.sum()
        filled = np.zeros(3)
        n_groups = np.zeros(3, dtype=int)
        for i, (g, n) in enumerate(zip(grp, n_grp)):
            empty = np.flatnonzero((n_groups == 0) & (fractions > 0))
            if len(empty) == len(grp) - i:  # just enough groups left for the empty splits
                s = int(empty[0])
            else:
                deficit = np.where(fractions > 0, target - filled, -np.inf)
                s = int(np.argmax(deficit))
            split_of_group[g] = SPLIT_NAMES[s]
            filled[s] += n
            n_groups[s] += 1
    return keys.map(split_of_group).to_numpy(dtype=object)


# ---------------------------------------------------------------------------
# labels that cannot take part
# ---------------------------------------------------------------------------


def _sat_out(
    labels: pd.Series, units: pd.Series, need: int, what: str, small_labels: str, strategy: str
) -> dict[str, str]:
    """Labels occurring in fewer than ``need`` units, with the reason; raise if ``small_labels='error'``."""
    if small_labels not in ("error", "exclude"):
        raise MotivicError(f"split.small_labels={small_labels!r} must be 'error' or 'exclude'")
    per_label = pd.Series(units.to_numpy()).groupby(labels.to_numpy()).nunique()
    out = {}
    for label, n in per_label.sort_index().items():
        if n >= need:
            continue
        parts = (
            "test, validation and training"
            if strategy in HOLDOUT_STRATEGIES
            else "test and training"
        )
        reason = (
            f"{n} {what}(s), fewer than the {need} that strategy {strategy!r} needs "
            f"(one each for {parts})"
        )
        if small_labels == "error":
            raise MotivicError(
                f"split {strategy!r}: label {label!r} has {reason}; use a finer "
                "split.group_column, another strategy, or split.small_labels: exclude"
            )
        out[str(label)] = reason
        logger.warning("label %r sits out every fold of %s: %s", label, strategy, reason)
    return out


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
    ``split.folds`` (default 5).
    """
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
    "group": ("fractions", "group_column", "repeats", "seed", "small_labels"),
    "group_kfold": ("folds", "fractions", "group_column", "seed", "small_labels"),
    "logo": ("fractions", "group_column", "seed", "small_labels"),
}


def strategy_params(split_cfg: Mapping, strategy: str) -> dict:
    """The keys of the ``split`` section that ``strategy`` reads, as keywords of :func:`make_folds`."""
    if strategy not in _STRATEGY_KEYS:
        raise MotivicError(f"split strategy={strategy!r} must be one of {', '.join(STRATEGIES)}")
    return {k: split_cfg[k] for k in _STRATEGY_KEYS[strategy] if k in split_cfg}


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
    strategy : {"random", "group", "group_kfold", "logo"}
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
    if strategy == "random":
        units, what = overlap_clusters(segs).reset_index(drop=True), "segment cluster"
    else:
        _require_columns(segs, [group_column], "segments table")
        units, what = segs[group_column].astype(str), f"{group_column} group"
        _check_nested(units, sources, group_column)
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
            if strategy == "random":
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
        "overlap cluster" if strategy == "random" else group_column,
        len(columns),
        f"; labels sitting out: {sorted(sat_out)}" if sat_out else "",
    )
    return FoldPlan(strategy, method, assignments, tests, sat_out)


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def write_folds(
    segments: pd.DataFrame, plan: FoldPlan, path: str | os.PathLike, summary_path: str | os.PathLike
) -> pd.DataFrame:
    """Write the fold table (``segment_id, fold_0, …``) and a per-fold summary TSV, atomically.

    The summary has one row per fold: ``fold, strategy, method, n_train, n_val,
    n_test, n_excluded, test_groups`` (comma-joined) and ``sat_out``
    (``label: reason`` pairs joined by ``; ``, the same in every fold).

    Returns
    -------
    summary : pd.DataFrame

    Raises
    ------
    MotivicError
        If segment ids repeat or a fold leaves train, val or test empty.
    """
    _require_columns(segments, ["segment_id"], "segments table")
    if segments["segment_id"].duplicated().any():
        dup = segments["segment_id"][segments["segment_id"].duplicated()].iloc[0]
        raise MotivicError(f"segment_id {dup!r} occurs more than once")
    table = pd.concat(
        [segments["segment_id"].astype(str).rename("segment_id"), plan.assignments], axis=1
    )
    rows = []
    sat_out = "; ".join(f"{k}: {v}" for k, v in sorted(plan.sat_out.items()))
    for k in range(plan.n_folds):
        counts = plan.fold(k).value_counts()
        empty = [p for p in SPLIT_NAMES if counts.get(p, 0) == 0]
        if empty:
            raise MotivicError(
                f"split {plan.strategy}: fold {k} has no {empty} segments ({counts.to_dict()})"
            )
        rows.append(
            {
                "fold": k,
                "strategy": plan.strategy,
                "method": plan.method,
                **{f"n_{p}": int(counts.get(p, 0)) for p in (*SPLIT_NAMES, EXCLUDED)},
                "test_groups": ",".join(plan.test_groups[k]),
                "sat_out": sat_out,
            }
        )
    summary = pd.DataFrame(rows)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    with atomic_path(summary_path) as tmp:
        summary.to_csv(tmp, sep="\t", index=False)
    return summary


def read_fold_count(summary_path: str | os.PathLike) -> int:
    """Number of folds in a summary written by :func:`write_folds`."""
    summary = pd.read_csv(summary_path, sep="\t")
    if "fold" not in summary.columns or summary.empty:
        raise MotivicError(f"{summary_path}: not a fold summary (no 'fold' rows)")
    return int(summary["fold"].max()) + 1


def write_split(segments: pd.DataFrame, split: pd.Series, path: str | os.PathLike) -> None:
    """Write a single-fold ``segment_id<TAB>split`` TSV, atomically.

    Raises
    ------
    MotivicError
        If ids repeat, the indexes differ, or a value is not a split name.
    """
    _require_columns(segments, ["segment_id"], "segments table")
    if not split.index.equals(segments.index):
        raise MotivicError("split must be indexed like segments (use assign_splits(segments))")
    if segments["segment_id"].duplicated().any():
        dup = segments["segment_id"][segments["segment_id"].duplicated()].iloc[0]
        raise MotivicError(f"segment_id {dup!r} occurs more than once")
    bad = sorted(set(split) - set(SPLIT_NAMES) - {EXCLUDED})
    if bad:
        raise MotivicError(f"split values {bad} must be one of {list(SPLIT_NAMES)}")
    table = pd.DataFrame(
        {"segment_id": segments["segment_id"].astype(str), "split": split.to_numpy()}
    )
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)


def load_split(path: str | os.PathLike, fold: int = 0) -> pd.Series:
    """Read fold ``fold`` of a split file (:func:`write_folds`, or :func:`write_split` for fold 0).

    Returns
    -------
    split : pd.Series [dtype=object]
        Split name indexed by ``segment_id`` (use ``segments.segment_id.map(split)``).

    Raises
    ------
    MotivicError
        If the columns are wrong, the fold is absent, ids repeat or a value is
        not a split name.
    """
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    column = "split" if list(table.columns) == ["segment_id", "split"] else f"{_FOLD_PREFIX}{fold}"
    if column == "split" and fold != 0:
        raise MotivicError(f"{path}: a single-fold split file has no fold {fold}")
    if table.columns[0] != "segment_id" or column not in table.columns:
        raise MotivicError(
            f"{path}: columns {list(table.columns)} must be ['segment_id', 'split'] or "
            f"['segment_id', 'fold_0', …] with {column!r}"
        )
    if table["segment_id"].duplicated().any():
        dup = table["segment_id"][table["segment_id"].duplicated()].iloc[0]
        raise MotivicError(f"{path}: segment_id {dup!r} occurs more than once")
    bad = sorted(set(table[column]) - set(SPLIT_NAMES) - {EXCLUDED})
    if bad:
        raise MotivicError(f"{path}: split values {bad} must be one of {list(SPLIT_NAMES)}")
    index = pd.Index(table["segment_id"], name="segment_id")
    return pd.Series(table[column].to_numpy(dtype=object), index=index, name="split")
