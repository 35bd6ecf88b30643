"""Motivic segments, the duration-matched non-motivic control set and data splits.

Arronte Alvarez & Gómez (2021), "Motivic Pattern Classification of Music Audio
Signals Combining Residual and LSTM Networks", classify audio segments cut at the
occurrences of mined motifs (at least 0.5 s long) and compare them with a control
set of non-motivic segments of the same durations taken from the same recordings.
Segments are then split 60/20/20 into train, validation and test sets, stratified
by label.

Every table here is a :class:`pandas.DataFrame` with the columns of
:data:`SEGMENT_COLUMNS`; row order is deterministic.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.mining.kinds import KINDS

__all__ = [
    "MOTIF_IDS_COLUMN",
    "SEGMENT_COLUMNS",
    "control_segments",
    "interval_overlap_s",
    "keep_motif_kinds",
    "merge_overlapping",
    "motif_segments",
    "voiced_intervals",
]

logger = logging.getLogger(__name__)

SEGMENT_COLUMNS = [
    "segment_id",
    "recording",
    "label",
    "group",
    "motif_id",
    "start_s",
    "end_s",
    "duration_s",
]

#: Every motif id of a segment, ``;``-separated (several after merging): what
#: ``motif_`` split strategies hold out (:mod:`motivic.splits.plan`).
MOTIF_IDS_COLUMN = "motif_ids"
_OCCURRENCE_COLUMNS = ("motif_id", "recording", "label", "start_s", "end_s", "duration_s")
_EPS_S = 1e-9


# ---------------------------------------------------------------------------
# motivic segments
# ---------------------------------------------------------------------------


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MotivicError(f"{what} lacks column(s) {missing}; found {list(df.columns)}")


def _group_lookup(recordings: pd.DataFrame | None) -> dict[str, str]:
    """Map recording id -> group key (the recording itself where group is missing)."""
    if recordings is None:
        return {}
    _require_columns(recordings, ["recording"], "recordings table")
    ids = recordings["recording"].astype(str)
    if "group" not in recordings.columns:
        return dict(zip(ids, ids))
    groups = recordings["group"]
    out = {}
    for rec, grp in zip(ids, groups):
        missing = grp is None or (isinstance(grp, float) and np.isnan(grp)) or str(grp) == ""
        out[rec] = rec if missing else str(grp)
    return out


def keep_motif_kinds(
    occurrences: pd.DataFrame, dictionary: pd.DataFrame, kinds: Sequence[str]
) -> pd.DataFrame:
    """The occurrences of the motifs whose ``kind`` is one of ``kinds`` (``segments.motif_kinds``).

    Parameters
    ----------
    occurrences : pd.DataFrame
        One row per occurrence, column ``motif_id``.
    dictionary : pd.DataFrame
        The motif dictionary, columns ``motif_id`` and ``kind``
        (:func:`motivic.mining.build_dictionary`).
    kinds : sequence of str
        Kinds to keep, each one of :data:`motivic.mining.KINDS`.

    Returns
    -------
    occurrences : pd.DataFrame
        The kept rows, in their order, index reset.

    Raises
    ------
    MotivicError
        If a kind is unknown, a column is missing, or an occurrence's motif is not in the
        dictionary.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise MotivicError(f"segments.motif_kinds: unknown kinds {unknown}; valid: {list(KINDS)}")
    _require_columns(dictionary, ("motif_id", "kind"), "motif dictionary")
    _require_columns(occurrences, ("motif_id",), "motif occurrences table")
    kind = dict(zip(dictionary["motif_id"].astype(str), dictionary["kind"].astype(str)))
    ids = occurrences["motif_id"].astype(str)
    absent = sorted(set(ids) - set(kind))
    if absent:
        raise MotivicError(
            f"motif occurrences table: motifs {absent[:5]} are not in the dictionary"
        )
    keep = ids.map(kind).isin(list(kinds)).to_numpy()
    return occurrences[keep].reset_index(drop=True)


