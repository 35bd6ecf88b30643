"""Distinctive motifs per class: log-odds with an informative Dirichlet prior over recordings.

Monroe, Colaresi & Quinn (2008), "Fightin' Words: Lexical Feature Selection and Evaluation for
Identifying the Content of Political Conflict", Political Analysis 16(4), section 3.5: the
log-odds ratio of a word between two groups, each group's odds shrunk towards a prior drawn
from the pooled counts, divided by its approximate standard deviation.

Here a *word* is a motif and a *document* is a recording, and a motif counts **once per
recording that carries it**, however often it repeats there. For class ``i`` and motif ``w``:

* ``y_w^i`` = recordings of class ``i`` carrying ``w``; ``y_w^-i`` = recordings of the other
  classes carrying it; ``n^i = sum_w y_w^i`` (recording-motif incidences of class ``i``),
  ``n^-i`` likewise, ``y_w = y_w^i + y_w^-i`` and ``n = n^i + n^-i``.
* Informative Dirichlet prior from the pooled counts: ``alpha_w = s * y_w`` and
  ``alpha_0 = sum_w alpha_w = s * n``, with ``s`` = ``prior_scale`` (1: the prior is worth as
  many incidences as the data).
* ``delta_w = log((y_w^i + alpha_w) / (n^i + alpha_0 - y_w^i - alpha_w))
  - log((y_w^-i + alpha_w) / (n^-i + alpha_0 - y_w^-i - alpha_w))`` (Monroe et al., eq. 16).
* ``var(delta_w) ~ 1 / (y_w^i + alpha_w) + 1 / (y_w^-i + alpha_w)`` (eq. 20), and
  ``z_w = delta_w / sqrt(var)``: a motif carried by many recordings of a class and few of the
  others gets a large ``z``; one carried by two recordings stays uncertain however exclusive.

Each class ranks the motifs it carries by ``z`` (descending). A motif carried by fewer than
``min_recordings`` recordings in the whole corpus (by default: a single recording) still counts
in ``n`` and the prior but is never ranked.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError

__all__ = ["DISTINCTIVE_COLUMNS", "distinctive_motifs", "fightin_words", "recording_counts"]

logger = logging.getLogger(__name__)

DISTINCTIVE_COLUMNS = [
    "label",
    "rank",
    "motif_id",
    "pattern",
    "recordings_in_class",
    "recordings_elsewhere",
    "class_recordings",
    "occurrences_in_class",
    "log_odds",
    "se",
    "z",
]


def recording_counts(occurrences: pd.DataFrame) -> pd.DataFrame:
    """Recordings carrying each motif, per class.

    Parameters
    ----------
    occurrences : pandas.DataFrame
        One row per occurrence, with columns ``motif_id``, ``recording`` and ``label``
        (``results/motifs/occurrences.tsv``).

    Returns
    -------
    counts : pandas.DataFrame [shape=(n_motifs, n_classes), dtype=int]
        ``counts.loc[motif, label]`` = number of distinct recordings of class ``label``
        with at least one occurrence of ``motif``; index and columns sorted.

    Raises
    ------
    MotivicError
        If a column is missing or a recording carries two labels.
    """
    missing = [c for c in ("motif_id", "recording", "label") if c not in occurrences.columns]
    if missing:
        raise MotivicError(f"occurrences: missing columns {missing}")
    labels = occurrences.groupby("recording")["label"].nunique()
    if (labels > 1).any():
        raise MotivicError(
            f"occurrences: recording {labels[labels > 1].index[0]!r} carries more than one label"
        )
    pairs = occurrences[["motif_id", "recording", "label"]].drop_duplicates()
    counts = pd.crosstab(pairs["motif_id"], pairs["label"]).sort_index().sort_index(axis=1)
    counts.columns.name = None
    counts.index.name = "motif_id"
    return counts.astype(np.int64)


def fightin_words(
    in_class, elsewhere, *, prior_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds of each motif in a class against the rest, with an informative Dirichlet prior.

    Parameters
    ----------
    in_class : np.ndarray [shape=(n_motifs,), dtype=int >= 0]
        ``y_w^i``: recordings of the class carrying each motif.
    elsewhere : np.ndarray [shape=(n_motifs,), dtype=int >= 0]
        ``y_w^-i``: recordings of the other classes carrying each motif.
    prior_scale : float > 0
        ``s`` in ``alpha_w = s * (y_w^i + y_w^-i)`` (module docstring).

    Returns
    -------
    log_odds : np.ndarray [shape=(n_motifs,)]
        ``delta_w`` (Monroe et al. 2008, eq. 16); positive = more typical of the class.
    variance : np.ndarray [shape=(n_motifs,)]
        Its approximate variance ``1 / (y_w^i + alpha_w) + 1 / (y_w^-i + alpha_w)`` (eq. 20).

    Raises
    ------
    MotivicError
        If the counts are negative or of different shapes, if a motif has no count at all,
        if fewer than two motifs are given or ``prior_scale <= 0``.
    """
    y_i = np.asarray(in_class, dtype=float)
    y_j = np.asarray(elsewhere, dtype=float)
    if y_i.ndim != 1 or y_i.shape != y_j.shape:
        raise MotivicError(
            f"fightin_words: in_class {y_i.shape} and elsewhere {y_j.shape} must be 1-D of equal length"
        )
    if np.any(y_i < 0) or np.any(y_j < 0):
        raise MotivicError("fightin_words: counts must be >= 0")
    if np.any(y_i + y_j == 0):
        raise MotivicError("fightin_words: every motif needs at least one recording")
    if y_i.size < 2:
        raise MotivicError(f"fightin_words: {y_i.size} motif(s); the log-odds need at least two")
    if not prior_scale > 0:
        raise MotivicError(f"distinctive.prior_scale={prior_scale!r} must be > 0")
    alpha = prior_scale * (y_i + y_j)
    alpha_0 = alpha.sum()
    n_i, n_j = y_i.sum(), y_j.sum()
    log_odds = np.log((y_i + alpha) / (n_i + alpha_0 - y_i - alpha)) - np.log(
        (y_j + alpha) / (n_j + alpha_0 - y_j - alpha)
    )
    variance = 1.0 / (y_i + alpha) + 1.0 / (y_j + alpha)
    return log_odds, variance


