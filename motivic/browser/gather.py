"""What the motif browser shows, gathered from the workflow's tables and tracks (pure functions).

Everything here takes loaded tables and arrays and returns frozen dataclasses; the workflow
script reads the files, and :mod:`motivic.browser.page` turns a :class:`BrowserData` into HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from motivic.contour import Phrase, hz_to_cents
from motivic.core.errors import MotivicError
from motivic.pitch.track import PitchTrack

__all__ = [
    "MOTIF_FIELDS",
    "BrowserData",
    "BrowserOptions",
    "Contour",
    "MotifView",
    "Snippet",
    "TimelineView",
    "decimate",
    "gather_browser",
    "motif_accuracy",
    "needed_recordings",
    "occurrence_contour",
    "plan_snippets",
    "shown_motifs",
    "spread_occurrences",
    "timeline_recordings",
]

#: Dictionary columns shown per motif when the dictionary has them ("–" otherwise).
MOTIF_FIELDS = ("kind", "median_duration_s", "step_rate_hz", "coherence")
_CONTOUR_POINTS = 150  # points per overlaid occurrence contour at most


@dataclass(frozen=True)
class BrowserOptions:
    """The caps of the ``browser:`` config section that shape the page (config.yaml).

    Attributes
    ----------
    motifs_per_class : int >= 1
        Best-ranked distinctive motifs shown per class.
    occurrences_per_motif : int >= 1
        Occurrence contours overlaid per motif.
    snippets_per_motif : int >= 0
        Audio players per motif.
    snippet_context_s : float >= 0
        Audio kept before and after an occurrence.
    snippet_sr : int >= 8000
        Sampling rate of the snippets, in Hz.
    recordings_per_class : int >= 0
        Recordings drawn as timelines per class.
    timeline_points : int >= 100
        f0 points per timeline at most.
    """

    motifs_per_class: int = 12
    occurrences_per_motif: int = 12
    snippets_per_motif: int = 3
    snippet_context_s: float = 0.25
    snippet_sr: int = 22050
    recordings_per_class: int = 4
    timeline_points: int = 1500

    @classmethod
    def from_dict(cls, options: Mapping) -> BrowserOptions:
        """Build from a config slice; unknown keys and values below the bounds raise MotivicError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise MotivicError(f"browser: unknown keys {unknown}; known: {sorted(known)}")
        built = cls(**options)
        bounds = {
            "motifs_per_class": 1,
            "occurrences_per_motif": 1,
            "snippets_per_motif": 0,
            "snippet_context_s": 0,
            "snippet_sr": 8000,
            "recordings_per_class": 0,
            "timeline_points": 100,
        }
        for name, low in bounds.items():
            if not getattr(built, name) >= low:
                raise MotivicError(f"browser.{name}={getattr(built, name)!r} must be >= {low}")
        return built


@dataclass(frozen=True)
class Contour:
    """One occurrence's pitch contour, for an overlay.

    Attributes
    ----------
    recording : str
    times_s : np.ndarray [shape=(n,)]
        Seconds from the occurrence's start.
    cents : np.ndarray [shape=(n,)]
        Pitch in cents relative to the occurrence's own median; ``nan`` where unvoiced.
    """

    recording: str
    times_s: np.ndarray
    cents: np.ndarray


@dataclass(frozen=True)
class Snippet:
    """An audio snippet of one occurrence, written beside the page.

    Attributes
    ----------
    file : str
        Path relative to the page (``audio/<motif>_<k>.wav``).
    recording : str
    start_s, end_s : float
        Span cut from the recording (the occurrence with context, clipped at 0).
    occurrence_start_s, occurrence_end_s : float
        The occurrence itself.
    """

    file: str
    recording: str
    start_s: float
    end_s: float
    occurrence_start_s: float
    occurrence_end_s: float


@dataclass(frozen=True)
class MotifView:
    """One row of the browser's motif table: a distinctive motif of one class."""

    motif_id: str
    pattern: str
    label: str
    rank: int
    recordings_in_class: int
    class_recordings: int
    n_recordings: int
    n_occurrences: int
    log_odds: float
    se: float
    z: float
    fields: Mapping[str, object]  # MOTIF_FIELDS -> value, None when absent
    contours: tuple[Contour, ...]
    snippets: tuple[Snippet, ...]
    accuracy: Mapping[str, tuple[float, int]]  # model -> (accuracy, test segments)