def motif_segments(
    occurrences: pd.DataFrame,
    recordings: pd.DataFrame | None,
    *,
    min_duration_s: float = 0.5,
    merge_overlaps: bool = True,
) -> pd.DataFrame:
    """Turn motif occurrences into labelled segments, one per occurrence (or merged cluster).

    With ``merge_overlaps`` (the default), occurrences of one recording that
    overlap in time (nested closed patterns P and P+x, or two motifs sharing
    notes) are merged first by :func:`merge_overlapping`, so no two motivic
    segments share audio.

    Parameters
    ----------
    occurrences : pd.DataFrame
        One row per occurrence of a dictionary motif, with columns ``motif_id``,
        ``recording``, ``label``, ``start_s``, ``end_s``, ``duration_s`` (others,
        such as ``pattern`` and ``phrase``, are ignored).
    recordings : pd.DataFrame or None
        Recordings table with columns ``recording`` and optionally ``group``
        (singer or album). A missing column, a missing value or ``None`` for the
        table makes the group equal to the recording.
    min_duration_s : float >= 0
        Occurrences shorter than this are dropped (the paper keeps >= 0.5 s),
        before merging.
    merge_overlaps : bool
        Merge overlapping occurrences of a recording (``segments.merge_overlaps``).

    Returns
    -------
    segments : pd.DataFrame
        Columns :data:`SEGMENT_COLUMNS` and ``motif_ids`` (every member's motif
        id, sorted, ``;``-separated), sorted by recording, start, end and
        motif. ``segment_id`` is ``"{recording}:{motif_id}:{k}"`` where ``k``
        counts the kept occurrences of that motif in that recording in time
        order, so ids are stable for a given occurrence table. ``recording``,
        ``label``, ``group`` and ``motif_id`` are strings.

    Raises
    ------
    MotivicError
        If a column is missing, ``min_duration_s < 0``, an occurrence has
        ``end_s <= start_s``, or a recording is absent from ``recordings``.
    """
    if min_duration_s < 0:
        raise MotivicError(f"segments.min_duration_s={min_duration_s} must be >= 0")
    _require_columns(occurrences, _OCCURRENCE_COLUMNS, "motif occurrences table")
    occ = occurrences.loc[:, list(_OCCURRENCE_COLUMNS)].copy()
    for col in ("motif_id", "recording", "label"):
        occ[col] = occ[col].astype(str)
    for col in ("start_s", "end_s", "duration_s"):
        occ[col] = occ[col].astype(float)
    bad = occ[occ["end_s"] <= occ["start_s"]]
    if len(bad):
        row = bad.iloc[0]
        raise MotivicError(
            f"motif occurrence of {row.motif_id!r} in {row.recording!r} has "
            f"end_s={row.end_s} <= start_s={row.start_s}; occurrences must have positive length"
        )
    kept = occ[occ["duration_s"] >= min_duration_s - _EPS_S]
    logger.info("kept %d of %d motif occurrences >= %.3f s", len(kept), len(occ), min_duration_s)
    groups = _group_lookup(recordings)
    if recordings is not None:
        unknown = sorted(set(kept["recording"]) - set(groups))
        if unknown:
            raise MotivicError(
                f"recordings {unknown[:5]} appear in the motif occurrences but not in the "
                f"recordings table ({len(unknown)} in all)"
            )
    kept = kept.sort_values(
        ["recording", "start_s", "end_s", "motif_id"], kind="mergesort"
    ).reset_index(drop=True)
    n_occurrences = len(kept)
    if merge_overlaps:
        kept = merge_overlapping(kept)
    else:
        kept[MOTIF_IDS_COLUMN] = kept["motif_id"]
    k = kept.groupby(["recording", "motif_id"], sort=False).cumcount()
    kept["segment_id"] = kept["recording"] + ":" + kept["motif_id"] + ":" + k.astype(str)
    kept["group"] = [groups.get(r, r) for r in kept["recording"]]
    out = kept.loc[:, [*SEGMENT_COLUMNS, MOTIF_IDS_COLUMN]]
    out.attrs["merged"] = n_occurrences - len(out)
    return out


