"""Tests for motivic.train.datasets: labels, MelDataset, cropping collate, bucketing sampler, loaders."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.train.augment import SpecAugment
from motivic.train.datasets import (
    LengthBucketSampler,
    MelDataset,
    Standardise,
    band_statistics,
    collate_crop,
    label_index,
    make_loader,
    plan_items,
    store_valid_frames,
)

N_MELS, N_FRAMES = 6, 24


class H5Store:
    """Minimal reader of the MelStore HDF5 layout (lazy handle, reopened per process)."""

    def __init__(self, path):
        self.path = str(path)
        self._file = None
        self._pid = None
        with h5py.File(self.path, "r") as f:
            self.attrs = dict(f.attrs)
            self.index = pd.DataFrame(
                {
                    k: (
                        f["index"][k].asstr()[:]
                        if f["index"][k].dtype.kind == "O"
                        else f["index"][k][:]
                    )
                    for k in f["index"]
                }
            )
            self._n = f["mel"].shape[0]

    def __len__(self):
        return self._n

    def read(self, i):
        import os

        if self._file is None or self._pid != os.getpid():
            self._file, self._pid = h5py.File(self.path, "r"), os.getpid()
        return self._file["mel"][i], int(self._file["valid_frames"][i])

    def __getstate__(self):
        return {**self.__dict__, "_file": None, "_pid": None}


def write_store(path, n=10, seed=0, labels=None):
    rng = np.random.default_rng(seed)
    valid = rng.integers(3, N_FRAMES + 1, size=n).astype(np.int32)
    mel = rng.normal(size=(n, N_MELS, N_FRAMES)).astype(np.float32)
    for i, v in enumerate(valid):
        mel[i, :, v:] = 0.0
    labels = labels or [["b", "a", "c"][i % 3] for i in range(n)]
    with h5py.File(path, "w") as f:
        f["mel"] = mel
        f["valid_frames"] = valid
        g = f.create_group("index")
        strings = {
            "segment_id": [f"s{i}" for i in range(n)],
            "recording": [f"r{i // 2}" for i in range(n)],
            "label": labels,
            "group": ["g"] * n,
            "motif_id": ["m"] * n,
        }
        for key, values in strings.items():
            g.create_dataset(
                key, data=np.array(values, dtype=object), dtype=h5py.string_dtype("utf-8")
            )
        g["start_s"] = np.arange(n, dtype=np.float64)
        g["end_s"] = np.arange(n, dtype=np.float64) + 1
        f.attrs["n_mels"] = N_MELS
    return mel, valid


@pytest.fixture
def store(tmp_path):
    mel, valid = write_store(tmp_path / "store.h5", n=10)
    s = H5Store(tmp_path / "store.h5")
    s.mel, s.valid = mel, valid
    return s


def test_label_index_is_sorted_and_deterministic():
    assert label_index(["zeta", "alpha", "zeta", "mu"]) == {"alpha": 0, "mu": 1, "zeta": 2}
    assert label_index([3, 1]) == {"1": 0, "3": 1}


def test_dataset_items_have_shapes_labels_and_positions(store):
    mapping = label_index(store.index["label"])
    ds = MelDataset(store, [4, 0, 7], label_to_index=mapping)
    assert len(ds) == 3
    x, valid, label, position = ds[1]
    assert x.shape == (1, N_MELS, N_FRAMES) and x.dtype == torch.float32
    np.testing.assert_array_equal(x[0].numpy(), store.mel[0])
    assert valid == store.valid[0] and position == 1
    assert label == mapping[store.index["label"][0]]
    np.testing.assert_array_equal(ds.valid_frames, store.valid[[4, 0, 7]])


def test_dataset_rejects_unknown_labels_and_bad_indices(store):
    with pytest.raises(MotivicError, match="label_to_index"):
        MelDataset(store, [0, 1], label_to_index={"a": 0})
    with pytest.raises(MotivicError, match="indices"):
        MelDataset(store, [0, 10], label_to_index=label_index(store.index["label"]))


def test_dataset_augmentation_is_reproducible_per_epoch_and_item(store):
    aug = SpecAugment(policy="both", freq_mask_bands=3, time_mask_frames=3)
    ds = MelDataset(
        store,
        list(range(10)),
        label_to_index=label_index(store.index["label"]),
        augment=aug,
        seed=4,
    )
    a0 = ds[(0, 2)][0]
    assert torch.equal(a0, ds[(0, 2)][0])
    ds.set_epoch(0)
    assert torch.equal(a0, ds[2][0])
    different = sum(not torch.equal(ds[(e, 2)][0], a0) for e in range(1, 8))
    assert different >= 5  # masks change from epoch to epoch
    # the masks equal spec_augment with the documented generator
    expected = aug(store.mel[2], int(store.valid[2]), np.random.default_rng([4, 0, 2]))
    np.testing.assert_array_equal(a0[0].numpy(), expected)


def test_plan_items_augments_only_copies(store):
    indices, augments = plan_items(
        [5, 6],
        [(1, "time"), (1, "frequency")],
        lambda p: SpecAugment(policy=p, fill_value=123.0, time_mask_frames=20, freq_mask_bands=6),
    )
    np.testing.assert_array_equal(indices, [5, 6, 6, 6])
    assert augments[:2] == [None, None] and augments[2].policy == "time"
    ds = MelDataset(
        store, indices, label_to_index=label_index(store.index["label"]), augment=augments
    )
    np.testing.assert_array_equal(ds[1][0][0].numpy(), store.mel[6])
    with pytest.raises(MotivicError, match="augment"):
        MelDataset(
            store, [5, 6], label_to_index=label_index(store.index["label"]), augment=augments
        )


def test_standardise_uses_valid_frames_only(store):
    mean, std = band_statistics(store, range(10))
    valid_cols = np.concatenate([store.mel[i][:, : store.valid[i]] for i in range(10)], axis=1)
    np.testing.assert_allclose(mean, valid_cols.mean(1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std, valid_cols.std(1), rtol=1e-5)
    ds = MelDataset(
        store,
        [3],
        label_to_index=label_index(store.index["label"]),
        normalise=Standardise(mean, std),
        pad_value=-13.8,
    )
    x = ds[0][0][0].numpy()
    v = store.valid[3]
    assert v < N_FRAMES
    np.testing.assert_allclose(
        x[:, :v], (store.mel[3][:, :v] - mean[:, None]) / std[:, None], rtol=1e-5
    )
    # padding is silence (the log floor), standardised like every other frame
    expected_pad = np.broadcast_to(((-13.8 - mean) / std)[:, None], x[:, v:].shape)
    np.testing.assert_allclose(x[:, v:], expected_pad, rtol=1e-5)


def test_dataset_pads_items_with_the_given_floor(store):
    ds = MelDataset(store, [3], label_to_index=label_index(store.index["label"]), pad_value=-13.8)
    x = ds[0][0][0].numpy()
    v = store.valid[3]
    np.testing.assert_array_equal(x[:, :v], store.mel[3][:, :v])
    assert (x[:, v:] == np.float32(-13.8)).all()


@pytest.mark.parametrize("pad_value", [None, -13.8])
def test_cached_dataset_gives_the_items_of_the_uncached_one(store, pad_value):
    """Every epoch, augmented copies and normalisation included; the store is read once per row."""
    rows = [3, 1, 3, 7, 1]  # repeated rows, as for masked copies
    reads = []
    read = store.read
    store.read = lambda i: reads.append(i) or read(i)
    common = {
        "label_to_index": label_index(store.index["label"]),
        "augment": [None, None, SpecAugment(policy="both", fill_value=-1.0), None, SpecAugment()],
        "normalise": Standardise(np.full(N_MELS, 0.5), np.full(N_MELS, 2.0)),
        "seed": 4,
        "pad_value": pad_value,
    }
    plain, cached = MelDataset(store, rows, **common), MelDataset(store, rows, cache=True, **common)
    for epoch in range(3):
        for position in range(len(rows)):
            want, got = plain[(epoch, position)], cached[(epoch, position)]
            torch.testing.assert_close(got[0], want[0], rtol=0, atol=0)
            assert got[1:] == want[1:]
    assert len(reads) == 3 * len(rows) + len(set(rows))  # plain: every time; cached: once per row


def test_standardise_with_one_global_mean_and_std(store):
    norm = Standardise(np.array([2.0]), np.array([4.0]), pad_value=0.0)
    mel = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    out = norm(mel, 3)
    np.testing.assert_allclose(out[:, :3], (mel[:, :3] - 2.0) / 4.0)
    assert (out[:, 3] == 0).all()


def test_collate_crop_cuts_to_longest_valid_length():
    items = [(torch.arange(40.0).reshape(1, 2, 20), v, v % 2, i) for i, v in enumerate([5, 9, 7])]
    x, valid, labels, positions = collate_crop(items, crop=True, min_frames=2)
    assert x.shape == (3, 1, 2, 9)
    torch.testing.assert_close(x[0], items[0][0][..., :9])
    assert (
        valid.tolist() == [5, 9, 7]
        and labels.tolist() == [1, 1, 1]
        and positions.tolist() == [0, 1, 2]
    )
    assert collate_crop(items, crop=True, min_frames=12)[0].shape[-1] == 12
    assert collate_crop(items, crop=True, min_frames=50)[0].shape[-1] == 20  # never beyond n_frames
    assert collate_crop(items, crop=False)[0].shape[-1] == 20
    torch.testing.assert_close(collate_crop(items, crop=False)[0][2], items[2][0])


def _epoch_batches(sampler, epoch):
    sampler.set_epoch(epoch)
    return [list(b) for b in sampler]


@settings(max_examples=50, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 400), min_size=0, max_size=80),
    batch_size=st.integers(1, 12),
    shuffle=st.booleans(),
    bucket=st.booleans(),
    seed=st.integers(0, 100),
    chunk=st.integers(1, 4),
)
def test_sampler_covers_every_index_once_property(
    lengths, batch_size, shuffle, bucket, seed, chunk
):
    sampler = LengthBucketSampler(
        lengths, batch_size, shuffle=shuffle, seed=seed, bucket=bucket, chunk_batches=chunk
    )
    for epoch in (0, 1):
        batches = _epoch_batches(sampler, epoch)
        flat = [p for b in batches for p in b]
        assert sorted(flat) == list(range(len(lengths)))
        assert len(batches) == len(sampler)
        assert all(len(b) == batch_size for b in batches[:-1] if not shuffle)
        assert sum(len(b) < batch_size for b in batches) <= 1


def test_sampler_is_deterministic_per_epoch_and_buckets_lengths():
    lengths = np.random.default_rng(0).integers(10, 400, size=200)
    s1 = LengthBucketSampler(lengths, 10, shuffle=True, seed=5, chunk_batches=5)
    s2 = LengthBucketSampler(lengths, 10, shuffle=True, seed=5, chunk_batches=5)
    assert _epoch_batches(s1, 3) == _epoch_batches(s2, 3)
    assert _epoch_batches(s1, 3) != _epoch_batches(s1, 4)
    assert _epoch_batches(s1, 3) != _epoch_batches(
        LengthBucketSampler(lengths, 10, shuffle=True, seed=6), 3
    )
    plain = LengthBucketSampler(lengths, 10, shuffle=True, seed=5, bucket=False)

    def padded(batches):
        return sum(len(b) * lengths[b].max() for b in map(np.array, batches))

    assert padded(_epoch_batches(s1, 3)) < 0.8 * padded(_epoch_batches(plain, 3))
    ordered = [
        p for b in _epoch_batches(LengthBucketSampler(lengths, 10, shuffle=False), 0) for p in b
    ]
    assert (np.diff(lengths[ordered]) >= 0).all()


def _mates(batches) -> dict[int, frozenset]:
    return {p: frozenset(b) - {p} for b in batches for p in b}


@pytest.mark.parametrize("n", [60, 200, 320])
def test_small_training_sets_are_not_sorted_into_fixed_strata(n):
    # issue 19: 16 batches of 20 used to be one sorting chunk, i.e. the whole of a training set
    # of <= 320 items, so every epoch cut the same length strata into the same batches
    lengths = np.random.default_rng(1).permutation(np.arange(20, 20 + n))  # distinct lengths
    sampler = LengthBucketSampler(lengths, 20, shuffle=True, seed=3)
    assert sampler.chunk_size() <= max(20, n // 4)
    one, two = _epoch_batches(sampler, 1), _epoch_batches(sampler, 2)
    assert {frozenset(b) for b in one} != {frozenset(b) for b in two}
    a, b = _mates(one), _mates(two)
    kept = np.mean([len(a[p] & b[p]) / max(len(a[p] | b[p]), 1) for p in range(n)])
    assert kept < 0.5  # an item's batch mates change from epoch to epoch
    if n >= 200:  # still bucketed: less padding than plain shuffled batches
        plain = LengthBucketSampler(lengths, 20, shuffle=True, seed=3, bucket=False)

        def padded(batches):
            return sum(len(b) * lengths[b].max() for b in map(np.array, batches))

        assert padded(one) < 0.9 * padded(_epoch_batches(plain, 1))


def test_sampler_drop_last_and_epoch_tags():
    sampler = LengthBucketSampler([5] * 7, 3, shuffle=False, drop_last=True, tag_epoch=True)
    sampler.set_epoch(2)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 2
    assert batches[0] == [(2, 0), (2, 1), (2, 2)]
    with pytest.raises(MotivicError, match="batch_size"):
        LengthBucketSampler([1], 0, shuffle=True)


def test_store_valid_frames_prefers_index_column(store):
    np.testing.assert_array_equal(store_valid_frames(store, [1, 2]), store.valid[[1, 2]])
    store.index["valid_frames"] = np.arange(10) + 100
    np.testing.assert_array_equal(store_valid_frames(store, [1, 2]), [101, 102])


@pytest.mark.parametrize("num_workers", [0, 2])
def test_make_loader_batches_are_cropped_and_reproducible(store, num_workers):
    mapping = label_index(store.index["label"])
    ds = MelDataset(
        store,
        list(range(10)),
        label_to_index=mapping,
        augment=SpecAugment(policy="both", freq_mask_bands=2, time_mask_frames=2),
    )
    loader = make_loader(
        ds, batch_size=4, shuffle=True, seed=1, min_frames=1, num_workers=num_workers
    )
    seen = []
    for epoch in (0, 1):
        loader.batch_sampler.set_epoch(epoch)
        for x, valid, labels, positions in loader:
            assert x.shape[-1] == int(valid.max())
            for row, p in enumerate(positions.tolist()):
                expected = ds[(epoch, p)][0][..., : x.shape[-1]]
                assert torch.equal(x[row], expected)  # same masks whatever the worker
            seen.append(sorted(positions.tolist()))
    assert sorted(p for b in seen[: len(loader)] for p in b) == list(range(10))
