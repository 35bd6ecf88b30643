"""Splits and folds on disk: one column per fold, a summary with the fold count."""

from __future__ import annotations

import logging
import os

import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.splits.folds import FoldPlan
from motivic.splits.units import _FOLD_PREFIX, EXCLUDED, SPLIT_NAMES, _require_columns

logger = logging.getLogger(__name__)


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
