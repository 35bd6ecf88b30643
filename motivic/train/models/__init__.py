"""Model registry: every classifier of the project, built by name.

Registry keys are the strings used as ``models:`` config keys and as the
``{model}`` wildcard; nothing else in the project branches on a model name.

Every model maps ``x`` of shape ``[batch, in_channels, n_mels, n_frames]``, and
optionally the valid frames of each item (``forward(x, lengths)``, see
:mod:`motivic.train.models.masking`), to logits ``[batch, n_classes]`` (no
softmax) and accepts the common options ``n_mels``, ``in_channels`` and
``dropout`` plus its family's own (see :func:`options`). See ``docs/models.md`` for papers, adaptations and
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
motivic.core.errors.MotivicError: unknown model 'resnet'; available models: ...
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motivic.core.errors import MotivicError

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "available",
    "build",
    "check_options",
    "check_trainable",
    "count_parameters",
    "options",
]

logger = logging.getLogger(__name__)

# Registry name -> module of this package that defines the builder, a function of that name.
# Builders load on first use: naming, listing and checking models (what the workflow does at parse
# time) reads only this table and the builders' signatures, and never imports torch.
_REGISTRY: dict[str, str] = {
    "reslstm": "reslstm",
    "crnn": "crnn",
    "resnet50": "resnet",
    "resnet50_imagenet": "resnet",
    "densenet161": "densenet",
    "densenet161_imagenet": "densenet",
    "pons_blackbox": "pons",
    "pons_time": "pons",
    "pons_frequency": "pons",
    "pons_timefreq": "pons",
    "compact_convnet": "convnet",
    "compact_convnet_k2c1": "convnet",
    "compact_convnet_k1c2": "convnet",
}


# Models whose training needs a weights file: registry name -> option naming it.
_NEEDS_WEIGHTS: dict[str, str] = {
    "resnet50_imagenet": "pretrained",
    "densenet161_imagenet": "pretrained",
}


def available() -> list[str]:
    """Names accepted by :func:`build`, sorted."""
    return sorted(_REGISTRY)


def _check_name(name: str) -> str:
    """The module of model ``name``; raises MotivicError listing the valid names."""
    if name not in _REGISTRY:
        raise MotivicError(f"unknown model {name!r}; available models: {', '.join(available())}")
    return _REGISTRY[name]


def _builder(name: str) -> Callable[..., nn.Module]:
    module = importlib.import_module(f"{__name__}.{_check_name(name)}")
    return getattr(module, name)


def options(name: str) -> dict[str, Any]:
    """Options of model ``name`` with their defaults (keyword-only builder parameters).

    Read from the builder's source, without importing it (nor torch); an option without a
    default maps to ``inspect.Parameter.empty``.

    Raises
    ------
    MotivicError
        If ``name`` is not a registered model.
    """
    return dict(_signature_defaults(_check_name(name), name))


@functools.cache
def _signature_defaults(module: str, function: str) -> tuple[tuple[str, Any], ...]:
    """(name, default) of the keyword-only parameters of ``function`` in ``module``'s source.

    Defaults must be literals (numbers, strings, tuples, None), so that the options of a
    model are known without running its module.
    """
    path = Path(__file__).with_name(f"{module}.py")
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            params = zip(node.args.kwonlyargs, node.args.kw_defaults)
            return tuple(
                (arg.arg, inspect.Parameter.empty if default is None else _literal(default, path))
                for arg, default in params
            )
    raise LookupError(f"{path} defines no function {function!r}")


def _literal(node: ast.expr, path: Path) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(
            f"{path}:{node.lineno}: a builder option's default must be a literal, "
            f"not {ast.unparse(node)!r}"
        ) from None


def check_options(
    name: str, model_options: dict[str, Any] | None, *, where: str = "models"
) -> None:
    """Check a model's config options against its builder, before any job runs.

    Names must be options of the model (:func:`options`); a value whose option has a
    boolean, integer, float or string default must have a matching type (an integer is
    accepted for a float). Value ranges are checked by the builder itself.

    Parameters
    ----------
    name : str
        Registry name.
    model_options : dict or None
        The options as configured (without the workflow's ``features`` key).
    where : str
        Config path of the models section, for the message.

    Raises
    ------
    MotivicError
        Naming the key (``models.<name>.<option>``), with the valid options and the
        closest match for a misspelt one.
    """
    import difflib

    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, available(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise MotivicError(
            f"{where}.{name}: unknown model{hint}; available models: {', '.join(available())}"
        )
    valid = options(name)
    for key, value in (model_options or {}).items():
        if key not in valid:
            close = difflib.get_close_matches(key, list(valid), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MotivicError(
                f"{where}.{name}.{key}: not an option of model {name!r}; {hint}"
                f"valid options: {sorted(valid)}"
            )
        default = valid[key]
        expected = _OPTION_TYPES.get(type(default))
        if expected is not None and value is not None and not _is_type(value, expected):
            raise MotivicError(
                f"{where}.{name}.{key}={value!r}: expected {expected.__name__} "
                f"(default {default!r})"
            )


_OPTION_TYPES = {bool: bool, int: int, float: float, str: str}


def _is_type(value: Any, expected: type) -> bool:
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


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
        ``forward(x, lengths=None)`` maps ``[batch, in_channels, n_mels, n_frames]`` to
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
    model = _builder(name)(n_classes, **model_options)
    logger.info(
        "built %s (%d parameters) with options %s", name, count_parameters(model), model_options
    )
    return model


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of parameters (all, or only those with ``requires_grad``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def check_trainable(name: str, model_options: dict[str, Any]) -> None:
    """Check that a model can be *trained* with these options (weights files given and present).

    ``*_imagenet`` models are ImageNet-initialised by definition, so training
    one without its ``pretrained`` file is an error rather than a silent
    random initialisation. Rebuilding a checkpoint (:func:`build` without the
    file) stays possible.

    Raises
    ------
    MotivicError
        Naming ``models.<name>.<option>`` when it is missing, or the file when
        it does not exist.
    """
    _check_name(name)
    option = _NEEDS_WEIGHTS.get(name)
    if option is None:
        return
    path = model_options.get(option)
    if path is None:
        raise MotivicError(
            f"models.{name}.{option} must name a local weights file (an ImageNet state dict "
            "in torchvision's key layout, see docs/models.md 'ImageNet weights'); "
            f"use the model without the _imagenet suffix to train from random weights"
        )
    if not os.path.isfile(path):
        raise MotivicError(
            f"models.{name}.{option}: weights file {os.fspath(path)!r} does not exist "
            "(weights are never downloaded; see docs/models.md 'ImageNet weights')"
        )
