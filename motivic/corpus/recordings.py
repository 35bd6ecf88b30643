"""The recordings sheet: reading a corpus's metadata CSV and naming recordings.

A recordings sheet has one row per recording with at least ``path`` (relative
to the audio root) and ``label``, optionally ``group`` (singer, album…) and
any extra columns. Every recording gets an id that is safe as a file name and
a Snakemake wildcard value, derived from its path.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import Path, PurePosixPath

import pandas as pd

from motivic.core.errors import MotivicError

__all__ = ["recording_id", "read_metadata", "write_recordings", "load_recordings"]

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+")
RECORDING_COLUMNS = ["recording", "path", "label", "group"]


def recording_id(path: str) -> str:
    """Derive a file-name-safe, unique id from a recording's relative path.

    Folders are joined with ``__`` and the extension is dropped, so the same
    file name in two folders gives two ids. Characters outside
    ``[A-Za-z0-9_-]`` (spaces, accents, other scripts) are transliterated
    where possible and otherwise replaced by ``_``; whenever the id differs from
    the original path stem, an 8-character hash of the full path is appended so
    that two paths never collide after replacement.

    Parameters
    ----------
    path : str
        Path relative to the corpus's audio root, with ``/`` separators.

    Returns
    -------
    recording_id : str
        For example ``"singer1__take 2.wav"`` → ``"singer1__take_2-1a2b3c4d"``.
    """
    posix = PurePosixPath(str(path).replace("\\", "/"))
    stem_parts = [*posix.parent.parts, posix.stem] if str(posix.parent) != "." else [posix.stem]
    raw = "__".join(stem_parts)
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE.sub("_", ascii_text).strip("_") or "recording"
    if safe != raw:
        digest = hashlib.sha1(str(posix).encode("utf-8")).hexdigest()[:8]
        safe = f"{safe}-{digest}"
    return safe


def _unique_ids(paths) -> list[str]:
    ids = [recording_id(p) for p in paths]
    seen: dict[str, int] = {}
    for i in range(len(ids)):
        seen[ids[i]] = seen.get(ids[i], 0) + 1
    for i, (rid, path) in enumerate(zip(ids, paths)):
        if seen[rid] > 1:
            ids[i] = f"{rid}-{hashlib.sha1(str(path).encode('utf-8')).hexdigest()[:8]}"
    return ids


def read_metadata(metadata_path: str | Path, *, id_column: str | None = None) -> pd.DataFrame:
    """Read a user's metadata CSV into a recordings table.

    Parameters
    ----------
    metadata_path : path
        CSV with columns ``path`` and ``label`` (required) and ``group``
        (optional: defaults to the recording id).
    id_column : str or None
        Column that already holds safe recording ids (the demo corpus has
        one); ``None`` derives ids from paths with :func:`recording_id`.

    Returns
    -------
    recordings : pandas.DataFrame
        Columns ``recording, path, label, group`` followed by any extra
        columns, indexed by nothing (row order of the file).

    Raises
    ------
    MotivicError
        If the file is missing or unreadable, a required column is absent, or
        two rows name the same path.
    """
    metadata_path = Path(metadata_path)
    try:
        table = pd.read_csv(metadata_path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise MotivicError(f"corpus metadata {metadata_path} does not exist") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise MotivicError(f"corpus metadata {metadata_path}: cannot parse CSV: {exc}") from None
    missing = [col for col in ("path", "label") if col not in table.columns]
    if missing:
        raise MotivicError(
            f"corpus metadata {metadata_path}: missing column(s) {missing}; "
            f"found {list(table.columns)} (need path and label, optionally group)"
        )
    table["path"] = table["path"].str.strip()
    table["label"] = table["label"].str.strip()
    duplicated = table["path"][table["path"].duplicated()].unique().tolist()
    if duplicated:
        raise MotivicError(f"corpus metadata {metadata_path}: paths listed twice: {duplicated[:5]}")
    if id_column is None:
        table["recording"] = _unique_ids(table["path"])
    else:
        table["recording"] = table[id_column]
        unsafe = [r for r in table["recording"] if not _SAFE_ID.fullmatch(r)]
        if unsafe or table["recording"].duplicated().any():
            raise MotivicError(
                f"corpus metadata {metadata_path}: column {id_column} must hold unique, "
                f"file-name-safe ids; offending: {unsafe[:5]}"
            )
    if "group" not in table.columns:
        table["group"] = table["recording"]
    table["group"] = table["group"].where(table["group"].str.strip() != "", table["recording"])
    extra = [c for c in table.columns if c not in RECORDING_COLUMNS]
    return table[RECORDING_COLUMNS + extra].reset_index(drop=True)


def write_recordings(recordings: pd.DataFrame, path: str | Path) -> None:
    """Write the recordings table as TSV, atomically."""
    from motivic.core.io import atomic_path

    with atomic_path(path) as tmp:
        recordings.to_csv(tmp, sep="\t", index=False)


def load_recordings(path: str | Path) -> pd.DataFrame:
    """Read a recordings TSV written by :func:`write_recordings`."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in RECORDING_COLUMNS if c not in table.columns]
    if missing:
        raise MotivicError(f"recordings table {path}: missing column(s) {missing}")
    return table
