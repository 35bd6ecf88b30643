"""Choi's compact convnets (k2c2, k2c1, k1c2) and their per-layer features.

* k2c2: the fully convolutional network of Choi, Fazekas & Sandler (2016),
  "Automatic tagging using deep convolutional neural networks" (ISMIR), in the
  compact form used as a feature extractor by Choi, Fazekas, Sandler & Cho
  (2017), "Transfer learning for music classification and regression tasks"
  (ISMIR): five 3×3 conv layers of 32 channels, each with batch-norm, ELU and
  a max-pool, shrinking the spectrogram to 1×1, then the classifier.
* k2c1 and k1c2: the two other CNN layouts compared with the CRNN by Choi,
  Fazekas, Sandler & Cho (2017), "Convolutional recurrent neural networks for
  music classification" (ICASSP), as Choi's thesis describes them. k1c2: 4
  conv layers of 1×4 kernels, time-only pools 1×4, 1×5, 1×8, 1×8, two FC
  layers. k2c1: a first kernel spanning all bands × 4 frames (96×4 in the
  paper), then four 1×4 layers; 5 conv + 2 FC.

Every variant batch-normalises the input per mel band, uses the same dropout
after each block (the CRNN paper keeps these settings identical across
models), and ends with a global max-pool over the valid frames, so any
``n_frames >= 1`` works and padding never enters the output. k2c2 pooling:
frequency pools of layers 1–4 come from
:func:`~motivic.train.models.blocks.split_pool` over 5 layers (128 bands:
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

from motivic.core.errors import MotivicError
from motivic.train.models.blocks import (
    ConvBlock2d,
    FrequencyBatchNorm,
    SpectrogramModel,
    check_int,
    check_probability,
    pooled_size,
    split_pool,
)
from motivic.train.models.masking import check_lengths, masked_time_pool, out_lengths

__all__ = [
    "ChoiConvNet",
    "compact_convnet",
    "compact_convnet_k1c2",
    "compact_convnet_k2c1",
    "layer_features",
]

_N_LAYERS = 5
_TIME_POOL = 2
_K1C2_TIME_POOLS = (4, 5, 8, 8)


class ChoiConvNet(SpectrogramModel):
    """Conv blocks (BN, ELU, max-pool) → global max-pool over time → [FC layers] → linear.

    Parameters
    ----------
    kernels : sequence of (int, int)
        Kernel ``(freq, time)`` of each layer.
    paddings : sequence of (int, int) or "same"
        Zero padding of each layer.
    pools : sequence of (int, int) or None
        Ceil-mode max-pool after each layer (``None``: none; the last layer is
        followed by the global pool).
    n_classes, n_mels, in_channels, channels, dropout
        As in :func:`compact_convnet`.
    pool_frequency : bool
        ``True`` (k2c2): the global pool also takes the max over the remaining
        frequency bins, so the head sees ``channels`` features. ``False``
        (k1c2, k2c1): the remaining bins are kept and flattened.
    fc_units : sequence of int
        Hidden fully connected ELU layers before the output layer.

    Shape: ``[batch, in_channels, n_mels, n_frames]`` → ``[batch, n_classes]``.
    """

    def __init__(
        self,
        *,
        kernels: list[tuple[int, int]],
        paddings: list,
        pools: list[tuple[int, int] | None],
        n_classes: int,
        n_mels: int,
        in_channels: int,
        channels: int,
        dropout: float,
        pool_frequency: bool = True,
        fc_units: tuple[int, ...] = (),
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
        self.pool_frequency = bool(pool_frequency)
        n_bins = n_mels
        for kernel, padding, pool in zip(kernels, paddings, [*pools, None]):
            if padding != "same":
                n_bins = n_bins + 2 * padding[0] - kernel[0] + 1
            n_bins = pooled_size(n_bins, [pool[0]]) if pool is not None else n_bins
        n_features = channels if self.pool_frequency else channels * n_bins
        layers: list[nn.Module] = []
        for units in fc_units:
            layers += [nn.Linear(n_features, units), nn.ELU(inplace=True)]
            layers += [nn.Dropout(dropout)] if dropout > 0 else []
            n_features = units
        layers.append(nn.Linear(n_features, n_classes))
        self.classifier = nn.Sequential(*layers) if len(layers) > 1 else layers[0]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        # front end
        x = self.input_bn(x, lengths)
        # body
        for block in self.convs:
            x, lengths = block.masked(x, lengths)
        # head: max over the valid frames (and the remaining bands for k2c2)
        x = masked_time_pool(x, lengths, "max")  # [batch, C, F']
        x = x.amax(dim=2) if self.pool_frequency else torch.flatten(x, 1)
        return self.classifier(x)


def layer_features(
    model: ChoiConvNet, x: torch.Tensor, lengths: torch.Tensor | None = None
) -> list[torch.Tensor]:
    """Average-pooled activation of each conv layer (Choi et al. 2017 "convnet feature").

    Parameters
    ----------
    model : ChoiConvNet
        A compact convnet (trained, or with random weights); its train/eval
        mode is respected, so call ``model.eval()`` first for deterministic features.
    x : torch.Tensor [shape=(batch, in_channels, n_mels, n_frames)]
    lengths : torch.Tensor [shape=(batch,)] or None
        Valid frames of each item; the means are over valid frames only.

    Returns
    -------
    features : list of torch.Tensor [shape=(batch, channels)], one per conv layer
        Mean over frequency and valid time of each layer's activation after
        ELU and before pooling. ``torch.cat(features, 1)`` is the
        160-dimensional feature of the paper for 5 layers of 32 channels.

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
    lengths = check_lengths(x, lengths)
    features = []
    x = model.input_bn(x, lengths)
    for block in model.convs:
        act, x, act_lengths = block.activations(x, lengths)
        conv_lengths = out_lengths(block.conv, lengths)
        features.append(masked_time_pool(act.mean(dim=2), conv_lengths, "mean"))
        lengths = act_lengths
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
    fc_units: int = 64,
) -> ChoiConvNet:
    """k2c1 (Choi et al. 2017): an all-bands × 4 first kernel, then 1×4; 5 conv + 2 FC.

    Parameters
    ----------
    n_classes, n_mels, in_channels, dropout, channels
        As in :func:`compact_convnet`.
    fc_units : int >= 1
        Units of the hidden fully connected layer (the second FC layer is the output).

    Notes
    -----
    The first layer's ``n_mels × 4`` kernel (96×4 in the paper) leaves one
    frequency bin, so the four 1×4 layers after it are convolutions along
    time. Time pools after layers 1–4 are k1c2's 1×4, 1×5, 1×8, 1×8 (the
    thesis text states the kernels, not these pools); the global max-pool
    over the valid frames takes what is left.
    """
    _check(n_classes, n_mels, channels, dropout)
    check_int(fc_units, name="fc_units")
    return ChoiConvNet(
        kernels=[(n_mels, 4)] + [(1, 4)] * (_N_LAYERS - 1),
        paddings=[(0, 2)] * _N_LAYERS,
        pools=[(1, t) for t in _K1C2_TIME_POOLS],
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        channels=channels,
        dropout=dropout,
        pool_frequency=False,
        fc_units=(fc_units,),
    )


def compact_convnet_k1c2(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.1,
    channels: int = 32,
    fc_units: int = 64,
) -> ChoiConvNet:
    """k1c2 (Choi et al. 2017): 4 conv layers of 1×4 kernels, time-only pools, 2 FC layers.

    Parameters
    ----------
    n_classes, n_mels, in_channels, dropout, channels
        As in :func:`compact_convnet`.
    fc_units : int >= 1
        Units of the hidden fully connected layer.

    Notes
    -----
    The 1×4 kernels slide along time over the 2-D map; the pools 1×4, 1×5,
    1×8, 1×8 reduce time only (×1280: a 29 s clip of the paper collapses to
    one frame), so all ``n_mels`` bands reach the FC layers
    (``channels × n_mels`` features after a max over the remaining valid frames).
    """
    _check(n_classes, n_mels, channels, dropout)
    check_int(fc_units, name="fc_units")
    return ChoiConvNet(
        kernels=[(1, 4)] * 4,
        paddings=[(0, 2)] * 4,
        pools=[(1, t) for t in _K1C2_TIME_POOLS],
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        channels=channels,
        dropout=dropout,
        pool_frequency=False,
        fc_units=(fc_units,),
    )
