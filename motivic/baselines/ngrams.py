"""Symbolic motif baseline: interval-class n-grams of a segment + logistic regression.

The networks of Table I see a spectrogram; this row sees only the symbols the
motif miner works on, the signed interval classes of the simplified contour
(:mod:`motivic.contour`). A segment becomes the counts of its token n-grams
(``n = 1 .. n_max``), optionally with an indicator of its motif id, and an
L2-regularised logistic regression learns the label from them. The features
are pitch-invariant (intervals, not pitches) and the model is linear, so its
largest weights name the n-grams that carry each class (:func:`top_weights`).
If this row matches the networks, the motifs alone carry the label; if the
networks beat it, they learn something the symbols do not hold (timbre,
ornamentation, exact intervals, or the recording).

Which tokens belong to a segment
--------------------------------
Token ``i`` of a phrase sounds from the start of step ``i`` to the end of step
``i + 1`` (:class:`motivic.contour.Phrase`). A segment cut from a recording
(motivic or control) holds the tokens whose span lies inside ``[start_s,
end_s]`` (:func:`tokens_in_span`); a motif occurrence therefore gets exactly
its own tokens. N-grams never cross a phrase boundary (an unvoiced gap). In
clips mode a clip holds the tokens of its own contour (results of the
``clip_patterns`` rule, phrases concatenated), so the row is defined the same
way on both kinds of corpus, and on motivic and non-motivic segments alike.
With ``clip_tokens: published`` a clip holds instead the pattern its authors
published in its file name (:func:`published_runs`): the motifs as they
transcribed them, independent of this project's pitch tracking.

The per-recording variant sums the n-gram counts of a recording's segments in
one split part, divides by their total (relative frequencies, so long
recordings do not get extreme scores) and fits the same model on one row per
recording (:func:`motif_ngrams_run`, ``recording_level_*`` metrics).

Bag-of-n-gram text classification with a linear model follows e.g. Joachims
(1998), "Text categorization with support vector machines"; on melodic
interval n-grams, Conklin (2013), "Multiple viewpoint systems for music
classification" is the closest musical precedent.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.baselines.svm import CLASS_WEIGHTINGS
from motivic.contour.clip_patterns import parse_contour_pattern
from motivic.core.errors import MotivicError

__all__ = [
    "DEFAULT_C_GRID",
    "MotifNgramRun",
    "clip_runs",
    "count_matrix",
    "fit_logistic",
    "format_ngram",
    "load_clip_tokens",
    "motif_ngrams_run",
    "ngram_counts",
    "published_runs",
    "segment_runs",
    "tokens_in_span",
    "top_weights",
    "vocabulary",
]

logger = logging.getLogger(__name__)

#: Inverse regularisation strengths tried on the validation rows.
DEFAULT_C_GRID = (0.01, 0.1, 1.0, 10.0)
_MOTIF_PREFIX = "motif:"
_TOLERANCE_S = 1e-6
_WEIGHT_COLUMNS = ["label", "rank", "feature", "n", "weight", "train_count", "train_segments"]


# ---------------------------------------------------------------------------
# features
# ---------------------------------------------------------------------------


def tokens_in_span(
    phrases: Sequence, start_s: float, end_s: float, *, tolerance_s: float = _TOLERANCE_S
) -> list[tuple[int, ...]]:
    """Tokens of each phrase whose time span lies inside ``[start_s, end_s]``.

    Parameters
    ----------
    phrases : sequence of motivic.contour.Phrase
        The phrases of one recording (``tokens`` and ``spans``).
    start_s, end_s : float
        The segment, in seconds.
    tolerance_s : float >= 0
        A span may pass the segment's bounds by this much (rounding of times).

    Returns
    -------
    runs : list of tuple of int
        One run of consecutive tokens per phrase that has any inside, in time
        order. Token spans start and end in increasing order within a phrase,
        so the tokens inside form one contiguous run.
    """
    runs = []
    for phrase in phrases:
        spans = np.asarray(phrase.spans, dtype=float).reshape(-1, 2)
        inside = (spans[:, 0] >= start_s - tolerance_s) & (spans[:, 1] <= end_s + tolerance_s)
        if inside.any():
            runs.append(tuple(int(t) for t in np.asarray(phrase.tokens)[inside]))
    return runs


def ngram_counts(runs: Sequence[Sequence[int]], *, n_max: int = 3) -> Counter:
    """Counts of the n-grams (``n = 1 .. n_max``) inside each run of tokens.

    Parameters
    ----------
    runs : sequence of sequence of int
        Runs of consecutive tokens; no n-gram spans two runs.
    n_max : int >= 1

    Returns
    -------
    counts : collections.Counter
        ``tuple of int -> count``.

    Examples
    --------
    >>> sorted(ngram_counts([(1, -1, 1)], n_max=2).items())
    [((-1,), 1), ((-1, 1), 1), ((1,), 2), ((1, -1), 1)]
    """
    if n_max < 1:
        raise MotivicError(f"baselines.motif_ngrams.n_max={n_max} must be >= 1")
    counts: Counter = Counter()
    for run in runs:
        run = tuple(int(t) for t in run)
        for n in range(1, min(n_max, len(run)) + 1):
            counts.update(run[i : i + n] for i in range(len(run) - n + 1))
    return counts


def format_ngram(ngram: Sequence[int]) -> str:
    """An n-gram as text: ``(1, -2)`` -> ``"+1,-2"``."""
    return ",".join(f"{int(t):+d}" for t in ngram)


def segment_runs(
    segments: pd.DataFrame, phrases_by_recording: Mapping[str, Sequence]
) -> list[list[tuple[int, ...]]]:
    """Token runs of every segment cut from a recording (:func:`tokens_in_span`).

    Raises
    ------
    MotivicError
        If a segment's recording has no contour.
    """
    missing = sorted(set(segments["recording"].astype(str)) - set(phrases_by_recording))
    if missing:
        raise MotivicError(f"segments of recordings {missing[:5]} have no contour file")
    return [
        tokens_in_span(phrases_by_recording[str(rec)], float(start), float(end))
        for rec, start, end in zip(segments["recording"], segments["start_s"], segments["end_s"])
    ]


def clip_runs(
    segments: pd.DataFrame, tokens_by_clip: Mapping[str, Sequence[int]]
) -> list[list[tuple[int, ...]]]:
    """Token runs of clip segments: each clip's own tokens, by the ``source`` column.

    Raises
    ------
    MotivicError
        If a clip has no tokens row.
    """
    clips = segments["source"].astype(str) if "source" in segments else segments["segment_id"]
    missing = sorted(set(clips) - set(tokens_by_clip))
    if missing:
        raise MotivicError(f"clips {missing[:5]} have no tokens ({len(missing)} in all)")
    return [[tuple(tokens_by_clip[c])] if len(tokens_by_clip[c]) else [] for c in clips]


def published_runs(segments: pd.DataFrame) -> list[list[tuple[int, ...]]]:
    """Token runs of clip segments read from their published pattern (the ``motif_id`` column).

    In clips mode ``motif_id`` is the contour pattern of the clip's file name
    (:func:`motivic.corpus.clips.clip_segments`): the authors' own transcription,
    e.g. ``"-12121"``.
    """
    return [
        [parse_contour_pattern(text, source=f"segment {seg}")]
        for seg, text in zip(segments["segment_id"], segments["motif_id"].astype(str))
    ]


def load_clip_tokens(path: str | Path) -> dict[str, tuple[int, ...]]:
    """Each clip's tokens from the ``clip_patterns`` table (``clip``, ``tokens`` columns).

    The summary row ``ALL`` is skipped; an empty ``tokens`` cell is a clip without tokens.
    """
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if not {"clip", "tokens"} <= set(table.columns):
        raise MotivicError(f"{path}: needs columns clip and tokens; found {list(table.columns)}")
    table = table[table["clip"] != "ALL"]
    return {
        clip: parse_contour_pattern(text, source=f"{path}, clip {clip}") if text else ()
        for clip, text in zip(table["clip"], table["tokens"])
    }


def _row_features(
    runs: Sequence[Sequence[int]], motif_id: str, *, n_max: int, motif_ids: bool
) -> Counter:
    counts = ngram_counts(runs, n_max=n_max)
    features = Counter({format_ngram(k): v for k, v in counts.items()})
    if motif_ids and motif_id:
        features[_MOTIF_PREFIX + motif_id] += 1
    return features


def vocabulary(rows: Sequence[Mapping[str, float]]) -> list[str]:
    """Features seen in ``rows``, ordered by n-gram length, then text (motif ids last)."""
    names = {name for row in rows for name in row}
    return sorted(names, key=lambda f: (f.startswith(_MOTIF_PREFIX), f.count(","), f))


def count_matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> np.ndarray:
    """Rows of feature values as a dense matrix over ``features`` (others dropped).

    Returns
    -------
    X : np.ndarray [shape=(len(rows), len(features)), dtype=float64]
    """
    column = {name: j for j, name in enumerate(features)}
    X = np.zeros((len(rows), len(features)))
    for i, row in enumerate(rows):
        for name, value in row.items():
            j = column.get(name)
            if j is not None:
                X[i, j] = value
    return X


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------


def _score(y_true: np.ndarray, y_pred: np.ndarray, balanced: bool) -> float:
    if not balanced:
        return float(np.mean(y_true == y_pred))
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls))


def _log_loss(model, X: np.ndarray, y: np.ndarray) -> float:
    probs = model.predict_proba(X)
    column = {c: j for j, c in enumerate(model.classes_)}
    p = np.array([probs[i, column[c]] if c in column else 0.0 for i, c in enumerate(y)])
    return float(-np.mean(np.log(np.clip(p, 1e-12, None))))


def fit_logistic(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    C_grid: Sequence[float] = DEFAULT_C_GRID,
    class_weighting: str = "none",
    max_iter: int = 1000,
):
    """L2 logistic regression (lbfgs) with C chosen on the validation rows.

    Each C is fitted on the training rows and scored on the validation rows
    by accuracy (balanced accuracy with ``class_weighting="balanced"``); ties
    go to the lower validation log-loss, then to the smaller C. Fits that
    stop at ``max_iter`` are kept, with one log line.

    Parameters
    ----------
    X_train, X_val : np.ndarray [shape=(n, d)]
    y_train, y_val : np.ndarray [shape=(n,), dtype=int]
    C_grid : sequence of float > 0
    class_weighting : {"none", "balanced"}
        ``balanced``: each training sample weighted by ``n / (n_classes * n_class)``
        (:func:`motivic.baselines.svm.resolve_class_weighting` resolves the config's setting).
    max_iter : int >= 1

    Returns
    -------
    model : sklearn.linear_model.LogisticRegression or None
        ``None`` when the training rows hold a single class.
    C : float or None
        The chosen C.

    Raises
    ------
    MotivicError
        For an empty grid, a non-positive C, an unknown weighting or an empty training set.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    if class_weighting not in CLASS_WEIGHTINGS:
        raise MotivicError(
            f"class_weighting={class_weighting!r} must be one of {list(CLASS_WEIGHTINGS)}"
        )
    grid = sorted(float(c) for c in C_grid)
    if not grid or grid[0] <= 0:
        raise MotivicError(f"baselines.motif_ngrams.C={list(C_grid)} must be non-empty and > 0")
    if not len(y_train):
        raise MotivicError("fit_logistic: the training set is empty")
    if np.unique(y_train).size < 2:
        return None, None
    balanced = class_weighting == "balanced"
    best, best_key = None, None
    for C in grid:
        model = LogisticRegression(
            C=C, max_iter=max_iter, class_weight="balanced" if balanced else None
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X_train, y_train)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            logger.info("C=%g: lbfgs stopped at max_iter=%d before converging", C, max_iter)
        score = _score(y_val, model.predict(X_val), balanced) if len(y_val) else 0.0
        loss = _log_loss(model, X_val, y_val) if len(y_val) else 0.0
        logger.debug("C=%g: validation score %.3f, log-loss %.3f", C, score, loss)
        if best_key is None or (score, -loss) > best_key:
            best, best_key = (model, C), (score, -loss)
    logger.info("logistic regression: C=%g, validation score %.3f", best[1], best_key[0])
    return best


def _probabilities(model, X: np.ndarray, n_classes: int, fallback: int) -> np.ndarray:
    probs = np.zeros((len(X), n_classes))
    if model is None:
        probs[:, fallback] = 1.0
    elif len(X):
        probs[:, model.classes_.astype(np.int64)] = model.predict_proba(X)
    return probs


def _class_weights(model) -> tuple[np.ndarray, np.ndarray]:
    """Classes and their weight rows; two classes: class 0 gets the negated log-odds weights."""
    classes = model.classes_.astype(np.int64)
    coef = np.asarray(model.coef_)
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0], coef[0]])
    return classes, coef


