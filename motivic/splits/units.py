"""What a split moves (overlap clusters, groups), the holdout draws, labels too small to split."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "val", "test")
EXCLUDED = (
    "excluded"  # split value of segments whose label cannot be split (small_labels="exclude")
)
STRATEGIES = ("random", "group", "group_kfold", "logo", "random_clips", "random_contents")
HOLDOUT_STRATEGIES = ("random", "group", "random_clips", "random_contents")
#: Strategies whose units are groups of whole recordings (:func:`parse_strategy`).
GROUPED_STRATEGIES = ("group", "group_kfold", "logo")
#: Column of clip corpora holding each clip's passage (:mod:`motivic.corpus.passages`).
PASSAGE_COLUMN = "passage"
_FOLD_PREFIX = "fold_"
_EPS_S = 1e-9
#: Strategy-name prefix that holds out whole motifs (:func:`parse_strategy`).
MOTIF_PREFIX = "motif_"
#: Strategy-name infix naming the grouping column, e.g. ``logo_by_singer``.
GROUP_INFIX = "_by_"


@dataclass(frozen=True)
class Strategy:
    """A parsed strategy name ``[motif_]<base>[_by_<column>]`` (:mod:`motivic.splits.plan`).

    Attributes
    ----------
    name : str
        As configured (the ``{split}`` wildcard).
    base : str
        One of :data:`~motivic.splits.units.STRATEGIES`.
    group_column : str or None
        The ``_by_<column>`` override, else ``None`` (``split.group_column``).
    hold_out_motifs : bool
        ``motif_`` prefix.
    """

    name: str
    base: str
    group_column: str | None = None
    hold_out_motifs: bool = False

    @property
    def within_recording(self) -> bool:
        """Whether a recording can be in training and test at once (the segment-level holdouts)."""
        return self.base not in GROUPED_STRATEGIES


def parse_strategy(name: str) -> Strategy:
    """Parse ``[motif_]<base>[_by_<column>]``.

    Raises
    ------
    MotivicError
        On an unknown base, or a prefix or suffix on ``random``.
    """
    rest = str(name)
    hold_out = rest.startswith(MOTIF_PREFIX)
    if hold_out:
        rest = rest[len(MOTIF_PREFIX) :]
    base, infix, column = rest.partition(GROUP_INFIX)
    if base not in STRATEGIES or (infix and not column):
        raise MotivicError(
            f"split strategy {name!r} must be [motif_]<base>[_by_<column>] with base one of "
            f"{', '.join(STRATEGIES)}"
        )
    if base not in GROUPED_STRATEGIES and (hold_out or infix):
        raise MotivicError(
            f"split strategy {name!r}: {base} is a segment-level holdout; motif_ and _by_ "
            f"apply to the grouped strategies ({', '.join(GROUPED_STRATEGIES)})"
        )
    return Strategy(str(name), base, column or None, hold_out)


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


def merge_units(units: pd.Series, links: pd.Series) -> pd.Series:
    """Units joined wherever one ``links`` value (a passage) spans several of them.

    Clip corpora hold nested and overlapping cuts of one passage, and copies of
    one clip (:mod:`motivic.corpus.passages`); a passage is filed under one
    recording as a rule, but a cut filed under another one would otherwise let
    the passage straddle a grouped split. Units connected through a shared link
    value (transitively) become one unit, named by their sorted values joined
    with ``+``; units no link joins keep their value.

    Parameters
    ----------
    units : pd.Series
        Unit of each segment (group value or overlap cluster).
    links : pd.Series
        Passage of each segment, aligned with ``units``; ``""`` links nothing.

    Returns
    -------
    merged : pd.Series [dtype=object]
        Indexed like ``units``.

    Examples
    --------
    >>> merge_units(pd.Series(["a", "b", "c", "d"]), pd.Series(["p", "p", "q", ""])).tolist()
    ['a+b', 'a+b', 'c', 'd']
    """
    units = units.astype(str)
    links = links.astype(str).reindex(units.index)
    parent = {u: u for u in units.unique()}

    def root(u: str) -> str:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for link, members in units[links != ""].groupby(links[links != ""].to_numpy()):
        first, *rest = members.unique()
        for other in rest:
            a, b = root(first), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    names: dict[str, list[str]] = {}
    for u in parent:
        names.setdefault(root(u), []).append(u)
    label = {r: "+".join(sorted(members)) for r, members in names.items()}
    n_joined = sum(len(m) > 1 for m in names.values())
    if n_joined:
        logger.info("%d unit(s) joined because a passage spans them", n_joined)
    return units.map(lambda u: label[root(u)]).astype(object)


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
