"""Pooled out-of-fold result tables: one row per cell, with recording-level statistics.

A cell (model × dataset × split strategy, and augmentation policy in Table II)
has one run per fold and seed. Its row reports:

- the *pooled* out-of-fold metrics: every test prediction of every fold and
  seed of the cell scored together (``accuracy``, ``balanced_accuracy``,
  ``majority_rate``, ``precision``, ``recall``, ``f1_paper``, ``f1_macro``,
  ``vote_accuracy``; see :mod:`motivic.core.metrics` for definitions);
- ``auc``: the pooled macro ROC-AUC only where every run's test set holds at
  least two classes (otherwise NaN, ``auc_note`` says why: pooling would rank
  scores of different runs against each other), and the per-run AUC
  ``auc_runs`` ± ``auc_runs_std`` over the ``auc_runs_n`` runs where it is defined;
- a percentile interval (``report.confidence``, 95 % by default) for accuracy
  and balanced accuracy from a bootstrap that resamples test *recordings*
  within their class, optionally two-stage over ``report.bootstrap_group``
  (:mod:`motivic.core.resampling`; ``report.bootstrap`` resamples, seeded by
  ``report.seed`` and the row's key, see :func:`row_rng`);
- ``p_vote_vs_majority``: an exact binomial test of the recordings' votes
  against the recording majority rate (:func:`motivic.core.resampling.vote_majority_test`);
- the mean and sample std over the runs (``<metric>_runs``, ``<metric>_runs_std``);
- the counts behind it: ``n_test_segments`` (distinct segments tested),
  ``n_predictions`` (segments × seeds), ``n_test_recordings``, ``n_folds``,
  ``n_seeds``, ``n_runs``.

``vote_accuracy`` is the recording-level majority vote of each run, pooled
over the run × recording pairs. The per-recording table
(:func:`pool_cells`' fourth frame) has one line per row and test recording.
:func:`motivic_vs_control` pairs the motivic and non-motivic rows of each
model and strategy on their shared test recordings.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.metrics import (
    classification_metrics,
    confusion,
    recording_vote,
    roc_auc_macro,
    vote_predictions,
)
from motivic.core.resampling import (
    paired_recording_bootstrap,
    paired_sign_flip_test,
    recording_bootstrap,
    vote_majority_test,
)

__all__ = [
    "POOLED_METRICS",
    "RUN_METRICS",
    "RunResult",
    "motivic_vs_control",
    "pool_cells",
    "load_recording_groups",
    "recording_groups",
    "row_rng",
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
#: Per-run metrics (from each run's record) summarised as mean ± std over folds × seeds;
#: the per-run AUC is computed from the predictions (``auc_runs``).
RUN_METRICS = ("accuracy", "balanced_accuracy", "f1_paper", "f1_macro")
_ID_COLUMNS = ("model", "dataset", "split", "augment")


@dataclass(frozen=True)
class RunResult:
    """One scored run: its metrics record (with model, dataset, split, fold, seed, augment) and predictions."""

    metrics: Mapping
    predictions: pd.DataFrame


#: Fields of the runs table (:func:`run_table`): each run's sizes, its checkpoint choice and its
#: balanced accuracy on training, validation and test; NaN where a row does not have one (the
#: baselines choose no epoch).
RUN_FIELDS = (
    "fold",
    "seed",
    "n_train",
    "n_val",
    "n",
    "n_recordings",
    "best_epoch",
    "train_balanced_accuracy",
    "val_balanced_accuracy",
    "balanced_accuracy",
    "accuracy",
    "majority_rate",
)


def run_table(runs: Sequence[RunResult], keys: Sequence[str]) -> pd.DataFrame:
    """One row per run: its cell ``keys``, :data:`RUN_FIELDS` and its training class priors.

    The pooled tables hide how each fold went; this one shows, per fold and seed, what a run
    trained on (``train_class_priors``, ``label share; ...``), which epoch it kept and how it
    scored on its training, validation and test parts.
    """
    rows = []
    for run in runs:
        metrics = run.metrics
        row = {key: metrics.get(key) for key in keys}
        row.update({field: metrics.get(field, np.nan) for field in RUN_FIELDS})
        priors = metrics.get("train_class_priors") or {}
        row["train_class_priors"] = "; ".join(f"{k} {float(v):.3f}" for k, v in priors.items())
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*keys, *RUN_FIELDS, "train_class_priors"])
    return table.sort_values([*keys, "fold", "seed"], kind="stable").reset_index(drop=True)


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


def row_rng(key: Mapping, seed: int, purpose: str) -> np.random.Generator:
    """Random generator of one table row, from ``seed`` and the row's key alone.

    The key's ``name=value`` pairs (sorted by name) and ``purpose`` are
    hashed (SHA-256), so a row's resamples do not depend on which other rows
    the table holds or in which order, and different purposes (bootstrap,
    permutation test) draw independent streams.

    Parameters
    ----------
    key : mapping
        Identity of the row, e.g. ``{"model": …, "dataset": …, "split": …, "augment": …}``.
    seed : int >= 0
        ``report.seed``.
    purpose : str
    """
    text = "|".join(f"{name}={key[name]}" for name in sorted(key)) + f"|{purpose}"
    digest = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng([int(seed), digest])


def _seed_key(runs: Sequence[RunResult], keys: Sequence[str]) -> dict:
    """The row key that seeds its statistics: ``keys`` plus the identity columns of its runs.

    Including the runs' augmentation policy gives a Table I row and the Table II
    row of the same runs the same resamples.
    """
    key = {}
    for name in dict.fromkeys((*_ID_COLUMNS, *keys)):
        values = sorted({str(r.metrics[name]) for r in runs if name in r.metrics})
        if values:
            key[name] = ",".join(values)
    return key


def load_recording_groups(path: str | None, column: str | None) -> dict[str, str] | None:
    """:func:`recording_groups` of the table at ``path``, or ``None`` without a group column."""
    if not column:
        return None
    return recording_groups(pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False), column)


def recording_groups(table: pd.DataFrame, column: str) -> dict[str, str]:
    """Recording -> value of ``column``, for the bootstrap's group level.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with a ``recording`` column (the recordings table, or a
        segments table in clips mode) and ``column``.
    column : str
        A column constant within each recording (e.g. ``singer``, ``group``).

    Raises
    ------
    MotivicError
        If a column is missing or ``column`` varies within a recording.
    """
    missing = [c for c in ("recording", column) if c not in table.columns]
    if missing:
        raise MotivicError(
            f"report.bootstrap_group={column!r}: the table has no {missing} column "
            f"(columns: {list(table.columns)})"
        )
    values = table[["recording", column]].astype(str)
    varying = values.groupby("recording")[column].nunique()
    varying = varying[varying > 1]
    if len(varying):
        raise MotivicError(
            f"report.bootstrap_group={column!r} varies within {len(varying)} recording(s), "
            f"e.g. {list(varying.index[:3])}; choose a column constant per recording"
        )
    return dict(values.drop_duplicates("recording").itertuples(index=False, name=None))


def _run_aucs(pred: pd.DataFrame, y_true: np.ndarray, probs: np.ndarray, n_classes: int):
    """Per-run macro AUC (NaN where undefined) and the number of classes each run's test set holds."""
    aucs, classes = [], []
    for rows in pred.groupby("_run", sort=True).indices.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undefined per-class AUCs: counted by auc_classes
            aucs.append(roc_auc_macro(y_true[rows], probs[rows], n_classes=n_classes)[0])
        classes.append(int(np.unique(y_true[rows]).size))
    return np.array(aucs), np.array(classes)