def merge_overlapping(occurrences: pd.DataFrame) -> pd.DataFrame:
    """Merge the time-overlapping occurrences of each recording into one occurrence.

    The merge rule: within a recording, occurrences are sorted by start; a
    chain of occurrences each overlapping (by more than 1 ns) the span
    accumulated so far becomes one occurrence spanning their union
    ``[min start_s, max end_s)``. It keeps the ``motif_id`` (and other
    columns) of its longest member (ties: the earliest, then the smallest
    ``motif_id``), so a nested closed pattern P inside P+x becomes the P+x
    occurrence, and two partly overlapping motifs one segment covering both.
    Occurrences that only touch (one ends where the next starts) stay apart.
    Column ``motif_ids`` lists every member's motif id (sorted, ``;``-separated;
    members' own ``motif_ids`` when the input has them), so a split can hold
    out every motif a merged segment contains.

    Parameters
    ----------
    occurrences : pd.DataFrame
        Columns ``recording``, ``motif_id``, ``start_s``, ``end_s`` (others kept).

    Returns
    -------
    merged : pd.DataFrame
        Same columns plus ``motif_ids``, sorted by recording, start, end and
        motif, ``duration_s`` updated when present; fresh index.
    """
    _require_columns(occurrences, ["recording", "motif_id", "start_s", "end_s"], "occurrences")
    occ = occurrences.sort_values(
        ["recording", "start_s", "end_s", "motif_id"], kind="mergesort"
    ).reset_index(drop=True)
    starts = occ["start_s"].to_numpy(dtype=float)
    ends = occ["end_s"].to_numpy(dtype=float)
    recs = occ["recording"].astype(str).to_numpy()
    cluster = np.empty(len(occ), dtype=np.int64)
    c, reach = -1, -np.inf
    for i in range(len(occ)):
        if i == 0 or recs[i] != recs[i - 1] or starts[i] >= reach - _EPS_S:
            c, reach = c + 1, ends[i]
        else:
            reach = max(reach, ends[i])
        cluster[i] = c
    occ["_cluster"] = cluster
    occ["_length"] = ends - starts
    members = occ[MOTIF_IDS_COLUMN] if MOTIF_IDS_COLUMN in occ.columns else occ["motif_id"]
    ids = members.astype(str).str.split(";").groupby(cluster).agg(
        lambda lists: ";".join(sorted({m for ids in lists for m in ids if m}))
    )
    best = occ.sort_values(
        ["_cluster", "_length", "start_s", "motif_id"],
        ascending=[True, False, True, True],
        kind="mergesort",
    ).drop_duplicates("_cluster")
    span = occ.groupby("_cluster").agg(start_s=("start_s", "min"), end_s=("end_s", "max"))
    best = best.set_index("_cluster")
    best["start_s"] = span["start_s"]
    best["end_s"] = span["end_s"]
    best[MOTIF_IDS_COLUMN] = ids
    if "duration_s" in best.columns:
        best["duration_s"] = best["end_s"] - best["start_s"]
    n_merged = len(occ) - len(best)
    if n_merged:
        logger.info("merged %d overlapping motif occurrence(s) into their clusters", n_merged)
    return (
        best.drop(columns=["_length"])
        .sort_values(["recording", "start_s", "end_s", "motif_id"], kind="mergesort")
        .reset_index(drop=True)
    )


# ---------------------------------------------------------------------------
# voiced regions and overlap
# ---------------------------------------------------------------------------


def voiced_intervals(
    times_s: np.ndarray,
    f0_hz: np.ndarray,
    *,
    min_gap_s: float = 0.15,
) -> np.ndarray:
    """Voiced regions of a pitch track, bridging short unvoiced gaps.

    Frame ``i`` covers ``[times_s[i], times_s[i] + hop)``, where ``hop`` is the
    median frame spacing. Runs of voiced frames (``f0_hz > 0``) become intervals;
    two runs separated by an unvoiced gap shorter than ``min_gap_s`` are merged,
    so an interval is "mostly voiced": it contains no unvoiced stretch of
    ``min_gap_s`` or more (the gap that splits phrases in ``contour``).

    Parameters
    ----------
    times_s : np.ndarray [shape=(n_frames,)]
        Frame times in seconds, strictly increasing.
    f0_hz : np.ndarray [shape=(n_frames,)]
        f0 of each frame; values <= 0 (or NaN) mean unvoiced.
    min_gap_s : float >= 0
        Unvoiced gaps shorter than this are bridged.

    Returns
    -------
    intervals : np.ndarray [shape=(n_intervals, 2), dtype=float64]
        ``[start_s, end_s)`` of each voiced region, sorted and disjoint.

    Raises
    ------
    MotivicError
        If the arrays are not 1-D of equal length, times do not increase, or
        ``min_gap_s < 0``.
    """
    times_s = np.asarray(times_s, dtype=float)
    f0_hz = np.asarray(f0_hz, dtype=float)
    if times_s.ndim != 1 or times_s.shape != f0_hz.shape:
        raise MotivicError(
            f"times_s {times_s.shape} and f0_hz {f0_hz.shape} must be 1-D of equal length"
        )
    if min_gap_s < 0:
        raise MotivicError(f"min_gap_s={min_gap_s} must be >= 0")
    if times_s.size == 0:
        return np.zeros((0, 2))
    if times_s.size > 1 and np.any(np.diff(times_s) <= 0):
        raise MotivicError("times_s must be strictly increasing")
    hop_s = float(np.median(np.diff(times_s))) if times_s.size > 1 else 0.0
    voiced = np.nan_to_num(f0_hz, nan=0.0) > 0
    edges = np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]]))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    if first.size == 0:
        return np.zeros((0, 2))
    starts = times_s[first]
    ends = times_s[last] + hop_s
    merged = [[starts[0], ends[0]]]
    for start, end in zip(starts[1:], ends[1:]):
        if start - merged[-1][1] < min_gap_s:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return np.asarray(merged, dtype=float)


