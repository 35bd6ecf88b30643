"""The HDF5 store of one feature set of one dataset: writer, reader, training-split statistics."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from motivic import __version__
from motivic.core.errors import MotivicError
from motivic.core.io import atomic_path
from motivic.features.spectra import _same, feature_params

logger = logging.getLogger(__name__)

INDEX_STRING_COLUMNS = ("segment_id", "recording", "label", "group", "motif_id")
INDEX_FLOAT_COLUMNS = ("start_s", "end_s")

# ---------------------------------------------------------------------------
# HDF5 store
# ---------------------------------------------------------------------------


class MelStoreWriter:
    """Stream fixed-size spectrograms into a new store, atomically.

    Use as a context manager. The store is written to a temporary file beside
    ``path`` (:func:`motivic.core.io.atomic_path`) and renamed into place only when
    the ``with`` block exits without an exception; otherwise nothing appears at
    ``path``.

    Parameters
    ----------
    path : str or path-like
        Destination ``.h5`` file.
    params : mapping
        Feature parameters (completed by :func:`feature_params`); they fix
        ``n_mels`` and ``n_frames`` and become root attributes.
    dataset : str
        Dataset name (for example ``"motivic"`` or ``"nonmotivic"``), stored as
        the ``dataset`` attribute.

    Examples
    --------
    >>> with MelStoreWriter(path, params=feature_params(), dataset="motivic") as w:  # doctest: +SKIP
    ...     w.append(mel, valid, segment_id="r1:m0:0", recording="r1", label="a",
    ...              group="r1", motif_id="m0", start_s=1.0, end_s=1.6)
    """

    def __init__(self, path: str | os.PathLike, *, params: Mapping, dataset: str):
        self.path = Path(path)
        self.params = feature_params(**params)
        if not isinstance(dataset, str) or not dataset:
            raise MotivicError(f"dataset={dataset!r} must be a non-empty string")
        self.dataset = dataset
        self._h5: h5py.File | None = None
        self._atomic = None
        self._n = 0
        self._index: dict[str, list] = {}
        self._valid: list[int] = []
        self._ids: set[str] = set()

    @property
    def n_segments(self) -> int:
        """Segments appended so far."""
        return self._n

    def __enter__(self) -> MelStoreWriter:
        if self._h5 is not None:
            raise RuntimeError("MelStoreWriter is already open")
        self._atomic = atomic_path(self.path)
        tmp = self._atomic.__enter__()
        try:
            self._h5 = h5py.File(tmp, "w")
            n_mels, n_frames = self.params["n_mels"], self.params["n_frames"]
            self._h5.create_dataset(
                "mel",
                shape=(0, n_mels, n_frames),
                maxshape=(None, n_mels, n_frames),
                chunks=(1, n_mels, n_frames),
                dtype=np.float32,
                compression="lzf",
            )
            self._h5.attrs.update(self.params)
            self._h5.attrs["dataset"] = self.dataset
            self._h5.attrs["motivic_version"] = __version__
        except BaseException:
            self._close()
            self._atomic.__exit__(*sys.exc_info())
            raise
        self._n = 0
        self._index = {c: [] for c in INDEX_STRING_COLUMNS + INDEX_FLOAT_COLUMNS}
        self._valid, self._ids = [], set()
        return self

    def append(
        self,
        mel_padded: np.ndarray,
        valid_frames: int,
        *,
        segment_id: str,
        recording: str,
        label: str,
        group: str,
        motif_id: str,
        start_s: float,
        end_s: float,
    ) -> None:
        """Add one segment.

        Parameters
        ----------
        mel_padded : np.ndarray [shape=(n_mels, n_frames)]
            Output of :func:`pad_or_crop`.
        valid_frames : int in [0, n_frames]
            Frames before padding.
        segment_id : str
            Unique id of the segment within the store.
        recording, label, group, motif_id : str
            Index fields (``motif_id=""`` for control segments).
        start_s, end_s : float
            Segment bounds in the recording, in seconds.

        Raises
        ------
        MotivicError
            On a wrong shape, ``valid_frames`` out of range or a repeated id.
        """
        if self._h5 is None:
            raise RuntimeError("MelStoreWriter.append outside its with block")
        shape = (self.params["n_mels"], self.params["n_frames"])
        mel_padded = np.asarray(mel_padded, dtype=np.float32)
        if mel_padded.shape != shape:
            raise MotivicError(
                f"segment {segment_id!r}: mel shape {mel_padded.shape} must be {shape} "
                "(n_mels, n_frames); use pad_or_crop"
            )
        if not 0 <= int(valid_frames) <= shape[1]:
            raise MotivicError(
                f"segment {segment_id!r}: valid_frames={valid_frames} not in [0, {shape[1]}]"
            )
        if segment_id in self._ids:
            raise MotivicError(f"segment_id {segment_id!r} appended twice to {self.path}")
        ds = self._h5["mel"]
        if self._n == ds.shape[0]:
            ds.resize(max(64, 2 * self._n), axis=0)
        ds[self._n] = mel_padded
        self._n += 1
        self._ids.add(segment_id)
        self._valid.append(int(valid_frames))
        fields = {
            "segment_id": segment_id,
            "recording": recording,
            "label": label,
            "group": group,
            "motif_id": motif_id,
            "start_s": float(start_s),
            "end_s": float(end_s),
        }
        for key, value in fields.items():
            self._index[key].append(value if key in INDEX_FLOAT_COLUMNS else str(value))

    def _finalize(self) -> None:
        self._h5["mel"].resize(self._n, axis=0)
        self._h5.create_dataset("valid_frames", data=np.asarray(self._valid, dtype=np.int32))
        index = self._h5.create_group("index")
        for key in INDEX_STRING_COLUMNS:
            index.create_dataset(
                key,
                data=np.asarray(self._index[key], dtype=object),
                dtype=h5py.string_dtype("utf-8"),
                shape=(self._n,),
            )
        for key in INDEX_FLOAT_COLUMNS:
            index.create_dataset(key, data=np.asarray(self._index[key], dtype=np.float64))
        if self._n == 0:
            logger.warning("mel store %s holds no segments", self.path)
        logger.info("wrote %d segments to %s", self._n, self.path)

    def _close(self) -> None:
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._finalize()
        except BaseException:
            self._close()
            self._atomic.__exit__(*sys.exc_info())
            raise
        self._close()
        return bool(self._atomic.__exit__(exc_type, exc, tb))


def _plain(value):
    """HDF5 attribute value -> plain Python value."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value


