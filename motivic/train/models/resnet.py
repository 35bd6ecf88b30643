"""ResNet-50 for log-mel spectrograms, in torchvision's block + configuration + factory layout.

He, Zhang, Ren & Sun (2016), "Deep residual learning for image recognition",
bottleneck variant "v1.5" (stride on the 3×3 conv, as torchvision). Changes
made by Arronte Alvarez & Gómez (2021) for 1-channel spectrograms:

* an extra 3×3 stride-1 convolution (``input_conv``) maps the ``in_channels``
  input to 3 channels, so the ImageNet body sees what it was trained on;
* the first convolution ``conv1`` is 3×3 stride 1 instead of 7×7 stride 2,
  so the stem no longer halves the 128 mel bands.

The stem max-pool is kept by default (``stem_pool=True``): the paper only
describes the convolution change, and keeping it halves every later feature
map (4× less compute on 128 × 426 inputs). ``stem_pool=False`` removes it.
``stem="imagenet"`` builds the unmodified torchvision stem (7×7 stride-2
``conv1`` straight on the input, no ``input_conv``); with ``in_channels=3`` and
1000 classes it has torchvision's 25,557,032 parameters.

Parameter names follow torchvision (``conv1``, ``bn1``, ``layer1.0.conv1``, …,
``fc``), so an ImageNet state dict in that layout loads with ``pretrained=PATH``.
"""

from __future__ import annotations

import functools
import logging
import os

import torch
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

__all__ = ["Bottleneck", "ResNet", "resnet50", "resnet50_imagenet"]

logger = logging.getLogger(__name__)

_STEMS = ("paper", "imagenet")


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3×3 convolution with padding 1 and no bias (batch-norm follows)."""
    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1×1 convolution with no bias."""
    return nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


