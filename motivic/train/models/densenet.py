"""DenseNet-161 for log-mel spectrograms, in torchvision's block + configuration + factory layout.

Huang, Liu, van der Maaten & Weinberger (2017), "Densely connected
convolutional networks", DenseNet-BC with growth rate 48, blocks
(6, 12, 36, 24), 96 initial features and bottleneck size 4. Changes made by
Arronte Alvarez & Gómez (2021) for 1-channel spectrograms, as for ResNet-50:

* an extra 3×3 stride-1 convolution (``input_conv``, outside ``features`` so
  torchvision's keys are unchanged) maps ``in_channels`` to 3 channels;
* ``features.conv0`` is 3×3 stride 1 instead of 7×7 stride 2.

The stem max-pool ``features.pool0`` is kept by default (``stem_pool=True``,
same reasoning as :mod:`motivic.train.models.resnet`). ``stem="imagenet"`` builds the
unmodified torchvision stem; with ``in_channels=3`` and 1000 classes it has
torchvision's 28,681,000 parameters.

Names follow torchvision (``features.conv0``, ``features.norm0``,
``features.denseblock1.denselayer1.norm1``, …, ``features.norm5``,
``classifier``); old checkpoints that spell ``norm.1`` for ``norm1`` are renamed
on load as torchvision does.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from motivic.train.models.blocks import (
    SpectrogramModel,
    as_int_tuple,
    check_choice,
    check_int,
    check_probability,
    init_replicate,
    load_pretrained,
    resize_kernel,
)
from motivic.train.models.masking import (
    apply_masked,
    check_lengths,
    masked_batch_norm,
    masked_time_pool,
)

__all__ = ["DenseNet", "densenet161", "densenet161_imagenet"]

logger = logging.getLogger(__name__)

_STEMS = ("paper", "imagenet")
_LEGACY_KEY = re.compile(
    r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$"
)


class _DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv (``bn_size * growth_rate``) → BN-ReLU-3×3 conv (``growth_rate``).

    Shape: list of ``[batch, C_i, H, W]`` (concatenated) → ``[batch, growth_rate, H, W]``.
    """

    def __init__(
        self, num_input_features: int, *, growth_rate: int, bn_size: int, drop_rate: float
    ) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.drop_rate = drop_rate

    def forward(
        self, features: list[torch.Tensor], lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        out = self.relu1(masked_batch_norm(self.norm1, torch.cat(features, 1), lengths))
        out = self.relu2(masked_batch_norm(self.norm2, self.conv1(out), lengths))
        out, _ = apply_masked(self.conv2, out, lengths)
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return out


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers, each fed the concatenation of all earlier outputs."""

    def __init__(
        self,
        num_layers: int,
        num_input_features: int,
        *,
        growth_rate: int,
        bn_size: int,
        drop_rate: float,
    ) -> None:
        super().__init__()
        for i in range(num_layers):
            self[f"denselayer{i + 1}"] = _DenseLayer(
                num_input_features + i * growth_rate,
                growth_rate=growth_rate,
                bn_size=bn_size,
                drop_rate=drop_rate,
            )

    def masked(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Block output and its valid frames (stride 1: unchanged)."""
        features = [x]
        for layer in self.values():
            features.append(layer(features, lengths))
        return torch.cat(features, 1), lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.masked(x, lengths)[0]


class _Transition(nn.Sequential):
    """BN-ReLU-1×1 conv then 2×2 average pool (halves H and W)."""

    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)


