"""The f0 track type and its file format (MIREX ``time,frequency`` CSV)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path

__all__ = ["PitchTrack", "load_pitch_csv", "write_pitch_csv"]


@dataclass(frozen=True)
class PitchTrack:
    """An f0 track sampled on a regular grid.

    Attributes
    ----------
    times_s : np.ndarray [shape=(n_frames,), dtype=float64]
        Frame times in seconds, increasing.
    f0_hz : np.ndarray [shape=(n_frames,), dtype=float64]
        f0 of each frame in Hz; 0 marks an unvoiced frame.
    """

    times_s: np.ndarray
    f0_hz: np.ndarray

    def __post_init__(self) -> None:
        times = np.asarray(self.times_s, dtype=np.float64)
        f0 = np.asarray(self.f0_hz, dtype=np.float64)
        if times.ndim != 1 or times.shape != f0.shape:
            raise MotivicError(
                f"PitchTrack: times_s {times.shape} and f0_hz {f0.shape} "
                "must be 1-D of equal length"
            )
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(f0))) or np.any(f0 < 0):
            raise MotivicError("PitchTrack: times_s and f0_hz must be finite, with f0_hz >= 0")
        if np.any(np.diff(times) <= 0):
            raise MotivicError("PitchTrack: times_s must be strictly increasing")
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "f0_hz", f0)

    @property
    def voiced(self) -> np.ndarray:
        """Boolean mask of voiced frames, shape ``(n_frames,)``."""
        return self.f0_hz > 0


def write_pitch_csv(track: PitchTrack, path: str | os.PathLike) -> None:
    """Write a track as a MIREX ``time,frequency`` CSV (no header, 6 decimals).

    Parameters
    ----------
    track : PitchTrack
    path : path-like
        Written atomically.
    """
    with atomic_path(path) as tmp:
        np.savetxt(tmp, np.column_stack([track.times_s, track.f0_hz]), fmt="%.6f", delimiter=",")


def load_pitch_csv(path: str | os.PathLike) -> PitchTrack:
    """Read a MIREX ``time,frequency`` CSV (no header; 0 or negative = unvoiced).

    Negative frequencies (MIREX "unvoiced guess") are read as unvoiced (0).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    track : PitchTrack

    Raises
    ------
    MotivicError
        Naming the file if it is missing, empty, not two numeric columns, holds
        non-finite values or times that do not increase.
    """
    try:
        with open(path) as handle:
            rows = [line.strip() for line in handle if line.strip()]
    except OSError as err:
        raise MotivicError(f"pitch file {path}: cannot be read ({err})") from err
    if not rows:
        raise MotivicError(f"pitch file {path}: empty; expected lines 'time,frequency'")
    data = np.empty((len(rows), 2))
    for k, row in enumerate(rows):
        fields = row.split(",")
        try:
            if len(fields) != 2:
                raise ValueError(f"{len(fields)} fields")
            data[k] = [float(fields[0]), float(fields[1])]
        except ValueError as err:
            raise MotivicError(
                f"pitch file {path}, line {k + 1}: {row!r} is not 'time,frequency' ({err})"
            ) from err
    if not np.all(np.isfinite(data)):
        raise MotivicError(f"pitch file {path}: non-finite time or frequency")
    if np.any(np.diff(data[:, 0]) <= 0):
        raise MotivicError(f"pitch file {path}: times must be strictly increasing")
    return PitchTrack(data[:, 0], np.maximum(data[:, 1], 0.0))
