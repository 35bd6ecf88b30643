"""The training loop (:func:`fit`): epochs, checkpoint selection, early stopping, resuming;
and :func:`predict`."""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from motivic.core.errors import MotivicError
from motivic.core.metrics import classification_metrics
from motivic.train import accel
from motivic.train.checkpoints import _save, last_checkpoint_path
from motivic.train.config import (
    _RESUMABLE_KEYS,
    SELECT_METRICS,
    TrainConfig,
    TrainHistory,
    _plain,
    class_priors,
)

logger = logging.getLogger(__name__)


def _amp_mode(amp: str, device: torch.device) -> str:
    """The ``amp`` mode, checked against ``device`` (fp16 needs CUDA)."""
    accel.amp_dtype(amp, device)  # raises for unknown modes and fp16 off CUDA
    return amp


@contextlib.contextmanager
def _deterministic(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.benchmark,
    )
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        torch.backends.cudnn.benchmark = previous[2]


def _epoch_seed(seed: int, epoch: int) -> int:
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, dtype=np.uint64)[0] % 2**63)


def _set_epoch(loader, epoch: int) -> None:
    for obj in (
        getattr(loader, "batch_sampler", None),
        getattr(loader, "sampler", None),
        getattr(loader, "dataset", None),
    ):
        if hasattr(obj, "set_epoch"):
            obj.set_epoch(epoch)


def _forward(model: nn.Module, x: torch.Tensor, batch, device: torch.device) -> torch.Tensor:
    """``model(x, lengths)`` with the batch's valid frames, for models whose forward takes them.

    Batches are ``(x, valid_frames, labels, positions)``; every registry model
    takes ``lengths`` so padding after a segment cannot change its output.
    Two-element ``(x, labels)`` batches, and modules whose ``forward`` has no
    ``lengths`` parameter, are called with ``x`` only.
    """
    if len(batch) > 2 and "lengths" in inspect.signature(model.forward).parameters:
        return model(x, batch[1].to(device, non_blocking=True))
    return model(x)


def _batch_xy(batch, device: torch.device, channels_last: bool = False):
    x = accel.to_device_batch(batch[0], device, channels_last=channels_last)
    y = batch[2] if len(batch) > 2 else batch[1]
    return x, y.to(device, non_blocking=True)


def _balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean recall over the classes present in ``y_true`` (NaN when it is empty)."""
    recalls = [np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]
    return float(np.mean(recalls)) if recalls else float("nan")


def _train_epoch(
    model, loader, optimizer, scaler, loss_fn, device, use_amp, channels_last=False
) -> tuple[float, float]:
    """One pass over ``loader``: mean loss and running balanced accuracy of the pass.

    ``use_amp`` is the ``amp`` mode (``off``/``bf16``/``fp16``). The predictions stay
    on the device until the pass ends (no synchronisation per batch).
    """
    model.train()
    total, count = 0.0, 0
    truths, predictions = [], []
    for batch in loader:
        x, y = _batch_xy(batch, device, channels_last)
        optimizer.zero_grad(set_to_none=True)
        with accel.autocast(use_amp, device):
            logits = _forward(model, x, batch, device).float()
            loss = loss_fn(logits, y)
        truths.append(y)
        predictions.append(logits.detach().argmax(1))
        if not torch.isfinite(loss):
            raise MotivicError(f"training loss became {loss.item()}; lower training.learning_rate")
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        total += float(loss.detach()) * y.shape[0]
        count += y.shape[0]
    if not count:
        raise MotivicError("the training loader yielded no samples")
    balanced = _balanced_accuracy(
        torch.cat(truths).cpu().numpy(), torch.cat(predictions).cpu().numpy()
    )
    return total / count, balanced


@torch.no_grad()
def _forward_all(model, loader, device, use_amp, channels_last=False):
    """Logits (float32, CPU), labels and positions of every batch, in loader order."""
    model.eval()
    logits, labels, positions = [], [], []
    for batch in loader:
        x, y = _batch_xy(batch, device, channels_last)
        with accel.autocast(use_amp, device):
            out = _forward(model, x, batch, device)
        logits.append(out.float().cpu())
        labels.append(y.cpu())
        positions.append(batch[3] if len(batch) > 3 else torch.arange(len(y)))
    if not logits:
        raise MotivicError("the evaluation loader yielded no samples")
    return torch.cat(logits), torch.cat(labels), torch.cat(positions)


def _validate(model, loader, device, use_amp, loss_fn, channels_last=False) -> dict:
    logits, labels, _ = _forward_all(model, loader, device, use_amp, channels_last)
    probs = torch.softmax(logits, dim=1).numpy()
    with (
        warnings.catch_warnings()
    ):  # absent validation classes: warned once by evaluation, not per epoch
        warnings.simplefilter("ignore")
        metrics = classification_metrics(labels.numpy(), probs, n_classes=probs.shape[1])
    return {
        "loss": float(loss_fn(logits, labels)),
        "accuracy": metrics["accuracy"],
        "balanced_accuracy": metrics["balanced_accuracy"],
        "f1": metrics["f1"],
        "auc": metrics["auc"],
    }


def _is_better(score: float, best: float, mode: str) -> bool:
    if math.isnan(score):
        return False
    if math.isnan(best):
        return True
    return score > best if mode == "max" else score < best


@dataclass
class _ConstantLR:
    """``training.lr_schedule: none``: a scheduler that keeps the learning rate."""

    def step(self, metric) -> None:
        """Nothing changes."""

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Nothing to restore."""