def top_weights(
    model,
    features: Sequence[str],
    label_names: Sequence[str],
    X_train: np.ndarray,
    *,
    top_k: int = 20,
) -> pd.DataFrame:
    """The ``top_k`` features with the largest positive weight for each class.

    Parameters
    ----------
    model : fitted LogisticRegression or None
    features : sequence of str
        Column names of the design matrix (:func:`vocabulary`).
    label_names : sequence of str
        Label of each class number.
    X_train : np.ndarray [shape=(n_train, len(features))]
        The training rows: ``train_count`` (total) and ``train_segments``
        (rows with the feature) of each listed feature.
    top_k : int >= 1

    Returns
    -------
    weights : pd.DataFrame
        Columns ``label, rank, feature, n`` (n-gram length; 0 for a motif id),
        ``weight, train_count, train_segments``; empty without a model.
    """
    if model is None:
        return pd.DataFrame(columns=_WEIGHT_COLUMNS)
    classes, coef = _class_weights(model)
    totals, present = X_train.sum(axis=0), (X_train > 0).sum(axis=0)
    rows = []
    for k, c in enumerate(classes):
        order = [j for j in np.argsort(-coef[k], kind="stable") if coef[k, j] > 0][:top_k]
        for rank, j in enumerate(order, start=1):
            name = features[j]
            rows.append(
                {
                    "label": label_names[int(c)],
                    "rank": rank,
                    "feature": name,
                    "n": 0 if name.startswith(_MOTIF_PREFIX) else name.count(",") + 1,
                    "weight": float(coef[k, j]),
                    "train_count": float(totals[j]),
                    "train_segments": int(present[j]),
                }
            )
    return pd.DataFrame(rows, columns=_WEIGHT_COLUMNS)


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MotifNgramRun:
    """A scored run: the outputs every Table I row writes, plus the weights and recordings."""

    metrics: dict
    predictions: pd.DataFrame
    confusion: np.ndarray
    weights: pd.DataFrame
    recordings: pd.DataFrame