def _union(intervals: np.ndarray) -> np.ndarray:
    """Sorted disjoint union of ``[n, 2]`` intervals."""
    intervals = np.asarray(intervals, dtype=float).reshape(-1, 2)
    if len(intervals) == 0:
        return intervals
    intervals = intervals[np.argsort(intervals[:, 0], kind="mergesort")]
    out = [list(intervals[0])]
    for start, end in intervals[1:]:
        if start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return np.asarray(out)


def interval_overlap_s(starts_s: np.ndarray, duration_s: float, union: np.ndarray) -> np.ndarray:
    """Length of ``[start, start + duration)`` covered by a disjoint interval union.

    Parameters
    ----------
    starts_s : np.ndarray [shape=(n,)]
        Candidate start times in seconds.
    duration_s : float > 0
        Length of every candidate.
    union : np.ndarray [shape=(m, 2)]
        Disjoint intervals (for example the union of motif occurrences).

    Returns
    -------
    overlap_s : np.ndarray [shape=(n,)]
        ``sum_j max(0, min(end, b_j) - max(start, a_j))`` in seconds.
    """
    starts = np.asarray(starts_s, dtype=float)[:, None]
    union = np.asarray(union, dtype=float).reshape(-1, 2)
    if len(union) == 0:
        return np.zeros(starts.shape[0])
    lo = np.maximum(starts, union[None, :, 0])
    hi = np.minimum(starts + duration_s, union[None, :, 1])
    return np.clip(hi - lo, 0.0, None).sum(axis=1)


# ---------------------------------------------------------------------------
# non-motivic control segments
# ---------------------------------------------------------------------------


