"""PyTorch datasets, samplers and loaders over a log-mel store.

The dataset reads through any object with ``__len__``, ``read(i) -> (mel,
valid_frames)`` and an ``index`` DataFrame with a ``label`` column (the
contract of :class:`motivic.features.MelStore`), so tests can pass a fake.

Reproducible augmentation
-------------------------
Each item's augmentation draws from ``np.random.default_rng([seed, epoch,
position])``. The result depends only on the item and the epoch, not on the
worker that loads it nor on ``num_workers``; items still get different masks
from each other and from one epoch to the next. Persistent workers keep their
own copy of the dataset, so the epoch cannot be set on it from the main
process: :class:`LengthBucketSampler` with ``tag_epoch=True`` (what
:func:`make_loader` uses) yields ``(epoch, position)`` keys instead.

Cropping batches
----------------
The paper zero-pads the audio of every segment to 426 frames; most segments
are far shorter, so most of the compute goes to padding. :func:`collate_crop`
cuts a batch to its longest valid length (at least ``min_frames``). Only
padding is removed. Items are padded with silence, the log floor
(``MelDataset(pad_value=motivic.features.silence_value(params))``), and every
registry model takes the batch's ``valid_frames`` as ``lengths`` and ignores
the frames after them (:mod:`motivic.train.models.masking`), so in eval mode cropped
and fixed-length batches give the same outputs; in training, batch
composition still differs (bucketing), so train and evaluate with the same
setting (``TrainConfig.crop_to_batch``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from motivic.core.errors import MotivicError

__all__ = [
    "LengthBucketSampler",
    "MelDataset",
    "Standardise",
    "band_statistics",
    "collate_crop",
    "label_index",
    "make_loader",
    "plan_items",
    "store_valid_frames",
]

logger = logging.getLogger(__name__)

Augment = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


def label_index(labels: Iterable) -> dict[str, int]:
    """Map each distinct label (as ``str``) to an integer, in sorted order.

    Parameters
    ----------
    labels : iterable
        Labels, repeated or not.

    Returns
    -------
    mapping : dict[str, int]
        ``{label: i}`` with labels sorted, ``i`` in ``0 .. n_classes - 1``.

    Examples
    --------
    >>> label_index(["b", "a", "b"])
    {'a': 0, 'b': 1}
    """
    return {label: i for i, label in enumerate(sorted({str(x) for x in labels}))}


def store_valid_frames(store, indices: Sequence[int]) -> np.ndarray:
    """Valid length of each listed segment, without reading spectrograms when possible.

    Uses, in order: an ``index["valid_frames"]`` column, a ``store.valid_frames``
    array, or ``store.read(i)[1]`` per segment.

    Returns
    -------
    valid_frames : np.ndarray [shape=(len(indices),), dtype=int64]
    """
    idx = np.asarray(indices, dtype=np.int64)
    index = getattr(store, "index", None)
    if index is not None and "valid_frames" in getattr(index, "columns", ()):
        return np.asarray(index["valid_frames"], dtype=np.int64)[idx]
    attr = getattr(store, "valid_frames", None)
    if attr is not None and not callable(attr):
        return np.asarray(attr, dtype=np.int64)[idx]
    logger.debug("reading %d spectrograms to get their valid lengths", idx.size)
    return np.array([int(store.read(int(i))[1]) for i in idx], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Standardise:
    """Standardisation ``(mel - mean) / std``, per band or with one global mean and std.

    Callable ``(mel, valid_frames) -> mel`` for ``MelDataset(normalise=...)``.

    Parameters
    ----------
    mean, std : np.ndarray [shape=(n_mels,) or (1,)]
        Statistics of the training set: per band (:func:`band_statistics`), or
        one value for all bands, Pons et al.'s "not attribute-wise"
        normalisation (``motivic.features.channel_stats(..., per_band=False)``).
    pad_value : float or None
        ``None`` (default): the padding is standardised like the valid frames,
        so padding with silence stays standardised silence. A number: value
        of the frames after ``valid_frames``.
    """

    mean: np.ndarray
    std: np.ndarray
    pad_value: float | None = None

    def __call__(self, mel: np.ndarray, valid_frames: int) -> np.ndarray:
        mean = np.asarray(self.mean, dtype=np.float32).reshape(-1)[:, None]
        std = np.asarray(self.std, dtype=np.float32).reshape(-1)[:, None]
        out = ((mel - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
        if self.pad_value is not None:
            out[:, valid_frames:] = self.pad_value
        return out


def band_statistics(store, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each mel band over the valid frames of ``indices``.

    Returns
    -------
    mean, std : np.ndarray [shape=(n_mels,), dtype=float32]
    """
    total = total_sq = None
    count = 0
    for i in indices:
        mel, valid = store.read(int(i))
        part = np.asarray(mel[:, :valid], dtype=np.float64)
        total = part.sum(1) if total is None else total + part.sum(1)
        total_sq = (part**2).sum(1) if total_sq is None else total_sq + (part**2).sum(1)
        count += part.shape[1]
    if not count:
        raise MotivicError("band_statistics: the selected segments have no valid frames")
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 0.0))
    return mean.astype(np.float32), std.astype(np.float32)


