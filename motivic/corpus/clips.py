"""Clip corpora: collections of pre-extracted motif clips.

Some authors publish motif clips rather than recordings — the flamenco motif
collection of Arronte Alvarez & Gómez is laid out as
``<singer>/<recording>_<contour pattern>_<id>.wav``. For such a corpus the
workflow skips pitch and mining: every clip is one segment of the motivic
dataset, its recording is parsed from the file name, and the label comes from
a parsed field (``singer``, ``recording``) or a column of an optional metadata
CSV (for example ``style``).

Published clip collections hold exact duplicates (the flamenco one has 3,170
groups of identical clips, some filed under two singers). Clips go through the
same validation as recordings (:func:`motivic.corpus.validation.validate_corpus`):
they are hashed on their decoded samples, so the same audio in two files is
found whatever the container, and ``corpus.duplicates`` decides what happens;
duplicates never end up in two splits because at most one copy goes on.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from motivic.core.errors import MotivicError
from motivic.corpus.recordings import recording_id

__all__ = ["AUDIO_SUFFIXES", "scan_clips", "clip_segments"]

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
_CLIP_NAME = re.compile(r"^(?P<recording>[^_]+)_(?:[A-Za-z]+_)?(?P<pattern>-?[0-9-]+)_(?P<clip_id>.+)$")


def scan_clips(root: str | Path, *, label: str = "singer", metadata: str | Path | None = None) -> pd.DataFrame:
    """List the clips under ``root`` (``<singer>/<recording>_<pattern>_<id>.<ext>``).

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
        ``pattern``, ``label``, sorted by path.

    Raises
    ------
    MotivicError
        If ``root`` holds no clip, a file name does not follow the layout (the
        message lists the first offenders), or ``label`` names no field.
    """
    root = Path(root)
    if not root.is_dir():
        raise MotivicError(f"clip corpus {root} is not a directory")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    rows, bad = [], []
    for path in files:
        rel = path.relative_to(root).as_posix()
        match = _CLIP_NAME.match(path.stem)
        if match is None or len(path.relative_to(root).parts) != 2:
            bad.append(rel)
            continue
        rows.append(
            {
                "path": rel,
                "clip": recording_id(rel),
                "singer": path.parent.name,
                "recording": match["recording"],
                "pattern": match["pattern"],
            }
        )
    if bad:
        raise MotivicError(
            f"clip corpus {root}: {len(bad)} file(s) do not follow <singer>/<recording>_<pattern>_<id>.<ext>, "
            f"e.g. {bad[:3]}"
        )
    if not rows:
        raise MotivicError(f"clip corpus {root}: no audio clips ({', '.join(AUDIO_SUFFIXES)}) found")
    clips = pd.DataFrame(rows)
    if metadata is not None:
        extra = pd.read_csv(metadata, dtype=str, keep_default_na=False)
        if "path" not in extra.columns:
            raise MotivicError(f"clip metadata {metadata}: needs a path column")
        extra = extra.drop(columns=[c for c in ("singer", "recording", "pattern", "clip") if c in extra])
        clips = clips.merge(extra, on="path", how="left")
    if label not in clips.columns:
        raise MotivicError(
            f"corpus.label={label!r} is neither a parsed field (singer, recording) nor a metadata column; "
            f"available: {sorted(set(clips.columns) - {'path', 'clip'})}"
        )
    clips["label"] = clips[label].astype(object).fillna("").astype(str)
    missing = clips.loc[clips["label"].str.strip() == "", "path"].tolist()
    if missing:
        raise MotivicError(f"clip corpus {root}: {len(missing)} clip(s) have no {label!r}, e.g. {missing[:3]}")
    return clips.sort_values("path", ignore_index=True)


def clip_segments(clips: pd.DataFrame, report: pd.DataFrame) -> pd.DataFrame:
    """The motivic segments of a clip corpus: one per clip that passed validation.

    Parameters
    ----------
    clips : pandas.DataFrame
        From :func:`scan_clips`.
    report : pandas.DataFrame
        :func:`motivic.corpus.validation.validate_corpus` report of the clips, whose
        ``recording`` column holds the clip ids (``clips["clip"]``) and whose
        ``status`` is ``error`` for broken clips and for duplicates the policy drops.

    Returns
    -------
    segments : pandas.DataFrame
        Columns of :data:`motivic.segments.selection.SEGMENT_COLUMNS` plus ``source`` (the
        clip id, key of its audio file): ``segment_id`` = clip id, ``recording``
        and ``group`` = the recording the clip was cut from (so group splits and
        recording votes work on recordings), ``motif_id`` = the contour pattern
        of the file name, ``start_s`` = 0 and ``end_s`` = the clip's duration.
    """
    status = report.set_index("recording")
    good = clips[clips["clip"].map(status["status"]) != "error"]
    duration = good["clip"].map(status["duration_s"]).astype(float)
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
            **extra,
        }
    ).reset_index(drop=True)
