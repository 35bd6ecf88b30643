"""Result tables and figures: per-run metrics merged into the paper's tables.

Table 1 of Arronte Alvarez & Gómez (2021) lists accuracy, AUC, precision,
recall and F1 per model and dataset; Table 2 compares augmentation policies.
Here every run contributes one record (a metrics dict plus its model, dataset,
split strategy, augmentation policy and seed); tables average over seeds and
report the sample standard deviation when there are several.

Figures use matplotlib's object API (``Figure`` + Agg canvas), never
``pyplot``, so no global state or display is involved.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path

__all__ = [
    "KEYS",
    "METRICS",
    "SPLIT_HEADINGS",
    "collect_metrics",
    "format_markdown",
    "format_sections",
    "order_rows",
    "plot_confusion",
    "plot_curves",
    "table1",
    "table2",
    "write_table",
]

logger = logging.getLogger(__name__)

#: Columns identifying a run.
KEYS = ("model", "dataset", "split", "augment", "seed")
#: Metrics of Table 1, in column order.
METRICS = ("accuracy", "auc", "precision", "recall", "f1", "vote_accuracy")
#: Preferred column order of augmentation policies in Table 2.
_POLICY_ORDER = ("none", "frequency", "time", "both")
#: Section headings of the Markdown tables, per split strategy.
SPLIT_HEADINGS = {
    "random": "Split `random` — motifs shuffled into train/val/test (the paper's setting)",
    "group": "Split `group` — all segments of a group in one split (no group in two splits)",
    "group_kfold": "Split `group_kfold` — K folds over groups, every group tested once",
    "logo": "Split `logo` — leave one group out, every group tested once",
}


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, bool, int, float, np.generic))


def collect_metrics(records: Sequence[dict]) -> pd.DataFrame:
    """One row per run from metric records.

    Parameters
    ----------
    records : sequence of dict
        Each with the keys in :data:`KEYS` and any number of scalar metric
        fields (non-scalar fields, e.g. confusion matrices, are skipped).

    Returns
    -------
    frame : pandas.DataFrame
        Columns :data:`KEYS` first, then the metric fields in first-seen order.

    Raises
    ------
    MotivicError
        If a record lacks a key of :data:`KEYS`, or two records share the same keys.
    """
    rows = []
    for i, record in enumerate(records):
        missing = [k for k in KEYS if k not in record]
        if missing:
            raise MotivicError(
                f"metrics record {i} lacks {missing}; every record needs {list(KEYS)}"
            )
        rows.append({k: v for k, v in record.items() if _is_scalar(v)})
    columns = list(KEYS)
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    duplicated = frame.duplicated(subset=list(KEYS))
    if duplicated.any():
        first = frame.loc[duplicated, list(KEYS)].iloc[0].to_dict()
        raise MotivicError(f"metrics records repeat the run {first}")
    return frame


def _mean_std(frame: pd.DataFrame, by: list[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean and sample std (``<metric>_std``, NaN for one seed) of ``metrics`` per group."""
    grouped = frame.groupby(by, sort=True, dropna=False)
    out = grouped.size().rename("n_seeds").reset_index()
    for metric in metrics:
        if metric in frame.columns:
            values = frame[metric].astype(float)
            stats = values.groupby([frame[b] for b in by], sort=True, dropna=False).agg(
                ["mean", "std"]
            )
            out[metric] = stats["mean"].to_numpy()
            out[f"{metric}_std"] = stats["std"].to_numpy()
        else:
            out[metric] = np.nan
            out[f"{metric}_std"] = np.nan
    return out


def order_rows(table: pd.DataFrame, keys: Sequence[str], order: dict | None = None) -> pd.DataFrame:
    """Sort rows by ``keys``; values listed in ``order[key]`` come first, in that order.

    Values not listed follow in sorted order. Returns a copy with a fresh index.
    """
    order = order or {}

    def rank(column: pd.Series) -> pd.Series:
        listed = list(order.get(column.name, ()))
        rest = sorted(v for v in column.unique() if v not in listed)
        position = {v: i for i, v in enumerate(listed + rest)}
        return column.map(position)

    return table.sort_values(list(keys), key=rank, kind="mergesort").reset_index(drop=True)


