"""Tests for the speed paths of training: AMP (bf16 on CPU), channels_last, DataLoader workers.

The CUDA-only parts (fp16 with loss scaling, pinned memory) run in the ``gpu``-marked test;
everything else runs the same code on the CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from motivic.core.errors import MotivicError
from motivic.features import MelStore, MelStoreWriter, feature_params
from motivic.train import accel
from motivic.train.augment import SpecAugment
from motivic.train.checkpoints import load_checkpoint
from motivic.train.config import TrainConfig
from motivic.train.datasets import MelDataset, label_index, make_loader
from motivic.train.loop import fit, predict

N_MELS, N_FRAMES, N_CLASSES = 8, 24, 3


class TinyConvNet(nn.Module):
    """conv → BN → ReLU → mean over time → linear; records its conv output's dtype, layout."""

    def __init__(self, n_classes: int = N_CLASSES, channels: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(1, channels, 3, padding=1, bias=False)  # BN follows
        self.bn = nn.BatchNorm2d(channels)
        self.fc = nn.Linear(channels * N_MELS, n_classes)
        self.seen_dtypes: set[torch.dtype] = set()
        self.seen_channels_last: set[bool] = set()

    def forward(self, x):
        h = self.conv(x)
        self.seen_dtypes.add(h.dtype)
        # (a 1-channel input is both layouts at once; the 4-channel activation is not)
        self.seen_channels_last.add(h.is_contiguous(memory_format=torch.channels_last))
        h = torch.relu(self.bn(h)).mean(dim=3).flatten(1)
        return self.fc(h)


def _write_store(path: Path, n: int = 60, seed: int = 0) -> Path:
    """A separable HDF5 store: class k lights up bands 2k, 2k + 1."""
    rng = np.random.default_rng(seed)
    params = feature_params(kind="logmel", n_mels=N_MELS, n_frames=N_FRAMES)
    with MelStoreWriter(path, params=params, dataset="motivic") as writer:
        for i in range(n):
            k = i % N_CLASSES
            valid = int(rng.integers(6, N_FRAMES + 1))
            mel = rng.normal(size=(N_MELS, N_FRAMES)).astype(np.float32)
            mel[2 * k : 2 * k + 2] += 2.0
            mel[:, valid:] = 0.0
            writer.append(
                mel,
                valid,
                segment_id=f"s{i}",
                recording=f"r{i % 6}",
                label=f"class{k}",
                group=f"r{i % 6}",
                motif_id="m",
                start_s=float(i),
                end_s=float(i) + 0.5,
            )
    return path


class PidCheckingStore(MelStore):
    """A MelStore whose reads fail if the HDF5 handle in use was opened by another process."""

    def read(self, i):
        out = super().read(i)
        if self._pid != os.getpid():
            raise RuntimeError(f"HDF5 handle of pid {self._pid} used in pid {os.getpid()}")
        return out


def _fit(tmp_path, cfg, *, store=None, name="m.pt", model=None):
    store = store or MelStore(_write_store(tmp_path / "store.h5"))
    mapping = label_index(store.index["label"])
    augment = SpecAugment(policy="both", freq_mask_bands=2, time_mask_frames=4)
    train = MelDataset(store, range(42), label_to_index=mapping, augment=augment, seed=3)
    val = MelDataset(store, range(42, 60), label_to_index=mapping)
    kw = {"batch_size": cfg.batch_size, "min_frames": 4, "num_workers": cfg.num_workers}
    torch.manual_seed(0)
    model = model or TinyConvNet()
    history = fit(
        model,
        make_loader(train, shuffle=True, seed=cfg.seed, **kw),
        make_loader(val, shuffle=False, seed=cfg.seed, **kw),
        cfg,
        device="cpu",
        checkpoint_path=tmp_path / name,
        model_name="tiny",
        label_names=sorted(mapping),
        resume=False,
    )
    return model, history, val, kw


CFG = TrainConfig(epochs=3, batch_size=8, learning_rate=0.02, patience=5, device="cpu")


def test_amp_modes_and_their_errors():
    assert accel.amp_dtype("off", "cpu") is None
    assert accel.amp_dtype("bf16", "cpu") == torch.bfloat16
    with pytest.raises(MotivicError, match="fp16 needs CUDA"):
        accel.amp_dtype("fp16", "cpu")
    with pytest.raises(MotivicError, match="training.amp='auto'"):
        accel.amp_dtype("auto", "cpu")
    with pytest.raises(MotivicError, match="training.amp"):
        TrainConfig(amp="on")
    assert not accel.grad_scaler("bf16", "cpu").is_enabled()  # bf16 needs no loss scaling


def test_fp16_on_cpu_fails_before_training(tmp_path):
    with pytest.raises(MotivicError, match="fp16 needs CUDA"):
        _fit(tmp_path, TrainConfig(epochs=1, device="cpu", amp="fp16"))


def test_bf16_autocast_trains_on_cpu_and_differs_from_fp32_only_by_rounding(tmp_path):
    fp32, h32, val, kw = _fit(tmp_path, CFG, name="fp32.pt")
    bf16, h16, _, _ = _fit(tmp_path, TrainConfig(**{**CFG.to_dict(), "amp": "bf16"}), name="bf.pt")
    assert fp32.seen_dtypes == {torch.float32}
    assert bf16.seen_dtypes == {torch.bfloat16}  # the convolution really ran in bfloat16
    assert all(p.dtype == torch.float32 for p in bf16.parameters())  # weights stay float32
    assert max(h16.val_accuracy) >= 0.8 and max(h32.val_accuracy) >= 0.8
    diffs = [(a - b).abs().max().item() for a, b in zip(fp32.parameters(), bf16.parameters())]
    assert max(diffs) > 0  # rounding changed the trajectory ...
    assert max(diffs) < 0.5  # ... but not the solution
    loader = make_loader(val, shuffle=False, seed=0, **kw)
    p32, _ = predict(fp32, loader, device="cpu")
    p16, _ = predict(fp32, loader, device="cpu", amp="bf16")
    assert np.abs(p32 - p16).max() < 0.05 and not np.array_equal(p32, p16)


def test_channels_last_converts_conv_models_only_and_keeps_results(tmp_path):
    assert accel.use_channels_last(nn.LSTM(4, 4), True) is False
    plain, hp, _, _ = _fit(tmp_path, CFG, name="plain.pt")
    cl_cfg = TrainConfig(**{**CFG.to_dict(), "channels_last": True})
    nhwc, hc, _, _ = _fit(tmp_path, cl_cfg, name="nhwc.pt")
    assert nhwc.conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert nhwc.seen_channels_last == {True} and plain.seen_channels_last == {False}
    for a, b in zip(plain.parameters(), nhwc.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert hp.val_accuracy == hc.val_accuracy
    saved = load_checkpoint(tmp_path / "nhwc.pt")["state_dict"]
    fresh = TinyConvNet()
    fresh.load_state_dict(saved)  # a channels-last checkpoint loads into a plain model
    assert fresh.conv.weight.is_contiguous() and torch.equal(fresh.conv.weight, saved["conv.weight"])


def test_workers_open_their_own_hdf5_handle_and_match_single_process(tmp_path):
    path = _write_store(tmp_path / "store.h5")
    store = PidCheckingStore(path)
    store.read(0)  # the parent holds an open handle when the workers fork
    assert store.is_open
    m0, h0, _, _ = _fit(tmp_path, CFG, store=store, name="w0.pt")
    cfg2 = TrainConfig(**{**CFG.to_dict(), "num_workers": 2})
    m2, h2, _, _ = _fit(tmp_path, cfg2, store=store, name="w2.pt")
    for a, b in zip(m0.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)  # bit-identical: augmentation and order do not depend on workers
    assert h0.train_loss == h2.train_loss


def test_peak_memory_is_positive():
    assert accel.peak_memory_bytes("cpu") > 10 * 2**20


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fp16_bf16_pinned_memory(tmp_path):
    store = MelStore(_write_store(tmp_path / "store.h5"))
    mapping = label_index(store.index["label"])
    ds = MelDataset(store, range(60), label_to_index=mapping)
    loader = make_loader(ds, batch_size=8, shuffle=False, device="cuda")
    assert loader.pin_memory
    for amp in ("fp16", "bf16"):
        cfg = TrainConfig(epochs=2, batch_size=8, learning_rate=0.02, device="cuda", amp=amp)
        torch.manual_seed(0)
        model = TinyConvNet()
        fit(
            model,
            loader,
            loader,
            cfg,
            device="cuda",
            checkpoint_path=tmp_path / f"{amp}.pt",
            model_name="tiny",
            label_names=sorted(mapping),
            resume=False,
        )
        assert model.seen_dtypes == {torch.float16 if amp == "fp16" else torch.bfloat16}
