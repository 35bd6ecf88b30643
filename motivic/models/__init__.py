"""Model registry: every classifier of the project, built by name.

Registry keys are the strings used as ``models:`` config keys and as the
``{model}`` wildcard; nothing else in the project branches on a model name.

Every model maps ``x`` of shape ``[batch, in_channels, n_mels, n_frames]`` to
logits ``[batch, n_classes]`` (no softmax) and accepts the common options
``n_mels``, ``in_channels`` and ``dropout`` plus its family's own (see
:func:`options`). See ``docs/models.md`` for papers, adaptations and
parameter counts.

Examples
--------
>>> import torch
>>> model = build("reslstm", 4, n_mels=32, channels=4, hidden_size=8)
>>> model(torch.zeros(2, 1, 32, 50)).shape
torch.Size([2, 4])
>>> build("resnet", 4)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
motivic.errors.MotivicError: unknown model 'resnet'; available models: ...
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from torch import nn

from ..errors import MotivicError
from .convnet import compact_convnet, compact_convnet_k1c2, compact_convnet_k2c1, layer_features
from .crnn import crnn
from .densenet import densenet161
from .pons import pons_blackbox, pons_frequency, pons_time, pons_timefreq
from .reslstm import reslstm
from .resnet import resnet50

__all__ = ["available", "build", "count_parameters", "layer_features", "options"]

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, Callable[..., nn.Module]] = {
    "reslstm": reslstm,
    "crnn": crnn,
    "resnet50": resnet50,
    "densenet161": densenet161,
    "pons_blackbox": pons_blackbox,
    "pons_time": pons_time,
    "pons_frequency": pons_frequency,
    "pons_timefreq": pons_timefreq,
    "compact_convnet": compact_convnet,
    "compact_convnet_k2c1": compact_convnet_k2c1,
    "compact_convnet_k1c2": compact_convnet_k1c2,
}


def available() -> list[str]:
    """Names accepted by :func:`build`, sorted."""
    return sorted(_REGISTRY)


def _builder(name: str) -> Callable[..., nn.Module]:
    if name not in _REGISTRY:
        raise MotivicError(f"unknown model {name!r}; available models: {', '.join(available())}")
    return _REGISTRY[name]


def options(name: str) -> dict[str, Any]:
    """Options of model ``name`` with their defaults (keyword-only builder parameters).

    Raises
    ------
    MotivicError
        If ``name`` is not a registered model.
    """
    signature = inspect.signature(_builder(name))
    return {
        param.name: param.default
        for param in signature.parameters.values()
        if param.kind is inspect.Parameter.KEYWORD_ONLY
    }


def build(name: str, n_classes: int, **model_options: Any) -> nn.Module:
    """Build a freshly initialised model by registry name.

    Parameters
    ----------
    name : str
        One of :func:`available`.
    n_classes : int >= 1
        Output logits.
    **model_options
        Common options ``n_mels`` (default 128; 40 for ``pons_*``),
        ``in_channels`` (1) and ``dropout``, plus the family's own
        (:func:`options` lists them with defaults).

    Returns
    -------
    model : torch.nn.Module
        ``forward(x)`` maps ``[batch, in_channels, n_mels, n_frames]`` to
        logits ``[batch, n_classes]``.

    Raises
    ------
    MotivicError
        If ``name`` is unknown (listing the valid names), an option is
        unknown (naming it and listing the valid ones), or a value is invalid.
    """
    valid = options(name)
    unknown = sorted(set(model_options) - set(valid))
    if unknown:
        raise MotivicError(
            f"unknown option(s) {unknown} for model {name!r}; valid options: {sorted(valid)}"
        )
    model = _REGISTRY[name](n_classes, **model_options)
    logger.info(
        "built %s (%d parameters) with options %s", name, count_parameters(model), model_options
    )
    return model


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