def table1(
    df: pd.DataFrame,
    *,
    augment: str | None = "none",
    metrics: Sequence[str] = METRICS,
    order: dict | None = None,
) -> pd.DataFrame:
    """Per model, dataset and split strategy: mean (and std over seeds) of each metric.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`collect_metrics`.
    augment : str or None
        Augmentation policy of the runs to include; ``None``: every run of
        ``df`` (the caller chose them, e.g. networks with the Table-I policy
        and unaugmented baselines).
    metrics : sequence of str
        Metric columns; absent ones are NaN.
    order : dict or None
        Preferred order of values per column (``split``, ``model``,
        ``dataset``), see :func:`order_rows`. With it, rows are sorted by
        split, then model, then dataset; without, by model, dataset, split.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, dataset, split, n_seeds`` then ``<metric>, <metric>_std``
        per metric.

    Raises
    ------
    MotivicError
        If no run used ``augment``.
    """
    runs = df if augment is None else df[df["augment"] == augment]
    if runs.empty:
        raise MotivicError(
            f"table1: no runs with augment={augment!r}; found {sorted(df['augment'].unique())}"
        )
    table = _mean_std(runs, ["model", "dataset", "split"], metrics)
    if order is None:
        return table
    return order_rows(table, ["split", "model", "dataset"], order)


def table2(
    df: pd.DataFrame, *, metric: str = "accuracy", order: dict | None = None
) -> pd.DataFrame:
    """Model (and dataset, split) × augmentation policy for one metric.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`collect_metrics`.
    metric : str
        Metric shown in the cells.
    order : dict or None
        Preferred row order per column (see :func:`order_rows`); rows are
        sorted by model, dataset, split either way.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, dataset, split`` then ``<policy>, <policy>_std`` per
        policy (none, frequency, time, both first, then others sorted); a
        missing combination is NaN.

    Raises
    ------
    MotivicError
        If ``metric`` is not a column of ``df``.
    """
    if metric not in df.columns:
        raise MotivicError(f"table2: metric={metric!r} is not among the columns {list(df.columns)}")
    keys = ["model", "dataset", "split"]
    stats = _mean_std(df, keys + ["augment"], [metric])
    present = list(stats["augment"].unique())
    policies = [p for p in _POLICY_ORDER if p in present] + sorted(
        p for p in present if p not in _POLICY_ORDER
    )
    out = order_rows(stats[keys].drop_duplicates(), keys, order)
    for policy in policies:
        part = stats[stats["augment"] == policy][keys + [metric, f"{metric}_std"]]
        part = part.rename(columns={metric: policy, f"{metric}_std": f"{policy}_std"})
        out = out.merge(part, on=keys, how="left")
    return out


def _cell(value, std=None) -> str:
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "–"
        text = f"{value:.3f}"
        if std is not None and not (isinstance(std, float) and math.isnan(std)):
            text += f" ± {float(std):.3f}"
        return text
    return str(value)