class MelStore:
    """Read-only access to a store written by :class:`MelStoreWriter`.

    The data file handle is opened lazily on first :meth:`read` and reopened
    when the process id changes, so one instance can be shared with forked
    DataLoader workers (h5py handles must not cross a fork). Metadata
    (``attrs``, ``index``) is read through short-lived handles and cached.
    Pickling drops the handle (spawned workers reopen).

    Parameters
    ----------
    path : str or path-like
        Store file.

    Raises
    ------
    MotivicError
        If ``path`` does not exist.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_file():
            raise MotivicError(f"mel store {self.path} does not exist")
        self._h5: h5py.File | None = None
        self._pid: int | None = None
        self._attrs: dict | None = None
        self._index: pd.DataFrame | None = None
        self._valid: np.ndarray | None = None

    def _file(self) -> h5py.File:
        if self._h5 is None or self._pid != os.getpid():
            self._h5 = h5py.File(self.path, "r")  # a handle inherited by fork is dropped
            self._pid = os.getpid()
        return self._h5

    @property
    def is_open(self) -> bool:
        """Whether this process holds an open data handle."""
        return self._h5 is not None and self._pid == os.getpid()

    @property
    def attrs(self) -> dict:
        """Root attributes: feature parameters, ``dataset``, ``motivic_version``."""
        if self._attrs is None:
            with h5py.File(self.path, "r") as f:
                self._attrs = {k: _plain(v) for k, v in sorted(f.attrs.items())}
        return dict(self._attrs)

    @property
    def index(self) -> pd.DataFrame:
        """Segment table; row ``i`` describes segment ``i``."""
        if self._index is None:
            with h5py.File(self.path, "r") as f:
                group = f["index"]
                cols = {k: group[k].asstr()[()] for k in INDEX_STRING_COLUMNS}
                cols.update({k: group[k][()].astype(np.float64) for k in INDEX_FLOAT_COLUMNS})
            self._index = pd.DataFrame(cols, columns=list(cols))
        return self._index.copy()

    @property
    def valid_frames(self) -> np.ndarray:
        """Valid (unpadded) frames of every segment, int32 ``[n_segments]``."""
        if self._valid is None:
            with h5py.File(self.path, "r") as f:
                self._valid = f["valid_frames"][()].astype(np.int32)
                self._valid.setflags(write=False)
        return self._valid

    def __len__(self) -> int:
        if self._index is None:
            with h5py.File(self.path, "r") as f:
                return int(f["mel"].shape[0])
        return len(self._index)

    def read(self, i: int) -> tuple[np.ndarray, int]:
        """Spectrogram ``[n_mels, n_frames]`` (float32) and valid frames of segment ``i``."""
        f = self._file()
        n = f["mel"].shape[0]
        if not -n <= i < n:
            raise IndexError(f"segment {i} out of range for {n} segments in {self.path}")
        return f["mel"][i].astype(np.float32, copy=False), int(f["valid_frames"][i])

    def read_many(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Spectrograms ``[k, n_mels, n_frames]`` and valid frames ``[k]``, in the given order."""
        f = self._file()
        n = f["mel"].shape[0]
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"segment indices out of range for {n} segments in {self.path}")
        idx = np.where(idx < 0, idx + n, idx)
        uniq, inverse = np.unique(idx, return_inverse=True)
        if uniq.size == 0:
            shape = f["mel"].shape[1:]
            return np.zeros((0, *shape), np.float32), np.zeros(0, np.int32)
        mel = f["mel"][uniq]
        valid = f["valid_frames"][uniq]
        return mel[inverse].astype(np.float32, copy=False), valid[inverse].astype(np.int32)

    def check_params(self, expected: Mapping) -> None:
        """Raise if the store was built with other feature parameters.

        ``expected`` is completed with :func:`feature_params` (so a config
        section or a checkpoint's ``feature_params`` can be passed), then every
        key is compared in sorted order; floats with a relative tolerance of 1e-9.

        Raises
        ------
        MotivicError
            Naming the first differing key, the store file and both values.
        """
        want = feature_params(**expected)
        found = self.attrs
        for key, value in want.items():
            have = found.get(key, "<missing>")
            if not _same(have, value):
                raise MotivicError(
                    f"mel store {self.path}: feature parameter {key!r} is {have!r} in the "
                    f"store but {value!r} is expected; rebuild the store or fix the features config"
                )

    def close(self) -> None:
        """Close this process's data handle (reopened on the next read)."""
        if self.is_open:
            self._h5.close()
        self._h5, self._pid = None, None

    def __enter__(self) -> MelStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_h5"], state["_pid"] = None, None
        return state


