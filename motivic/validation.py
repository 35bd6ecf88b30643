"""Corpus validation: check every recording before any compute, and say what was wrong.

The first step of the workflow reads the recordings sheet and inspects each
audio file once: its header (rate, channels, length), then one streaming decode
(bounded memory, whatever the file's length) that yields the peak level,
clipping, non-finite samples and a SHA-1 of the decoded audio. Each row of the
sheet gets a status:

``ok``
    Used as is (the message still says rate, channels and length).
``warning``
    Used, but something deserves a look: a truncated WAV (the readable part is
    used), a low sampling rate, a very quiet or clipped signal, the kept copy of
    duplicated audio.
``error``
    Excluded from the run, which goes on with the other recordings: missing,
    empty or undecodable files, digital silence, too short or too long, a
    blank or placeholder label, an excluded duplicate.

**Duplicates and leakage.** Two rows whose decoded audio (mono float32 at the
native rate) hashes to the same SHA-1 hold the same content, whatever their file
names, formats (WAV vs FLAC of the same PCM) or labels. ``duplicates`` decides:
``keep-first`` keeps the first row of each group in sheet order and excludes the
others, ``drop`` excludes every copy (use it when copies carry conflicting
labels and you trust neither), ``error`` stops the run. With ``keep-first`` and
``drop`` at most one copy of any content reaches the later stages, so no content
can fall into two splits. Content resampled, re-encoded lossily or re-gained is
not recognised as a duplicate.

Recordings that pass validation but yield no motif (no voiced frames, nothing
repeated) are reported after mining by :func:`no_motif_report`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .audio import audio_blocks, audio_info
from .errors import MotivicError
from .io import atomic_path

__all__ = [
    "DUPLICATE_POLICIES",
    "NO_MOTIF_COLUMNS",
    "REPORT_COLUMNS",
    "STATUSES",
    "AudioCheck",
    "check_audio",
    "check_label",
    "good_recordings",
    "load_report",
    "no_motif_report",
    "require_usable",
    "validate_corpus",
    "write_report",
]

logger = logging.getLogger(__name__)

STATUSES = ("ok", "warning", "error")
DUPLICATE_POLICIES = ("drop", "keep-first", "error")
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

SILENT_PEAK = 1e-4  # -80 dBFS: below a 16-bit LSB of dither, nothing to track
QUIET_PEAK = 1e-2  # -40 dBFS
LOW_SR_HZ = 16000
CLIP_LEVEL = 0.999
CLIP_FRACTION = 0.01
LABEL_PLACEHOLDERS = frozenset(
    {"", "?", "-", "na", "n/a", "nan", "none", "null", "unknown", "unlabeled", "unlabelled"}
)
_SEVERITY = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class AudioCheck:
    """What :func:`check_audio` found in one file.

    Attributes
    ----------
    status : {"ok", "warning", "error"}
        Worst severity among the findings.
    checks : tuple of str
        Short codes of the findings (``not_found``, ``empty_file``,
        ``unreadable``, ``corrupt_wav``, ``no_samples``, ``too_short``,
        ``too_long``, ``truncated``, ``decode_failed``, ``non_finite``,
        ``silent``, ``channels_cancel``, ``quiet``, ``clipped``, ``low_sr``,
        ``no_header``); ``("ok",)`` when there is none. :func:`validate_corpus`
        adds ``blank_path``, ``bad_name``, ``outside_root``, ``bad_label``,
        ``duplicate`` and ``duplicate_kept``.
    notes : tuple of str
        One sentence per finding, plus the file's rate, channels and length.
    sr_hz, channels : int or None
        From the header (None when it cannot be read).
    duration_s : float or None
        Decoded length (header length when the file was not decoded).
    sha1 : str or None
        SHA-1 of the decoded mono float32 samples (little-endian) at the native
        rate; None when the file was not fully decoded.
    """

    status: str
    checks: tuple[str, ...]
    notes: tuple[str, ...]
    sr_hz: int | None = None
    channels: int | None = None
    duration_s: float | None = None
    sha1: str | None = None

    @property
    def message(self) -> str:
        """The notes joined by ``"; "``."""
        return "; ".join(self.notes)


class _Findings:
    """Accumulates (status, code, sentence) findings about one file."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self.info: list[str] = []

    def add(self, status: str, code: str, text: str) -> None:
        self.items.append((status, code, text))

    def result(self, **fields) -> AudioCheck:
        items = sorted(self.items, key=lambda item: -_SEVERITY[item[0]])  # errors first, stable
        status = items[0][0] if items else "ok"
        checks = tuple(code for _, code, _ in items) or ("ok",)
        notes = tuple(text for _, _, text in items) + tuple(self.info)
        return AudioCheck(status=status, checks=checks, notes=notes, **fields)