class DenseNet(SpectrogramModel):
    """Generic DenseNet-BC over spectrograms (see the module docstring).

    Parameters
    ----------
    n_classes : int >= 1
    in_channels : int >= 1
    n_mels : int >= 16
    growth_rate : int >= 1
    block_config : sequence of 4 int
    num_init_features : int >= 1
    bn_size : int >= 1
    drop_rate : float in [0, 1)
        Dropout after each dense layer (torchvision's ``drop_rate``).
    dropout : float in [0, 1)
        Dropout before the classifier.
    stem : {"paper", "imagenet"}
    stem_pool : bool

    Notes
    -----
    ``forward`` maps ``[batch, in_channels, n_mels, n_frames]`` to
    ``[batch, n_classes]``. The three 2×2 average-pool transitions after the
    stem max-pool need ``n_frames >= 16`` (and ``n_mels >= 16``).
    """

    def __init__(
        self,
        *,
        n_classes: int,
        in_channels: int = 1,
        n_mels: int = 128,
        growth_rate: int = 48,
        block_config: tuple[int, ...] = (6, 12, 36, 24),
        num_init_features: int = 96,
        bn_size: int = 4,
        drop_rate: float = 0.0,
        dropout: float = 0.0,
        stem: str = "paper",
        stem_pool: bool = True,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=16)
        check_int(n_mels, name="n_mels", minimum=16)
        if check_choice(stem, name="stem", choices=_STEMS) == "paper":
            self.input_conv: nn.Module = nn.Conv2d(in_channels, 3, 3, padding=1)
            conv0 = nn.Conv2d(3, num_init_features, 3, stride=1, padding=1, bias=False)
        else:
            self.input_conv = nn.Identity()
            conv0 = nn.Conv2d(in_channels, num_init_features, 7, stride=2, padding=3, bias=False)
        stem_layers = [
            ("conv0", conv0),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
        ]
        if stem_pool:
            stem_layers.append(("pool0", nn.MaxPool2d(3, stride=2, padding=1)))
        self.features = nn.Sequential(OrderedDict(stem_layers))

        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = _DenseBlock(
                num_layers,
                num_features,
                growth_rate=growth_rate,
                bn_size=bn_size,
                drop_rate=drop_rate,
            )
            self.features.add_module(f"denseblock{i + 1}", block)
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(
                    f"transition{i + 1}", _Transition(num_features, num_features // 2)
                )
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(num_features, n_classes)

        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        # front end and body
        x, lengths = apply_masked(self.input_conv, x, lengths)
        x, lengths = apply_masked(self.features, x, lengths)
        # head: global average over frequency and the valid frames
        x = masked_time_pool(F.relu(x).mean(dim=2), lengths, "mean")
        return self.classifier(self.dropout(x))


def _legacy_rename(key: str) -> str:
    """Rename an old torchvision key: ``denselayerN.norm.1.weight`` → ``…norm1.weight``."""
    match = _LEGACY_KEY.match(key)
    return match.group(1) + match.group(2) if match else key


def densenet161(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.0,
    growth_rate: int = 48,
    block_config: tuple[int, ...] = (6, 12, 36, 24),
    num_init_features: int = 96,
    bn_size: int = 4,
    drop_rate: float = 0.0,
    stem: str = "paper",
    stem_pool: bool = True,
    pretrained: str | os.PathLike | None = None,
    stem_init: str = "rescale",
) -> DenseNet:
    """DenseNet-161 with the paper's spectrogram stem (Arronte Alvarez & Gómez 2021).

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 16
    in_channels : int >= 1
    dropout : float in [0, 1)
        Dropout before the classifier.
    growth_rate, block_config, num_init_features, bn_size
        DenseNet-161 defaults (48, (6, 12, 36, 24), 96, 4); smaller values give
        narrow test models.
    drop_rate : float in [0, 1)
        Dropout after every dense layer.
    stem : {"paper", "imagenet"}
        ``"paper"``: 1→3 channel 3×3 conv, then 3×3 stride-1 ``features.conv0``.
        ``"imagenet"``: torchvision's 7×7 stride-2 ``conv0`` on the input.
    stem_pool : bool
        Keep ``features.pool0``.
    pretrained : path-like or None
        State dict in torchvision's key layout, read with ``weights_only=True``.
        Everything is copied except ``classifier.*``; the 7×7
        ``features.conv0`` kernel becomes the paper's 3×3 one by ``stem_init``
        and ``input_conv`` copies the mono input to the three ImageNet
        channels, as for :func:`~motivic.train.models.resnet.resnet50`.
    stem_init : {"rescale", "crop"}
        See :func:`~motivic.train.models.blocks.resize_kernel`.

    Returns
    -------
    model : DenseNet
        Maps ``[batch, in_channels, n_mels, n_frames >= 16]`` to ``[batch, n_classes]``.

    Raises
    ------
    MotivicError
        On an invalid option, or naming ``pretrained`` when it does not fit.
    """
    check_int(n_classes, name="n_classes")
    check_int(growth_rate, name="growth_rate")
    check_int(num_init_features, name="num_init_features")
    check_int(bn_size, name="bn_size")
    check_probability(dropout, name="dropout")
    check_probability(drop_rate, name="drop_rate")
    check_choice(stem_init, name="stem_init", choices=("rescale", "crop"))
    model = DenseNet(
        n_classes=n_classes,
        in_channels=in_channels,
        n_mels=n_mels,
        growth_rate=growth_rate,
        block_config=as_int_tuple(block_config, name="block_config", length=4),
        num_init_features=num_init_features,
        bn_size=bn_size,
        drop_rate=drop_rate,
        dropout=dropout,
        stem=stem,
        stem_pool=bool(stem_pool),
    )
    if pretrained is not None:
        load_pretrained(
            model,
            pretrained,
            head_prefixes=("classifier.",),
            stem_keys=("features.conv0.weight",),
            new_prefixes=("input_conv.",),
            rename=_legacy_rename,
            adapt={"features.conv0.weight": functools.partial(resize_kernel, mode=stem_init)},
        )
        if isinstance(model.input_conv, nn.Conv2d):
            init_replicate(model.input_conv)
    return model


def densenet161_imagenet(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.0,
    growth_rate: int = 48,
    block_config: tuple[int, ...] = (6, 12, 36, 24),
    num_init_features: int = 96,
    bn_size: int = 4,
    drop_rate: float = 0.0,
    stem: str = "paper",
    stem_pool: bool = True,
    pretrained: str | os.PathLike | None = None,
    stem_init: str = "rescale",
) -> DenseNet:
    """:func:`densenet161` initialised from ImageNet weights (own registry entry and table rows).

    Training needs ``pretrained``; rebuilding a trained checkpoint does not.
    """
    return densenet161(
        n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        dropout=dropout,
        growth_rate=growth_rate,
        block_config=block_config,
        num_init_features=num_init_features,
        bn_size=bn_size,
        drop_rate=drop_rate,
        stem=stem,
        stem_pool=stem_pool,
        pretrained=pretrained,
        stem_init=stem_init,
    )
