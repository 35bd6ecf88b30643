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
import os
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "SEGMENT_COLUMNS",
    "SPLIT_NAMES",
    "assign_splits",
    "control_segments",
    "interval_overlap_s",
    "load_split",
    "motif_segments",
    "voiced_intervals",
    "write_split",
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
SPLIT_NAMES = ("train", "val", "test")
EXCLUDED = "excluded"  # split value of segments whose label cannot be split (small_labels="exclude")

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


def motif_segments(
    occurrences: pd.DataFrame,
    recordings: pd.DataFrame | None,
    *,
    min_duration_s: float = 0.5,
) -> pd.DataFrame:
    """Turn motif occurrences into labelled segments, one per occurrence.

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
        Occurrences shorter than this are dropped (the paper keeps >= 0.5 s).

    Returns
    -------
    segments : pd.DataFrame
        Columns :data:`SEGMENT_COLUMNS`, sorted by recording, start, end and
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
    k = kept.groupby(["recording", "motif_id"], sort=False).cumcount()
    kept["segment_id"] = kept["recording"] + ":" + kept["motif_id"] + ":" + k.astype(str)
    kept["group"] = [groups.get(r, r) for r in kept["recording"]]
    return kept.loc[:, SEGMENT_COLUMNS]


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
) -> float | None:
    """Start time of one control segment, or None if no admissible position exists."""
    feasible = voiced[voiced[:, 1] - voiced[:, 0] >= duration_s - _EPS_S]
    if len(feasible) == 0:
        return None
    limit_s = max_overlap * duration_s + _EPS_S
    starts = _sample_starts(feasible, duration_s, max_tries, rng)
    ok = interval_overlap_s(starts, duration_s, motif_union) <= limit_s
    if ok.any():
        return float(starts[np.argmax(ok)])
    # rejection failed: check every admissible start on a grid, plus each interval's last start
    grid = np.concatenate(
        [np.append(np.arange(a, b - duration_s, grid_s), b - duration_s) for a, b in feasible]
    )
    grid = grid[interval_overlap_s(grid, duration_s, motif_union) <= limit_s]
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
    segments may overlap one another.

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
        for k, seg in enumerate(segs.itertuples(index=False)):
            start = _place_one(
                seg.duration_s,
                voiced,
                motif_union,
                max_overlap=max_overlap,
                rng=rng,
                max_tries=max_tries,
                grid_s=grid_s,
            )
            if start is None:
                unplaced[rec] = unplaced.get(rec, 0) + 1
                continue
            group = groups.get(rec, seg.group)
            end = start + seg.duration_s
            rows.append(
                (f"{rec}:control:{k}", rec, seg.label, group, "", start, end, seg.duration_s)
            )
    controls = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
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


# ---------------------------------------------------------------------------
# splits
# ---------------------------------------------------------------------------


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    fr = np.asarray(fractions, dtype=float)
    if fr.shape != (3,) or np.any(fr < 0) or not np.isclose(fr.sum(), 1.0, atol=1e-6):
        raise MotivicError(
            f"split.fractions={list(fractions)} must be three non-negative numbers "
            "(train, val, test) summing to 1"
        )
    return fr


def _allocate(n: int, fractions: np.ndarray) -> np.ndarray:
    """Split ``n`` items by ``fractions``.

    One item goes to each positive fraction, the rest by largest remainder.
    """
    base = (fractions > 0).astype(int)
    rest = n - base.sum()
    if rest <= 0:
        return base
    target = np.clip(n * fractions - base, 0.0, None)
    if target.sum() <= 0:  # every split already at its share: the rest follows the fractions
        target = fractions.astype(float)
    share = target / target.sum() * rest
    counts = np.floor(share).astype(int)
    order = np.argsort(-(share - counts), kind="mergesort")
    counts[order[: rest - counts.sum()]] += 1
    return base + counts


def _random_splits(
    labels: pd.Series, fractions: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    need = int((fractions > 0).sum())
    out = np.empty(len(labels), dtype=object)
    for label in sorted(labels.unique()):
        pos = np.flatnonzero(labels.to_numpy() == label)
        if len(pos) < need:
            raise MotivicError(
                f"assign_splits(strategy='random'): label {label!r} has {len(pos)} segment(s); "
                f"need >= {need} to put one in each split with fractions {fractions.tolist()}"
            )
        counts = _allocate(len(pos), fractions)
        pos = rng.permutation(pos)
        out[pos] = np.repeat(np.array(SPLIT_NAMES, dtype=object), counts)
    return out


def _group_splits(
    labels: pd.Series,
    keys: pd.Series,
    fractions: np.ndarray,
    rng: np.random.Generator,
    group_column: str,
    small_labels: str = "error",
) -> np.ndarray:
    sizes = pd.crosstab(keys, labels)  # groups x labels, sorted both ways
    owner = sizes.idxmax(axis=1)  # a group spanning labels follows its majority label
    n_mixed = int(((sizes > 0).sum(axis=1) > 1).sum())
    if n_mixed:
        logger.info(
            "%d %s group(s) span several labels; each follows its majority", n_mixed, group_column
        )
    need = int((fractions > 0).sum())
    split_of_group: dict = {}
    for label in sorted(owner.unique()):
        grp = owner.index[owner == label].to_numpy()
        if len(grp) < need and small_labels == "exclude":
            logger.warning(
                "label %r has %d %s group(s), fewer than the %d splits: its segments are excluded",
                label, len(grp), group_column, need,
            )
            split_of_group.update({g: EXCLUDED for g in grp})
            continue
        if len(grp) < need:
            raise MotivicError(
                f"assign_splits(strategy='group'): label {label!r} has {len(grp)} {group_column} "
                f"group(s) ({int(sizes.loc[grp].to_numpy().sum())} segments); need >= {need} to "
                "put one in each split; use strategy='random' or a finer group_column"
            )
        grp = grp[rng.permutation(len(grp))]
        n_grp = sizes.loc[grp].sum(axis=1).to_numpy()
        target = fractions * n_grp.sum()
        filled = np.zeros(3)
        n_groups = np.zeros(3, dtype=int)
        for i, (g, n) in enumerate(zip(grp, n_grp)):
            empty = np.flatnonzero((n_groups == 0) & (fractions > 0))
            if len(empty) == len(grp) - i:  # just enough groups left for the empty splits
                s = int(empty[0])
            else:
                deficit = np.where(fractions > 0, target - filled, -np.inf)
                s = int(np.argmax(deficit))
            split_of_group[g] = SPLIT_NAMES[s]
            filled[s] += n
            n_groups[s] += 1
    return keys.map(split_of_group).to_numpy(dtype=object)


def assign_splits(
    segments: pd.DataFrame,
    *,
    strategy: str = "random",
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    seed: int = 0,
    group_column: str = "recording",
    small_labels: str = "error",
) -> pd.Series:
    """Assign each segment to ``train``, ``val`` or ``test``.

    ``random`` (the paper): within each label, segments are shuffled and cut by
    ``fractions`` (largest-remainder rounding, at least one segment per split
    with a positive fraction). ``group``: every segment sharing a value of
    ``group_column`` goes to one split. Within each label the groups are
    shuffled and each is given to the split furthest below its target segment
    count; the last groups fill any split still empty. A group whose segments
    carry several labels follows its majority label.

    Parameters
    ----------
    segments : pd.DataFrame
        Table with a ``label`` column (and ``group_column`` for ``group``).
    strategy : {"random", "group"}
        Splitting strategy.
    fractions : sequence of 3 floats >= 0 summing to 1
        Train, validation and test shares.
    seed : int
        Seed of the shuffles; the same inputs and seed give the same splits.
    group_column : str
        Column holding the group key for ``strategy="group"``.
    small_labels : {"error", "exclude"}
        What to do, with ``strategy="group"``, with a label that has fewer groups
        than splits to fill: stop with an error, or mark its segments
        ``"excluded"`` (logged) so the experiment runs on the other labels.

    Returns
    -------
    split : pd.Series [dtype=object]
        ``"train"``, ``"val"``, ``"test"`` (or ``"excluded"``), indexed like
        ``segments``, named ``split``.

    Raises
    ------
    MotivicError
        On an unknown strategy, bad fractions, a missing column, or a label with
        fewer segments (``random``) or groups (``group``) than splits to fill.
    """
    fr = _check_fractions(fractions)
    rng = np.random.default_rng(seed)
    _require_columns(segments, ["label"], "segments table")
    labels = segments["label"].astype(str).reset_index(drop=True)
    if strategy == "random":
        values = _random_splits(labels, fr, rng)
    elif strategy == "group":
        _require_columns(segments, [group_column], "segments table")
        keys = segments[group_column].astype(str).reset_index(drop=True)
        if small_labels not in ("error", "exclude"):
            raise MotivicError(f"small_labels={small_labels!r} must be 'error' or 'exclude'")
        values = _group_splits(labels, keys, fr, rng, group_column, small_labels)
    else:
        raise MotivicError(f"split strategy={strategy!r} must be 'random' or 'group'")
    split = pd.Series(values, index=segments.index, name="split", dtype=object)
    logger.info("split %s: %s", strategy, split.value_counts().to_dict())
    return split


def write_split(segments: pd.DataFrame, split: pd.Series, path: str | os.PathLike) -> None:
    """Write a ``segment_id<TAB>split`` TSV, atomically.

    Parameters
    ----------
    segments : pd.DataFrame
        Table with a unique ``segment_id`` column.
    split : pd.Series
        Output of :func:`assign_splits`, indexed like ``segments``.
    path : str or path-like
        Destination TSV.

    Raises
    ------
    MotivicError
        If ids repeat, the indexes differ, or a value is not a split name.
    """
    _require_columns(segments, ["segment_id"], "segments table")
    if not split.index.equals(segments.index):
        raise MotivicError("split must be indexed like segments (use assign_splits(segments))")
    if segments["segment_id"].duplicated().any():
        dup = segments["segment_id"][segments["segment_id"].duplicated()].iloc[0]
        raise MotivicError(f"segment_id {dup!r} occurs more than once")
    bad = sorted(set(split) - set(SPLIT_NAMES) - {EXCLUDED})
    if bad:
        raise MotivicError(f"split values {bad} must be one of {list(SPLIT_NAMES)}")
    table = pd.DataFrame(
        {"segment_id": segments["segment_id"].astype(str), "split": split.to_numpy()}
    )
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)


def load_split(path: str | os.PathLike) -> pd.Series:
    """Read a split TSV written by :func:`write_split`.

    Returns
    -------
    split : pd.Series [dtype=object]
        Split name indexed by ``segment_id`` (use ``segments.segment_id.map(split)``).

    Raises
    ------
    MotivicError
        If the columns are not ``segment_id, split``, ids repeat or a value is
        not a split name.
    """
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if list(table.columns) != ["segment_id", "split"]:
        raise MotivicError(f"{path}: columns {list(table.columns)} must be ['segment_id', 'split']")
    if table["segment_id"].duplicated().any():
        dup = table["segment_id"][table["segment_id"].duplicated()].iloc[0]
        raise MotivicError(f"{path}: segment_id {dup!r} occurs more than once")
    bad = sorted(set(table["split"]) - set(SPLIT_NAMES) - {EXCLUDED})
    if bad:
        raise MotivicError(f"{path}: split values {bad} must be one of {list(SPLIT_NAMES)}")
    index = pd.Index(table["segment_id"], name="segment_id")
    return pd.Series(table["split"].to_numpy(dtype=object), index=index, name="split")