def distinctive_motifs(
    occurrences: pd.DataFrame,
    dictionary: pd.DataFrame,
    labels: dict[str, str],
    *,
    prior_scale: float = 1.0,
    min_recordings: int = 2,
) -> pd.DataFrame:
    """Rank, for each class, the motifs most characteristic of it (module docstring).

    Parameters
    ----------
    occurrences : pandas.DataFrame
        ``results/motifs/occurrences.tsv``: columns ``motif_id``, ``recording``, ``label``.
    dictionary : pandas.DataFrame
        ``results/motifs/dictionary.tsv``: columns ``motif_id`` and ``pattern``.
    labels : dict of str to str
        Class of every recording of the corpus (those without motifs too): gives
        ``class_recordings`` and the classes that exist.
    prior_scale : float > 0
        Weight of the pooled-count prior (:func:`fightin_words`).
    min_recordings : int >= 2
        Motifs carried by fewer recordings of the corpus are not ranked.

    Returns
    -------
    table : pandas.DataFrame
        Columns :data:`DISTINCTIVE_COLUMNS`, one row per (class, ranked motif the class
        carries), sorted by class then ``rank`` (1 = most characteristic, by ``z``); ``se``
        is ``sqrt(variance)``. Empty when the corpus has fewer than two classes or two motifs.

    Raises
    ------
    MotivicError
        If ``min_recordings < 2``, a column is missing or an occurrence's motif is not in
        the dictionary.
    """
    if int(min_recordings) != min_recordings or min_recordings < 2:
        raise MotivicError(
            f"distinctive.min_recordings={min_recordings!r} must be an int >= 2 "
            "(a motif of a single recording is never characteristic)"
        )
    if "pattern" not in dictionary.columns or "motif_id" not in dictionary.columns:
        raise MotivicError("dictionary: needs columns motif_id and pattern")
    counts = recording_counts(occurrences)
    unknown = sorted(set(counts.index) - set(dictionary["motif_id"]))
    if unknown:
        raise MotivicError(f"occurrences: motif {unknown[0]!r} is not in the dictionary")
    classes = sorted(set(map(str, labels.values())))
    counts = counts.reindex(columns=classes, fill_value=0)
    if len(classes) < 2 or len(counts) < 2:
        logger.warning(
            "distinctive motifs: %d classes and %d motifs, nothing to contrast",
            len(classes),
            len(counts),
        )
        return pd.DataFrame(columns=DISTINCTIVE_COLUMNS)
    pattern = dictionary.set_index("motif_id")["pattern"]
    n_occurrences = occurrences.groupby(["motif_id", "label"]).size()
    class_size = pd.Series(list(labels.values()), dtype=str).value_counts()
    total = counts.sum(axis=1).to_numpy()
    eligible = total >= min_recordings
    tables = []
    for label in classes:
        y_i = counts[label].to_numpy()
        log_odds, variance = fightin_words(y_i, total - y_i, prior_scale=prior_scale)
        keep = eligible & (y_i > 0)
        motifs = counts.index[keep]
        table = pd.DataFrame(
            {
                "label": label,
                "motif_id": motifs,
                "pattern": pattern.reindex(motifs).to_numpy(),
                "recordings_in_class": y_i[keep],
                "recordings_elsewhere": (total - y_i)[keep],
                "class_recordings": int(class_size.get(label, 0)),
                "occurrences_in_class": [int(n_occurrences.get((m, label), 0)) for m in motifs],
                "log_odds": log_odds[keep],
                "se": np.sqrt(variance[keep]),
            }
        )
        table["z"] = table["log_odds"] / table["se"]
        table = table.sort_values(["z", "motif_id"], ascending=[False, True], kind="mergesort")
        table["rank"] = np.arange(1, len(table) + 1)
        tables.append(table[DISTINCTIVE_COLUMNS])
    logger.info(
        "distinctive motifs: %d of %d motifs carried by >= %d recordings, %d classes",
        int(eligible.sum()),
        len(counts),
        min_recordings,
        len(classes),
    )
    return pd.concat(tables, ignore_index=True)