def format_markdown(df: pd.DataFrame) -> str:
    """Markdown table; a column ``X`` with a sibling ``X_std`` is shown as ``mean ± std``.

    Floats have three decimals, NaN shows as ``–``, numeric columns are right-aligned.
    """
    shown = [c for c in df.columns if not (str(c).endswith("_std") and str(c)[:-4] in df.columns)]
    header = "| " + " | ".join(str(c) for c in shown) + " |"
    align = (
        "| "
        + " | ".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else ":---" for c in shown)
        + " |"
    )
    lines = [header, align]
    for _, row in df.iterrows():
        cells = [
            _cell(row[c], row[f"{c}_std"] if f"{c}_std" in df.columns else None) for c in shown
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_sections(
    df: pd.DataFrame, *, by: str, headings: dict | None = None, level: int = 3
) -> str:
    """Markdown: one table per value of column ``by`` (in order of appearance), under a heading.

    Parameters
    ----------
    df : pandas.DataFrame
    by : str
        Column to split on; it is left out of each table.
    headings : dict or None
        Heading text per value; others read ``<by>: <value>``.
    level : int >= 1
        Heading level (number of ``#``).

    Raises
    ------
    MotivicError
        If ``by`` is not a column of ``df``.
    """
    if by not in df.columns:
        raise MotivicError(
            f"format_sections: by={by!r} is not among the columns {list(df.columns)}"
        )
    parts = []
    for value in pd.unique(df[by]):
        heading = (headings or {}).get(value, f"{by}: {value}")
        part = df[df[by] == value].drop(columns=[by])
        parts.append(f"{'#' * level} {heading}\n\n{format_markdown(part)}")
    return "\n".join(parts)


def write_table(
    df: pd.DataFrame,
    csv_path: str | Path,
    md_path: str | Path,
    *,
    sections_by: str | None = None,
    headings: dict | None = None,
) -> None:
    """Write ``df`` as CSV (tab-separated when the suffix is ``.tsv``) and as Markdown, atomically.

    Numbers are written with three decimals in both files. With
    ``sections_by`` the Markdown holds one table per value of that column
    (see :func:`format_sections`); the CSV always holds every row.
    """
    csv_path = Path(csv_path)
    sep = "\t" if csv_path.suffix == ".tsv" else ","
    with atomic_path(csv_path) as tmp:
        df.to_csv(tmp, sep=sep, index=False, float_format="%.3f")
    text = (
        format_markdown(df)
        if sections_by is None
        else format_sections(df, by=sections_by, headings=headings)
    )
    with atomic_path(md_path) as tmp:
        tmp.write_text(text)
    logger.info("wrote %s and %s (%d rows)", csv_path, md_path, len(df))


def _save_figure(fig, path: str | Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")


def plot_confusion(
    matrix: np.ndarray,
    labels: Sequence[str],
    path: str | Path,
    *,
    normalise: bool = True,
    title: str | None = None,
) -> None:
    """Save a confusion-matrix heat map (rows true, columns predicted).

    Parameters
    ----------
    matrix : np.ndarray [shape=(n_classes, n_classes)]
        Counts, as from :func:`motivic.core.metrics.confusion`.
    labels : sequence of str [shape=(n_classes,)]
    path : path
        Image file; the format follows the suffix.
    normalise : bool
        Colour by the share of each true class (row); cells show counts either way.
    title : str or None
    """
    from matplotlib.figure import Figure

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(labels):
        raise MotivicError(
            f"confusion matrix has shape {matrix.shape}; expected [{len(labels)}, {len(labels)}]"
        )
    rows = matrix.sum(axis=1, keepdims=True)
    shown = (
        np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0) if normalise else matrix
    )
    size = 1.5 + 0.5 * len(labels)
    fig = Figure(figsize=(size + 1, size))
    ax = fig.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, label="share of true class" if normalise else "count")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels=list(labels), rotation=45, ha="right")
    ax.set_yticks(ticks, labels=list(labels))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = shown.max() / 2 if shown.size else 0
    for i, j in np.ndindex(matrix.shape):
        ax.text(
            j,
            i,
            str(int(matrix[i, j])),
            ha="center",
            va="center",
            color="white" if shown[i, j] > threshold else "black",
            fontsize=8,
        )
    if title:
        ax.set_title(title)
    _save_figure(fig, path)


def plot_curves(history_frame: pd.DataFrame, path: str | Path, *, title: str | None = None) -> None:
    """Save loss and validation-accuracy curves from ``TrainHistory.to_frame()``.

    Parameters
    ----------
    history_frame : pandas.DataFrame
        Columns ``epoch``, ``train_loss``, ``val_loss`` and optionally ``val_accuracy``.
    path : path
    title : str or None
    """
    from matplotlib.figure import Figure

    missing = [c for c in ("epoch", "train_loss", "val_loss") if c not in history_frame.columns]
    if missing:
        raise MotivicError(f"history frame lacks columns {missing}")
    fig = Figure(figsize=(9, 3.5))
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = history_frame["epoch"]
    loss_ax.plot(epochs, history_frame["train_loss"], marker="o", label="train")
    loss_ax.plot(epochs, history_frame["val_loss"], marker="o", label="validation")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("cross-entropy")
    loss_ax.legend()
    if "val_accuracy" in history_frame.columns:
        acc_ax.plot(epochs, history_frame["val_accuracy"], marker="o", color="tab:green")
        best = int(np.nanargmax(history_frame["val_accuracy"].to_numpy(dtype=float)))
        acc_ax.axvline(epochs.iloc[best], color="grey", linestyle=":")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("validation accuracy")
    if title:
        fig.suptitle(title)
    _save_figure(fig, path)
