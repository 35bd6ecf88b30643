"""Clip corpora: collections of pre-extracted motif clips.

Some authors publish motif clips rather than recordings — the flamenco motif
collection of Arronte Alvarez & Gómez is laid out as
``<singer>/<recording>_<contour pattern>_<id>.wav``. For such a corpus the
workflow skips pitch and mining: every clip is one segment of the motivic
dataset, its recording is parsed from the file name, and the label comes from
a parsed field (``singer``, ``recording``) or a column of an optional metadata
CSV (for example ``style``).

Published clip collections hold exact duplicates (the flamenco one has 11,158
files but 5,405 distinct contents, some filed under two singers), file-name
artefacts and nested cuts of one passage. :func:`validate_clips` takes the
release as it is: every clip is hashed on its decoded samples (the same audio
in two files is found whatever the container) and ``corpus.duplicates`` decides
what happens to copies; copies filed under different labels, recordings or
singers are excluded (``<column>_conflict``); names are read leniently where
unambiguous (``name_artefact``) and otherwise excluded (``bad_layout``); clips
shorter than ``corpus.clip_min_duration_s`` are excluded (``short_clip``).
:func:`clip_passages` clusters clips that share audio (nested or overlapping
cuts, copies; :mod:`motivic.corpus.passages`), and every split keeps a passage
on one side (:func:`motivic.splits.units.merge_units`), except the clip-level
strategies of :data:`CLIP_LEVEL_STRATEGIES`, which the workflow refuses unless
``split.allow_clip_random`` asks for them (:func:`check_clip_splits`).

Every clip carries the motif kind of its published pattern (:func:`clip_kind`,
:mod:`motivic.mining.kinds`), and :func:`keep_clip_kinds` keeps the clips of the
kinds ``segments.motif_kinds`` asks for, as ``select_segments`` does with the
occurrences of mined motifs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from motivic.contour.clip_patterns import parse_contour_pattern
from motivic.core.audio import load_audio
from motivic.core.errors import MotivicError
from motivic.corpus.passages import passage_clusters
from motivic.corpus.recordings import recording_id
from motivic.corpus.validation import REPORT_COLUMNS, STATUSES, validate_corpus
from motivic.corpus.validation.files import _SEVERITY
from motivic.mining.kinds import KINDS, motif_kind

__all__ = [
    "AUDIO_SUFFIXES",
    "CLIP_LEVEL_STRATEGIES",
    "CONFLICT_COLUMNS",
    "KIND_COUNT_COLUMNS",
    "check_clip_splits",
    "clip_kind",
    "clip_passages",
    "clip_segments",
    "finding_counts",
    "keep_clip_kinds",
    "scan_clips",
    "validate_clips",
]

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
#: Split strategies whose units are single clips or identical contents: nested cuts of one passage
#: (and, for ``random_clips``, copies) may straddle train and test. Refused in clips mode unless
#: ``split.allow_clip_random`` asks for them (to reproduce a published protocol).
CLIP_LEVEL_STRATEGIES = ("random_clips", "random_contents")
#: Columns of :func:`keep_clip_kinds`' count table.
KIND_COUNT_COLUMNS = ["kind", "label", "kept", "n_clips", "n_recordings"]
#: Columns whose values the copies of one content must agree on (:func:`validate_clips`).
CONFLICT_COLUMNS = ("label", "recording", "singer")
_CLIP_NAME = re.compile(
    r"^(?P<recording>[^_]+)_(?:(?P<word>[A-Za-z][A-Za-z0-9.]*)_)?(?P<pattern>-?[0-9-]+)_(?P<clip_id>.+)$"
)
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,4}$")  # 'D0011.txt': a file name leaked into an id


def _parse_name(rel: str, n_parts: int, stem: str) -> dict:
    """Recording and pattern of one clip name, or why it cannot be read.

    Returns a dict with ``recording``, ``pattern``, ``name_check`` (``""``,
    ``name_artefact`` or ``bad_layout``) and ``name_note``.
    """
    match = _CLIP_NAME.match(stem) if n_parts == 2 else None
    if match is None:
        where = (
            "not in a <singer>/ folder" if n_parts != 2 else "name not <recording>_<pattern>_<id>"
        )
        return {
            "recording": "",
            "pattern": "",
            "name_check": "bad_layout",
            "name_note": f"{where}: the file does not follow <singer>/<recording>_<pattern>_<id>.<ext> "
            "and its recording cannot be read; excluded",
        }
    recording, word = match["recording"], match["word"] or ""
    leaked = [part for part in (recording, word) if _FILE_SUFFIX.search(part)]
    clean = _FILE_SUFFIX.sub("", recording)
    if leaked and not clean:
        return {
            "recording": "",
            "pattern": "",
            "name_check": "bad_layout",
            "name_note": f"recording id {recording!r} is a bare file-name suffix; excluded",
        }
    note = ""
    if leaked:
        note = (
            f"file-name artefact {'_'.join(p for p in (recording, word) if p)!r} in the published "
            f"name; recording read as {clean!r}"
        )
    return {
        "recording": clean,
        "pattern": match["pattern"],
        "name_check": "name_artefact" if leaked else "",
        "name_note": note,
    }


def scan_clips(
    root: str | Path, *, label: str = "singer", metadata: str | Path | None = None
) -> pd.DataFrame:
    """List the clips under ``root`` (``<singer>/<recording>_<pattern>_<id>.<ext>``), as published.

    Names are read leniently where that is unambiguous: a file name leaked into
    the recording id (``TP/D0011_intervals.txt_-1-11-11-1_<id>.wav`` or
    ``D0011.txt_…``) gives recording ``D0011`` and the finding
    ``name_artefact``. A file whose recording cannot be read (not in a singer
    folder, no ``<recording>_<pattern>_<id>`` stem) is listed with
    ``name_check`` ``bad_layout``: :func:`validate_clips` excludes it, and the
    run goes on with the others.

    Parameters
    ----------
    root : path
        Directory of the clip corpus.
    label : str
        Field used as class label: ``singer``, ``recording``, or a column of ``metadata``.
    metadata : path or None
        Optional CSV with a ``path`` column (relative to ``root``) and extra columns.

    Returns
    -------
    clips : pandas.DataFrame
        Columns ``path`` (relative), ``clip`` (safe id), ``singer``, ``recording``,
        ``pattern``, ``label``, ``name_check``, ``name_note``, sorted by path.
        A clip without a label gets ``""`` (validation excludes it as ``bad_label``).

    Raises
    ------
    MotivicError
        If ``root`` holds no clip whose name can be read, or ``label`` names no field.
    """
    root = Path(root)
    if not root.is_dir():
        raise MotivicError(f"clip corpus {root} is not a directory")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    rows = []
    for path in files:
        rel = path.relative_to(root)
        parsed = _parse_name(rel.as_posix(), len(rel.parts), path.stem)
        singer = path.parent.name if len(rel.parts) == 2 else ""
        rows.append(
            {
                "path": rel.as_posix(),
                "clip": recording_id(rel.as_posix()),
                "singer": singer,
                **parsed,
            }
        )
    clips = pd.DataFrame(
        rows, columns=["path", "clip", "singer", "recording", "pattern", "name_check", "name_note"]
    )
    readable = clips["name_check"] != "bad_layout"
    if not readable.any():
        raise MotivicError(
            f"clip corpus {root}: no audio clip ({', '.join(AUDIO_SUFFIXES)}) laid out as "
            f"<singer>/<recording>_<pattern>_<id>.<ext>"
            + (
                f" ({len(clips)} file(s) in another layout, e.g. {clips['path'].head(3).tolist()})"
                if len(clips)
                else ""
            )
        )
    for row in clips[clips["name_check"] != ""].itertuples(index=False):
        logger.warning("%s: %s", row.path, row.name_note)
    if metadata is not None:
        extra = pd.read_csv(metadata, dtype=str, keep_default_na=False)
        if "path" not in extra.columns:
            raise MotivicError(f"clip metadata {metadata}: needs a path column")
        extra = extra.drop(
            columns=[c for c in ("singer", "recording", "pattern", "clip") if c in extra]
        )
        clips = clips.merge(extra, on="path", how="left")
    if label not in clips.columns or label in ("path", "clip", "name_check", "name_note"):
        raise MotivicError(
            f"corpus.label={label!r} is neither a parsed field (singer, recording) nor a metadata column; "
            f"available: {sorted(set(clips.columns) - {'path', 'clip', 'name_check', 'name_note'})}"
        )
    clips["label"] = clips[label].astype(object).fillna("").astype(str)
    return clips.sort_values("path", ignore_index=True)


def check_clip_splits(mode: str, split_cfg: Mapping) -> None:
    """Refuse the clip-level split strategies unless ``split.allow_clip_random`` asks for them.

    Parameters
    ----------
    mode : str
        ``corpus.mode``.
    split_cfg : mapping
        The ``split`` section (``strategies``, ``allow_clip_random``).

    Raises
    ------
    MotivicError
        When a strategy of :data:`CLIP_LEVEL_STRATEGIES` is asked for outside clips
        mode, or in clips mode without ``split.allow_clip_random: true``.
    """
    asked = [s for s in split_cfg.get("strategies", []) if s in CLIP_LEVEL_STRATEGIES]
    if not asked:
        return
    if mode != "clips":
        raise MotivicError(
            f"split.strategies {asked}: clip-level strategies need corpus.mode clips "
            "(they split clip files and contents, not recordings)"
        )
    if not split_cfg.get("allow_clip_random", False):
        raise MotivicError(
            f"split.strategies {asked} split single clips (or identical contents): nested cuts of one "
            "passage, and for random_clips copies of one clip, then fall into training and test, and "
            "the score measures recognised audio. Use random (over passages) or a grouped strategy; "
            "set split.allow_clip_random: true only to reproduce a published clip-level protocol "
            "(config/authors-protocol.yaml)"
        )
    logger.warning(
        "split.allow_clip_random: %s split single clips or contents; their rows are labelled as such",
        asked,
    )


def _add_finding(report: pd.DataFrame, index, status: str, code: str, text: str) -> None:
    """Add one finding to a report row (the worst status wins; the code and text come first)."""
    if _SEVERITY[status] > _SEVERITY[report.at[index, "status"]]:
        report.at[index, "status"] = status
    codes = [c for c in str(report.at[index, "check"]).split(",") if c and c != "ok"]
    report.at[index, "check"] = ",".join([code, *codes])
    path, _, rest = str(report.at[index, "message"]).partition(": ")
    report.at[index, "message"] = f"{path}: {text}; {rest}" if rest else f"{path}: {text}"


def _mark_conflicts(report: pd.DataFrame, values: pd.DataFrame, columns: Sequence[str]) -> None:
    """Exclude every copy of a content filed under different values of ``columns``."""
    hashed = report.index[(report["sha1"] != "") & ~report["check"].str.contains("decode_failed")]
    for _, members in report.loc[hashed].groupby("sha1", sort=False):
        if len(members) < 2:
            continue
        for column in columns:
            seen = values.loc[members.index, column].astype(str)
            if seen.nunique() < 2:
                continue
            where = ", ".join(f"{report.at[i, 'path']} ({seen[i]})" for i in members.index)
            for i in members.index:
                _add_finding(
                    report,
                    i,
                    "error",
                    f"{column}_conflict",
                    f"identical audio filed under different {column} values: {where}; every copy "
                    "excluded (which one is right cannot be told)",
                )


def validate_clips(
    clips: pd.DataFrame,
    *,
    audio_root: str | Path,
    duplicates: str = "keep-first",
    min_duration_s: float = 0.0,
    max_duration_s: float | None = 60.0,
    clip_min_duration_s: float = 0.5,
    n_threads: int = 1,
    progress=None,
) -> pd.DataFrame:
    """Validate a clip corpus as published: audio, names, copies, conflicts, length.

    Every clip goes through :func:`motivic.corpus.validation.validate_corpus`
    (decoded-content hash, ``duplicates`` policy), then:

    - ``name_artefact`` (warning): the recording id was read past a file-name
      artefact (:func:`scan_clips`);
    - ``bad_layout`` (error): the name cannot be read, the file is excluded;
    - ``<column>_conflict`` (error), for ``column`` in :data:`CONFLICT_COLUMNS`:
      identical contents filed under different labels, recordings or singers;
      every copy is excluded, whatever ``duplicates`` says;
    - ``short_clip`` (error): shorter than ``clip_min_duration_s`` (the paper
      keeps motifs of at least 0.5 s). The clip is still decoded and hashed, so
      it takes part in the copy and conflict checks and in the passages.

    Parameters
    ----------
    clips : pandas.DataFrame
        From :func:`scan_clips`.
    audio_root : path
        The clip corpus.
    duplicates : {"keep-first", "drop", "error", "keep"}
        See :func:`motivic.corpus.validation.validate_corpus`.
    min_duration_s, max_duration_s : float
        Hard limits of the audio check (no decode outside them).
    clip_min_duration_s : float >= 0
        Shortest clip used.
    n_threads : int
    progress : callable or None

    Returns
    -------
    report : pandas.DataFrame
        :data:`~motivic.corpus.validation.REPORT_COLUMNS`, one row per file of
        ``clips`` in its order, with ``recording`` = the clip id (``clips["clip"]``).
    """
    if not clip_min_duration_s >= 0:
        raise MotivicError(f"corpus.clip_min_duration_s={clip_min_duration_s} must be >= 0")
    clips = clips.reset_index(drop=True)
    readable = clips["name_check"] != "bad_layout"
    sheet = clips[readable].rename(columns={"recording": "group", "clip": "recording"})
    checked = validate_corpus(
        sheet[["recording", "path", "label", "group"]],
        audio_root=audio_root,
        duplicates=duplicates,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        n_threads=n_threads,
        progress=progress,
    )
    checked.index = sheet.index
    report = pd.DataFrame(index=clips.index, columns=REPORT_COLUMNS)
    report.loc[checked.index] = checked
    for i in clips.index[~readable]:
        report.loc[i] = {
            **{c: "" for c in REPORT_COLUMNS},
            "path": clips.at[i, "path"],
            "recording": clips.at[i, "clip"],
            "label": clips.at[i, "label"],
            "status": "error",
            "check": "bad_layout",
            "message": f"{clips.at[i, 'path']}: {clips.at[i, 'name_note']}",
        }
    for i in clips.index[clips["name_check"] == "name_artefact"]:
        _add_finding(report, i, "warning", "name_artefact", clips.at[i, "name_note"])
    present = [c for c in CONFLICT_COLUMNS if c in clips.columns]
    _mark_conflicts(report, clips.loc[readable, present], present)
    duration = pd.to_numeric(report["duration_s"], errors="coerce")
    short = (report["status"] != "error") & (duration < clip_min_duration_s)
    for i in report.index[short]:
        _add_finding(
            report,
            i,
            "error",
            "short_clip",
            f"shorter than corpus.clip_min_duration_s={clip_min_duration_s:g} s "
            f"({duration[i]:.3f} s); excluded",
        )
    counts = finding_counts(report)
    logger.info("clip findings (files per code):\n%s", counts.to_string(index=False))
    return report


def finding_counts(report: pd.DataFrame) -> pd.DataFrame:
    """Files per finding code of a report, with the status they carry.

    Returns
    -------
    counts : pandas.DataFrame
        Columns ``check``, ``status`` (the worst status of files with that
        finding), ``n_files``; a ``total`` row per status first.
    """
    per_status = report["status"].value_counts()
    rows = [
        {"check": f"total {status}", "status": status, "n_files": int(per_status.get(status, 0))}
        for status in STATUSES
    ]
    codes = report["check"].str.split(",").explode()
    codes = codes[(codes != "") & (codes != "ok")]
    status = report["status"].reindex(codes.index)
    for code in sorted(codes.unique()):
        mine = status[codes == code]
        worst = max(mine, key=_SEVERITY.__getitem__)
        rows.append({"check": code, "status": worst, "n_files": int(mine.index.nunique())})
    return pd.DataFrame(rows, columns=["check", "status", "n_files"])


def clip_passages(
    report: pd.DataFrame,
    audio_root: str | Path,
    *,
    window: int = 256,
    min_correlation: float = 0.99,
) -> pd.Series:
    """Passage id of every decoded clip: clips sharing a stretch of audio (:mod:`..passages`).

    Parameters
    ----------
    report : pandas.DataFrame
        From :func:`validate_clips` (``path``, ``recording`` = clip id, ``sr_hz``, ``sha1``).
    audio_root : path
    window, min_correlation
        See :func:`motivic.corpus.passages.passage_clusters`.

    Returns
    -------
    passage : pandas.Series
        Indexed like ``report``: the id of the first clip (in report order) of
        the clip's passage; ``""`` for clips that were not decoded.
    """
    decoded = report.index[report["sha1"] != ""]
    rates = report.loc[decoded, "sr_hz"].astype(float).astype(int).tolist()
    samples = [
        load_audio(Path(audio_root) / path, sr=rate)
        for path, rate in zip(report.loc[decoded, "path"], rates)
    ]
    cluster = passage_clusters(
        samples,
        rates,
        contents=report.loc[decoded, "sha1"].tolist(),
        window=window,
        min_correlation=min_correlation,
    )
    ids = report.loc[decoded, "recording"].to_numpy()
    passage = pd.Series("", index=report.index, dtype=object)
    passage.loc[decoded] = ids[cluster]
    return passage


def clip_segments(
    clips: pd.DataFrame, report: pd.DataFrame, passage: pd.Series | None = None
) -> pd.DataFrame:
    """The motivic segments of a clip corpus: one per clip that passed validation.

    Parameters
    ----------
    clips : pandas.DataFrame
        From :func:`scan_clips`.
    report : pandas.DataFrame
        :func:`validate_clips` (or :func:`motivic.corpus.validation.validate_corpus`)
        report of the clips, whose ``recording`` column holds the clip ids
        (``clips["clip"]``) and whose ``status`` is ``error`` for excluded clips.
    passage : pandas.Series or None
        :func:`clip_passages` of ``report`` (indexed like it); None: each clip
        is its own passage.

    Returns
    -------
    segments : pandas.DataFrame
        Columns of :data:`motivic.segments.selection.SEGMENT_COLUMNS` plus ``source`` (the
        clip id, key of its audio file), ``content`` (the decoded-audio hash) and
        ``passage`` (the clips sharing audio with it, a unit every split keeps
        whole) and ``kind`` (:func:`clip_kind`): ``segment_id`` = clip id, ``recording`` and ``group`` = the
        recording the clip was cut from (so group splits and recording votes work
        on recordings), ``motif_id`` = the contour pattern of the file name,
        ``start_s`` = 0 and ``end_s`` = the clip's duration.
    """
    by_clip = report.set_index("recording")
    passage_of = (
        dict(zip(report["recording"], passage.reindex(report.index)))
        if passage is not None
        else dict(zip(report["recording"], report["recording"]))
    )
    good = clips[clips["clip"].map(by_clip["status"]) != "error"]
    duration = good["clip"].map(by_clip["duration_s"]).astype(float)
    # the singer travels along, so split.group_column: singer can group by it
    extra = {"singer": good["singer"]} if "singer" in good.columns else {}
    return pd.DataFrame(
        {
            "segment_id": good["clip"],
            "recording": good["recording"],
            "label": good["label"],
            "group": good["recording"],
            "motif_id": good["pattern"],
            "start_s": 0.0,
            "end_s": duration,
            "duration_s": duration,
            "source": good["clip"],
            "content": good["clip"].map(by_clip["sha1"]),
            "passage": good["clip"].map(passage_of),
            "kind": [clip_kind(p, d) for p, d in zip(good["pattern"], duration)],
            **extra,
        }
    ).reset_index(drop=True)


def clip_kind(pattern: str, duration_s: float) -> str:
    """Motif kind of one clip: its published pattern, the clip as its only occurrence.

    The published pattern (the file name's) is what the authors call the motif, so it is
    classified rather than the project's own reading of the clip's contour. With the clip
    as its only occurrence, the median occurrence duration is the clip's duration, and a
    pattern of ``L`` tokens spans ``L + 1`` steps: the median step lasts
    ``duration_s / (L + 1)`` (:func:`motivic.mining.kinds.motif_kind`).

    Parameters
    ----------
    pattern : str
        The published contour pattern (``"-11-11-1"``, :func:`scan_clips`).
    duration_s : float
        The clip's duration.

    Returns
    -------
    kind : str
        One of :data:`motivic.mining.kinds.KINDS`, or ``""`` when the pattern is not a
        contour pattern (signed classes 1-9 concatenated).

    Examples
    --------
    >>> clip_kind("-11-11-1", 1.0)
    'oscillation'
    >>> clip_kind("21-1-12", 1.2)  # 6 steps in 1.2 s: 0.2 s per step
    'melodic'
    >>> clip_kind("21-1-12", 0.4)
    'fast'
    """
    try:
        tokens = parse_contour_pattern(pattern)
    except MotivicError:
        logger.warning("clip pattern %r is not a contour pattern: no motif kind", pattern)
        return ""
    return motif_kind(tokens, float(duration_s))


def keep_clip_kinds(
    segments: pd.DataFrame, kinds: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clip segments of the kinds ``segments.motif_kinds`` asks for, and what each kind holds.

    Parameters
    ----------
    segments : pandas.DataFrame
        :func:`clip_segments` (columns ``kind``, ``label``, ``recording``).
    kinds : sequence of str
        Kinds to keep, each one of :data:`motivic.mining.kinds.KINDS`. Asking for every
        kind keeps every clip, a clip whose pattern has no kind included.

    Returns
    -------
    kept : pandas.DataFrame
        The kept rows, in their order, index reset.
    counts : pandas.DataFrame
        :data:`KIND_COUNT_COLUMNS`: clips and recordings per kind and label, before the
        filter, and whether the kind is kept (``kind`` ``""``: patterns without a kind).

    Raises
    ------
    MotivicError
        If a kind is unknown or ``segments`` has no ``kind`` column.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise MotivicError(f"segments.motif_kinds: unknown kinds {unknown}; valid: {list(KINDS)}")
    if "kind" not in segments.columns:
        raise MotivicError("clip segments lack the kind column (clip_segments)")
    keep_all = set(kinds) == set(KINDS)
    keep = segments["kind"].isin(list(kinds)) | keep_all
    counts = (
        segments.groupby(["kind", "label"], sort=True)
        .agg(n_clips=("segment_id", "size"), n_recordings=("recording", "nunique"))
        .reset_index()
    )
    counts["kept"] = counts["kind"].isin(list(kinds)) | keep_all
    return segments[keep.to_numpy()].reset_index(drop=True), counts[KIND_COUNT_COLUMNS]