class MelDataset(Dataset):
    """Labelled log-mel segments of a store.

    Parameters
    ----------
    store : MelStore-like
        ``__len__``, ``read(i) -> (mel [n_mels, n_frames], valid_frames)`` and
        ``index`` (DataFrame with a ``label`` column, row ``i`` = segment ``i``).
    indices : sequence of int [shape=(n,)]
        Store rows of the items, in item order (repeats allowed, e.g. for
        augmented copies).
    label_to_index : dict[str, int]
        Class number of each label (see :func:`label_index`).
    augment : callable, sequence of callables or None
        ``(mel, valid_frames, rng) -> mel`` applied to every item, or one
        callable (or ``None``) per item.
    normalise : callable or None
        ``(mel, valid_frames) -> mel``, applied before ``augment``.
    seed : int
        Seed of the per-item augmentation generators.
    pad_value : float or None
        Value written to the frames after ``valid_frames`` as each item is
        read, before ``normalise``: the log floor
        (:func:`motivic.features.silence_value`), so every batch pads with
        silence whatever the store was padded with. ``None`` keeps the store's.
    cache : bool
        Keep every store row in memory after its first read (only its valid
        frames when ``pad_value`` is set), so later epochs do not read and
        decompress the store again. Each process keeps its own copy: meant for
        in-process loading (``num_workers=0``) of stores that fit in memory.

    Items
    -----
    ``(x, valid_frames, label, position)``: ``x`` a float32 tensor
    ``[1, n_mels, n_frames]``, ``position`` the item's index in this dataset.
    ``dataset[i]`` uses :attr:`epoch`; ``dataset[(epoch, i)]`` overrides it.
    """

    def __init__(
        self,
        store,
        indices: Sequence[int],
        *,
        label_to_index: dict[str, int],
        augment: Augment | Sequence[Augment | None] | None = None,
        normalise: Callable[[np.ndarray, int], np.ndarray] | None = None,
        seed: int = 0,
        pad_value: float | None = None,
        cache: bool = False,
    ) -> None:
        self.store = store
        self.pad_value = pad_value
        self._cache: dict[int, tuple[np.ndarray, int, int]] | None = {} if cache else None
        self.indices = np.asarray(indices, dtype=np.int64)
        if self.indices.ndim != 1:
            raise MotivicError(f"indices has shape {self.indices.shape}; expected one dimension")
        n_store = len(store)
        if self.indices.size and (self.indices.min() < 0 or self.indices.max() >= n_store):
            raise MotivicError(
                f"indices must lie in [0, {n_store}) (store size); found "
                f"[{self.indices.min()}, {self.indices.max()}]"
            )
        raw = np.asarray(store.index["label"]).astype(str)[self.indices]
        unknown = sorted(set(raw) - set(label_to_index))
        if unknown:
            raise MotivicError(
                f"labels {unknown[:5]} are missing from label_to_index "
                f"({sorted(label_to_index)[:5]}...)"
            )
        self.labels = np.array([label_to_index[x] for x in raw], dtype=np.int64)
        if augment is not None and not callable(augment):
            augment = list(augment)
            if len(augment) != self.indices.size:
                raise MotivicError(
                    f"augment has {len(augment)} entries; expected one per item "
                    f"({self.indices.size})"
                )
        self.augment = augment
        self.normalise = normalise
        self.seed = int(seed)
        self.epoch = 0
        self._valid_frames: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.indices.size)

    def set_epoch(self, epoch: int) -> None:
        """Epoch used by ``dataset[i]`` (in this process only)."""
        self.epoch = int(epoch)

    @property
    def valid_frames(self) -> np.ndarray:
        """Valid length of every item, int64 [n] (cached)."""
        if self._valid_frames is None:
            self._valid_frames = store_valid_frames(self.store, self.indices)
        return self._valid_frames

    def _augment_for(self, position: int) -> Augment | None:
        if self.augment is None or callable(self.augment):
            return self.augment
        return self.augment[position]

    def _read(self, row: int) -> tuple[np.ndarray, int]:
        """Spectrogram of store row ``row`` with its padding set to ``pad_value``, and its valid length."""
        if self._cache is not None and row in self._cache:
            kept, valid, n_frames = self._cache[row]
            if self.pad_value is None:
                return kept.copy(), valid
            mel = np.full((*kept.shape[:-1], n_frames), self.pad_value, dtype=np.float32)
            mel[..., : kept.shape[-1]] = kept
            return mel, valid
        mel, valid = self.store.read(row)
        mel = np.asarray(mel, dtype=np.float32)
        valid = int(valid)
        if self._cache is not None:
            kept = mel[..., :valid] if self.pad_value is not None else mel
            self._cache[row] = (kept.copy(), valid, mel.shape[-1])
        if self.pad_value is not None and valid < mel.shape[-1]:
            mel = mel.copy()
            mel[:, valid:] = self.pad_value
        return mel, valid

    def __getitem__(self, key):
        epoch, position = key if isinstance(key, tuple) else (self.epoch, key)
        position = int(position)
        mel, valid = self._read(int(self.indices[position]))
        if self.normalise is not None:
            mel = self.normalise(mel, valid)
        augment = self._augment_for(position)
        if augment is not None:
            rng = np.random.default_rng([self.seed, int(epoch), position])
            mel = augment(mel, valid, rng)
        x = torch.from_numpy(np.ascontiguousarray(mel, dtype=np.float32)).unsqueeze(0)
        return x, valid, int(self.labels[position]), position


