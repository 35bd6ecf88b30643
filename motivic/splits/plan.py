"""One fold plan per comparison: the folds drawn once and applied to every dataset.

A *strategy name* is ``[motif_]<base>[_by_<column>]``:

``<base>``
    One of :data:`~motivic.splits.units.STRATEGIES` (``random``, ``group``,
    ``group_kfold``, ``logo``; clip corpora also ``random_clips``,
    ``random_contents``).
``_by_<column>``
    Group by ``<column>`` instead of ``split.group_column`` (grouped bases only),
    e.g. ``logo_by_singer`` beside ``logo``: leave one singer out, reported as
    its own split strategy.
``motif_``
    Hold out whole motifs (grouped bases only), e.g. ``motif_group_kfold``: the
    base's folds, and in each fold every training or validation segment that
    carries a motif id also carried by a test segment is ``excluded``. So every
    occurrence of a tested motif (after overlapping occurrences were merged:
    all member ids count, column ``motif_ids``) is either tested or unused.

The plan of a grouped strategy is drawn once from the union of the datasets'
segment tables (:func:`make_plan`): each unit (a value of the grouping column)
gets one part per fold, and every dataset's segments follow their unit
(:func:`apply_plan`). So the motivic and non-motivic models of one table row
train, select and test on the same recordings. Non-motivic (control) segments
carry no motif id: under a ``motif_`` strategy they follow the recording folds
unchanged, so only the motivic side loses training segments (the comparison
errs against motifs). ``random`` (like ``random_clips`` and ``random_contents``)
is a segment-level holdout: each dataset is drawn on its own (the
within-recording protocol of the paper), stored in the same plan.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.splits.folds import FoldPlan, make_folds
from motivic.splits.units import (
    _FOLD_PREFIX,
    EXCLUDED,
    PASSAGE_COLUMN,
    Strategy,
    _require_columns,
    parse_strategy,
)

logger = logging.getLogger(__name__)

#: Plan rows whose unit every dataset shares (grouped strategies).
ALL_DATASETS = "*"
#: Segments column listing every motif id of a (possibly merged) segment, ``;``-separated.
MOTIF_IDS_COLUMN = "motif_ids"


def segment_motifs(segments: pd.DataFrame) -> list[frozenset]:
    """Motif ids of each segment: ``motif_ids`` (``;``-separated) if present, else ``motif_id``.

    Empty strings (control segments) give an empty set.
    """
    column = MOTIF_IDS_COLUMN if MOTIF_IDS_COLUMN in segments.columns else "motif_id"
    if column not in segments.columns:
        return [frozenset()] * len(segments)
    values = segments[column].astype(object).fillna("").astype(str)
    return [frozenset(v for v in s.split(";") if v) for s in values]


@dataclass(frozen=True)
class SplitPlan:
    """The folds of one strategy for every dataset of a comparison.

    Attributes
    ----------
    strategy : Strategy
    method : str
        How folds were formed (:attr:`FoldPlan.method`).
    group_column : str
        Column whose values are the units (``segment_id`` for the segment-level holdouts).
    units : pd.DataFrame
        Columns ``dataset`` (:data:`ALL_DATASETS` for shared units), ``unit``
        and ``fold_0 … fold_{K-1}`` (the unit's part in each fold).
    test_groups : list of list of str
        Units tested in each fold (empty for the segment-level holdouts: see the
        datasets' summaries).
    sat_out : dict
        Label -> reason, for labels excluded from every fold.
    unshared : list of str
        Units without segments in some dataset, excluded from every fold.
    """

    strategy: Strategy
    method: str
    group_column: str
    units: pd.DataFrame
    test_groups: list = field(default_factory=list)
    sat_out: dict = field(default_factory=dict)
    unshared: list = field(default_factory=list)

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return sum(c.startswith(_FOLD_PREFIX) for c in self.units.columns)

    def roles(self, fold: int) -> dict[str, str]:
        """Shared unit -> part (train/val/test/excluded) in ``fold`` (grouped strategies)."""
        rows = self.units[self.units["dataset"] == ALL_DATASETS]
        return dict(zip(rows["unit"], rows[f"{_FOLD_PREFIX}{fold}"]))


def _combined(tables: Mapping[str, pd.DataFrame], group_column: str) -> pd.DataFrame:
    """The columns a grouped split reads, of every dataset's segments, stacked."""
    columns = ["label", "recording", group_column]
    for optional in ("source", PASSAGE_COLUMN):  # clip corpora: audio files, shared passages
        if all(optional in t.columns for t in tables.values()):
            columns.append(optional)
    parts = []
    for dataset, table in tables.items():
        _require_columns(table, columns, f"segments table of {dataset}")
        parts.append(table.loc[:, list(dict.fromkeys(columns))])
    return pd.concat(parts, ignore_index=True)


def make_plan(
    tables: Mapping[str, pd.DataFrame],
    *,
    strategy: str,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    folds: int = 5,
    repeats: int = 1,
    group_column: str = "recording",
    small_labels: str = "error",
) -> SplitPlan:
    """Draw the folds of ``strategy`` once for every dataset of a comparison.

    Grouped strategies (``group``, ``group_kfold``, ``logo`` and their
    ``motif_`` / ``_by_`` forms) run :func:`~motivic.splits.folds.make_folds`
    on the union of the tables' segments, so label stratification, inner
    validation and sat-out labels see every dataset, and each unit (value of
    the grouping column) gets one part per fold. Only units with segments in
    every table take part (a recording whose control segments could not be
    placed has none in ``nonmotivic``); the others are ``excluded`` from every
    fold, logged and listed (:attr:`SplitPlan.unshared`), so no fold leaves a
    dataset without test, validation or training units. The segment-level holdouts
    (``random``, and ``random_clips`` / ``random_contents`` of clip corpora)
    draw each dataset on its own, with the same seeds.

    Parameters
    ----------
    tables : mapping of str to pd.DataFrame
        Dataset name -> segments table (columns as for :func:`make_folds`).
    strategy : str
        A strategy name (:func:`parse_strategy`).
    fractions, seed, folds, repeats, small_labels
        As :func:`~motivic.splits.folds.make_folds`.
    group_column : str
        Grouping column, unless the name carries ``_by_<column>``.

    Returns
    -------
    plan : SplitPlan

    Raises
    ------
    MotivicError
        As :func:`make_folds`, or when ``tables`` is empty.
    """
    spec = parse_strategy(strategy)
    if not tables:
        raise MotivicError("make_plan needs at least one segments table")
    params = {"fractions": fractions, "seed": seed, "folds": folds, "repeats": repeats}
    if spec.within_recording:
        frames, sat_out, method = [], {}, "holdout"
        for dataset, table in tables.items():
            plan = make_folds(table, strategy=spec.base, small_labels=small_labels, **params)
            _require_columns(table, ["segment_id"], f"segments table of {dataset}")
            frame = plan.assignments.copy()
            frame.insert(0, "unit", table["segment_id"].astype(str).to_numpy())
            frame.insert(0, "dataset", dataset)
            frames.append(frame.reset_index(drop=True))
            sat_out.update({k: f"{dataset}: {v}" for k, v in plan.sat_out.items()})
        units = pd.concat(frames, ignore_index=True)
        return SplitPlan(spec, method, "segment_id", units, [[]] * repeats, sat_out)
    column = spec.group_column or group_column
    combined = _combined(tables, column)
    every_unit = sorted(set(combined[column].astype(str)))
    shared = set.intersection(*(set(t[column].astype(str)) for t in tables.values()))
    unshared = [u for u in every_unit if u not in shared]
    if unshared:
        logger.warning(
            "plan %s: %d %s unit(s) lack segments in some dataset and are excluded from every "
            "fold, so that every fold tests, validates and trains each dataset on the same "
            "units: %s",
            spec.name,
            len(unshared),
            column,
            ", ".join(unshared[:10]),
        )
        combined = combined[combined[column].astype(str).isin(shared)].reset_index(drop=True)
    plan = make_folds(
        combined, strategy=spec.base, group_column=column, small_labels=small_labels, **params
    )
    keys = combined[column].astype(str)
    # a unit's part: that of its segments whose label takes part (a singer may also sing a
    # style that sits out); a unit of sat-out labels only is excluded throughout
    taking_part = ~combined["label"].astype(str).isin(list(plan.sat_out)).to_numpy()
    per_unit = (
        plan.assignments[taking_part]
        .groupby(keys[taking_part].to_numpy())
        .first()
        .reindex(every_unit, fill_value=EXCLUDED)
    )
    units = per_unit.reset_index(names="unit")
    units.insert(0, "dataset", ALL_DATASETS)
    logger.info(
        "plan %s: %d %s unit(s) of %d dataset(s) (%s), %d fold(s)",
        spec.name,
        len(units),
        column,
        len(tables),
        ", ".join(tables),
        plan.n_folds,
    )
    return SplitPlan(spec, plan.method, column, units, plan.test_groups, plan.sat_out, unshared)


def _exclude_shared_motifs(parts: np.ndarray, motifs: list[frozenset]) -> int:
    """Mark ``excluded`` the train/val rows sharing a motif with a test row; return how many."""
    tested = set().union(*(m for m, p in zip(motifs, parts) if p == "test"))
    drop = [
        i for i, (m, p) in enumerate(zip(motifs, parts)) if p in ("train", "val") and m & tested
    ]
    parts[drop] = EXCLUDED
    return len(drop)


def apply_plan(segments: pd.DataFrame, plan: SplitPlan, dataset: str) -> FoldPlan:
    """The folds of one dataset's segments under a shared plan.

    Each segment takes its unit's part (segment-level holdouts: its own row of the plan),
    except that a label sitting out (:attr:`SplitPlan.sat_out`) is ``excluded``
    everywhere; under a ``motif_`` strategy, train/val segments sharing a motif id with a
    test segment of the fold are then ``excluded`` (logged per fold, with any
    label left without training segments).

    Raises
    ------
    MotivicError
        If a segment's unit is not in the plan (the plan was drawn from other tables).
    """
    spec = plan.strategy
    if spec.within_recording:
        rows = plan.units[plan.units["dataset"] == dataset].set_index("unit")
        keys = segments["segment_id"].astype(str)
    else:
        _require_columns(segments, [plan.group_column], f"segments table of {dataset}")
        rows = plan.units[plan.units["dataset"] == ALL_DATASETS].set_index("unit")
        keys = segments[plan.group_column].astype(str)
    missing = sorted(set(keys) - set(rows.index))
    if missing:
        raise MotivicError(
            f"split plan {spec.name}: {plan.group_column} {missing[:3]} of dataset {dataset!r} "
            f"are not in the plan ({len(missing)} in all); redraw the plan from these segments"
        )
    motifs = segment_motifs(segments) if spec.hold_out_motifs else None
    _require_columns(segments, ["label"], f"segments table of {dataset}")
    labels = segments["label"].astype(str).to_numpy()
    sits_out = np.isin(labels, list(plan.sat_out)) if not spec.within_recording else None
    columns = {}
    for k in range(plan.n_folds):
        name = f"{_FOLD_PREFIX}{k}"
        parts = keys.map(rows[name]).to_numpy(dtype=object)
        if sits_out is not None:
            parts[sits_out] = EXCLUDED
        if motifs is not None:
            n = _exclude_shared_motifs(parts, motifs)
            if n:
                logger.info(
                    "%s fold %d: %d %s segment(s) share a tested motif", spec.name, k, n, dataset
                )
            lost = sorted(set(labels[parts != EXCLUDED]) - set(labels[parts == "train"]))
            if lost:
                logger.warning(
                    "%s fold %d: label(s) %s of %s have no training segment left",
                    spec.name,
                    k,
                    lost,
                    dataset,
                )
        columns[name] = parts
    assignments = pd.DataFrame(columns, index=segments.index)
    return FoldPlan(spec.name, plan.method, assignments, plan.test_groups, plan.sat_out)


def write_plan(
    plan: SplitPlan, path: str | os.PathLike, summary_path: str | os.PathLike
) -> pd.DataFrame:
    """Write the plan (``dataset, unit, fold_0, …``) and its per-fold summary, atomically.

    The summary has one row per fold: ``fold, strategy, method, group_column,
    hold_out_motifs, n_train_units, n_val_units, n_test_units, test_groups,
    val_groups`` (comma-joined, grouped strategies), ``sat_out`` and
    ``unshared`` (comma-joined units excluded for lacking some dataset).

    Returns
    -------
    summary : pd.DataFrame
    """
    shared = plan.units["dataset"] == ALL_DATASETS
    sat_out = "; ".join(f"{k}: {v}" for k, v in sorted(plan.sat_out.items()))
    rows = []
    for k in range(plan.n_folds):
        parts = plan.units[f"{_FOLD_PREFIX}{k}"]
        units = plan.units["unit"]
        rows.append(
            {
                "fold": k,
                "strategy": plan.strategy.name,
                "method": plan.method,
                "group_column": plan.group_column,
                "hold_out_motifs": plan.strategy.hold_out_motifs,
                **{f"n_{p}_units": int((parts == p).sum()) for p in ("train", "val", "test")},
                "test_groups": ",".join(sorted(units[shared & (parts == "test")])),
                "val_groups": ",".join(sorted(units[shared & (parts == "val")])),
                "sat_out": sat_out,
                "unshared": ",".join(plan.unshared),
            }
        )
    summary = pd.DataFrame(rows)
    with atomic_path(path) as tmp:
        plan.units.to_csv(tmp, sep="\t", index=False)
    with atomic_path(summary_path) as tmp:
        summary.to_csv(tmp, sep="\t", index=False)
    return summary


def _parse_sat_out(text: str) -> dict:
    out = {}
    for item in filter(None, (s.strip() for s in text.split("; "))):
        label, _, reason = item.partition(": ")
        out[label] = reason
    return out


def read_plan(path: str | os.PathLike, summary_path: str | os.PathLike) -> SplitPlan:
    """Read a plan written by :func:`write_plan`.

    Raises
    ------
    MotivicError
        If the files are not a plan and its summary, or disagree on the folds.
    """
    units = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    summary = pd.read_csv(summary_path, sep="\t", dtype=str, keep_default_na=False)
    if list(units.columns[:2]) != ["dataset", "unit"] or "strategy" not in summary.columns:
        raise MotivicError(f"{path}, {summary_path}: not a split plan and its summary")
    n = sum(c.startswith(_FOLD_PREFIX) for c in units.columns)
    if n != len(summary) or n == 0:
        raise MotivicError(f"{path}: {n} fold column(s), but {len(summary)} summary row(s)")
    first = summary.iloc[0]
    spec = parse_strategy(first["strategy"])
    tests = [[g for g in s.split(",") if g] for s in summary["test_groups"]]
    unshared = [u for u in first.get("unshared", "").split(",") if u]
    return SplitPlan(
        spec,
        first["method"],
        first["group_column"],
        units,
        tests,
        _parse_sat_out(first["sat_out"]),
        unshared,
    )
