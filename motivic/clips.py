"""Clip corpora: collections of pre-extracted motif clips.

Some authors publish motif clips rather than recordings — the flamenco motif
collection of Arronte Alvarez & Gómez is laid out as
``<singer>/<recording>_<contour pattern>_<id>.wav``. For such a corpus the
workflow skips pitch and mining: every clip is one segment of the motivic
dataset, its recording is parsed from the file name, and the label comes from
a parsed field (``singer``, ``recording``) or a column of an optional metadata
CSV (for example ``style``).

Published clip collections hold exact duplicates (the flamenco one has 3,170
groups of identical clips, some filed under two singers). Clips are hashed on
their decoded samples, so the same audio in two files is found whatever the
container, and a policy decides what to do with them; duplicates never end up
in two splits because only one copy is kept, or the run stops.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .corpus import recording_id
from .errors import MotivicError

__all__ = ["AUDIO_SUFFIXES", "scan_clips", "audio_hash", "resolve_duplicates"]

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
_CLIP_NAME = re.compile(r"^(?P<recording>[^_]+)_(?:[A-Za-z]+_)?(?P<pattern>-?[0-9-]+)_(?P<clip_id>.+)$")
DUPLICATE_POLICIES = ("keep-first", "drop", "error")


def audio_hash(samples: np.ndarray) -> str:
    """SHA-1 of decoded audio samples (float32, C order): equal sound ⇒ equal hash."""
    return hashlib.sha1(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).hexdigest()


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
    clips["label"] = clips[label].fillna("").astype(str)
    missing = clips.loc[clips["label"].str.strip() == "", "path"].tolist()
    if missing:
        raise MotivicError(f"clip corpus {root}: {len(missing)} clip(s) have no {label!r}, e.g. {missing[:3]}")
    return clips.sort_values("path", ignore_index=True)


def resolve_duplicates(clips: pd.DataFrame, *, policy: str = "keep-first") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the duplicates policy to clips with a ``hash`` column.

    Parameters
    ----------
    clips : pandas.DataFrame
        From :func:`scan_clips`, plus ``hash`` (see :func:`audio_hash`).
    policy : {"keep-first", "drop", "error"}
        ``keep-first``: keep the first clip (by path) of each identical group;
        ``drop``: remove every clip whose content occurs more than once;
        ``error``: stop if any content occurs twice.

    Returns
    -------
    kept : pandas.DataFrame
        Clips to use.
    report : pandas.DataFrame
        One row per clip of a duplicate group: ``path, hash, n_copies, labels,
        recordings, action`` (``kept`` or ``dropped``).
    """
    if policy not in DUPLICATE_POLICIES:
        raise MotivicError(f"corpus.duplicates={policy!r} must be one of {list(DUPLICATE_POLICIES)}")
    clips = clips.sort_values("path", ignore_index=True)
    copies = clips.groupby("hash")["path"].transform("size")
    groups = clips[copies > 1]
    if groups.empty:
        return clips, pd.DataFrame(columns=["path", "hash", "n_copies", "labels", "recordings", "action"])
    summary = groups.groupby("hash").agg(
        n_copies=("path", "size"),
        labels=("label", lambda s: ";".join(sorted(set(s)))),
        recordings=("recording", lambda s: ";".join(sorted(set(s)))),
    )
    if policy == "error":
        cross = summary[summary["labels"].str.contains(";")]
        raise MotivicError(
            f"{len(summary)} groups of identical clips ({len(groups)} files), {len(cross)} under two labels; "
            f"e.g. {groups['path'].head(3).tolist()} — set corpus.duplicates to keep-first or drop"
        )
    first = ~clips.duplicated("hash", keep="first")
    keep = (copies == 1) | (first if policy == "keep-first" else False)
    report = groups[["path", "hash"]].join(summary, on="hash")
    report["action"] = np.where(keep[copies > 1], "kept", "dropped")
    logger.warning(
        "%d groups of identical clips (%d files, %d under two labels): policy %s keeps %d of them",
        len(summary), len(groups), int(summary["labels"].str.contains(";").sum()), policy,
        int(keep[copies > 1].sum()),
    )
    return clips[keep].reset_index(drop=True), report.reset_index(drop=True)
