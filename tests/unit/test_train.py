"""Tests for motivic.train: config, fit (best/last checkpoints, resume, early stopping), predict."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from motivic.core.errors import MotivicError
from motivic.train.augment import SpecAugment
from motivic.train.checkpoints import (
    check_feature_params,
    last_checkpoint_path,
    load_checkpoint,
    model_from_checkpoint,
    resolve_device,
)
from motivic.train.config import TrainConfig
from motivic.train.datasets import MelDataset, label_index, make_loader
from motivic.train.loop import fit, predict

ROOT = Path(__file__).resolve().parents[2]
N_MELS, N_FRAMES, N_CLASSES = 8, 16, 3
FEATURES = {"n_mels": N_MELS, "n_frames": N_FRAMES, "hop_s": 0.025}


class TinyNet(nn.Module):
    """conv → ReLU → mean over time → dropout → linear; any number of frames."""

    def __init__(self, n_classes: int, channels: int = 4, dropout: float = 0.2):
        super().__init__()
        self.conv = nn.Conv2d(1, channels, 3, padding=1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(channels * N_MELS, n_classes)

    def forward(self, x):
        h = torch.relu(self.conv(x)).mean(dim=3).flatten(1)
        return self.fc(self.drop(h))


def build(name, n_classes, **options):
    assert name == "tiny"
    return TinyNet(n_classes, **options)


class MemStore:
    """In-memory MelStore stand-in."""

    def __init__(self, mel, valid, labels):
        self.mel, self.valid = mel, valid
        self.index = pd.DataFrame({"label": labels})

    def __len__(self):
        return len(self.mel)

    def read(self, i):
        return self.mel[i], int(self.valid[i])


def separable_store(n=60, seed=0):
    """Class k lights up mel bands 2k and 2k + 1 over the valid frames."""
    rng = np.random.default_rng(seed)
    labels = np.array([f"class{i % N_CLASSES}" for i in range(n)])
    valid = rng.integers(4, N_FRAMES + 1, size=n)
    mel = rng.normal(size=(n, N_MELS, N_FRAMES)).astype(np.float32)
    for i in range(n):
        k = i % N_CLASSES
        mel[i, 2 * k : 2 * k + 2] += 2.0
        mel[i, :, valid[i] :] = 0.0
    return MemStore(mel, valid, labels)


def loaders(store, cfg, *, augment=None):
    mapping = label_index(store.index["label"])
    train = MelDataset(store, range(36), label_to_index=mapping, augment=augment, seed=2)
    val = MelDataset(store, range(36, 60), label_to_index=mapping)
    kw = {
        "batch_size": cfg.batch_size,
        "crop": cfg.crop_to_batch,
        "min_frames": 4,
        "num_workers": cfg.num_workers,
    }
    return (
        make_loader(train, shuffle=True, seed=cfg.seed, **kw),
        make_loader(val, shuffle=False, seed=cfg.seed, **kw),
        sorted(mapping),
    )


def run_fit(tmp_path, cfg, *, init_seed=0, augment=None, resume=True, name="model.pt"):
    store = separable_store()
    train, val, labels = loaders(store, cfg, augment=augment)
    torch.manual_seed(init_seed)
    model = build("tiny", len(labels), channels=4)
    rng_before = torch.get_rng_state()
    history = fit(
        model,
        train,
        val,
        cfg,
        device="cpu",
        checkpoint_path=tmp_path / name,
        model_name="tiny",
        model_kwargs={"channels": 4},
        feature_params=FEATURES,
        label_names=labels,
        resume=resume,
    )
    assert torch.equal(rng_before, torch.get_rng_state())  # the caller's generator is untouched
    return model, history


def test_train_config_from_dict_and_validation():
    cfg = TrainConfig.from_dict({"epochs": 3, "learning_rate": 0.01})
    assert cfg.epochs == 3 and cfg.batch_size == 20 and cfg.learning_rate == 0.01
    with pytest.raises(MotivicError, match="epoch_count"):
        TrainConfig.from_dict({"epoch_count": 3})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.epochs = 4


@pytest.mark.parametrize(
    "key, value",
    [
        ("epochs", 0),
        ("batch_size", 0),
        ("learning_rate", 0.0),
        ("patience", 0),
        ("lr_factor", 1.5),
        ("device", "tpu"),
        ("select_metric", "pr_auc"),
        ("amp", "maybe"),
        ("num_workers", -1),
    ],
)
def test_train_config_rejects_bad_values(key, value):
    with pytest.raises(MotivicError, match=f"training.{key}"):
        TrainConfig.from_dict({key: value})


def test_train_config_accepts_config_yaml_and_matches_schema_defaults():
    from motivic.workflow.grid import run_training

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    # training.seeds is the seed wildcard's list (motivic.workflow.grid): each run gets one seed
    # class_weighting auto is resolved per split strategy before a run is configured
    for split, weighting in (("random", "none"), ("group_kfold", "balanced")):
        cfg = TrainConfig.from_dict(run_training(config["training"], 0, split))
        assert cfg.class_weighting == weighting
    schema = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text())
    props = schema["properties"]["training"]["properties"]
    defaults = TrainConfig()
    for key, spec in props.items():
        if "default" in spec and key not in ("seeds", "class_weighting"):
            assert getattr(defaults, key) == spec["default"], key
    assert props["class_weighting"]["default"] == "auto"


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(MotivicError, match="device"):
        resolve_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(MotivicError, match="CUDA"):
            resolve_device("cuda")


def test_fit_learns_separable_problem_and_writes_checkpoints(tmp_path):
    cfg = TrainConfig(epochs=8, batch_size=6, learning_rate=0.02, seed=1, patience=8)
    _, history = run_fit(tmp_path, cfg)
    assert not torch.are_deterministic_algorithms_enabled()  # restored
    assert max(history.val_accuracy) >= 0.9
    assert history.val_loss[-1] < history.val_loss[0]
    frame = history.to_frame()
    assert list(frame["epoch"]) == list(range(1, 9))
    assert {"train_loss", "val_loss", "val_accuracy", "lr", "seconds"} <= set(frame.columns)
    assert history.best_epoch == int(np.argmax(history.val_accuracy)) + 1  # first maximum wins

    best = load_checkpoint(tmp_path / "model.pt")
    assert best["model"] == "tiny" and best["model_kwargs"] == {"channels": 4}
    assert best["feature_params"] == FEATURES and best["label_names"] == [
        "class0",
        "class1",
        "class2",
    ]
    assert best["epoch"] == history.best_epoch
    assert best["metrics"]["val_accuracy"] == history.val_accuracy[history.best_epoch - 1]
    last = load_checkpoint(last_checkpoint_path(tmp_path / "model.pt"))
    assert last["epoch"] == 8 and "optimizer" in last and "scheduler" in last
    assert last_checkpoint_path(tmp_path / "model.pt").name == "model.last.pt"

    # the rebuilt best model reproduces its recorded validation accuracy
    rebuilt = model_from_checkpoint(best, build)
    store = separable_store()
    _, val, _ = loaders(store, cfg)
    probs, positions = predict(rebuilt, val, device="cpu")
    labels = np.arange(36, 60) % N_CLASSES
    assert np.mean(probs.argmax(1) == labels[positions]) == pytest.approx(
        best["metrics"]["val_accuracy"]
    )


def test_resume_continues_from_last_epoch_with_identical_weights(tmp_path):
    aug = SpecAugment(policy="both", freq_mask_bands=2, time_mask_frames=3)
    cfg4 = TrainConfig(
        epochs=4, batch_size=6, learning_rate=0.02, seed=3, lr_patience=0, lr_factor=0.5
    )
    full_model, full_history = run_fit(tmp_path / "full", cfg4, augment=aug)

    cfg2 = dataclasses.replace(cfg4, epochs=2)
    _, first = run_fit(tmp_path / "cut", cfg2, augment=aug)
    assert first.epoch == [1, 2]
    # a fresh process: differently initialised model, new loaders, more epochs
    resumed_model, resumed = run_fit(tmp_path / "cut", cfg4, init_seed=99, augment=aug)
    assert resumed.start_epoch == 3
    assert resumed.epoch == [1, 2, 3, 4]
    assert resumed.train_loss == full_history.train_loss
    assert resumed.lr == full_history.lr
    for key, tensor in full_model.state_dict().items():
        assert torch.equal(tensor, resumed_model.state_dict()[key]), key
    assert load_checkpoint(tmp_path / "cut" / "model.pt")["epoch"] == full_history.best_epoch


def test_resume_starts_over_when_configuration_changed(tmp_path):
    cfg = TrainConfig(epochs=2, batch_size=6, learning_rate=0.02)
    run_fit(tmp_path, cfg)
    _, history = run_fit(tmp_path, dataclasses.replace(cfg, learning_rate=0.01, epochs=3))
    assert history.start_epoch == 1 and history.epoch == [1, 2, 3]
    _, again = run_fit(
        tmp_path, dataclasses.replace(cfg, learning_rate=0.01, epochs=3), resume=False
    )
    assert again.start_epoch == 1
    assert again.train_loss == history.train_loss  # deterministic on CPU


def test_early_stopping_and_nothing_left_to_do(tmp_path):
    cfg = TrainConfig(epochs=10, batch_size=6, learning_rate=1e-12, patience=2, lr_patience=100)
    _, history = run_fit(tmp_path, cfg)
    assert history.stopped_early and history.epoch == [1, 2, 3] and history.best_epoch == 1
    _, again = run_fit(tmp_path, dataclasses.replace(cfg, epochs=20))
    assert again.epoch == [1, 2, 3] and again.start_epoch == 4


def _weights(path):
    return load_checkpoint(path)["state_dict"]


def _same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_best_checkpoint_is_rewritten_when_deleted_and_nothing_is_left_to_train(tmp_path):
    # What Snakemake does on --forcerun or a changed run-time setting: the declared output
    # (the best checkpoint) is deleted, the last checkpoint survives.
    cfg = TrainConfig(epochs=4, batch_size=6, learning_rate=0.02, seed=1, patience=8)
    run_fit(tmp_path, cfg)
    best_before = _weights(tmp_path / "model.pt")
    epoch_before = load_checkpoint(tmp_path / "model.pt")["epoch"]
    (tmp_path / "model.pt").unlink()
    _, history = run_fit(tmp_path, cfg)
    assert history.start_epoch == 5  # nothing to train
    assert load_checkpoint(tmp_path / "model.pt")["epoch"] == epoch_before
    assert _same_weights(_weights(tmp_path / "model.pt"), best_before)


def test_best_survives_deletion_when_training_continues_without_improving(tmp_path):
    # epochs + 1 after the best file was deleted: the extra epoch does not improve (lr ~ 0),
    # so the best weights must come from the copy inside the last checkpoint.
    cfg = TrainConfig(epochs=2, batch_size=6, learning_rate=1e-12, patience=8, lr_patience=100)
    run_fit(tmp_path, cfg)
    best_before = _weights(tmp_path / "model.pt")
    (tmp_path / "model.pt").unlink()
    _, history = run_fit(tmp_path, dataclasses.replace(cfg, epochs=3))
    assert history.epoch == [1, 2, 3] and history.best_epoch == 1
    assert _same_weights(_weights(tmp_path / "model.pt"), best_before)


def test_early_stopped_run_rewrites_its_best_checkpoint(tmp_path):
    cfg = TrainConfig(epochs=10, batch_size=6, learning_rate=1e-12, patience=2, lr_patience=100)
    run_fit(tmp_path, cfg)
    best_before = _weights(tmp_path / "model.pt")
    (tmp_path / "model.pt").unlink()
    _, again = run_fit(tmp_path, dataclasses.replace(cfg, epochs=20, num_workers=0))
    assert again.stopped_early and again.start_epoch == 4
    assert _same_weights(_weights(tmp_path / "model.pt"), best_before)


def test_best_copy_in_last_checkpoint_does_not_follow_later_training(tmp_path):
    cfg = TrainConfig(epochs=6, batch_size=6, learning_rate=0.05, seed=1, patience=8)
    model, history = run_fit(tmp_path, cfg)
    last = load_checkpoint(last_checkpoint_path(tmp_path / "model.pt"))
    assert last["best"]["epoch"] == history.best_epoch
    assert _same_weights(last["best"]["state_dict"], _weights(tmp_path / "model.pt"))
    if history.best_epoch < 6:
        assert not _same_weights(last["best"]["state_dict"], last["state_dict"])


def test_select_metric_loss_keeps_lowest_validation_loss(tmp_path):
    cfg = TrainConfig(epochs=5, batch_size=6, learning_rate=0.05, select_metric="loss", patience=5)
    _, history = run_fit(tmp_path, cfg)
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert load_checkpoint(tmp_path / "model.pt")["metrics"]["val_loss"] == pytest.approx(
        min(history.val_loss)
    )


def test_predict_returns_softmax_sorted_by_position():
    store = separable_store()
    mapping = label_index(store.index["label"])
    ds = MelDataset(store, [7, 3, 11, 0, 5], label_to_index=mapping)
    loader = make_loader(ds, batch_size=2, shuffle=False, crop=False)
    torch.manual_seed(0)
    model = build("tiny", N_CLASSES).eval()
    probs, positions = predict(model, loader, device="cpu")
    assert positions.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    x = torch.stack([ds[i][0] for i in range(5)])
    with torch.no_grad():
        expected = torch.softmax(model(x), 1).numpy()
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-6)


def test_checkpoint_helpers_raise_named_errors(tmp_path):
    with pytest.raises(MotivicError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"model": "tiny"}, tmp_path / "partial.pt")
    with pytest.raises(MotivicError, match="state_dict"):
        load_checkpoint(tmp_path / "partial.pt")
    with pytest.raises(MotivicError, match="n_mels"):
        check_feature_params({"feature_params": FEATURES}, {**FEATURES, "n_mels": np.int64(128)})
    check_feature_params(
        {"feature_params": FEATURES}, {**FEATURES, "n_mels": np.int64(N_MELS), "extra": 1}
    )


class _LengthRecorder(nn.Module):
    """Returns constant logits and records the ``lengths`` it is given."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(2))
        self.seen = []

    def forward(self, x, lengths=None):
        self.seen.append(None if lengths is None else lengths.tolist())
        return self.bias.expand(x.shape[0], 2) + 0 * x.mean()