@dataclass(frozen=True)
class TimelineView:
    """One recording's timeline: f0, steps and motif occurrences.

    Attributes
    ----------
    times_s, cents : np.ndarray [shape=(n,)]
        The (decimated) f0 track in cents re 55 Hz, ``nan`` where unvoiced.
    steps : np.ndarray [shape=(n_steps, 3)]
        ``start_s, end_s, level_cents`` of every step of every phrase.
    occurrences : tuple of (str, float, float)
        ``(motif_id, start_s, end_s)`` of every occurrence of a shown motif.
    """

    recording: str
    label: str
    duration_s: float
    times_s: np.ndarray
    cents: np.ndarray
    steps: np.ndarray
    occurrences: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class BrowserData:
    """Everything the page shows."""

    title: str
    classes: tuple[str, ...]
    kinds: tuple[str, ...]
    models: tuple[str, ...]
    motifs: tuple[MotifView, ...]
    timelines: tuple[TimelineView, ...]
    n_recordings: int
    n_motifs: int
    accuracy_split: str | None = None


def shown_motifs(
    distinctive: pd.DataFrame,
    dictionary: pd.DataFrame,
    *,
    motifs_per_class: int,
    coherence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``motifs_per_class`` best-ranked motifs of each class, with their dictionary row.

    Parameters
    ----------
    distinctive : pandas.DataFrame
        ``results/motifs/distinctive.tsv`` (:func:`motivic.mining.distinctive.distinctive_motifs`).
    dictionary : pandas.DataFrame
        ``results/motifs/dictionary.tsv``; its columns ``n_recordings``, ``n_occurrences`` and
        whichever of :data:`MOTIF_FIELDS` it has are joined on ``motif_id``.
    motifs_per_class : int >= 1
    coherence : pandas.DataFrame or None
        ``results/motifs/coherence.tsv`` (:func:`motivic.mining.motif_coherence`): its
        ``coherence`` column, joined on ``motif_id``, replaces the dictionary's if any.

    Returns
    -------
    shown : pandas.DataFrame
        The kept rows of ``distinctive`` in class then rank order, plus the dictionary
        columns; a :data:`MOTIF_FIELDS` column the dictionary lacks is all ``None``.
    """
    if motifs_per_class < 1:
        raise MotivicError(f"browser.motifs_per_class={motifs_per_class!r} must be >= 1")
    kept = distinctive.sort_values(["label", "rank"], kind="mergesort")
    kept = kept.groupby("label", sort=True).head(motifs_per_class)
    if coherence is not None:
        scores = coherence.set_index("motif_id")["coherence"]
        dictionary = dictionary.assign(coherence=dictionary["motif_id"].map(scores))
    columns = ["motif_id", "n_recordings", "n_occurrences"] + [
        c for c in MOTIF_FIELDS if c in dictionary.columns
    ]
    shown = kept.merge(dictionary[columns], on="motif_id", how="left", validate="many_to_one")
    for column in MOTIF_FIELDS:
        if column not in shown.columns:
            shown[column] = None
    return shown.reset_index(drop=True)


def spread_occurrences(occurrences: pd.DataFrame, *, n: int) -> pd.DataFrame:
    """Up to ``n`` occurrences taken in turn from each recording (the first of each, then the second...).

    Parameters
    ----------
    occurrences : pandas.DataFrame
        Occurrences of one motif, columns ``recording`` and ``start_s``.
    n : int >= 0

    Returns
    -------
    picked : pandas.DataFrame
        At most ``n`` rows: as many recordings as possible, recordings in sorted order and
        each recording's occurrences in time order.
    """
    ordered = occurrences.sort_values(["recording", "start_s"], kind="mergesort")
    turn = ordered.groupby("recording", sort=False).cumcount()
    ordered = ordered.assign(_turn=turn.to_numpy())
    picked = ordered.sort_values(["_turn", "recording"], kind="mergesort").head(max(int(n), 0))
    return picked.drop(columns="_turn")


def decimate(times_s, values, *, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``k``-th sample, with ``k`` the smallest step leaving at most ``max_points``."""
    times_s = np.asarray(times_s, dtype=float)
    values = np.asarray(values, dtype=float)
    if max_points < 1:
        raise MotivicError(f"max_points={max_points!r} must be >= 1")
    step = max(1, math.ceil(times_s.size / max_points))
    return times_s[::step], values[::step]


def occurrence_contour(
    track: PitchTrack,
    start_s: float,
    end_s: float,
    *,
    recording: str = "",
    max_points: int = _CONTOUR_POINTS,
) -> Contour:
    """The pitch of ``track`` between ``start_s`` and ``end_s``, in cents around its median.

    Each occurrence is centred on its own median (voiced frames), so occurrences sung at
    different heights overlay; the times count from ``start_s``. An occurrence without a
    voiced frame gives an all-``nan`` contour.
    """
    inside = (track.times_s >= start_s) & (track.times_s <= end_s)
    cents = hz_to_cents(track.f0_hz[inside])
    if np.isfinite(cents).any():
        cents = cents - np.nanmedian(cents)
    times, cents = decimate(track.times_s[inside] - start_s, cents, max_points=max_points)
    return Contour(recording, times, cents)


def plan_snippets(
    picked: pd.DataFrame, *, motif_id: str, n: int, context_s: float
) -> tuple[Snippet, ...]:
    """Snippets of the first ``n`` rows of ``picked`` (``recording``, ``start_s``, ``end_s``).

    File names are ``audio/<motif_id>_<k>.wav``; each span adds ``context_s`` on both sides,
    clipped at 0 (cutting clips the end at the recording's length).
    """
    if context_s < 0:
        raise MotivicError(f"browser.snippet_context_s={context_s!r} must be >= 0")
    return tuple(
        Snippet(
            file=f"audio/{motif_id}_{k}.wav",
            recording=str(row.recording),
            start_s=max(0.0, float(row.start_s) - context_s),
            end_s=float(row.end_s) + context_s,
            occurrence_start_s=float(row.start_s),
            occurrence_end_s=float(row.end_s),
        )
        for k, row in enumerate(picked.head(max(int(n), 0)).itertuples(index=False))
    )


def motif_accuracy(predictions: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Test accuracy of each model on each motif's segments, pooled over its runs.

    Parameters
    ----------
    predictions : sequence of (str, pandas.DataFrame)
        ``(model, predictions.tsv)`` of every run (fold × seed); the tables need the columns
        ``motif_id``, ``label`` and ``predicted``.

    Returns
    -------
    accuracy : pandas.DataFrame
        Columns ``model``, ``motif_id``, ``accuracy`` (share of the motif's test segments
        predicted right) and ``n`` (those segments, over all runs).
    """
    frames = []
    for model, table in predictions:
        missing = [c for c in ("motif_id", "label", "predicted") if c not in table.columns]
        if missing:
            raise MotivicError(f"predictions of model {model!r}: missing columns {missing}")
        frames.append(
            table[["motif_id"]].assign(
                model=model, correct=(table["label"] == table["predicted"]).to_numpy()
            )
        )
    if not frames:
        return pd.DataFrame(columns=["model", "motif_id", "accuracy", "n"])
    pooled = pd.concat(frames, ignore_index=True)
    grouped = pooled.groupby(["model", "motif_id"], sort=True)["correct"]
    return grouped.agg(accuracy="mean", n="size").reset_index()


def timeline_recordings(
    occurrences: pd.DataFrame, labels: Mapping[str, str], motif_ids, *, per_class: int
) -> list[str]:
    """Per class, the ``per_class`` recordings with the most occurrences of ``motif_ids``.

    Ties go to the recording id in sorted order; recordings without such an occurrence
    are not drawn. Returned by class, then by decreasing count.
    """
    shown = occurrences[occurrences["motif_id"].isin(set(motif_ids))]
    counts = shown.groupby("recording").size()
    table = pd.DataFrame({"recording": counts.index, "count": counts.to_numpy()})
    table["label"] = table["recording"].map(labels)
    table = table.sort_values(["label", "count", "recording"], ascending=[True, False, True])
    return list(table.groupby("label", sort=True).head(max(int(per_class), 0))["recording"])


def needed_recordings(
    shown: pd.DataFrame,
    occurrences: pd.DataFrame,
    labels: Mapping[str, str],
    *,
    options: BrowserOptions,
) -> set[str]:
    """Recordings whose f0 track or contour :func:`gather_browser` reads with these ``options``."""
    picked = [
        spread_occurrences(grp, n=options.occurrences_per_motif)["recording"]
        for _, grp in occurrences[occurrences["motif_id"].isin(set(shown["motif_id"]))].groupby(
            "motif_id"
        )
    ]
    timelines = timeline_recordings(
        occurrences, labels, shown["motif_id"], per_class=options.recordings_per_class
    )
    return {str(r) for series in picked for r in series} | set(timelines)


def _field(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def gather_browser(
    shown: pd.DataFrame,
    occurrences: pd.DataFrame,
    labels: Mapping[str, str],
    tracks: Mapping[str, PitchTrack],
    phrases: Mapping[str, Sequence[Phrase]],
    *,
    options: BrowserOptions,
    accuracy: pd.DataFrame | None = None,
    accuracy_split: str | None = None,
    n_motifs: int = 0,
    title: str = "Motif browser",
) -> BrowserData:
    """Assemble the page's content.

    Parameters
    ----------
    shown : pandas.DataFrame
        :func:`shown_motifs`.
    occurrences : pandas.DataFrame
        ``results/motifs/occurrences.tsv``.
    labels : mapping of str to str
        Class of every recording of the corpus.
    tracks : mapping of str to PitchTrack
        f0 track of (at least) every recording with an occurrence of a shown motif.
    phrases : mapping of str to sequence of Phrase
        Simplified contour of (at least) the recordings drawn as timelines.
    options : BrowserOptions
        The ``browser:`` caps (config.yaml).
    accuracy : pandas.DataFrame or None
        :func:`motif_accuracy`, or None without trained models.
    accuracy_split : str or None
        The split strategy behind ``accuracy`` (shown on the page).
    n_motifs : int
        Size of the whole dictionary (shown on the page).
    """
    by_motif = {m: grp for m, grp in occurrences.groupby("motif_id", sort=False)}
    acc = {} if accuracy is None else {m: g for m, g in accuracy.groupby("motif_id", sort=False)}
    views = []
    for row in shown.itertuples(index=False):
        occ = by_motif.get(row.motif_id, occurrences.iloc[:0])
        picked = spread_occurrences(occ, n=options.occurrences_per_motif)
        contours = tuple(
            occurrence_contour(tracks[r.recording], r.start_s, r.end_s, recording=r.recording)
            for r in picked.itertuples(index=False)
        )
        scores = acc.get(row.motif_id, pd.DataFrame(columns=["model", "accuracy", "n"]))
        views.append(
            MotifView(
                motif_id=row.motif_id,
                pattern=str(row.pattern),
                label=str(row.label),
                rank=int(row.rank),
                recordings_in_class=int(row.recordings_in_class),
                class_recordings=int(row.class_recordings),
                n_recordings=int(row.n_recordings),
                n_occurrences=int(row.n_occurrences),
                log_odds=float(row.log_odds),
                se=float(row.se),
                z=float(row.z),
                fields={f: _field(getattr(row, f)) for f in MOTIF_FIELDS},
                contours=contours,
                snippets=plan_snippets(
                    picked,
                    motif_id=row.motif_id,
                    n=options.snippets_per_motif,
                    context_s=options.snippet_context_s,
                ),
                accuracy={
                    str(s.model): (float(s.accuracy), int(s.n))
                    for s in scores.itertuples(index=False)
                },
            )
        )
    shown_ids = set(shown["motif_id"])
    timelines = tuple(
        _timeline(
            rec,
            labels[rec],
            tracks[rec],
            phrases.get(rec, ()),
            occurrences,
            shown_ids,
            options.timeline_points,
        )
        for rec in timeline_recordings(
            occurrences, labels, shown_ids, per_class=options.recordings_per_class
        )
    )
    kinds = sorted({str(v.fields["kind"]) for v in views if v.fields["kind"] is not None})
    models = sorted({m for v in views for m in v.accuracy})
    return BrowserData(
        title=title,
        classes=tuple(sorted(set(map(str, labels.values())))),
        kinds=tuple(kinds),
        models=tuple(models),
        motifs=tuple(views),
        timelines=timelines,
        n_recordings=len(labels),
        n_motifs=int(n_motifs),
        accuracy_split=accuracy_split,
    )


def _timeline(recording, label, track, phrases, occurrences, shown_ids, max_points) -> TimelineView:
    times, cents = decimate(track.times_s, hz_to_cents(track.f0_hz), max_points=max_points)
    steps = [p.steps[:, :3] for p in phrases]
    occ = occurrences[
        (occurrences["recording"] == recording) & occurrences["motif_id"].isin(shown_ids)
    ]
    return TimelineView(
        recording=recording,
        label=str(label),
        duration_s=float(track.times_s[-1]) if track.times_s.size else 0.0,
        times_s=times,
        cents=cents,
        steps=np.concatenate(steps) if steps else np.empty((0, 3)),
        occurrences=tuple(
            (str(r.motif_id), float(r.start_s), float(r.end_s)) for r in occ.itertuples(index=False)
        ),
    )
