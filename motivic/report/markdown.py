"""Markdown (and files) of the pooled result tables of :mod:`motivic.report.tables`.

:func:`format_pooled` writes one Markdown table per split strategy with the
resampling protocol and the AUC notes under it; :func:`format_comparison` the
motivic − non-motivic table with what its share and p-value mean;
:func:`write_pooled_tables` writes a table's CSV, Markdown, per-class,
confusion and per-recording files atomically.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from motivic.core.io import atomic_path
from motivic.splits import parse_strategy

__all__ = [
    "SPLIT_HEADINGS",
    "format_comparison",
    "format_pooled",
    "order_rows",
    "split_heading",
    "write_pooled_tables",
]

logger = logging.getLogger(__name__)

#: Section headings of the Markdown tables, per split strategy.
SPLIT_HEADINGS = {
    "random": (
        "Split `random` — within-recording figures: motifs shuffled into train/val/test (the "
        "paper's setting; clip corpora: passages shuffled, nested cuts kept together); test "
        "segments share recordings, singers and motifs with training"
    ),
    "random_clips": (
        "Split `random_clips` — within-recording figures: random over clips (authors' protocol; "
        "duplicates and nested cuts of one passage may straddle train and test)"
    ),
    "random_contents": (
        "Split `random_contents` — within-recording figures: random over distinct contents "
        "(copies kept together; nested cuts of one passage may straddle train and test)"
    ),
    "group": "Split `group` — all segments of a group in one split (no group in two splits)",
    "group_kfold": "Split `group_kfold` — K folds over groups, every group tested once",
    "logo": "Split `logo` — leave one group out, every group tested once",
}


def split_heading(name: str) -> str:
    """Heading of a split strategy's table: :data:`SPLIT_HEADINGS` of its base, with its
    grouping column (``_by_<column>``) and motif holdout (``motif_``) spelled out."""
    spec = parse_strategy(name)
    heading = SPLIT_HEADINGS[spec.base].replace(f"`{spec.base}`", f"`{name}`")
    if spec.group_column:
        heading += f", grouped by `{spec.group_column}`"
    if spec.hold_out_motifs:
        heading += "; every occurrence of a tested motif kept out of training and validation"
    return heading


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


def _auc_per_run(row) -> str:
    text = _with_std(row, "auc")
    return "n/a" if text == "–" else text


def _notes(part: pd.DataFrame, row_keys: Sequence[str]) -> list[str]:
    """One line per distinct AUC note, naming the rows it applies to."""
    rows_by_note: dict[str, list[str]] = {}
    for _, row in part.iterrows():
        note = row.get("auc_note")
        if isinstance(note, str) and note:
            rows_by_note.setdefault(note, []).append(" / ".join(str(row[k]) for k in row_keys))
    return [f"- {', '.join(rows)}: {note}" for note, rows in rows_by_note.items()]


def _resampling_text(bootstrap_group: str | None) -> str:
    if bootstrap_group:
        return (
            f"two-stage bootstrap: `{bootstrap_group}` groups drawn with replacement within "
            "their class set, then recordings within each drawn group and class"
        )
    return "bootstrap over test recordings, drawn with replacement within each class"


def format_pooled(
    table: pd.DataFrame,
    *,
    sections_by: str = "split",
    headings: Mapping | None = None,
    row_keys: Sequence[str] = ("model", "dataset"),
    confidence: float = 0.95,
    bootstrap_group: str | None = None,
) -> str:
    """Markdown of :func:`pool_cells` rows, one table per value of ``sections_by``.

    Cells: pooled accuracy and balanced accuracy with their interval
    ``value [low, high]``, the majority-class rate, per-run accuracy
    ``mean ± std``, pooled F1 (both), pooled AUC (``n/a`` where undefined,
    the reason in the notes under the table), per-run AUC ``mean ± std``,
    vote accuracy with its p-value against the majority rate, and the counts.
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
        "auc (pooled)",
        "auc per run",
        "vote acc.",
        "p (votes vs majority)",
        "segments / recordings",
        "folds × seeds",
    ]
    method = (
        f"Intervals: {pct} percentile, {_resampling_text(bootstrap_group)}. "
        "p (votes vs majority): exact one-sided binomial test of the recordings voted right "
        "(one vote per recording over all its predictions) against the share of the most "
        "frequent class among the test recordings."
    )
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
                "n/a" if _num(row["auc"]) == "–" else _num(row["auc"]),
                _auc_per_run(row),
                _num(row["vote_accuracy"]),
                _num(row["p_vote_vs_majority"], 4),
                f"{int(row['n_test_segments'])} / {int(row['n_test_recordings'])}",
                f"{int(row['n_folds'])} × {int(row['n_seeds'])}",
            ]
            for _, row in part.iterrows()
        ]
        heading = (headings or {}).get(value, f"{sections_by}: {value}")
        auc_notes = _notes(part, row_keys)
        notes = "\n".join([method, *(["", "AUC notes:", *auc_notes] if auc_notes else [])])
        parts.append(f"### {heading}\n\n{_markdown(header, lines)}\n{notes}\n")
    return "\n".join(parts)