@dataclass(frozen=True)
class _SegmentTable:
    """The store-like holder of a segments table that :class:`RunData` scores against."""

    index: pd.DataFrame


def _recording_rows(features: list[Counter], index: pd.DataFrame, rows: np.ndarray):
    """Relative n-gram frequencies summed per recording over ``rows``, with the recordings."""
    recordings = index["recording"].to_numpy()[rows]
    labels = index["label"].to_numpy()[rows]
    summed: dict[str, Counter] = {}
    label_of: dict[str, str] = {}
    for r, rec, lab in zip(rows, recordings, labels):
        summed.setdefault(rec, Counter()).update(features[r])
        label_of[rec] = lab
    order = list(summed)
    out = []
    for rec in order:
        total = sum(summed[rec].values())
        out.append({k: v / total for k, v in summed[rec].items()} if total else {})
    return out, order, [label_of[rec] for rec in order]


def _recording_level(
    features: list[Counter], data, names: list[str], *, fit_options: dict
) -> tuple[dict, pd.DataFrame]:
    """Recording-level variant: one row per (split part, recording) of summed relative counts."""
    index = data.store.index
    parts = {
        part: _recording_rows(features, index, data.rows[part]) for part in ("train", "val", "test")
    }
    vocab = vocabulary(parts["train"][0])
    X = {part: count_matrix(parts[part][0], vocab) for part in parts}
    y = {
        part: np.array([data.label_to_index[str(lab)] for lab in parts[part][2]], dtype=np.int64)
        for part in parts
    }
    model, C = fit_logistic(X["train"], y["train"], X["val"], y["val"], **fit_options)
    fallback = int(np.bincount(y["train"]).argmax())
    probs = _probabilities(model, X["test"], len(names), fallback)
    predicted = probs.argmax(axis=1)
    table = pd.DataFrame(
        {
            "recording": parts["test"][1],
            "label": [names[i] for i in y["test"]],
            "predicted": [names[i] for i in predicted],
            **{f"p_{name}": probs[:, k] for k, name in enumerate(names)},
        }
    )
    metrics = {
        "recording_level_accuracy": float(np.mean(predicted == y["test"])),
        "recording_level_n": len(y["test"]),
        "recording_level_C": C,
    }
    return metrics, table