def _scheduler(optimizer, cfg: TrainConfig, mode: str):
    """The learning-rate schedule of ``cfg.lr_schedule`` (a factor of 1 keeps the rate)."""
    if cfg.lr_schedule == "none" or cfg.lr_factor >= 1.0:
        return _ConstantLR()
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode=mode, factor=cfg.lr_factor, patience=cfg.lr_patience, min_lr=cfg.min_lr
    )


@dataclass
class _State:
    history: TrainHistory
    bad_epochs: int = 0
    #: The best checkpoint so far (what ``checkpoint_path`` holds), kept inside the last one.
    best: dict | None = None


def _identity(
    model_name, model_kwargs, feature_params, label_names, cfg, train_loader, val_loader
) -> dict:
    config = {k: v for k, v in cfg.to_dict().items() if k not in _RESUMABLE_KEYS}
    data = {"n_train": _n_items(train_loader), "n_val": _n_items(val_loader)}
    labels = getattr(getattr(train_loader, "dataset", None), "labels", None)
    if labels is not None:  # the training items' classes (augmented copies included)
        data["train_class_priors"] = class_priors(labels, len(label_names)).tolist()
    return _plain(
        {
            "model": model_name,
            "model_kwargs": dict(model_kwargs or {}),
            "feature_params": dict(feature_params or {}),
            "label_names": [str(x) for x in label_names],
            "config": config,
            "data": data,
        }
    )


def _n_items(loader) -> int:
    dataset = getattr(loader, "dataset", None)
    return len(dataset) if dataset is not None and hasattr(dataset, "__len__") else -1


def _try_resume(
    last_path, best_path, identity, model, optimizer, scheduler, scaler
) -> _State | None:
    ckpt = torch.load(last_path, map_location="cpu", weights_only=True)
    best = ckpt.get("best")
    if best is None and int(ckpt.get("best_epoch", 0)) > 0:
        # Written before the best state moved into the last checkpoint: recover it from the
        # best file if that still exists, else the best weights are gone and resuming would lie.
        if not best_path.exists():
            logger.warning(
                "not resuming from %s: it does not hold the best weights and %s is gone; "
                "starting over",
                last_path,
                best_path,
            )
            return None
        best = torch.load(best_path, map_location="cpu", weights_only=True)
    for key, value in identity.items():
        if ckpt.get(key) != value:
            logger.warning(
                "not resuming from %s: its %s differs from this run's; starting over",
                last_path,
                key,
            )
            return None
    model.load_state_dict(ckpt["state_dict"])
    optimizer.load_state_dict(ckpt["optimizer"])
    scheduler.load_state_dict(ckpt["scheduler"])
    if scaler.is_enabled() and ckpt.get("scaler"):
        scaler.load_state_dict(ckpt["scaler"])
    history = TrainHistory.from_dict(ckpt["history"])
    logger.info(
        "resuming from %s after epoch %d (best epoch %d)",
        last_path,
        ckpt["epoch"],
        history.best_epoch,
    )
    return _State(history=history, bad_epochs=int(ckpt["bad_epochs"]), best=best)


def _write_best(state: _State, identity: dict, model: nn.Module, best_path: Path) -> None:
    """Write the declared best checkpoint from the state, whatever path ``fit`` ended on.

    Snakemake deletes a job's outputs before it runs again (``--forcerun``, a changed
    run-time setting, a retry after a timeout), while the last checkpoint survives; so the
    best file is always rewritten from the copy the last checkpoint holds. A run that never
    improved (every validation score NaN) keeps its final weights, with a warning.
    """
    if state.best is None:
        epoch = len(state.history.epoch)
        logger.warning(
            "no epoch improved the validation score; %s holds the weights after epoch %d",
            best_path,
            epoch,
        )
        state.best = _checkpoint(identity, model, epoch, {})
    _save(state.best, best_path)


def _checkpoint(identity, model, epoch, metrics) -> dict:
    ckpt = dict(identity)
    ckpt.update(state_dict=model.state_dict(), epoch=int(epoch), metrics=_plain(metrics))
    return ckpt