def test_predict_passes_the_valid_lengths_to_the_model():
    x = torch.zeros(3, 1, 4, 10)
    batches = [(x, torch.tensor([10, 4, 7]), torch.tensor([0, 1, 0]), torch.arange(3))]
    model = _LengthRecorder()
    predict(model, batches, device="cpu")
    assert model.seen == [[10, 4, 7]]


# ---------------------------------------------------------------------------
# class weighting, balanced-accuracy selection, the learning-rate schedule
# ---------------------------------------------------------------------------


def test_class_weights_give_every_training_class_the_same_total_weight():
    from motivic.train.config import class_priors, class_weights

    labels = np.array([0] * 30 + [1] * 6 + [2] * 4)
    weights = class_weights(labels, 4, "balanced")  # class 3 is absent from training
    totals = weights[:3] * np.bincount(labels)
    np.testing.assert_allclose(totals, totals[0], rtol=1e-6)
    assert weights[3] == 0.0
    assert weights[labels].mean() == pytest.approx(1.0)  # the loss keeps its scale
    assert class_weights(labels, 4, "none") is None
    np.testing.assert_allclose(class_priors(labels, 4), [0.75, 0.15, 0.1, 0.0])
    with pytest.raises(MotivicError, match="auto"):
        class_weights(labels, 4, "auto")
    with pytest.raises(MotivicError, match="training.class_weighting"):
        TrainConfig(class_weighting="auto")