def motif_ngrams_run(
    segments: pd.DataFrame,
    split_path: str | Path,
    runs: Sequence[Sequence[Sequence[int]]],
    *,
    n_max: int = 3,
    motif_ids: bool = False,
    C_grid: Sequence[float] = DEFAULT_C_GRID,
    class_weighting: str = "none",
    max_iter: int = 1000,
    top_k: int = 20,
) -> MotifNgramRun:
    """Fit the n-gram model on the training segments of one split and score the test rows.

    Parameters
    ----------
    segments : pd.DataFrame
        A segments table (``segment_id, recording, label, motif_id, start_s, end_s``).
    split_path : path
        Its split file for one fold.
    runs : sequence [shape=(len(segments),)]
        Token runs of every segment (:func:`segment_runs` or :func:`clip_runs`).
    n_max : int >= 1
        Longest n-gram.
    motif_ids : bool
        Add an indicator of the segment's ``motif_id`` (motivic segments only).
    C_grid, class_weighting, max_iter
        As :func:`fit_logistic`.
    top_k : int >= 1
        Features listed per class in the weights table.

    Returns
    -------
    run : MotifNgramRun
        ``metrics`` as :func:`motivic.train.runs.evaluate_run` plus ``C``,
        ``n_features``, ``n_empty_test`` (test segments without any token),
        ``class_weighting`` and the ``recording_level_*`` accuracy, count and C;
        ``predictions`` and ``confusion`` as every run; ``weights``
        (:func:`top_weights`); ``recordings`` (recording-level test predictions).
    """
    from motivic.train.datasets import label_index
    from motivic.train.runs import RunData, score_run, split_rows

    if len(runs) != len(segments):
        raise MotivicError(f"{len(runs)} token runs for {len(segments)} segments")
    index = segments.reset_index(drop=True).copy()
    index["motif_id"] = index["motif_id"].astype(object).where(index["motif_id"].notna(), "")
    index["motif_id"] = index["motif_id"].astype(str)
    rows = split_rows(index["segment_id"].astype(str), split_path, source="segments table")
    used = np.sort(np.concatenate(list(rows.values())))
    data = RunData(_SegmentTable(index), rows, label_index(index["label"].to_numpy()[used]), {})
    names = data.label_names
    features = [
        _row_features(r, m, n_max=n_max, motif_ids=motif_ids)
        for r, m in zip(runs, index["motif_id"])
    ]
    vocab = vocabulary([features[i] for i in rows["train"]])
    X = {part: count_matrix([features[i] for i in rows[part]], vocab) for part in rows}
    y = {part: data.labels(part) for part in rows}
    fit_options = {"C_grid": C_grid, "class_weighting": class_weighting, "max_iter": max_iter}
    model, C = fit_logistic(X["train"], y["train"], X["val"], y["val"], **fit_options)
    fallback = int(np.bincount(y["train"]).argmax())
    probs = _probabilities(model, X["test"], len(names), fallback)
    positions = np.arange(rows["test"].size)
    metrics, predictions, matrix = score_run(data, "test", positions, probs, names)
    recording_metrics, recordings = _recording_level(features, data, names, fit_options=fit_options)
    metrics.update(
        model="motif_ngrams",
        C=C,
        n_features=len(vocab),
        n_empty_test=int(sum(not features[i] for i in rows["test"])),
        class_weighting=class_weighting,
        **recording_metrics,
    )
    weights = top_weights(model, vocab, names, X["train"], top_k=top_k)
    return MotifNgramRun(metrics, predictions, matrix, weights, recordings)