def fit(
    model: nn.Module,
    train_loader,
    val_loader,
    cfg: TrainConfig,
    *,
    device: torch.device | str,
    checkpoint_path: str | Path,
    model_name: str,
    model_kwargs: dict | None = None,
    feature_params: dict | None = None,
    label_names: Sequence[str],
    resume: bool = True,
    progress: Callable[[dict], None] | None = None,
    class_weights: Sequence[float] | None = None,
) -> TrainHistory:
    """Train ``model``; keep the best checkpoint by validation score and a resumable last one.

    Parameters
    ----------
    model : nn.Module
        Maps ``[batch, 1, n_mels, n_frames]`` to logits ``[batch, n_classes]``.
    train_loader, val_loader : iterable of batches
        Batches ``(x, valid_frames, labels, positions)`` as from
        :func:`motivic.train.datasets.make_loader` (``(x, labels)`` also works).
        ``set_epoch(epoch)`` is called on their batch sampler/sampler/dataset when present.
    cfg : TrainConfig
    device : torch.device or str
        From :func:`resolve_device`.
    checkpoint_path : path
        Best checkpoint; the last one goes to :func:`last_checkpoint_path`.
    model_name, model_kwargs : str, dict
        Registry name and options, stored so :func:`model_from_checkpoint` can rebuild the model.
    feature_params : dict
        Parameters of the log-mel store, stored for :func:`check_feature_params`.
    label_names : sequence of str [shape=(n_classes,)]
        Label of each class number.
    resume : bool
        Continue from an existing last checkpoint when it was written with the
        same model, options, features, labels, data sizes and configuration
        (``epochs``, ``num_workers`` and ``device`` may differ); otherwise start over.
    progress : callable or None
        Called after each epoch with that epoch's history row (a dict).
    class_weights : sequence of float [shape=(n_classes,)] or None
        Cross-entropy weight of each class (:func:`motivic.train.config.class_weights`);
        the validation loss is weighted the same way. ``None``: unweighted.

    Returns
    -------
    history : TrainHistory
    """
    device = torch.device(device)
    checkpoint_path = Path(checkpoint_path)
    last_path = last_checkpoint_path(checkpoint_path)
    model.to(device)
    use_amp = _amp_mode(cfg.amp, device)
    channels_last = accel.use_channels_last(model, cfg.channels_last)
    mode = SELECT_METRICS[cfg.select_metric]
    optimizer = torch.optim.Adam(
        model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
    )
    scheduler = _scheduler(optimizer, cfg, mode)
    scaler = accel.grad_scaler(use_amp, device)
    identity = _identity(
        model_name, model_kwargs, feature_params, label_names, cfg, train_loader, val_loader
    )
    state = None
    if resume and last_path.exists():
        state = _try_resume(
            last_path, checkpoint_path, identity, model, optimizer, scheduler, scaler
        )
    if state is None:
        state = _State(history=TrainHistory(select_metric=cfg.select_metric))
    history = state.history
    history.start_epoch = len(history.epoch) + 1
    if history.stopped_early or history.start_epoch > cfg.epochs:
        logger.info(
            "nothing to train: %d epochs done%s",
            len(history.epoch),
            " (stopped early)" if history.stopped_early else "",
        )
        _write_best(state, identity, model, checkpoint_path)
        return history
    logger.info(
        "training %s on %s for up to %d epochs (amp=%s, channels_last=%s, select=%s)",
        model_name,
        device,
        cfg.epochs,
        use_amp,
        channels_last,
        cfg.select_metric,
    )
    weights = None if class_weights is None else torch.as_tensor(class_weights, dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=None if weights is None else weights.to(device))
    val_loss_fn = nn.CrossEntropyLoss(weight=weights)  # validation logits are on the CPU
    rng_devices = (
        [device.index if device.index is not None else torch.cuda.current_device()]
        if device.type == "cuda"
        else []
    )
    run = _Run(
        model, train_loader, val_loader, cfg, device, use_amp, optimizer, scheduler, scaler,
        loss_fn, identity, checkpoint_path, last_path, progress, channels_last=channels_last,
        val_loss_fn=val_loss_fn,
    )
    with _deterministic(cfg.deterministic), torch.random.fork_rng(devices=rng_devices):
        for epoch in range(history.start_epoch, cfg.epochs + 1):
            if _run_epoch(epoch, run, state):
                break
    _write_best(state, identity, model, checkpoint_path)
    return history