def _sample_starts(
    feasible: np.ndarray, duration_s: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` start times uniform over the starts that keep a segment inside one interval."""
    slack = np.clip(feasible[:, 1] - feasible[:, 0] - duration_s, 0.0, None)
    if slack.sum() <= 0:  # only exact fits: choose among them uniformly
        return feasible[rng.integers(len(feasible), size=n), 0]
    which = rng.choice(len(feasible), size=n, p=slack / slack.sum())
    return feasible[which, 0] + rng.random(n) * slack[which]


def _place_one(
    duration_s: float,
    voiced: np.ndarray,
    motif_union: np.ndarray,
    *,
    max_overlap: float,
    rng: np.random.Generator,
    max_tries: int,
    grid_s: float,
    placed: np.ndarray | None = None,
) -> float | None:
    """Start time of one control segment, or None if no admissible position exists.

    Admissible: inside one voiced interval, covered by ``motif_union`` for at
    most ``max_overlap`` of its length, and not overlapping ``placed`` (the
    controls already placed in the recording) at all.
    """
    feasible = voiced[voiced[:, 1] - voiced[:, 0] >= duration_s - _EPS_S]
    if len(feasible) == 0:
        return None
    limit_s = max_overlap * duration_s + _EPS_S
    placed = np.zeros((0, 2)) if placed is None else placed

    def admissible(starts: np.ndarray) -> np.ndarray:
        return (interval_overlap_s(starts, duration_s, motif_union) <= limit_s) & (
            interval_overlap_s(starts, duration_s, placed) <= _EPS_S
        )

    starts = _sample_starts(feasible, duration_s, max_tries, rng)
    ok = admissible(starts)
    if ok.any():
        return float(starts[np.argmax(ok)])
    # rejection failed: check every admissible start on a grid, plus each interval's last start
    grid = np.concatenate(
        [np.append(np.arange(a, b - duration_s, grid_s), b - duration_s) for a, b in feasible]
    )
    grid = grid[admissible(grid)]
    return float(grid[rng.integers(len(grid))]) if len(grid) else None


def control_segments(
    motif_segs: pd.DataFrame,
    voiced_by_recording: Mapping[str, np.ndarray],
    recordings: pd.DataFrame | None,
    *,
    max_overlap: float = 0.5,
    rng: np.random.Generator,
    max_tries: int = 200,
    grid_s: float = 0.01,
    occurrences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Duration-matched non-motivic control segments from the same recordings.

    For every motif segment, one control segment of exactly the same duration
    is placed in the same recording, so each recording keeps its number of
    segments and its duration multiset. A control segment lies entirely inside
    one voiced interval (see :func:`voiced_intervals`: mostly voiced, no
    unvoiced gap >= ``min_gap_s``), and its *overlap* — the total length of
    ``[start_s, end_s)`` covered by the union of that recording's motif
    occurrences — is at most ``max_overlap * duration_s``. Positions are drawn
    uniformly over admissible starts by rejection sampling (``max_tries``
    draws); if that fails, every start on a ``grid_s`` grid is checked. Control
    segments never overlap one another: each placed control is forbidden to
    the later ones of its recording (placed longest first, so the long ones
    still find room).

    Parameters
    ----------
    motif_segs : pd.DataFrame
        Output of :func:`motif_segments`.
    voiced_by_recording : mapping of str to np.ndarray [shape=(n, 2)]
        Voiced intervals (seconds) of each recording of ``motif_segs``.
    recordings : pd.DataFrame or None
        Recordings table; its ``group`` column overrides ``motif_segs.group``
        when given (same fallback rules as :func:`motif_segments`).
    max_overlap : float in [0, 1]
        Largest allowed fraction of a control segment covered by motif occurrences.
    rng : np.random.Generator
        Source of randomness.
    max_tries : int >= 1
        Random draws per segment before the grid search.
    grid_s : float > 0
        Step of the fallback grid search, in seconds.
    occurrences : pd.DataFrame or None
        Motif occurrences whose union is avoided (columns ``recording``,
        ``start_s``, ``end_s``); defaults to ``motif_segs``. Pass the full
        occurrence table to avoid occurrences shorter than ``min_duration_s`` too.

    Returns
    -------
    controls : pd.DataFrame
        Columns :data:`SEGMENT_COLUMNS`, ``motif_id == ""``, ids
        ``"{recording}:control:{k}"`` where ``k`` indexes the motif segment
        whose duration was copied. ``controls.attrs["unplaced"]`` holds the
        number of segments that found no admissible position (they are left
        out and a warning is issued), and ``attrs["unplaced_by_recording"]``
        a dict of the per-recording counts.

    Raises
    ------
    MotivicError
        If ``max_overlap`` is outside [0, 1], ``max_tries < 1``, ``grid_s <= 0``,
        or a recording has no entry in ``voiced_by_recording``.
    """
    if not 0.0 <= max_overlap <= 1.0:
        raise MotivicError(f"segments.max_overlap={max_overlap} must be in [0, 1]")
    if max_tries < 1 or grid_s <= 0:
        raise MotivicError(f"max_tries={max_tries} must be >= 1 and grid_s={grid_s} > 0")
    _require_columns(motif_segs, SEGMENT_COLUMNS, "motif segments table")
    missing = sorted(set(motif_segs["recording"]) - set(voiced_by_recording))
    if missing:
        raise MotivicError(
            f"no voiced intervals for recordings {missing[:5]} ({len(missing)} in all); "
            "voiced_by_recording must cover every recording of motif_segs"
        )
    avoid = motif_segs if occurrences is None else occurrences
    groups = _group_lookup(recordings)
    rows, unplaced = [], {}
    for rec, segs in motif_segs.groupby("recording", sort=True):
        voiced = _union(voiced_by_recording[rec])
        mine = avoid[avoid["recording"].astype(str) == rec]
        motif_union = _union(mine[["start_s", "end_s"]].to_numpy(dtype=float))
        placed = np.zeros((0, 2))
        segs = segs.reset_index(drop=True)
        longest_first = np.argsort(-segs["duration_s"].to_numpy(dtype=float), kind="mergesort")
        for k in longest_first:
            seg = segs.iloc[k]
            start = _place_one(
                seg.duration_s,
                voiced,
                motif_union,
                max_overlap=max_overlap,
                rng=rng,
                max_tries=max_tries,
                grid_s=grid_s,
                placed=placed,
            )
            if start is None:
                unplaced[rec] = unplaced.get(rec, 0) + 1
                continue
            group = groups.get(rec, seg.group)
            end = start + seg.duration_s
            placed = _union(np.vstack([placed, [[start, end]]]))
            rows.append(
                (f"{rec}:control:{k}", rec, seg.label, group, "", start, end, seg.duration_s)
            )
    controls = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    if len(controls):
        controls = controls.sort_values(["recording", "start_s"], kind="mergesort")
        controls = controls.reset_index(drop=True)
    n_unplaced = int(sum(unplaced.values()))
    controls.attrs["unplaced"] = n_unplaced
    controls.attrs["unplaced_by_recording"] = dict(unplaced)
    logger.info("placed %d control segments, %d unplaced", len(controls), n_unplaced)
    if n_unplaced:
        warnings.warn(
            f"{n_unplaced} control segment(s) could not be placed inside voiced regions "
            f"with overlap <= {max_overlap}: {unplaced}",
            stacklevel=2,
        )
    return controls