def _noise_fit(tmp_path, cfg, class_weights, name, *, blank=False):
    """Fit on noise (or ``blank`` inputs) with 30 items of class0 and 3 of class1; validate on 10 + 10."""
    rng = np.random.default_rng(0)
    n = 53
    labels = np.array(["class0"] * 30 + ["class1"] * 3 + ["class0"] * 10 + ["class1"] * 10)
    mel = rng.normal(size=(n, N_MELS, N_FRAMES)).astype(np.float32) * (0.0 if blank else 1.0)
    store = MemStore(mel, np.full(n, N_FRAMES), labels)
    mapping = label_index(labels)
    kw = {"batch_size": cfg.batch_size, "min_frames": 4}
    train = make_loader(
        MelDataset(store, range(33), label_to_index=mapping), shuffle=True, seed=0, **kw
    )
    val = make_loader(MelDataset(store, range(33, 53), label_to_index=mapping), shuffle=False, **kw)
    torch.manual_seed(0)
    model = build("tiny", 2, channels=4, dropout=0.0)
    history = fit(
        model,
        train,
        val,
        cfg,
        device="cpu",
        checkpoint_path=tmp_path / name,
        model_name="tiny",
        model_kwargs={"channels": 4, "dropout": 0.0},
        feature_params=FEATURES,
        label_names=sorted(mapping),
        class_weights=class_weights,
    )
    probs, _ = predict(model, val, device="cpu")
    return history, probs


