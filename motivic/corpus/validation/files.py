"""Checks of one recording: header, streaming decode (levels, clipping, SHA-1), length; labels."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motivic.core.audio import audio_blocks, audio_info
from motivic.core.errors import MotivicError

logger = logging.getLogger(__name__)

STATUSES = ("ok", "warning", "error")
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