class Bottleneck(nn.Module):
    """1×1 reduce → 3×3 (carries the stride) → 1×1 expand (×4), plus shortcut.

    Shape: ``[batch, inplanes, H, W]`` → ``[batch, 4 * planes, H / stride, W / stride]``.
    """

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, *, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def masked(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Block output and its valid frames (see :func:`~motivic.train.models.masking.apply_masked`)."""
        identity = x
        if self.downsample is not None:
            identity, _ = apply_masked(self.downsample, x, lengths)
        out, _ = apply_masked(self.conv1, x, lengths)
        out = self.relu(masked_batch_norm(self.bn1, out, lengths))
        out, lengths = apply_masked(self.conv2, out, lengths)
        out = self.relu(masked_batch_norm(self.bn2, out, lengths))
        out, _ = apply_masked(self.conv3, out, lengths)
        out = masked_batch_norm(self.bn3, out, lengths)
        return self.relu(out + identity), lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.masked(x, lengths)[0]


class ResNet(SpectrogramModel):
    """Generic bottleneck ResNet over spectrograms (see the module docstring).

    Parameters
    ----------
    block : type
        Residual block class (:class:`Bottleneck`).
    layers : sequence of 4 int
        Blocks per stage; ``(3, 4, 6, 3)`` is ResNet-50.
    n_classes : int >= 1
    in_channels : int >= 1
    n_mels : int >= 16
        Mel bands of the input (checked in ``forward``).
    width : int >= 1
        Planes of the first stage (64 in ResNet-50); stages use 1, 2, 4, 8 ×.
    stem : {"paper", "imagenet"}
    stem_pool : bool
        Keep the 3×3 stride-2 max-pool after the stem.
    dropout : float in [0, 1)
        Dropout before ``fc``.

    Notes
    -----
    ``forward`` maps ``[batch, in_channels, n_mels, n_frames]`` to logits
    ``[batch, n_classes]``; global average pooling makes any ``n_frames >= 16``
    work (shorter inputs leave a single value per channel in the last stage).
    """

    def __init__(
        self,
        block: type[Bottleneck],
        layers: tuple[int, ...],
        *,
        n_classes: int,
        in_channels: int = 1,
        n_mels: int = 128,
        width: int = 64,
        stem: str = "paper",
        stem_pool: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=16)
        check_int(n_mels, name="n_mels", minimum=16)
        self.inplanes = width
        if check_choice(stem, name="stem", choices=_STEMS) == "paper":
            self.input_conv: nn.Module = nn.Conv2d(in_channels, 3, 3, padding=1)
            self.conv1 = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        else:
            self.input_conv = nn.Identity()
            self.conv1 = nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool: nn.Module = (
            nn.MaxPool2d(3, stride=2, padding=1) if stem_pool else nn.Identity()
        )
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(width * 8 * block.expansion, n_classes)

        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _make_layer(
        self, block: type[Bottleneck], planes: int, blocks: int, stride: int = 1
    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride=stride, downsample=downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        # front end
        x, lengths = apply_masked(self.input_conv, x, lengths)
        x, lengths = apply_masked(self.conv1, x, lengths)
        x = self.relu(masked_batch_norm(self.bn1, x, lengths))
        x, lengths = apply_masked(self.maxpool, x, lengths)
        # body
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x, lengths = apply_masked(stage, x, lengths)
        # head: global average over frequency and the valid frames
        x = masked_time_pool(x.mean(dim=2), lengths, "mean")
        return self.fc(self.dropout(x))


def _resnet(
    layers: tuple[int, ...],
    n_classes: int,
    *,
    pretrained: str | os.PathLike | None,
    stem_init: str,
    **kwargs,
) -> ResNet:
    check_choice(stem_init, name="stem_init", choices=("rescale", "crop"))
    model = ResNet(Bottleneck, layers, n_classes=n_classes, **kwargs)
    if pretrained is not None:
        load_pretrained(
            model,
            pretrained,
            head_prefixes=("fc.",),
            stem_keys=("conv1.weight",),
            new_prefixes=("input_conv.",),
            adapt={"conv1.weight": functools.partial(resize_kernel, mode=stem_init)},
        )
        if isinstance(model.input_conv, nn.Conv2d):
            init_replicate(model.input_conv)
    return model


def resnet50(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.0,
    width: int = 64,
    layers: tuple[int, ...] = (3, 4, 6, 3),
    stem: str = "paper",
    stem_pool: bool = True,
    pretrained: str | os.PathLike | None = None,
    stem_init: str = "rescale",
) -> ResNet:
    """ResNet-50 with the paper's spectrogram stem (Arronte Alvarez & Gómez 2021).

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 16
    in_channels : int >= 1
    dropout : float in [0, 1)
        Dropout before the classifier.
    width : int >= 1
        First-stage planes; 64 is ResNet-50, smaller values give narrow test models.
    layers : sequence of 4 int >= 1
        Blocks per stage; ``(3, 4, 6, 3)`` is ResNet-50.
    stem : {"paper", "imagenet"}
        ``"paper"``: 1→3 channel 3×3 conv, then 3×3 stride-1 ``conv1``.
        ``"imagenet"``: torchvision's 7×7 stride-2 ``conv1`` on the input.
    stem_pool : bool
        Keep the stem max-pool (default: kept; see the module docstring).
    pretrained : path-like or None
        State dict in torchvision's key layout (e.g. ImageNet weights saved
        with ``torch.save``), read with ``weights_only=True``, never
        downloaded. Everything is copied except ``fc.*`` (new classifier);
        the 7×7 ``conv1`` kernel is turned into the paper's 3×3 one by
        ``stem_init``, and ``input_conv`` is set to copy the mono input to the
        three ImageNet channels (:func:`~motivic.train.models.blocks.init_replicate`).
    stem_init : {"rescale", "crop"}
        How the pretrained 7×7 ``conv1`` becomes 3×3
        (:func:`~motivic.train.models.blocks.resize_kernel`): area resampling with the
        kernel sum kept (default), or the centre 3×3 taps.

    Returns
    -------
    model : ResNet
        Maps ``[batch, in_channels, n_mels, n_frames >= 16]`` to ``[batch, n_classes]``.

    Raises
    ------
    MotivicError
        On an invalid option, or naming ``pretrained`` when its keys or shapes
        do not fit beyond the classifier and stem.
    """
    check_int(n_classes, name="n_classes")
    check_int(width, name="width")
    check_probability(dropout, name="dropout")
    layers = as_int_tuple(layers, name="layers", length=4)
    return _resnet(
        layers,
        n_classes,
        pretrained=pretrained,
        n_mels=n_mels,
        in_channels=in_channels,
        width=width,
        stem=stem,
        stem_pool=bool(stem_pool),
        dropout=dropout,
        stem_init=stem_init,
    )


def resnet50_imagenet(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.0,
    width: int = 64,
    layers: tuple[int, ...] = (3, 4, 6, 3),
    stem: str = "paper",
    stem_pool: bool = True,
    pretrained: str | os.PathLike | None = None,
    stem_init: str = "rescale",
) -> ResNet:
    """:func:`resnet50` initialised from ImageNet weights: its own registry entry and table rows.

    Training needs ``pretrained`` (a local file; see
    :func:`motivic.train.models.check_trainable`); rebuilding a trained checkpoint
    does not, as its state dict replaces every weight.
    """
    return resnet50(
        n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        dropout=dropout,
        width=width,
        layers=layers,
        stem=stem,
        stem_pool=stem_pool,
        pretrained=pretrained,
        stem_init=stem_init,
    )