def test_balanced_weights_stop_the_minority_class_being_outvoted(tmp_path):
    from motivic.train.config import class_weights

    # blank inputs: the model can only learn a constant, the (weighted) training prior
    # one full batch per epoch, so every step sees the whole weighted training set
    cfg = TrainConfig(epochs=40, batch_size=33, learning_rate=0.1, patience=40, lr_schedule="none")
    train_labels = np.array([0] * 30 + [1] * 3)
    _, plain = _noise_fit(tmp_path, cfg, None, "plain.pt", blank=True)
    weights = class_weights(train_labels, 2, "balanced")
    balanced_cfg = dataclasses.replace(cfg, class_weighting="balanced")
    _, balanced = _noise_fit(tmp_path, balanced_cfg, weights, "balanced.pt", blank=True)
    assert plain[:, 1].mean() == pytest.approx(3 / 33, abs=0.05)  # outvoted: class1 never wins
    assert balanced[:, 1].mean() == pytest.approx(0.5, abs=0.05)


def test_history_and_checkpoint_record_priors_and_balanced_accuracies(tmp_path):
    from motivic.train.runs import _selection_record

    cfg = TrainConfig(epochs=5, batch_size=6, learning_rate=0.02, seed=1, patience=5)
    _, history = run_fit(tmp_path, cfg)
    frame = history.to_frame()
    assert {"train_balanced_accuracy", "val_balanced_accuracy"} <= set(frame.columns)
    assert frame["train_balanced_accuracy"].between(0, 1).all()
    assert history.select_metric == cfg.select_metric == "balanced_accuracy"
    assert history.best_epoch == int(np.argmax(history.val_balanced_accuracy)) + 1
    record = _selection_record(load_checkpoint(tmp_path / "model.pt"))
    assert record["best_epoch"] == history.best_epoch
    best = history.best_epoch - 1
    assert record["val_balanced_accuracy"] == pytest.approx(history.val_balanced_accuracy[best])
    assert record["train_balanced_accuracy"] == pytest.approx(history.train_balanced_accuracy[best])
    # 36 training items, 12 per class (separable_store cycles the classes)
    assert record["train_class_priors"] == pytest.approx(
        {"class0": 1 / 3, "class1": 1 / 3, "class2": 1 / 3}
    )
    assert record["class_weighting"] == "none"


def test_lr_schedule_plateau_halves_on_stagnation_and_none_keeps_the_rate(tmp_path):
    base = TrainConfig(epochs=8, batch_size=11, learning_rate=0.02, patience=8, lr_patience=0)
    plateau, _ = _noise_fit(tmp_path, base, None, "plateau.pt")
    rates = np.array(plateau.lr) / base.learning_rate
    assert rates.min() < 1.0  # some epoch did not improve, and the next one ran at half the rate
    np.testing.assert_allclose(np.log2(rates), np.round(np.log2(rates)))
    flat, _ = _noise_fit(tmp_path, dataclasses.replace(base, lr_schedule="none"), None, "flat.pt")
    assert flat.lr == [base.learning_rate] * len(flat.lr)