def _auc_fields(pooled_auc: float, aucs: np.ndarray, classes: np.ndarray) -> dict:
    """Pooled AUC where every run tests two classes or more, the per-run AUC, and the note on n/a."""
    single = int(np.count_nonzero(classes < 2))
    defined = aucs[np.isfinite(aucs)]
    notes = []
    if single:
        notes.append(
            f"pooled AUC n/a: {single} of {classes.size} runs test a single class, so pooling "
            "would rank scores of different runs against each other"
        )
    if defined.size == 0:
        notes.append("AUC per run n/a: no run's test set has a class with positives and negatives")
    elif defined.size < aucs.size:
        notes.append(f"AUC per run over the {defined.size} of {aucs.size} runs where it is defined")
    return {
        "auc": float("nan") if single else pooled_auc,
        "auc_runs": float(defined.mean()) if defined.size else float("nan"),
        "auc_runs_std": float(defined.std(ddof=1)) if defined.size > 1 else float("nan"),
        "auc_runs_n": int(defined.size),
        "auc_note": "; ".join(notes),
    }


def _per_recording(pred: pd.DataFrame, y_true: np.ndarray, probs: np.ndarray, names: list[str]):
    """Per test recording: label, counts, accuracy and the vote over all its predictions."""
    recordings = pred["recording"].astype(str).to_numpy()
    ids, voted = vote_predictions(probs, recordings)
    _, inverse = np.unique(recordings, return_inverse=True)
    correct = probs.argmax(axis=1) == y_true
    lines = []
    for r, recording in enumerate(ids):
        rows = inverse == r
        truth = int(np.argmax(np.bincount(y_true[rows])))
        n_correct = int(correct[rows].sum())
        lines.append(
            {
                "recording": recording,
                "label": names[truth],
                "n_segments": int(pred.loc[rows, "segment_id"].nunique()),
                "n_predictions": int(rows.sum()),
                "n_correct": n_correct,
                "accuracy": n_correct / int(rows.sum()),
                "vote": names[voted[r]],
                "vote_correct": bool(voted[r] == truth),
                "_truth": truth,
                "_vote": int(voted[r]),
            }
        )
    return lines