def _dbfs(peak: float) -> str:
    return f"{20 * np.log10(peak):.0f} dBFS" if peak > 0 else "-inf dBFS"


def _wav_declared_frames(file: Path) -> int | None:
    """Frames the data chunk of a RIFF/WAVE header declares (None if not a plain WAV)."""
    with open(file, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = None
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                return None
            chunk_id, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if chunk_id == b"data":
                if not block_align or size in (0, 0xFFFFFFFF):
                    return None
                return size // block_align
            body = handle.read(size + size % 2)
            if chunk_id == b"fmt " and len(body) >= 14:
                block_align = int.from_bytes(body[12:14], "little")


def _is_riff(file: Path) -> bool:
    with open(file, "rb") as handle:
        return handle.read(4) == b"RIFF"


def _header_reason(err: MotivicError) -> str:
    cause = err.__cause__
    return str(getattr(cause, "error_string", None) or cause or err).strip()


def _scan(file: Path, *, channels: int, block_frames: int, found: _Findings) -> dict:
    """One streaming decode: peak levels, clipping, finiteness and the content hash."""
    digest = hashlib.sha1()
    peak_mono, peak_channels, n_frames, n_clipped, sr = 0.0, np.zeros(channels), 0, 0, 0
    try:
        for block, sr in audio_blocks(file, block_frames=block_frames):
            if not np.all(np.isfinite(block)):
                found.add("error", "non_finite", "holds non-finite samples (NaN or inf)")
                return {}
            mono = block[0] if block.shape[0] == 1 else block.mean(axis=0, dtype=np.float32)
            digest.update(np.ascontiguousarray(mono, dtype="<f4").tobytes())
            peak_mono = max(peak_mono, float(np.max(np.abs(mono), initial=0.0)))
            peak_channels = np.maximum(peak_channels[: block.shape[0]], np.abs(block).max(axis=1))
            n_clipped += int(np.count_nonzero(np.abs(block) >= CLIP_LEVEL))
            n_frames += block.shape[1]
    except MotivicError as err:
        found.add("error", "decode_failed", f"cannot be decoded: {_header_reason(err)}")
        return {}
    return {
        "sha1": digest.hexdigest(),
        "sr": sr,
        "n_frames": n_frames,
        "peak": peak_mono,
        "peak_channels": peak_channels,
        "clipped": n_clipped / max(n_frames * max(channels, 1), 1),
    }


def _level_findings(scan: dict, found: _Findings) -> None:
    peak, peak_channels = scan["peak"], scan["peak_channels"]
    if peak <= SILENT_PEAK and float(np.max(peak_channels, initial=0.0)) > SILENT_PEAK:
        found.add(
            "error",
            "channels_cancel",
            "channels cancel out when downmixed to mono (peak "
            + ", ".join(_dbfs(p) for p in peak_channels)
            + f" per channel, {_dbfs(peak)} mixed)",
        )
    elif peak <= SILENT_PEAK:
        found.add("error", "silent", f"silent (peak {_dbfs(peak)}, at most -80 dBFS)")
    elif peak < QUIET_PEAK:
        found.add(
            "warning", "quiet", f"very quiet (peak {_dbfs(peak)}): the f0 tracker may miss it"
        )
    if scan["clipped"] > CLIP_FRACTION:
        found.add("warning", "clipped", f"{100 * scan['clipped']:.1f}% of samples clipped")


def _length_findings(duration_s, found: _Findings, *, min_duration_s, max_duration_s) -> bool:
    """Add the length findings; True when the file is excluded for its length."""
    if duration_s == 0:
        found.add("error", "no_samples", "holds no audio samples")
    elif max_duration_s is not None and duration_s > max_duration_s:
        found.add(
            "error",
            "too_long",
            f"too long: {duration_s:.0f} s > corpus.max_duration_s={max_duration_s:g} "
            "(pitch and spectrogram steps hold a whole recording in memory; raise the limit "
            "to include it)",
        )
    elif duration_s < min_duration_s:
        found.add(
            "error",
            "too_short",
            f"too short for any motif: {duration_s:.3f} s < corpus.min_duration_s={min_duration_s:g}",
        )
    else:
        return False
    return True


def check_audio(
    path: str | os.PathLike,
    *,
    min_duration_s: float = 1.0,
    max_duration_s: float | None = 1800.0,
    block_frames: int = 65536,
) -> AudioCheck:
    """Inspect one audio file: header, length limits, then one streaming decode.

    Parameters
    ----------
    path : path-like
        Audio file.
    min_duration_s : float >= 0
        Shorter files are errors (``too_short``): no room for a motif repeated
        in several phrases.
    max_duration_s : float > 0 or None
        Longer files are errors (``too_long``) and are not decoded: later
        stages hold a whole recording in memory. None: no limit.
    block_frames : int > 0
        Frames decoded at a time; memory stays bounded by it.

    Returns
    -------
    check : AudioCheck

    Examples
    --------
    >>> import tempfile, soundfile as sf
    >>> path = tempfile.mkdtemp() + "/hush.wav"
    >>> sf.write(path, np.zeros(16000), 8000)
    >>> check = check_audio(path)
    >>> check.status, check.checks
    ('error', ('silent', 'low_sr'))
    """
    file, found = Path(path), _Findings()
    if not file.exists():
        found.add("error", "not_found", "file not found")
        return found.result()
    if not file.is_file():
        found.add("error", "not_found", "not a regular file (a directory?)")
        return found.result()
    if file.stat().st_size == 0:
        found.add("error", "empty_file", "empty file (0 bytes)")
        return found.result()
    try:
        info = audio_info(file)
    except MotivicError as err:
        limits = {
            "min_duration_s": min_duration_s,
            "max_duration_s": max_duration_s,
            "block_frames": block_frames,
        }
        return _check_without_header(file, found, reason=_header_reason(err), limits=limits)
    sr, channels, duration_s = info["sr"], info["channels"], info["duration_s"]
    fields = {"sr_hz": sr, "channels": channels, "duration_s": duration_s}
    found.info.append(
        f"{sr} Hz, {channels} channel{'s' if channels > 1 else ''}, {duration_s:.2f} s"
    )
    if channels > 1:
        found.info.append("downmixed to mono")
    if sr < LOW_SR_HZ:
        found.add("warning", "low_sr", f"low sample rate {sr} Hz: nothing above {sr // 2} Hz")
    if _length_findings(
        duration_s, found, min_duration_s=min_duration_s, max_duration_s=max_duration_s
    ):
        return found.result(**fields)
    declared = _wav_declared_frames(file)
    if declared is not None and declared > round(duration_s * sr):
        found.add(
            "warning",
            "truncated",
            f"truncated WAV: the header declares {declared / sr:.2f} s, the file holds "
            f"{duration_s:.2f} s (the readable part is used)",
        )
    scan = _scan(file, channels=channels, block_frames=block_frames, found=found)
    if not scan:
        return found.result(**fields)
    _level_findings(scan, found)
    fields["duration_s"] = scan["n_frames"] / sr
    return found.result(**fields, sha1=scan["sha1"])


def _check_without_header(file: Path, found: _Findings, *, reason: str, limits: dict):
    """libsndfile cannot read the header: a broken WAV, or a format for the fallback decoder."""
    if _is_riff(file):
        found.add("error", "corrupt_wav", f"corrupt or truncated WAV header ({reason})")
        return found.result()
    probe = _Findings()
    scan = _scan(file, channels=1, block_frames=limits["block_frames"], found=probe)
    if not scan and any(code == "decode_failed" for _, code, _ in probe.items):
        found.add("error", "unreadable", f"not a readable audio file ({reason})")
        return found.result()
    found.items.extend(probe.items)
    found.add("warning", "no_header", "read by the fallback decoder only (whole file in memory)")
    if not scan:
        return found.result()
    channels, sr = len(scan["peak_channels"]), scan["sr"]
    duration_s = scan["n_frames"] / sr if sr else 0.0
    fields = {"sr_hz": sr, "channels": channels, "duration_s": duration_s}
    found.info.append(
        f"{sr} Hz, {channels} channel{'s' if channels > 1 else ''}, {duration_s:.2f} s"
    )
    if _length_findings(
        duration_s,
        found,
        min_duration_s=limits["min_duration_s"],
        max_duration_s=limits["max_duration_s"],
    ):
        return found.result(**fields)
    _level_findings(scan, found)
    return found.result(**fields, sha1=scan["sha1"])


def check_label(label) -> str | None:
    """Why a label is unusable (blank or a placeholder like ``unknown``), or None if it is fine.

    Examples
    --------
    >>> check_label("debla") is None, check_label("  "), check_label("N/A")
    (True, 'blank label', "label 'N/A' is a placeholder for an unknown label")
    """
    text = "" if label is None or (isinstance(label, float) and np.isnan(label)) else str(label)
    if not text.strip():
        return "blank label"
    if text.strip().lower() in LABEL_PLACEHOLDERS:
        return f"label {text!r} is a placeholder for an unknown label"
    return None


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
    text = (
        f"the path resolves to {where}, outside corpus.audio_root ({Path(audio_root).resolve()})"
    )
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
        Output of :func:`motivic.corpus.read_metadata` (columns ``recording``,
        ``path``, ``label``, ...).
    audio_root : path-like
        Directory the ``path`` column is relative to.
    duplicates : {"keep-first", "drop", "error"}
        What to do with rows holding identical decoded audio (see module docstring).
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
            if duplicates == "keep-first" and i == idx[0]:
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