def plan_items(
    indices: Sequence[int],
    plan: Sequence[tuple[int, str]],
    make_augment: Callable[[str], Augment],
) -> tuple[np.ndarray, list[Augment | None]]:
    """Expand training indices with the masked copies of an augmentation plan.

    Parameters
    ----------
    indices : sequence of int [shape=(n,)]
        Store rows of the original training items.
    plan : list of (position, policy)
        From :func:`motivic.train.augment.augmentation_plan`; ``position`` indexes ``indices``.
    make_augment : callable
        ``policy -> augment callable``, e.g. ``lambda p: SpecAugment(policy=p)``.

    Returns
    -------
    indices : np.ndarray [shape=(n + len(plan),)]
        Originals first, then one row per copy.
    augments : list
        ``None`` for the originals, the copy's augment callable otherwise; pass
        as ``MelDataset(augment=...)``.
    """
    base = np.asarray(indices, dtype=np.int64)
    cache: dict[str, Augment] = {}
    augments: list[Augment | None] = [None] * base.size
    extra = []
    for position, policy in plan:
        extra.append(base[position])
        if policy not in cache:
            cache[policy] = make_augment(policy)
        augments.append(cache[policy])
    return np.concatenate([base, np.asarray(extra, dtype=np.int64)]), augments


def collate_crop(batch, *, crop: bool = True, min_frames: int = 32):
    """Stack items of :class:`MelDataset`, optionally cropped to the longest valid length.

    Parameters
    ----------
    batch : list of (x [1, n_mels, n_frames], valid_frames, label, position)
    crop : bool
        Cut the time axis to ``max(max(valid_frames), min_frames)`` frames
        (never beyond ``n_frames``); see the module notes on its effect.
    min_frames : int >= 1
        Shortest cropped length, so models with strided pooling get enough frames.

    Returns
    -------
    x : torch.Tensor [shape=(batch, 1, n_mels, frames), dtype=float32]
    valid_frames, labels, positions : torch.Tensor [shape=(batch,), dtype=int64]
    """
    xs, valid, labels, positions = zip(*batch)
    valid_t = torch.as_tensor(valid, dtype=torch.int64)
    if crop:  # crop each item before stacking: only the kept frames are copied
        frames = min(max(int(valid_t.max()), int(min_frames)), xs[0].shape[-1])
        xs = [x[..., :frames] for x in xs]
    return (
        torch.stack(xs),
        valid_t,
        torch.as_tensor(labels, dtype=torch.int64),
        torch.as_tensor(positions, dtype=torch.int64),
    )


#: Fewest sorting chunks per shuffled epoch (:class:`LengthBucketSampler`).
_MIN_CHUNKS = 4


