"""Training loop, configuration, checkpoints and prediction.

The optimisation follows Arronte Alvarez & Gómez (2021): Adam, cross-entropy
on logits, batches of 20, the checkpoint with the best validation score kept.
Added for robustness: a ``ReduceLROnPlateau`` schedule, early stopping,
mixed precision on CUDA, and a *last* checkpoint that lets an interrupted run
continue where it stopped.

Determinism
-----------
``fit`` reseeds torch's global generator at the start of every epoch from
``(cfg.seed, epoch)`` inside :func:`torch.random.fork_rng` (the caller's
generator state is restored afterwards), and the data order comes from the
seeded samplers of :mod:`motivic.train.datasets`. A run resumed from the last
checkpoint therefore repeats the epochs of an uninterrupted run exactly. With
``cfg.deterministic`` (default) ``torch.use_deterministic_algorithms(True,
warn_only=True)`` is on during training and ``cudnn.benchmark`` off; on CPU this
gives bit-identical weights for a fixed seed. On CUDA some kernels (atomics in
cuDNN/cuBLAS backward passes; cuBLAS also wants ``CUBLAS_WORKSPACE_CONFIG``)
have no deterministic variant, so runs agree only to floating-point noise
there; torch warns about such kernels instead of failing.

Checkpoints
-----------
Plain dicts loaded with ``torch.load(weights_only=True)``: ``model`` (registry
name), ``model_kwargs``, ``feature_params``, ``label_names``, ``state_dict``,
``epoch``, ``metrics``, ``config``. The last checkpoint
(:func:`last_checkpoint_path`) adds ``optimizer``, ``scheduler``, ``scaler``,
``history``, ``best_score``, ``best_epoch``, ``bad_epochs``,
``stopped_early`` and ``best`` (a copy of the best checkpoint). Both are
written atomically. The best file is written at the end of every ``fit``
call from that copy, including a call with nothing left to train: Snakemake
deletes a job's declared outputs before rerunning it (``--forcerun``, a
changed run-time setting, a retry after a timeout) but never the last
checkpoint, so no rerun can lose the best weights or end without its output.

Layout: :mod:`.config` (:class:`TrainConfig`, :class:`TrainHistory`),
:mod:`.checkpoints` (devices, reading and checking checkpoints), :mod:`.loop`
(:func:`fit`, resuming, :func:`predict`).
"""

import importlib

# Public name -> the submodule that defines it. They load on first use, so that importing a
# torch-free part of the package (motivic.train.augment, the registry of motivic.train.models)
# does not import torch: the workflow's parse-time helpers (motivic.workflow.grid) read both.
_DEFINED_IN = {
    "SELECT_METRICS": "config",
    "TrainConfig": "config",
    "TrainHistory": "config",
    "class_priors": "config",
    "class_weights": "config",
    "check_feature_params": "checkpoints",
    "last_checkpoint_path": "checkpoints",
    "load_checkpoint": "checkpoints",
    "model_from_checkpoint": "checkpoints",
    "resolve_device": "checkpoints",
    "fit": "loop",
    "predict": "loop",
}

__all__ = [
    "SELECT_METRICS",
    "TrainConfig",
    "TrainHistory",
    "check_feature_params",
    "class_priors",
    "class_weights",
    "fit",
    "last_checkpoint_path",
    "load_checkpoint",
    "model_from_checkpoint",
    "predict",
    "resolve_device",
]


def __getattr__(name: str):
    """Load a public name from its submodule on first access (PEP 562)."""
    if name not in _DEFINED_IN:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_DEFINED_IN[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_DEFINED_IN})
