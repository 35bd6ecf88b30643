"""Pooled out-of-fold result tables: one row per cell, with recording-bootstrap intervals.

A cell (model × dataset × split strategy, and augmentation policy in Table II)
has one run per fold and seed. Its row reports:

- the *pooled* out-of-fold metrics: every test prediction of every fold and
  seed of the cell scored together (``accuracy``, ``balanced_accuracy``,
  ``majority_rate``, ``precision``, ``recall``, ``f1_paper``, ``f1_macro``,
  ``auc``, ``vote_accuracy``; see :mod:`motivic.core.metrics` for definitions);
- a percentile interval (``report.confidence``, 95 % by default) for accuracy
  and balanced accuracy from a bootstrap that resamples test *recordings*
  (``report.bootstrap`` resamples, seeded by ``report.seed``);
- the mean and sample std over the runs (``<metric>_runs``, ``<metric>_runs_std``);
- the counts behind it: ``n_test_segments`` (distinct segments tested),
  ``n_predictions`` (segments × seeds), ``n_test_recordings``, ``n_folds``,
  ``n_seeds``, ``n_runs``.

``vote_accuracy`` is the recording-level majority vote of each run, pooled
over the run × recording pairs. :func:`motivic_vs_control` pairs the motivic
and non-motivic rows of each model and strategy on their shared test recordings.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.metrics import (
    classification_metrics,
    confusion,
    paired_recording_bootstrap,
    recording_bootstrap,
    recording_vote,
)

__all__ = [
    "POOLED_METRICS",
    "RUN_METRICS",
    "RunResult",
    "format_comparison",
    "format_pooled",
    "motivic_vs_control",
    "pool_cells",
    "write_pooled_tables",
]

logger = logging.getLogger(__name__)

#: Pooled metrics of every row, in column order.
POOLED_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "majority_rate",
    "precision",
    "recall",
    "f1_paper",
    "f1_macro",
    "auc",
    "vote_accuracy",
)
#: Per-run metrics summarised as mean ± std over folds × seeds.
RUN_METRICS = ("accuracy", "balanced_accuracy", "f1_paper", "f1_macro", "auc")
_ID_COLUMNS = ("model", "dataset", "split", "augment")


@dataclass(frozen=True)
class RunResult:
    """One scored run: its metrics record (with model, dataset, split, fold, seed, augment) and predictions."""

    metrics: Mapping
    predictions: pd.DataFrame


def _label_names(runs: Sequence[RunResult]) -> list[str]:
    names: list[str] = []
    for run in runs:
        for name in run.metrics.get("labels") or sorted(
            run.predictions["label"].astype(str).unique()
        ):
            if name not in names:
                names.append(str(name))
    return sorted(names)


def _pooled(runs: Sequence[RunResult], names: list[str]):
    """Concatenated predictions: recordings, run keys, y_true, probs over ``names``."""
    frames = []
    for run in runs:
        pred = run.predictions.copy()
        pred["_run"] = f"{run.metrics['fold']}/{run.metrics['seed']}"
        frames.append(pred)
    pred = pd.concat(frames, ignore_index=True)
    index = {n: i for i, n in enumerate(names)}
    y_true = pred["label"].astype(str).map(index).to_numpy(dtype=np.int64)
    probs = np.column_stack(
        [
            pred[f"p_{n}"].to_numpy(dtype=float) if f"p_{n}" in pred else np.zeros(len(pred))
            for n in names
        ]
    )
    return pred, y_true, np.nan_to_num(probs, nan=0.0)


def _cell_row(
    runs: Sequence[RunResult], *, n_boot: int, confidence: float, rng: np.random.Generator
) -> tuple[dict, list[dict], list[dict]]:
    names = _label_names(runs)
    pred, y_true, probs = _pooled(runs, names)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # undefined per-class AUCs and mixed recordings: counted below
        pooled = classification_metrics(y_true, probs, n_classes=len(names))
        votes = recording_vote(
            y_true, probs, (pred["recording"].astype(str) + "|" + pred["_run"]).to_numpy()
        )
    y_pred = probs.argmax(axis=1)
    row = {m: pooled[m] for m in POOLED_METRICS if m in pooled}
    row["vote_accuracy"] = votes["vote_accuracy"]
    row.update(
        recording_bootstrap(
            pred["recording"].astype(str).to_numpy(),
            y_true,
            y_pred,
            n_classes=len(names),
            n_boot=n_boot,
            confidence=confidence,
            rng=rng,
        )
    )
    per_run = pd.DataFrame([dict(r.metrics) for r in runs])
    for metric in RUN_METRICS:
        values = per_run[metric].astype(float) if metric in per_run else pd.Series(dtype=float)
        row[f"{metric}_runs"] = float(values.mean()) if len(values) else float("nan")
        row[f"{metric}_runs_std"] = float(values.std()) if len(values) > 1 else float("nan")
    row.update(
        auc_classes=pooled["auc_classes"],
        n_classes=len(names),
        n_test_segments=int(pred["segment_id"].nunique()),
        n_predictions=len(pred),
        n_test_recordings=int(pred["recording"].nunique()),
        n_folds=int(per_run["fold"].nunique()),
        n_seeds=int(per_run["seed"].nunique()),
        n_runs=len(runs),
    )
    matrix = confusion(y_true, y_pred, len(names))
    classes = [
        {"label": n, "recall": pooled["recall_per_class"][i], "n_test": int(matrix[i].sum())}
        for i, n in enumerate(names)
    ]
    cells = [
        {"true": t, "predicted": p, "count": int(matrix[i, j])}
        for i, t in enumerate(names)
        for j, p in enumerate(names)
    ]
    return row, classes, cells


def pool_cells(
    runs: Sequence[RunResult],
    *,
    keys: Sequence[str] = ("model", "dataset", "split"),
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One row per cell (distinct values of ``keys``) pooling all its runs.

    Parameters
    ----------
    runs : sequence of RunResult
    keys : sequence of str
        Metrics-record fields that identify a cell.
    n_boot : int >= 1
    confidence : float in (0, 1)
    seed : int
        Bootstrap seed; cell ``i`` (in sorted key order) uses ``[seed, i]``, so a
        row's interval does not depend on which other rows are in the table.

    Returns
    -------
    table : pandas.DataFrame
        ``keys``, then :data:`POOLED_METRICS`, interval columns, ``<m>_runs``,
        ``<m>_runs_std`` and counts (see the module docstring).
    classes : pandas.DataFrame
        ``keys, label, recall, n_test``: per-class recall of each row.
    confusions : pandas.DataFrame
        ``keys, true, predicted, count``: the pooled confusion matrix of each row.

    Raises
    ------
    MotivicError
        If there are no runs, a record lacks a key, fold or seed, or two runs
        of a cell share fold and seed.
    """
    if not runs:
        raise MotivicError("pool_cells: no runs to pool")
    needed = (*keys, "fold", "seed")
    by_cell: dict[tuple, list[RunResult]] = {}
    for i, run in enumerate(runs):
        missing = [k for k in needed if k not in run.metrics]
        if missing:
            raise MotivicError(f"run record {i} lacks {missing}; every record needs {list(needed)}")
        by_cell.setdefault(tuple(str(run.metrics[k]) for k in keys), []).append(run)
    rows, classes, cells = [], [], []
    for i, cell in enumerate(sorted(by_cell)):
        members = by_cell[cell]
        seen = [(str(r.metrics["fold"]), str(r.metrics["seed"])) for r in members]
        if len(set(seen)) < len(seen):
            raise MotivicError(
                f"cell {dict(zip(keys, cell))} has two runs with the same fold and seed"
            )
        ident = dict(zip(keys, cell))
        row, cls, conf = _cell_row(
            members, n_boot=n_boot, confidence=confidence, rng=np.random.default_rng([seed, i])
        )
        rows.append({**ident, **row})
        classes += [{**ident, **c} for c in cls]
        cells += [{**ident, **c} for c in conf]
    logger.info("pooled %d runs into %d rows", len(runs), len(rows))
    return pd.DataFrame(rows), pd.DataFrame(classes), pd.DataFrame(cells)


