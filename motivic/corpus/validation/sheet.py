"""Validation of a recordings sheet: every row checked, paths kept inside the root, duplicates
resolved by policy, and the report that later stages read."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.corpus.validation.files import (
    _SEVERITY,
    AudioCheck,
    _Findings,
    check_audio,
    check_label,
)

logger = logging.getLogger(__name__)

DUPLICATE_POLICIES = ("drop", "keep-first", "error", "keep")
OUTSIDE_ROOT_POLICIES = ("error", "warning", "allow")
REPORT_COLUMNS = [
    "path",
    "recording",
    "label",
    "status",
    "check",
    "message",
    "sr_hz",
    "channels",
    "duration_s",
    "sha1",
    "duplicate_of",
]
NO_MOTIF_COLUMNS = ["recording", "label", "voiced_s", "n_occurrences", "n_segments", "message"]


def _check_args(duplicates, min_duration_s, max_duration_s, n_threads) -> None:
    if duplicates not in DUPLICATE_POLICIES:
        raise MotivicError(
            f"corpus.duplicates={duplicates!r} must be one of {', '.join(DUPLICATE_POLICIES)}"
        )
    if not min_duration_s >= 0:
        raise MotivicError(f"corpus.min_duration_s={min_duration_s} must be >= 0 (seconds)")
    if max_duration_s is not None and not max_duration_s > min_duration_s:
        raise MotivicError(
            f"corpus.max_duration_s={max_duration_s} must be > corpus.min_duration_s={min_duration_s}"
        )
    if not isinstance(n_threads, (int, np.integer)) or n_threads < 1:
        raise MotivicError(f"n_threads={n_threads!r} must be a positive int")


def outside_root(path: str | os.PathLike, audio_root: str | os.PathLike) -> Path | None:
    """Where ``path`` (relative to ``audio_root``, or absolute) really lies, if outside the root.

    ``..`` components, an absolute path elsewhere and symbolic links (of the file or of
    any directory on the way) are followed to the file they name.

    Returns
    -------
    resolved : Path or None
        The resolved location when it is not under the resolved ``audio_root``; else None.
    """
    root = Path(audio_root).resolve()
    resolved = (Path(audio_root) / path).resolve()
    return None if resolved.is_relative_to(root) else resolved


def _outside_root_finding(row, audio_root: Path, policy: str, found: _Findings) -> bool:
    """Report a path that leaves ``audio_root``; return whether the row stops here (error)."""
    if policy == "allow":
        return False
    where = outside_root(str(row.path), audio_root)
    if where is None:
        return False
    text = f"the path resolves to {where}, outside corpus.audio_root ({Path(audio_root).resolve()})"
    if policy == "error":
        found.add(
            "error",
            "outside_root",
            f"{text}; move the file under the root, or set corpus.outside_root: warning "
            "(or allow) to use it",
        )
        return True
    found.add("warning", "outside_root", f"{text}; used because corpus.outside_root is warning")
    return False


def _merge(check: AudioCheck, found: _Findings) -> AudioCheck:
    """``check`` with the row-level findings in ``found`` added (worst status wins)."""
    if not found.items:
        return check
    status = max([check.status] + [s for s, _, _ in found.items], key=_SEVERITY.__getitem__)
    codes = tuple(code for _, code, _ in found.items)
    checks = codes + tuple(c for c in check.checks if c != "ok")
    notes = tuple(text for _, _, text in found.items) + check.notes
    return dataclasses.replace(check, status=status, checks=checks, notes=notes)


def _row_check(row, audio_root: Path, limits: dict, outside: str = "error") -> AudioCheck:
    found = _Findings()
    if not str(row.path).strip():
        found.add("error", "blank_path", "blank path in the metadata")
        return found.result()
    if "{" in str(row.path) or "}" in str(row.path):
        found.add(
            "error",
            "bad_name",
            "the path contains '{' or '}', which Snakemake reads as a wildcard in file names; "
            "rename the file",
        )
        return found.result()
    if _outside_root_finding(row, audio_root, outside, found):
        return found.result()
    problem = check_label(row.label)
    if problem is not None:
        found.add("error", "bad_label", f"{problem}; the recording cannot be used for training")
        return found.result()
    return _merge(check_audio(audio_root / str(row.path), **limits), found)


def validate_corpus(
    recordings: pd.DataFrame,
    *,
    audio_root: str | os.PathLike,
    duplicates: str = "keep-first",
    outside_root: str = "error",
    min_duration_s: float = 1.0,
    max_duration_s: float | None = 1800.0,
    n_threads: int = 1,
    block_frames: int = 65536,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Check every row of a recordings sheet and its audio; apply the duplicates policy.

    Parameters
    ----------
    recordings : pd.DataFrame
        Output of :func:`motivic.corpus.recordings.read_metadata` (columns ``recording``,
        ``path``, ``label``, ...).
    audio_root : path-like
        Directory the ``path`` column is relative to.
    duplicates : {"keep-first", "drop", "error", "keep"}
        What to do with rows holding identical decoded audio (see module docstring);
        ``"keep"`` keeps every copy (flagged ``duplicate_kept``), to reproduce a
        protocol that did.
        ``"error"`` marks every copy as an error; :func:`require_usable` then stops the run.
    outside_root : {"error", "warning", "allow"}
        A path that leads out of ``audio_root`` (``..``, an absolute path elsewhere, a
        symbolic link pointing out): excluded as ``outside_root`` (error), used with a
        warning, or used silently (allow). See :func:`outside_root`.
    min_duration_s, max_duration_s, block_frames
        See :func:`check_audio`.
    n_threads : int >= 1
        Files inspected concurrently (decoding and hashing release the GIL).
    progress : callable (done, total) or None
        Called after each file.

    Returns
    -------
    report : pd.DataFrame
        One row per sheet row, in sheet order, columns :data:`REPORT_COLUMNS`.
        ``message`` starts with the row's path; ``check`` joins the finding codes
        with ``","``; ``duplicate_of`` lists the other recordings with the same content.

    Raises
    ------
    MotivicError
        On an invalid argument or a sheet without ``recording``, ``path``, ``label``.
    """
    _check_args(duplicates, min_duration_s, max_duration_s, n_threads)
    if outside_root not in OUTSIDE_ROOT_POLICIES:
        raise MotivicError(
            f"corpus.outside_root={outside_root!r} must be one of {', '.join(OUTSIDE_ROOT_POLICIES)}"
        )
    missing = [c for c in ("recording", "path", "label") if c not in recordings.columns]
    if missing:
        raise MotivicError(f"recordings table lacks column(s) {missing}")
    root, rows = Path(audio_root), list(recordings.itertuples(index=False))
    limits = {
        "min_duration_s": min_duration_s,
        "max_duration_s": max_duration_s,
        "block_frames": block_frames,
    }
    checks: list[AudioCheck | None] = [None] * len(rows)
    with ThreadPoolExecutor(max_workers=int(n_threads)) as pool:
        futures = {
            pool.submit(_row_check, row, root, limits, outside_root): i
            for i, row in enumerate(rows)
        }
        for done, future in enumerate(as_completed(futures), start=1):
            checks[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(rows))
    report = pd.DataFrame(
        [_report_row(row, check) for row, check in zip(rows, checks)], columns=REPORT_COLUMNS
    )
    report = _apply_duplicates(report, duplicates)
    for row in report.itertuples(index=False):
        if row.status != "ok":
            logger.warning("%s: %s", row.status, row.message)
    counts = report["status"].value_counts()
    logger.info(
        "validated %d recordings: %d ok, %d with warnings, %d excluded (errors)",
        len(report),
        counts.get("ok", 0),
        counts.get("warning", 0),
        counts.get("error", 0),
    )
    return report


