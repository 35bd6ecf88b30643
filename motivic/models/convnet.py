"""Choi's compact convnets (k2c2, k2c1, k1c2) and their per-layer features.

* k2c2: the fully convolutional network of Choi, Fazekas & Sandler (2016),
  "Automatic tagging using deep convolutional neural networks" (ISMIR), in the
  compact form used as a feature extractor by Choi, Fazekas, Sandler & Cho
  (2017), "Transfer learning for music classification and regression tasks"
  (ISMIR): five 3×3 conv layers of 32 channels, each with batch-norm, ELU and
  a max-pool, shrinking the spectrogram to 1×1, then the classifier.
* k2c1 and k1c2: the two other CNN layouts compared with the CRNN by Choi,
  Fazekas, Sandler & Cho (2017), "Convolutional recurrent neural networks for
  music classification" (ICASSP), Fig. 1, as read here: k2c1 has 2-D kernels
  in the first layer spanning all mel bands (so later convolutions are 1-D
  along time), k1c2 has 1-D (1×3, time-only) kernels convolved over the 2-D
  map with 2-D pooling.

Every variant batch-normalises the input per mel band, uses the same dropout
after each block (the CRNN paper keeps these settings identical across
models), and ends with a global max-pool, so any ``n_frames >= 1`` works.
Pooling: frequency pools of layers 1–4 come from
:func:`~motivic.models.blocks.split_pool` over 5 layers (128 bands:
2, 2, 2, 4, leaving 4 bands for layer 5; for the paper's 96 bands this gives
their 2, 2, 2, 3), time is pooled by 2 in layers 1–4 and the global
max-pool after layer 5 takes what is left (the paper's fixed time pools were
sized for 29 s clips).

:func:`layer_features` returns the average-pooled activation of every conv
layer, the "convnet feature" of the transfer-learning paper, for the
convnet-features + SVM baseline.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import MotivicError
from .blocks import (
    ConvBlock2d,
    FrequencyBatchNorm,
    SpectrogramModel,
    check_int,
    check_probability,
    split_pool,
)

__all__ = [
    "ChoiConvNet",
    "compact_convnet",
    "compact_convnet_k1c2",
    "compact_convnet_k2c1",
    "layer_features",
]

_N_LAYERS = 5
_TIME_POOL = 2


class ChoiConvNet(SpectrogramModel):
    """Five conv blocks (BN, ELU, max-pool) → global max-pool → linear.

    Parameters
    ----------
    kernels : sequence of 5 (int, int)
        Kernel ``(freq, time)`` of each layer.
    paddings : sequence of 5 (int, int)
        Zero padding of each layer.
    pools : sequence of 4 (int, int)
        Ceil-mode max-pool of layers 1–4 (layer 5 is followed by the global pool).
    n_classes, n_mels, in_channels, channels, dropout
        As in :func:`compact_convnet`.

    Shape: ``[batch, in_channels, n_mels, n_frames]`` → ``[batch, n_classes]``.
    """

    def __init__(
        self,
        *,
        kernels: list[tuple[int, int]],
        paddings: list[tuple[int, int]],
        pools: list[tuple[int, int]],
        n_classes: int,
        n_mels: int,
        in_channels: int,
        channels: int,
        dropout: float,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=1)
        self.input_bn = FrequencyBatchNorm(n_mels, in_channels)
        self.convs = nn.ModuleList(
            ConvBlock2d(
                in_channels if i == 0 else channels,
                channels,
                kernel_size=kernels[i],
                padding=paddings[i],
                pool=pools[i] if i < len(pools) else None,
                activation="elu",
                dropout=dropout,
            )
            for i in range(len(kernels))
        )
        self.global_pool = nn.AdaptiveMaxPool2d(1)
        self.classifier = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        # front end
        x = self.input_bn(x)
        # body
        for block in self.convs:
            x = block(x)
        # head
        return self.classifier(torch.flatten(self.global_pool(x), 1))


def layer_features(model: ChoiConvNet, x: torch.Tensor) -> list[torch.Tensor]:
    """Average-pooled activation of each conv layer (Choi et al. 2017 "convnet feature").

    Parameters
    ----------
    model : ChoiConvNet
        A (trained) compact convnet; its train/eval mode is respected, so call
        ``model.eval()`` first for deterministic features.
    x : torch.Tensor [shape=(batch, in_channels, n_mels, n_frames)]

    Returns
    -------
    features : list of torch.Tensor [shape=(batch, channels)], one per conv layer
        Mean over frequency and time of each layer's activation after ELU and
        before pooling. ``torch.cat(features, 1)`` is the 160-dimensional
        feature of the paper for 32 channels.

    Raises
    ------
    MotivicError
        If ``model`` is not a :class:`ChoiConvNet` or ``x`` has the wrong shape.
    """
    if not isinstance(model, ChoiConvNet):
        raise MotivicError(
            f"layer_features needs a compact_convnet model, got {type(model).__name__}"
        )
    model.check_input(x)
    features = []
    x = model.input_bn(x)
    for block in model.convs:
        act, x = block.activations(x)
        features.append(act.mean(dim=(2, 3)))
    return features


def _check(n_classes: int, n_mels: int, channels: int, dropout: float) -> None:
    check_int(n_classes, name="n_classes")
    check_int(n_mels, name="n_mels")
    check_int(channels, name="channels")
    check_probability(dropout, name="dropout")


def compact_convnet(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.1,
    channels: int = 32,
) -> ChoiConvNet:
    """Choi's k2c2 compact convnet: five 3×3 conv layers of ``channels`` maps.

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 1
    in_channels : int >= 1
    dropout : float in [0, 1)
        After each conv block.
    channels : int >= 1
        Feature maps per layer (32 in the transfer-learning paper).

    Returns
    -------
    model : ChoiConvNet
    """
    _check(n_classes, n_mels, channels, dropout)
    freq_pools = split_pool(n_mels, _N_LAYERS)
    return ChoiConvNet(
        kernels=[(3, 3)] * _N_LAYERS,
        paddings=[(1, 1)] * _N_LAYERS,
        pools=[(pool, _TIME_POOL) for pool in freq_pools[:-1]],
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        channels=channels,
        dropout=dropout,
    )


def compact_convnet_k2c1(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.1,
    channels: int = 32,
) -> ChoiConvNet:
    """k2c1: first-layer kernels span all ``n_mels`` bands (×3 frames), then 1×3 kernels.

    Parameters are those of :func:`compact_convnet`.
    """
    _check(n_classes, n_mels, channels, dropout)
    return ChoiConvNet(
        kernels=[(n_mels, 3)] + [(1, 3)] * (_N_LAYERS - 1),
        paddings=[(0, 1)] * _N_LAYERS,
        pools=[(1, _TIME_POOL)] * (_N_LAYERS - 1),
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        channels=channels,
        dropout=dropout,
    )


def compact_convnet_k1c2(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.1,
    channels: int = 32,
) -> ChoiConvNet:
    """k1c2: 1×3 (time-only) kernels over the 2-D map, k2c2's 2-D pooling.

    Parameters are those of :func:`compact_convnet`.
    """
    _check(n_classes, n_mels, channels, dropout)
    freq_pools = split_pool(n_mels, _N_LAYERS)
    return ChoiConvNet(
        kernels=[(1, 3)] * _N_LAYERS,
        paddings=[(0, 1)] * _N_LAYERS,
        pools=[(pool, _TIME_POOL) for pool in freq_pools[:-1]],
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        channels=channels,
        dropout=dropout,
    )