def _cell_row(
    runs: Sequence[RunResult],
    *,
    groups: Mapping | None,
    n_boot: int,
    confidence: float,
    rng: np.random.Generator,
) -> tuple[dict, list[dict], list[dict], list[dict]]:
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
    row.update(_auc_fields(pooled["auc"], *_run_aucs(pred, y_true, probs, len(names))))
    row.update(
        recording_bootstrap(
            pred["recording"].astype(str).to_numpy(),
            y_true,
            y_pred,
            n_classes=len(names),
            groups=groups,
            n_boot=n_boot,
            confidence=confidence,
            rng=rng,
        )
    )
    recordings = _per_recording(pred, y_true, probs, names)
    test = vote_majority_test(
        np.array([r.pop("_truth") for r in recordings]),
        np.array([r.pop("_vote") for r in recordings]),
    )
    row.update(
        n_votes_right=test["n_votes_right"],
        recording_majority_rate=test["recording_majority_rate"],
        p_vote_vs_majority=test["p_vote_vs_majority"],
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
    return row, classes, cells, recordings


def pool_cells(
    runs: Sequence[RunResult],
    *,
    keys: Sequence[str] = ("model", "dataset", "split"),
    groups: Mapping | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One row per cell (distinct values of ``keys``) pooling all its runs.

    Parameters
    ----------
    runs : sequence of RunResult
    keys : sequence of str
        Metrics-record fields that identify a cell.
    groups : mapping or None
        Recording -> group (``report.bootstrap_group``) for a two-stage
        bootstrap; None = recordings only (stratified by class either way).
    n_boot : int >= 1
    confidence : float in (0, 1)
    seed : int
        ``report.seed``; each row's bootstrap draws from :func:`row_rng` of
        this seed and the row's key, so a row's interval does not depend on
        which other rows are in the table.

    Returns
    -------
    table : pandas.DataFrame
        ``keys``, then :data:`POOLED_METRICS`, AUC, interval and test columns,
        ``<m>_runs``, ``<m>_runs_std`` and counts (see the module docstring).
    classes : pandas.DataFrame
        ``keys, label, recall, n_test``: per-class recall of each row.
    confusions : pandas.DataFrame
        ``keys, true, predicted, count``: the pooled confusion matrix of each row.
    per_recording : pandas.DataFrame
        ``keys, recording, label, n_segments, n_predictions, n_correct,
        accuracy, vote, vote_correct``: each row's outcome on each test
        recording over all its runs (``vote``: majority vote of all its
        predictions, see :func:`motivic.core.metrics.vote_predictions`).

    Raises
    ------
    MotivicError
        If there are no runs, a record lacks a key, fold or seed, two runs
        of a cell share fold and seed, or a tested recording has no group.
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
    rows, classes, cells, recordings = [], [], [], []
    for cell in sorted(by_cell):
        members = by_cell[cell]
        seen = [(str(r.metrics["fold"]), str(r.metrics["seed"])) for r in members]
        if len(set(seen)) < len(seen):
            raise MotivicError(
                f"cell {dict(zip(keys, cell))} has two runs with the same fold and seed"
            )
        ident = dict(zip(keys, cell))
        row, cls, conf, recs = _cell_row(
            members,
            groups=groups,
            n_boot=n_boot,
            confidence=confidence,
            rng=row_rng(_seed_key(members, keys), seed, "bootstrap"),
        )
        rows.append({**ident, **row})
        classes += [{**ident, **c} for c in cls]
        cells += [{**ident, **c} for c in conf]
        recordings += [{**ident, **r} for r in recs]
    logger.info("pooled %d runs into %d rows", len(runs), len(rows))
    return pd.DataFrame(rows), pd.DataFrame(classes), pd.DataFrame(cells), pd.DataFrame(recordings)


def motivic_vs_control(
    runs: Sequence[RunResult],
    *,
    motivic: str = "motivic",
    control: str = "nonmotivic",
    keys: Sequence[str] = ("model", "split"),
    groups: Mapping | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    permutations: int = 100_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Motivic minus non-motivic accuracy per model and strategy, on the shared test recordings.

    For each cell of ``keys`` with runs on both datasets, the pooled
    out-of-fold predictions of each dataset are restricted to the recordings
    tested in both. The difference of accuracy (and balanced accuracy) gets a
    paired, class-stratified recording-bootstrap interval (optionally two-stage
    over ``groups``; :func:`motivic.core.resampling.paired_recording_bootstrap`),
    and the per-recording accuracy differences a paired sign-flip permutation
    test (:func:`motivic.core.resampling.paired_sign_flip_test`). Both draw from
    :func:`row_rng` of ``seed`` and the cell's key.

    Returns
    -------
    table : pandas.DataFrame
        ``keys``, ``accuracy_motivic``, ``accuracy_nonmotivic``, ``accuracy_diff``
        with ``accuracy_diff_ci_low`` / ``_high``, the same for balanced
        accuracy, ``boot_share_le0`` (share of bootstrap resamples with an
        accuracy difference <= 0, not a p-value), ``mean_recording_diff`` (mean
        per-recording accuracy difference), ``p_sign_flip`` (one-sided,
        motivic > non-motivic), ``p_sign_flip_two_sided``, ``sign_flip_exact``,
        ``n_flips``, ``n_recordings``, ``n_boot_groups``, ``n_motivic``,
        ``n_nonmotivic``. Empty when no cell has both datasets.
    """
    by_cell: dict[tuple, dict[str, list[RunResult]]] = {}
    for run in runs:
        dataset = str(run.metrics["dataset"])
        if dataset in (motivic, control):
            cell = tuple(str(run.metrics[k]) for k in keys)
            by_cell.setdefault(cell, {}).setdefault(dataset, []).append(run)
    rows = []
    for cell in sorted(by_cell):
        sides = by_cell[cell]
        if set(sides) != {motivic, control}:
            continue
        names = sorted(set(_label_names(sides[motivic])) | set(_label_names(sides[control])))
        data = {}
        for name, members in sides.items():
            pred, y_true, probs = _pooled(members, names)
            data[name] = (pred["recording"].astype(str).to_numpy(), y_true, probs.argmax(axis=1))
        seed_key = {
            k: v
            for k, v in _seed_key(sides[motivic] + sides[control], keys).items()
            if k != "dataset"
        }
        seed_key["comparison"] = f"{motivic}-{control}"
        result = paired_recording_bootstrap(
            data[motivic],
            data[control],
            n_classes=len(names),
            groups=groups,
            n_boot=n_boot,
            confidence=confidence,
            rng=row_rng(seed_key, seed, "bootstrap"),
        )
        test = paired_sign_flip_test(
            data[motivic],
            data[control],
            n_classes=len(names),
            permutations=permutations,
            rng=row_rng(seed_key, seed, "sign_flip"),
        )
        side = {"_a": f"_{motivic}", "_b": f"_{control}"}
        renamed = {(k[:-2] + side[k[-2:]] if k[-2:] in side else k): v for k, v in result.items()}
        renamed.update(
            mean_recording_diff=test["mean_diff"],
            p_sign_flip=test["p_greater"],
            p_sign_flip_two_sided=test["p_two_sided"],
            sign_flip_exact=test["exact"],
            n_flips=test["n_flips"],
        )
        rows.append({**dict(zip(keys, cell)), **renamed})
    return pd.DataFrame(rows)