def format_comparison(
    table: pd.DataFrame, *, confidence: float = 0.95, bootstrap_group: str | None = None
) -> str:
    """Markdown of :func:`motivic_vs_control`: one row per model and split strategy, then notes."""
    pct = f"{round(confidence * 100)} %"
    header = [
        "model",
        "split",
        "motivic acc.",
        "non-motivic acc.",
        f"difference [{pct} CI]",
        f"balanced acc. difference [{pct} CI]",
        "share of resamples with diff ≤ 0",
        "mean per-recording diff.",
        "sign-flip p (one-sided)",
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
            _num(row["boot_share_le0"], 3),
            _num(row["mean_recording_diff"]),
            _num(row["p_sign_flip"], 4) + ("" if row["sign_flip_exact"] else " (MC)"),
            str(int(row["n_recordings"])),
        ]
        for _, row in table.iterrows()
    ]
    notes = (
        f"Intervals: {pct} percentile, paired {_resampling_text(bootstrap_group)} (the same draw "
        "for both datasets). The share of resamples with diff ≤ 0 describes the bootstrap "
        "distribution; it is not a p-value. Sign-flip p: paired permutation test of the mean "
        "per-recording accuracy difference (motivic − non-motivic, every shared recording "
        "weighing the same) against the null that each recording's two accuracies are "
        "exchangeable; exact over all 2^n sign flips, or Monte Carlo (MC) where 2^n exceeds "
        "`report.permutations`.\n"
    )
    within = sorted({str(s) for s in table["split"] if parse_strategy(str(s)).within_recording})
    if within:
        notes += (
            f"Rows of split {', '.join(f'`{s}`' for s in within)} are within-recording "
            "figures: test segments share recordings (and motifs, for the motivic side) with "
            "training, so they measure recognition of seen takes, not the claim; read the "
            "grouped splits for it.\n"
        )
    return _markdown(header, lines) + "\n" + notes


def write_pooled_tables(
    table: pd.DataFrame,
    classes: pd.DataFrame,
    confusions: pd.DataFrame,
    per_recording: pd.DataFrame,
    *,
    csv: str,
    md: str,
    classes_csv: str,
    confusion_csv: str,
    per_recording_tsv: str,
    headings: Mapping | None = None,
    row_keys: Sequence[str] = ("model", "dataset"),
    confidence: float = 0.95,
    bootstrap_group: str | None = None,
) -> None:
    """Write a pooled table (CSV + Markdown), its per-class recall and confusion CSVs and its
    per-recording TSV, atomically."""
    for frame, path in ((table, csv), (classes, classes_csv), (confusions, confusion_csv)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.4f")
    with atomic_path(per_recording_tsv) as tmp:
        per_recording.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    text = format_pooled(
        table,
        headings=headings,
        row_keys=row_keys,
        confidence=confidence,
        bootstrap_group=bootstrap_group,
    )
    with atomic_path(md) as tmp:
        tmp.write_text(text)
    logger.info("wrote %s and %s (%d rows)", csv, md, len(table))