def motivic_vs_control(
    runs: Sequence[RunResult],
    *,
    motivic: str = "motivic",
    control: str = "nonmotivic",
    keys: Sequence[str] = ("model", "split"),
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Motivic minus non-motivic accuracy per model and strategy, on the shared test recordings.

    For each cell of ``keys`` with runs on both datasets, the pooled
    out-of-fold predictions of each dataset are restricted to the recordings
    tested in both, and the difference of accuracy (and balanced accuracy)
    gets a paired recording-bootstrap interval
    (:func:`motivic.core.metrics.paired_recording_bootstrap`).

    Returns
    -------
    table : pandas.DataFrame
        ``keys``, ``accuracy_motivic``, ``accuracy_nonmotivic``, ``accuracy_diff``
        with ``accuracy_diff_ci_low`` / ``_high``, the same for balanced
        accuracy, ``p_not_greater``, ``n_recordings``, ``n_motivic``,
        ``n_nonmotivic``. Empty when no cell has both datasets.
    """
    by_cell: dict[tuple, dict[str, list[RunResult]]] = {}
    for run in runs:
        dataset = str(run.metrics["dataset"])
        if dataset in (motivic, control):
            cell = tuple(str(run.metrics[k]) for k in keys)
            by_cell.setdefault(cell, {}).setdefault(dataset, []).append(run)
    rows = []
    for i, cell in enumerate(sorted(by_cell)):
        sides = by_cell[cell]
        if set(sides) != {motivic, control}:
            continue
        names = sorted(set(_label_names(sides[motivic])) | set(_label_names(sides[control])))
        data = {}
        for name, members in sides.items():
            pred, y_true, probs = _pooled(members, names)
            data[name] = (pred["recording"].astype(str).to_numpy(), y_true, probs.argmax(axis=1))
        result = paired_recording_bootstrap(
            data[motivic],
            data[control],
            n_classes=len(names),
            n_boot=n_boot,
            confidence=confidence,
            rng=np.random.default_rng([seed, i]),
        )
        side = {"_a": f"_{motivic}", "_b": f"_{control}"}
        renamed = {(k[:-2] + side[k[-2:]] if k[-2:] in side else k): v for k, v in result.items()}
        rows.append({**dict(zip(keys, cell)), **renamed})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.{digits}f}"


def _with_ci(row, metric: str) -> str:
    return f"{_num(row[metric])} [{_num(row[f'{metric}_ci_low'], 2)}, {_num(row[f'{metric}_ci_high'], 2)}]"


def _with_std(row, metric: str) -> str:
    std = row.get(f"{metric}_runs_std")
    text = _num(row.get(f"{metric}_runs"))
    return (
        text
        if std is None or (isinstance(std, float) and math.isnan(std))
        else f"{text} ± {_num(std)}"
    )


def _markdown(header: list[str], lines: list[list[str]]) -> str:
    out = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(":---" if i < 2 else "---:" for i in range(len(header))) + " |",
    ]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(out) + "\n"


def format_pooled(
    table: pd.DataFrame,
    *,
    sections_by: str = "split",
    headings: Mapping | None = None,
    row_keys: Sequence[str] = ("model", "dataset"),
    confidence: float = 0.95,
) -> str:
    """Markdown of :func:`pool_cells` rows, one table per value of ``sections_by``.

    Cells: pooled accuracy and balanced accuracy with their interval
    ``value [low, high]``, the majority-class rate, per-run accuracy
    ``mean ± std``, pooled F1 (both), AUC, vote accuracy and the counts.
    """
    pct = f"{round(confidence * 100)} %"
    header = [
        *row_keys,
        f"accuracy [{pct} CI]",
        f"balanced acc. [{pct} CI]",
        "majority rate",
        "accuracy per run",
        "f1_paper",
        "f1_macro",
        "auc",
        "vote acc.",
        "segments / recordings",
        "folds × seeds",
    ]
    parts = []
    for value in pd.unique(table[sections_by]):
        part = table[table[sections_by] == value]
        lines = [
            [
                *(str(row[k]) for k in row_keys),
                _with_ci(row, "accuracy"),
                _with_ci(row, "balanced_accuracy"),
                _num(row["majority_rate"]),
                _with_std(row, "accuracy"),
                _num(row["f1_paper"]),
                _num(row["f1_macro"]),
                _num(row["auc"]),
                _num(row["vote_accuracy"]),
                f"{int(row['n_test_segments'])} / {int(row['n_test_recordings'])}",
                f"{int(row['n_folds'])} × {int(row['n_seeds'])}",
            ]
            for _, row in part.iterrows()
        ]
        heading = (headings or {}).get(value, f"{sections_by}: {value}")
        parts.append(f"### {heading}\n\n{_markdown(header, lines)}")
    return "\n".join(parts)


def format_comparison(table: pd.DataFrame, *, confidence: float = 0.95) -> str:
    """Markdown of :func:`motivic_vs_control`: one row per model and split strategy."""
    pct = f"{round(confidence * 100)} %"
    header = [
        "model",
        "split",
        "motivic acc.",
        "non-motivic acc.",
        f"difference [{pct} CI]",
        f"balanced acc. difference [{pct} CI]",
        "P(diff ≤ 0)",
        "shared recordings",
    ]
    if table.empty:
        return "No model was trained on both the motivic and the non-motivic dataset.\n"
    lines = [
        [
            str(row["model"]),
            str(row["split"]),
            _num(row["accuracy_motivic"]),
            _num(row["accuracy_nonmotivic"]),
            (
                f"{_num(row['accuracy_diff'])} [{_num(row['accuracy_diff_ci_low'], 2)}, "
                f"{_num(row['accuracy_diff_ci_high'], 2)}]"
            ),
            (
                f"{_num(row['balanced_accuracy_diff'])} [{_num(row['balanced_accuracy_diff_ci_low'], 2)}, "
                f"{_num(row['balanced_accuracy_diff_ci_high'], 2)}]"
            ),
            _num(row["p_not_greater"], 3),
            str(int(row["n_recordings"])),
        ]
        for _, row in table.iterrows()
    ]
    return _markdown(header, lines)


def write_pooled_tables(
    table: pd.DataFrame,
    classes: pd.DataFrame,
    confusions: pd.DataFrame,
    *,
    csv: str,
    md: str,
    classes_csv: str,
    confusion_csv: str,
    headings: Mapping | None = None,
    row_keys: Sequence[str] = ("model", "dataset"),
    confidence: float = 0.95,
) -> None:
    """Write a pooled table (CSV + Markdown) and its per-class recall and confusion CSVs, atomically."""
    from motivic.core.io import atomic_path

    for frame, path in ((table, csv), (classes, classes_csv), (confusions, confusion_csv)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.4f")
    text = format_pooled(table, headings=headings, row_keys=row_keys, confidence=confidence)
    with atomic_path(md) as tmp:
        tmp.write_text(text)
    logger.info("wrote %s and %s (%d rows)", csv, md, len(table))