@dataclass(frozen=True)
class _Run:
    """What stays fixed across the epochs of one :func:`fit` call."""

    model: nn.Module
    train_loader: Any
    val_loader: Any
    cfg: TrainConfig
    device: torch.device
    use_amp: str
    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: Any
    loss_fn: nn.Module
    identity: dict
    checkpoint_path: Path
    last_path: Path
    progress: Callable[[dict], None] | None
    channels_last: bool = False
    val_loss_fn: nn.Module | None = None


def _run_epoch(epoch: int, run: _Run, state: _State) -> bool:
    """One epoch: train, validate, schedule, checkpoint; return whether to stop early."""
    model, cfg, optimizer, scheduler, scaler = (
        run.model, run.cfg, run.optimizer, run.scheduler, run.scaler
    )
    train_loader, val_loader, device, use_amp, loss_fn = (
        run.train_loader, run.val_loader, run.device, run.use_amp, run.loss_fn
    )
    history = state.history
    torch.manual_seed(_epoch_seed(cfg.seed, epoch))
    _set_epoch(train_loader, epoch)
    _set_epoch(val_loader, epoch)
    lr = optimizer.param_groups[0]["lr"]
    start = time.perf_counter()
    train_loss, train_balanced = _train_epoch(
        model, train_loader, optimizer, scaler, loss_fn, device, use_amp, run.channels_last
    )
    val = _validate(model, val_loader, device, use_amp, run.val_loss_fn, run.channels_last)
    score = val[cfg.select_metric]
    scheduler.step(score)
    row = {
        "epoch": epoch,
        "train_loss": train_loss,
        "train_balanced_accuracy": train_balanced,
        "val_loss": val["loss"],
        "val_accuracy": val["accuracy"],
        "val_balanced_accuracy": val["balanced_accuracy"],
        "val_f1": val["f1"],
        "val_auc": val["auc"],
        "lr": lr,
        "seconds": time.perf_counter() - start,
    }
    history.append(row)
    improved = _is_better(score, history.best_score, SELECT_METRICS[cfg.select_metric])
    val_metrics = {f"val_{k}": v for k, v in val.items()}
    val_metrics["train_balanced_accuracy"] = train_balanced
    if improved:
        history.best_epoch, history.best_score = epoch, float(score)
        state.bad_epochs = 0
        state.best = _checkpoint(run.identity, model, epoch, val_metrics)
        # Copied tensors: the model keeps training, the best state must not move with it.
        state.best["state_dict"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    else:
        state.bad_epochs += 1
    stop = state.bad_epochs >= cfg.patience
    history.stopped_early = stop
    last = _checkpoint(run.identity, model, epoch, val_metrics)
    last.update(
        optimizer=optimizer.state_dict(),
        scheduler=_plain(scheduler.state_dict()),
        scaler=scaler.state_dict() if scaler.is_enabled() else {},
        history=history.to_dict(),
        best_score=history.best_score,
        best_epoch=history.best_epoch,
        bad_epochs=state.bad_epochs,
        stopped_early=stop,
        best=state.best,
    )
    _save(last, run.last_path)
    logger.info(
        "epoch %d/%d train_loss=%.4f val_loss=%.4f val_accuracy=%.4f "
        "val_balanced_accuracy=%.4f lr=%.2e %.1fs%s",
        epoch,
        cfg.epochs,
        train_loss,
        val["loss"],
        val["accuracy"],
        val["balanced_accuracy"],
        lr,
        row["seconds"],
        " (best)" if improved else "",
    )
    if run.progress is not None:
        run.progress(dict(row))
    if stop:
        logger.info(
            "early stopping after %d epochs without improvement (best epoch %d)",
            state.bad_epochs,
            history.best_epoch,
        )
    return stop


@torch.no_grad()
def predict(
    model: nn.Module,
    loader,
    *,
    device: torch.device | str,
    amp: str = "off",
    channels_last: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities of every item of ``loader``.

    Parameters
    ----------
    model : nn.Module
    loader : iterable of ``(x, valid_frames, labels, positions)`` batches
    device : torch.device or str
    amp : {"off", "bf16", "fp16"}
        Autocast mode (see :mod:`motivic.train.accel`); evaluate with the training run's.
    channels_last : bool
        Channels-last memory format for convolutional models.

    Returns
    -------
    probs : np.ndarray [shape=(n, n_classes), dtype=float32]
        Softmax of the logits, rows sorted by position.
    positions : np.ndarray [shape=(n,), dtype=int64]
        Dataset position of each row (ascending).
    """
    device = torch.device(device)
    use_amp = _amp_mode(amp, device)
    model.to(device)
    channels_last = accel.use_channels_last(model, channels_last)
    logits, _, positions = _forward_all(model, loader, device, use_amp, channels_last)
    order = torch.argsort(positions)
    probs = torch.softmax(logits[order], dim=1).numpy().astype(np.float32)
    return probs, positions[order].numpy().astype(np.int64)