def _report_row(row, check: AudioCheck) -> dict:
    return {
        "path": str(row.path),
        "recording": str(row.recording),
        "label": str(row.label),
        "status": check.status,
        "check": ",".join(check.checks),
        "message": f"{row.path}: {check.message}",
        "sr_hz": check.sr_hz,
        "channels": check.channels,
        "duration_s": None if check.duration_s is None else round(check.duration_s, 3),
        "sha1": check.sha1 or "",
        "duplicate_of": "",
    }


def _apply_duplicates(report: pd.DataFrame, duplicates: str) -> pd.DataFrame:
    """Mark rows sharing a content hash according to the policy (sheet order decides 'first')."""
    report = report.copy()
    usable = (report["status"] != "error") & (report["sha1"] != "")
    for _sha1, members in report[usable].groupby("sha1", sort=False):
        if len(members) < 2:
            continue
        idx = list(members.index)
        labels = sorted(set(members["label"]))
        conflict = f"; labels differ ({', '.join(labels)})" if len(labels) > 1 else ""
        for i in idx:
            others = [j for j in idx if j != i]
            report.at[i, "duplicate_of"] = ";".join(report.loc[others, "recording"])
            where = ", ".join(f"{report.at[j, 'path']} ({report.at[j, 'label']})" for j in others)
            if duplicates == "keep":
                _mark(
                    report,
                    i,
                    "warning",
                    "duplicate_kept",
                    f"identical audio also at {where}{conflict}; every copy is kept "
                    "(corpus.duplicates=keep: only splits grouping by content or passage keep the "
                    "copies on one side)",
                )
            elif duplicates == "keep-first" and i == idx[0]:
                _mark(
                    report,
                    i,
                    "warning",
                    "duplicate_kept",
                    f"identical audio also at {where}{conflict}; this first copy is kept "
                    "(corpus.duplicates=keep-first)",
                )
            elif duplicates == "keep-first":
                _mark(
                    report,
                    i,
                    "error",
                    "duplicate",
                    f"identical audio to {where}{conflict}; excluded, the first copy is kept "
                    "(corpus.duplicates=keep-first)",
                )
            else:
                _mark(
                    report,
                    i,
                    "error",
                    "duplicate",
                    f"identical audio to {where}{conflict}; "
                    + (
                        "every copy excluded (corpus.duplicates=drop)"
                        if duplicates == "drop"
                        else "corpus.duplicates=error stops the run"
                    ),
                )
    return report