def channel_stats(
    store: MelStore, indices: Sequence[int], *, per_band: bool = True, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the valid frames of some segments.

    Compute them on the training split only (Pons et al. 2016 normalise every
    input to zero mean and unit variance with dataset-wide statistics); apply
    as ``(mel - mean) / std``.

    Parameters
    ----------
    store : MelStore
        Feature store.
    indices : sequence of int
        Segments to use (the training split).
    per_band : bool
        One statistic per mel band (True) or one for all bands.
    batch_size : int > 0
        Segments read at a time.

    Returns
    -------
    mean, std : np.ndarray [shape=(n_mels, 1) or (1, 1), dtype=float32]
        Broadcastable against ``[n_mels, n_frames]``; ``std`` is at least 1e-8.

    Raises
    ------
    MotivicError
        If the selected segments have no valid frame.
    """
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    total, total_sq, count = 0.0, 0.0, 0
    for lo in range(0, idx.size, batch_size):
        mel, valid = store.read_many(idx[lo : lo + batch_size])
        mask = np.arange(mel.shape[2])[None, None, :] < valid[:, None, None]
        x = np.where(mask, mel.astype(np.float64), 0.0)
        axes = (0, 2) if per_band else (0, 1, 2)
        total = total + x.sum(axis=axes)
        total_sq = total_sq + (x**2).sum(axis=axes)
        count += int(valid.sum()) * (1 if per_band else mel.shape[1])
    if count == 0:
        raise MotivicError(f"channel_stats: the {idx.size} selected segments have no valid frame")
    mean = np.asarray(total, dtype=np.float64) / count
    var = np.clip(np.asarray(total_sq) / count - mean**2, 0.0, None)
    std = np.maximum(np.sqrt(var), 1e-8)
    shape = (-1, 1) if per_band else (1, 1)
    return mean.reshape(shape).astype(np.float32), std.reshape(shape).astype(np.float32)