class LengthBucketSampler(torch.utils.data.Sampler):
    """Batch sampler grouping items of similar valid length.

    Each epoch: permute the items (if ``shuffle``), cut the permutation into
    chunks of ``c * batch_size`` items, stable-sort each chunk by valid length,
    cut it into batches and shuffle the batch order. ``c`` is
    ``chunk_batches``, but at most a quarter of the epoch's batches (at least
    1), so a small training set is never sorted whole into the same length
    strata every epoch: each chunk is a fresh random quarter of it, and an
    item's batch mates change from epoch to epoch (with 4 batches or fewer,
    batches are plain shuffled ones). Without ``shuffle`` all items are sorted
    by length (one chunk) and the batches come in order. The order depends
    only on ``(seed, epoch)``.

    Parameters
    ----------
    valid_frames : array-like of int [shape=(n,)]
        Valid length of each item.
    batch_size : int >= 1
    shuffle : bool
    seed : int
    chunk_batches : int >= 1
        Most batches per sorting chunk: larger means tighter length buckets and less
        randomness (capped at a quarter of the epoch's batches).
    bucket : bool
        ``False`` skips the sorting (plain shuffled batches).
    drop_last : bool
        Drop the final incomplete batch.
    tag_epoch : bool
        Yield ``(epoch, position)`` keys instead of positions (see the module notes).
    """

    def __init__(
        self,
        valid_frames: Sequence[int],
        batch_size: int,
        *,
        shuffle: bool,
        seed: int = 0,
        chunk_batches: int = 16,
        bucket: bool = True,
        drop_last: bool = False,
        tag_epoch: bool = False,
    ) -> None:
        if batch_size < 1:
            raise MotivicError(f"batch_size={batch_size} must be >= 1")
        if chunk_batches < 1:
            raise MotivicError(f"chunk_batches={chunk_batches} must be >= 1")
        self.valid_frames = np.asarray(valid_frames, dtype=np.int64)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.chunk_batches = int(chunk_batches)
        self.bucket = bool(bucket)
        self.drop_last = bool(drop_last)
        self.tag_epoch = bool(tag_epoch)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose order the next iteration yields."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n = self.valid_frames.size
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def chunk_size(self) -> int:
        """Items per sorting chunk when shuffling: ``chunk_batches`` batches, at most a quarter of the epoch's."""
        n_batches = -(-self.valid_frames.size // self.batch_size)
        return self.batch_size * max(1, min(self.chunk_batches, n_batches // _MIN_CHUNKS))

    def batches(self) -> list[np.ndarray]:
        """Positions of each batch of the current epoch."""
        n = self.valid_frames.size
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        if self.bucket:
            chunk = self.chunk_size() if self.shuffle else max(n, 1)
            parts = [order[i : i + chunk] for i in range(0, n, chunk)]
            order = (
                np.concatenate([p[np.argsort(self.valid_frames[p], kind="stable")] for p in parts])
                if parts
                else order
            )
        batches = [order[i : i + self.batch_size] for i in range(0, n, self.batch_size)]
        if self.drop_last and batches and batches[-1].size < self.batch_size:
            batches.pop()
        if self.shuffle and self.bucket:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __iter__(self) -> Iterator[list]:
        for batch in self.batches():
            if self.tag_epoch:
                yield [(self.epoch, int(p)) for p in batch]
            else:
                yield [int(p) for p in batch]


def _worker_init(worker_id: int) -> None:
    """Seed NumPy's legacy global generator in each worker from torch's per-worker seed.

    The dataset's own augmentation uses per-item generators; this only keeps
    any third-party code that uses ``np.random`` from repeating across workers.
    """
    np.random.seed(torch.initial_seed() % 2**32)


def make_loader(
    dataset: MelDataset,
    *,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
    crop: bool = True,
    min_frames: int = 32,
    bucket: bool = True,
    num_workers: int = 0,
    device: torch.device | str | None = None,
    drop_last: bool = False,
) -> DataLoader:
    """DataLoader over a :class:`MelDataset` with a length-bucketing, epoch-tagging batch sampler.

    Call ``loader.batch_sampler.set_epoch(epoch)`` before each epoch (``train.fit`` does).

    Parameters
    ----------
    dataset : MelDataset
    batch_size : int >= 1
    shuffle : bool
        Shuffle each epoch (training); otherwise items come sorted by length.
    seed : int
        Seed of the batch order and of the loader's ``torch.Generator``.
    crop, min_frames
        See :func:`collate_crop`.
    bucket : bool
        Group items of similar length (see :class:`LengthBucketSampler`).
    num_workers : int >= 0
        Worker processes; workers persist across epochs when > 0.
    device : torch.device, str or None
        Target device; memory is pinned when it is CUDA.
    drop_last : bool
        Drop the last incomplete batch.

    Returns
    -------
    loader : torch.utils.data.DataLoader
        Yields ``(x, valid_frames, labels, positions)`` (see :func:`collate_crop`).
    """
    if num_workers < 0:
        raise MotivicError(f"num_workers={num_workers} must be >= 0")
    sampler = LengthBucketSampler(
        dataset.valid_frames,
        batch_size,
        shuffle=shuffle,
        seed=seed,
        bucket=bucket,
        drop_last=drop_last,
        tag_epoch=True,
    )
    generator = torch.Generator()
    generator.manual_seed(int(seed))
    pin = device is not None and torch.device(device).type == "cuda"
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=functools.partial(collate_crop, crop=crop, min_frames=min_frames),
        num_workers=num_workers,
        pin_memory=pin,
        persistent_workers=num_workers > 0,
        worker_init_fn=_worker_init if num_workers > 0 else None,
        generator=generator,
    )