def _mark(report: pd.DataFrame, i, status: str, code: str, text: str) -> None:
    if _SEVERITY[status] > _SEVERITY[report.at[i, "status"]]:
        report.at[i, "status"] = status
    codes = [c for c in str(report.at[i, "check"]).split(",") if c and c != "ok"]
    report.at[i, "check"] = ",".join([*codes, code])
    path, _, rest = str(report.at[i, "message"]).partition(": ")
    report.at[i, "message"] = f"{path}: {text}; {rest}" if rest else f"{path}: {text}"


def good_recordings(recordings: pd.DataFrame, report: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``recordings`` whose report status is not ``error``, in sheet order.

    Parameters
    ----------
    recordings : pd.DataFrame
        The sheet given to :func:`validate_corpus`.
    report : pd.DataFrame
        Its report.

    Returns
    -------
    good : pd.DataFrame
        Same columns as ``recordings``, index reset.
    """
    excluded = set(report.loc[report["status"] == "error", "recording"])
    keep = ~recordings["recording"].astype(str).isin(excluded)
    return recordings[keep].reset_index(drop=True)


def require_usable(report: pd.DataFrame, *, duplicates: str, source: str = "corpus report") -> None:
    """Stop the run when what validation left cannot make a classification corpus.

    Parameters
    ----------
    report : pd.DataFrame
        Output of :func:`validate_corpus`.
    duplicates : str
        The policy used; with ``"error"`` any duplicate stops the run.
    source : str
        Where the report is written, named in the message.

    Raises
    ------
    MotivicError
        If duplicates were found under ``duplicates="error"``, or fewer than two
        labels keep at least one good recording.
    """
    dup = report[report["check"].str.contains(r"\bduplicate\b", regex=True)]
    if duplicates == "error" and len(dup):
        raise MotivicError(
            f"corpus.duplicates=error: {len(dup)} recordings hold identical audio: "
            + "; ".join(dup["path"].head(6))
            + f" (see {source}; set corpus.duplicates to keep-first or drop to go on)"
        )
    good = report[report["status"] != "error"]
    labels = sorted(set(good["label"]))
    if len(labels) < 2:
        raise MotivicError(
            f"only {len(good)} of {len(report)} recordings passed validation, with "
            f"{len(labels)} label(s) {labels}: classification needs at least 2 labels "
            f"(see the messages in {source})"
        )


def no_motif_report(
    recordings: pd.DataFrame,
    occurrences: pd.DataFrame,
    motif_segs: pd.DataFrame,
    voiced_s: Mapping[str, float],
    *,
    min_duration_s: float,
) -> pd.DataFrame:
    """Recordings that passed validation but gave no motivic segment, and why.

    Parameters
    ----------
    recordings : pd.DataFrame
        Good recordings (columns ``recording``, ``label``).
    occurrences : pd.DataFrame
        Motif occurrences of the collection (column ``recording``).
    motif_segs : pd.DataFrame
        Motivic segments kept (column ``recording``).
    voiced_s : mapping of str to float
        Voiced duration of each recording's pitch track, in seconds.
    min_duration_s : float
        The segments' minimum duration, quoted in the message.

    Returns
    -------
    report : pd.DataFrame
        Columns :data:`NO_MOTIF_COLUMNS`, one row per recording without segments.
    """
    n_occ = occurrences["recording"].astype(str).value_counts()
    n_seg = motif_segs["recording"].astype(str).value_counts()
    rows = []
    for rec, label in zip(recordings["recording"].astype(str), recordings["label"]):
        if n_seg.get(rec, 0):
            continue
        voiced, n = float(voiced_s.get(rec, 0.0)), int(n_occ.get(rec, 0))
        if voiced == 0:
            why = "no voiced frames: the f0 tracker found no melody"
        elif n == 0:
            why = f"no motif mined from {voiced:.1f} s of voiced audio"
        else:
            why = f"all {n} motif occurrences are shorter than {min_duration_s:g} s"
        rows.append((rec, label, round(voiced, 3), n, 0, why))
    return pd.DataFrame(rows, columns=NO_MOTIF_COLUMNS)


def write_report(report: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a report table as TSV, atomically."""
    with atomic_path(path) as tmp:
        report.to_csv(tmp, sep="\t", index=False)


def load_report(path: str | os.PathLike) -> pd.DataFrame:
    """Read a report written by :func:`write_report` (every column as text)."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
