"""Mined patterns as tables: occurrences in time, the collection's motif dictionary, TSV I/O."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.mining.kinds import KIND_COLUMNS, motif_kinds
from motivic.mining.patterns import Pattern, format_pattern, parse_pattern

LOCATE_COLUMNS = ["pattern", "support", "phrase", "start_token", "end_token", "start_s", "end_s"]
DICTIONARY_COLUMNS = [
    "motif_id",
    "pattern",
    "length",
    "n_recordings",
    "support",
    "support_per_recording",
    "n_occurrences",
    "classes",
    "n_classes",
    "kind",
    "median_duration_s",
    "step_rate_hz",
]
OCCURRENCE_COLUMNS = [
    "motif_id",
    "pattern",
    "recording",
    "label",
    "phrase",
    "start_s",
    "end_s",
    "duration_s",
]
_STRING_COLUMNS = [
    "motif_id",
    "pattern",
    "recording",
    "label",
    "classes",
    "support_per_recording",
    "kind",
]


def locate_collection(patterns, phrases_by_recording: dict) -> pd.DataFrame:
    """Time spans of patterns mined over the phrases of a whole collection.

    The mining database is every phrase of every recording, concatenated in the
    order of ``phrases_by_recording``. Each occurrence is mapped back to its
    recording and to the phrase index within that recording, and ``support`` is
    rewritten to the number of phrases of *that recording* holding the pattern,
    so that summing it over recordings gives back the collection support and the
    table has the format of per-recording mining (see :func:`build_dictionary`).

    Parameters
    ----------
    patterns : list of Pattern
        Mined from ``[p.tokens for table in phrases_by_recording.values() for p in table]``.
    phrases_by_recording : dict of str to list of Phrase
        Recording id → its phrases, in mining order.

    Returns
    -------
    occurrences : pandas.DataFrame
        The columns of :func:`locate` plus ``recording``.
    """
    tables = list(phrases_by_recording.values())
    phrases = [phrase for table in tables for phrase in table]
    owner = np.repeat(np.array(list(phrases_by_recording), dtype=object), [len(t) for t in tables])
    local = np.concatenate([np.arange(len(t)) for t in tables] or [np.empty(0, int)])
    occ = locate(patterns, phrases)
    phrase = occ["phrase"].to_numpy()
    occ = occ.assign(recording=owner[phrase], phrase=local[phrase].astype(int))
    occ["support"] = occ.groupby(["pattern", "recording"])["phrase"].transform("nunique")
    return occ


# --------------------------------------------------------------------------- tables


def locate(patterns: Sequence[Pattern], phrases: Sequence) -> pd.DataFrame:
    """Map every occurrence of every pattern to time.

    Parameters
    ----------
    patterns : sequence of Pattern
        Mined from ``[p.tokens for p in phrases]``.
    phrases : sequence of motivic.contour.Phrase
        Anything with ``.spans`` (``[n_tokens, 2]`` start/end seconds per token).

    Returns
    -------
    occurrences : pandas.DataFrame
        Columns :data:`LOCATE_COLUMNS`, one row per occurrence in pattern order:
        ``pattern`` (``"+1,-2,…"``), ``support``, ``phrase``, ``start_token``,
        ``end_token`` (inclusive), ``start_s`` (start of the first token's span),
        ``end_s`` (end of the last token's span).

    Raises
    ------
    MotivicError
        If an occurrence points outside ``phrases``.
    """
    spans = [np.asarray(ph.spans, dtype=float).reshape(-1, 2) for ph in phrases]
    n_tokens = np.array([s.shape[0] for s in spans], dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum(n_tokens)])
    all_spans = np.concatenate(spans) if spans else np.empty((0, 2))
    # (sequence, first position, last position) of every occurrence, pattern by pattern
    rows = [np.asarray(p.occurrences, dtype=np.int64)[:, [0, 1, -1]] for p in patterns]
    occ = np.concatenate(rows) if rows else np.empty((0, 3), np.int64)
    seq, a, b = occ.T
    bad = np.flatnonzero((seq < 0) | (seq >= len(spans)))
    if bad.size:
        raise MotivicError(
            f"locate: occurrence in sequence {seq[bad[0]]}, only {len(spans)} phrases given"
        )
    bad = np.flatnonzero((a < 0) | (a > b) | (b >= n_tokens[seq]))
    if bad.size:
        i = bad[0]
        raise MotivicError(
            f"locate: positions {a[i]}..{b[i]} outside phrase {seq[i]} ({n_tokens[seq[i]]} tokens)"
        )
    counts = [p.n_occurrences for p in patterns]
    names = [format_pattern(p.tokens) for p in patterns]
    df = pd.DataFrame(
        {
            "pattern": np.repeat(np.array(names, dtype=object), counts),
            "support": np.repeat(np.array([p.support for p in patterns], np.int64), counts),
            "phrase": seq,
            "start_token": a,
            "end_token": b,
            "start_s": all_spans[offset[seq] + a, 0],
            "end_s": all_spans[offset[seq] + b, 1],
        },
        columns=LOCATE_COLUMNS,
    )
    return df


def build_dictionary(
    occurrences_by_recording: dict[str, pd.DataFrame], labels: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge per-recording motif occurrences into a motif dictionary.

    Parameters
    ----------
    occurrences_by_recording : dict of str → DataFrame
        Output of :func:`locate` for each recording.
    labels : dict of str → str
        Class label of each recording.

    Returns
    -------
    dictionary : DataFrame
        One row per distinct pattern, columns :data:`DICTIONARY_COLUMNS`; ``motif_id``
        ``m00001…`` follows the sorted pattern strings; ``support`` sums the per-recording
        supports, ``support_per_recording`` reads ``"rec_a:3;rec_b:4"``, ``classes`` is
        the sorted labels joined by ``";"``; ``kind``, ``median_duration_s`` and
        ``step_rate_hz`` come from :func:`motivic.mining.kinds.motif_kinds`.
    occurrences : DataFrame
        One row per occurrence, columns :data:`OCCURRENCE_COLUMNS`, sorted by motif,
        recording, phrase and time.

    Raises
    ------
    MotivicError
        If a recording has no label or a table lacks columns.
    """
    frames = []
    for rec in sorted(occurrences_by_recording):
        df = occurrences_by_recording[rec]
        missing = [c for c in LOCATE_COLUMNS if c not in df.columns]
        if missing:
            raise MotivicError(f"occurrences of recording {rec!r}: missing columns {missing}")
        if rec not in labels:
            raise MotivicError(f"labels: no label for recording {rec!r}")
        frames.append(df[LOCATE_COLUMNS].assign(recording=rec, label=str(labels[rec])))
    if not frames or not sum(len(f) for f in frames):
        return (pd.DataFrame(columns=DICTIONARY_COLUMNS), pd.DataFrame(columns=OCCURRENCE_COLUMNS))
    occ = pd.concat(frames, ignore_index=True)
    names = sorted(occ["pattern"].unique())
    ids = {p: f"m{i + 1:05d}" for i, p in enumerate(names)}
    occ["motif_id"] = occ["pattern"].map(ids)
    occ["duration_s"] = occ["end_s"] - occ["start_s"]
    occ = occ.sort_values(
        ["motif_id", "recording", "phrase", "start_s", "end_s"], kind="mergesort"
    ).reset_index(drop=True)
    return _dictionary_rows(occ), occ[OCCURRENCE_COLUMNS]


def _dictionary_rows(occ: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for motif_id, grp in occ.groupby("motif_id", sort=True):
        per_rec = grp.groupby("recording", sort=True)["support"].first()
        classes = sorted(grp["label"].unique())
        pattern = grp["pattern"].iloc[0]
        rows.append(
            (
                motif_id,
                pattern,
                len(parse_pattern(pattern)),
                len(per_rec),
                int(per_rec.sum()),
                ";".join(f"{r}:{int(s)}" for r, s in per_rec.items()),
                len(grp),
                ";".join(classes),
                len(classes),
            )
        )
    columns = [c for c in DICTIONARY_COLUMNS if c not in KIND_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    kinds = motif_kinds(occ)
    return table.join(kinds, on="motif_id")[DICTIONARY_COLUMNS]


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a DataFrame as TSV (no index), atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False)


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a TSV written by :func:`write_table`; id/pattern/label columns stay strings.

    Raises
    ------
    MotivicError
        If the file is missing or not a readable TSV.
    """
    try:
        return pd.read_csv(
            path,
            sep="\t",
            dtype={c: str for c in _STRING_COLUMNS},
            keep_default_na=False,
            na_values=[""],
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise MotivicError(f"table {path}: cannot read ({e})") from None
