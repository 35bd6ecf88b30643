"""Speed settings of training and inference: mixed precision, memory format, peak memory.

Mixed precision
---------------
``training.amp`` selects the autocast dtype (Micikevicius et al. 2018, "Mixed
Precision Training"; PyTorch's ``torch.autocast``):

``off``
    float32 everywhere (the paper's setting, and the default).
``bf16``
    bfloat16 autocast on CUDA *and* on CPU, so the same code path runs in the
    CPU test suite. bfloat16 keeps float32's exponent range, so no loss scaling
    is needed.
``fp16``
    float16 autocast with dynamic loss scaling (``torch.amp.GradScaler``); CUDA only.

Autocast runs matrix products and convolutions in the low-precision dtype and
keeps reductions, softmax and the loss in float32; the weights and the optimiser
state stay float32. Results differ from ``off`` by rounding, so ``amp`` is part
of a run's identity (a changed ``amp`` retrains).

Memory format
-------------
``channels_last`` (NHWC) lets cuDNN pick its tensor-core convolution kernels;
it helps convolutional models on CUDA, mostly under AMP, and does nothing for
recurrent layers. :func:`use_channels_last` applies it only to models that
have 2-D convolutions. It changes speed, not results beyond kernel rounding,
so it is a run-time setting.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys
from collections.abc import Iterator

import torch
from torch import nn

from motivic.core.errors import MotivicError

__all__ = [
    "AMP_MODES",
    "amp_dtype",
    "autocast",
    "grad_scaler",
    "has_conv2d",
    "peak_memory_bytes",
    "cpu_count",
    "reset_peak_memory",
    "to_device_batch",
    "use_channels_last",
]

#: Values of ``training.amp``.
AMP_MODES = ("off", "bf16", "fp16")


def amp_dtype(mode: str, device: torch.device | str) -> torch.dtype | None:
    """Autocast dtype of an ``amp`` mode on ``device`` (``None``: float32, no autocast).

    Raises
    ------
    MotivicError
        For an unknown mode, or ``fp16`` on a device other than CUDA.
    """
    device = torch.device(device)
    if mode not in AMP_MODES:
        raise MotivicError(f"training.amp={mode!r} must be one of {', '.join(AMP_MODES)}")
    if mode == "off":
        return None
    if mode == "fp16":
        if device.type != "cuda":
            raise MotivicError(
                f"training.amp=fp16 needs CUDA (device is {device}); use bf16 on the CPU"
            )
        return torch.float16
    return torch.bfloat16


@contextlib.contextmanager
def autocast(mode: str, device: torch.device | str) -> Iterator[None]:
    """``torch.autocast`` for ``mode`` on ``device``; a no-op for ``off``."""
    device = torch.device(device)
    dtype = amp_dtype(mode, device)
    if dtype is None:
        yield
        return
    with torch.autocast(device.type, dtype=dtype):
        yield


def grad_scaler(mode: str, device: torch.device | str) -> torch.amp.GradScaler:
    """Loss scaler: enabled for ``fp16`` only (bfloat16 and float32 need none)."""
    device = torch.device(device)
    return torch.amp.GradScaler(device.type, enabled=amp_dtype(mode, device) == torch.float16)


def has_conv2d(model: nn.Module) -> bool:
    """Whether ``model`` contains a 2-D convolution."""
    return any(isinstance(m, nn.Conv2d) for m in model.modules())


def use_channels_last(model: nn.Module, enabled: bool) -> bool:
    """Convert a convolutional model's parameters to channels-last in place.

    Returns
    -------
    applied : bool
        ``True`` when the model was converted (``enabled`` and it has a ``Conv2d``);
        its inputs should then be converted too (:func:`to_device_batch`).
    """
    if not enabled or not has_conv2d(model):
        return False
    model.to(memory_format=torch.channels_last)
    return True


def to_device_batch(
    x: torch.Tensor, device: torch.device, *, channels_last: bool = False
) -> torch.Tensor:
    """Move an input batch to ``device`` (non-blocking: overlaps with compute from pinned memory)."""
    x = x.to(device, non_blocking=True)
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def reset_peak_memory(device: torch.device | str) -> None:
    """Reset CUDA's peak-allocation counter (the CPU's peak RSS cannot be reset)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_bytes(device: torch.device | str) -> int:
    """Peak memory: ``torch.cuda.max_memory_allocated`` on CUDA, else the process's peak RSS.

    The RSS peak (``getrusage``) covers the whole life of the process, not only
    the last reset, and excludes DataLoader worker processes.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux


def cpu_count() -> int:
    """CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
