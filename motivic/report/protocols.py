"""The authors' clip-level protocol beside honest ones: where a random-split accuracy comes from.

A published clip collection evaluated with a random split over files scores
the same content in training and test (copies), nearly the same audio (nested
cuts of one passage) and the same recording conditions. Run under every split
strategy of ``config/authors-protocol.yaml``, each model's pooled accuracy
steps down as one source of leakage after the other is closed:

=================  ==========================================================
``random_clips``   random over files: copies and nested cuts straddle
``random_contents`` random over distinct contents: copies together
``random``         random over passages: nested and overlapping cuts together
``logo``           leave one recording out: recording identity removed
``logo_by_singer`` leave one singer out (where the label is not the singer)
=================  ==========================================================

:func:`protocol_table` puts them in one row per model, with the differences
between neighbouring columns: the share of the random-over-files accuracy due
to copies, to passages and to recording identity. The differences are
differences of pooled accuracies on different test sets (each split tests its
own clips), not paired estimates: read them with the intervals and the numbers
of test recordings beside them.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["PROTOCOL_STEPS", "format_protocol_table", "protocol_table"]

#: Split strategies of the table, from most to least leaky, with their column titles.
PROTOCOL_STEPS = {
    "random_clips": "random over files (authors' protocol; duplicates/passages may straddle)",
    "random_contents": "random over distinct contents",
    "random": "random over passages",
    "logo": "leave one recording out",
    "logo_by_singer": "leave one singer out",
}
#: Differences reported (column name, leakier split, tighter split, what it measures).
_DIFFERENCES = (
    ("from_copies", "random_clips", "random_contents", "copies"),
    ("from_passages", "random_contents", "random", "nested cuts"),
    ("from_recording", "random", "logo", "recording identity"),
)


def protocol_table(table1: pd.DataFrame, *, dataset: str = "motivic") -> pd.DataFrame:
    """One row per model: accuracy under each protocol step and the differences between them.

    Parameters
    ----------
    table1 : pandas.DataFrame
        The pooled Table I (``model``, ``dataset``, ``split``, ``accuracy``,
        ``accuracy_ci_low``, ``accuracy_ci_high``, ``majority_rate``,
        ``n_test_recordings``).
    dataset : str
        Dataset whose rows are used.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model``; per split of :data:`PROTOCOL_STEPS` present,
        ``<split>`` (accuracy), ``<split>_ci_low``, ``<split>_ci_high``,
        ``<split>_majority``, ``<split>_recordings``; then ``from_copies``,
        ``from_passages``, ``from_recording`` where both splits are present.
        Models keep their order of appearance.
    """
    rows = table1[(table1["dataset"] == dataset) & table1["split"].isin(list(PROTOCOL_STEPS))]
    out = []
    for model, part in rows.groupby("model", sort=False):
        by_split = part.set_index("split")
        row: dict = {"model": model}
        for split in PROTOCOL_STEPS:
            if split not in by_split.index:
                continue
            cell = by_split.loc[split]
            row[split] = float(cell["accuracy"])
            row[f"{split}_ci_low"] = float(cell["accuracy_ci_low"])
            row[f"{split}_ci_high"] = float(cell["accuracy_ci_high"])
            row[f"{split}_majority"] = float(cell["majority_rate"])
            row[f"{split}_recordings"] = int(cell["n_test_recordings"])
        for name, leaky, tight, _ in _DIFFERENCES:
            if leaky in row and tight in row:
                row[name] = row[leaky] - row[tight]
        out.append(row)
    return pd.DataFrame(out)


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.{digits}f}"


def format_protocol_table(table: pd.DataFrame, *, confidence: float = 0.95) -> str:
    """Markdown of :func:`protocol_table`: accuracy [CI] (majority rate, test recordings) per step."""
    splits = [s for s in PROTOCOL_STEPS if s in table.columns]
    diffs = [d for d in _DIFFERENCES if d[0] in table.columns]
    header = ["model"] + [f"`{s}`: {PROTOCOL_STEPS[s]}" for s in splits]
    header += [f"{leaky} − {tight} ({what})" for _, leaky, tight, what in diffs]
    lines = []
    for _, row in table.iterrows():
        cells = [str(row["model"])]
        for s in splits:
            cells.append(
                f"{_num(row[s])} [{_num(row[f'{s}_ci_low'], 2)}, {_num(row[f'{s}_ci_high'], 2)}] "
                f"(majority {_num(row[f'{s}_majority'], 2)}, "
                f"{_num(row[f'{s}_recordings'], 0)} rec.)"
            )
        cells += [f"{float(row[name]):+.3f}" for name, *_ in diffs]
        lines.append(cells)
    text = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join([":---"] + ["---:"] * (len(header) - 1)) + " |",
        *("| " + " | ".join(cells) + " |" for cells in lines),
    ]
    pct = f"{round(confidence * 100)} %"
    notes = [
        "",
        f"Pooled accuracy over every test prediction of a split's folds × seeds, {pct} "
        "class-stratified bootstrap interval over test recordings, the majority-class rate of "
        "that split's test set and its number of test recordings. A difference column is the "
        "accuracy one split gains over the next tighter one; the splits test different clips, "
        "so the differences are not paired estimates.",
    ]
    return "\n".join(text + notes) + "\n"
