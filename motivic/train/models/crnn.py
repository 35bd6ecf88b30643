"""Convolutional recurrent network of Choi, Fazekas, Sandler & Cho (2017).

"Convolutional recurrent neural networks for music classification" (ICASSP
2017): four 3×3 conv layers (batch-norm, ELU, max-pool, dropout 0.1) turn the
spectrogram into a sequence of feature vectors, a two-layer GRU reads it over
time, and its last hidden state feeds a linear classifier. The input is first
batch-normalised per mel band, as in the authors' code.

Adaptation to this project's 128-band input: the paper pools 96 bands with
(2, 3, 4, 4) so frequency collapses to 1. Here the frequency pools are derived
from ``n_mels`` by :func:`~motivic.train.models.blocks.split_pool` (smallest largest
factor, exact when possible): (2, 4, 4, 4) for 128 bands, (2, 3, 4, 4) for 96.
Time is pooled by ``time_pool`` (default 2) per layer, so a 426-frame input
(25 ms hop) gives a 27-step sequence. Pools run in ceil mode, so any
``n_frames >= 1`` works. The GRU runs on packed sequences when ``lengths`` is
given, so its last state is the one after the last *valid* step.

Widths: ``preset`` selects the parameter budgets of Choi et al. (Table 1:
0.1 M = 30/60/60/60 conv + GRU 30, up to 3 M) or the authors' released
configuration (64/128/128/128 + GRU 32, about 0.39 M); see :data:`PRESETS`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from motivic.core.errors import MotivicError
from motivic.train.models.blocks import (
    ConvBlock2d,
    FrequencyBatchNorm,
    SpectrogramModel,
    as_int_tuple,
    check_choice,
    check_int,
    check_probability,
    pooled_size,
    split_pool,
)
from motivic.train.models.masking import apply_masked, check_lengths

__all__ = ["CRNN", "PRESETS", "crnn"]

_N_CONV = 4


class CRNN(SpectrogramModel):
    """Choi et al. (2017) CRNN: 4 conv blocks → 2-layer GRU → last hidden state → linear.

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 1
    in_channels : int >= 1
    channels : tuple of 4 int
        Feature maps of the four conv layers.
    hidden_size : int >= 1
        GRU units per layer.
    gru_layers : int >= 1
    time_pool : int >= 1
        Max-pool size along time in each conv layer.
    dropout : float in [0, 1)
        After each conv block and before the classifier.

    Shape: ``[batch, in_channels, n_mels, n_frames]`` → ``[batch, n_classes]``.
    """

    def __init__(
        self,
        *,
        n_classes: int,
        n_mels: int,
        in_channels: int,
        channels: tuple[int, ...],
        hidden_size: int,
        gru_layers: int,
        time_pool: int,
        dropout: float,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=1)
        self.freq_pools = split_pool(n_mels, _N_CONV)
        widths = (in_channels, *channels)
        self.input_bn = FrequencyBatchNorm(n_mels, in_channels)
        self.convs = nn.Sequential(
            *(
                ConvBlock2d(
                    widths[i],
                    widths[i + 1],
                    pool=(self.freq_pools[i], time_pool),
                    activation="elu",
                    dropout=dropout,
                )
                for i in range(_N_CONV)
            )
        )
        assert pooled_size(n_mels, self.freq_pools) == 1
        self.gru = nn.GRU(channels[-1], hidden_size, num_layers=gru_layers, batch_first=True)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(hidden_size, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        # front end
        x = self.input_bn(x, lengths)
        x, lengths = apply_masked(self.convs, x, lengths)  # [batch, C, 1, T']
        # temporal summary: the GRU state after the last valid step
        x = x.squeeze(2).transpose(1, 2)  # [batch, T', C]
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(
                x, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
        _, h_n = self.gru(x)
        # head
        return self.classifier(self.dropout(h_n[-1]))


# Widths by parameter budget (Choi et al. 2017, Table 1; Choi 2018, thesis ch. 5):
# conv layers N, 2N, 2N, 2N and GRU units N. "released" is the authors' Keras
# code (keunwoochoi/music-auto_tagging-keras): conv 64/128/128/128, GRU 32.
PRESETS: dict[str, tuple[tuple[int, int, int, int], int]] = {
    "0.1M": ((30, 60, 60, 60), 30),
    "0.25M": ((48, 96, 96, 96), 48),
    "0.5M": ((68, 137, 137, 137), 68),
    "1M": ((96, 195, 195, 195), 96),
    "3M": ((169, 339, 339, 339), 169),
    "released": ((64, 128, 128, 128), 32),
}
_DEFAULT_WIDTHS = (32, 32)


def crnn(
    n_classes: int,
    *,
    n_mels: int = 128,
    in_channels: int = 1,
    dropout: float = 0.1,
    channels: int | Sequence[int] | None = None,
    hidden_size: int | None = None,
    gru_layers: int = 2,
    time_pool: int = 2,
    preset: str | None = None,
) -> CRNN:
    """Build Choi et al.'s (2017) CRNN for ``n_mels``-band spectrograms.

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 1
    in_channels : int >= 1
    dropout : float in [0, 1)
        After each conv block and before the classifier (paper: 0.1).
    channels : int, sequence of 4 int >= 1, or None
        Conv feature maps; an int is used for all four layers. ``None``: the
        preset's, else 32 (a narrow demo width, about 41 K parameters).
    hidden_size : int >= 1 or None
        GRU units; ``None``: the preset's, else 32.
    gru_layers : int >= 1
        Stacked GRU layers (paper: 2).
    time_pool : int >= 1
        Time pooling per conv layer.
    preset : {"0.1M", "0.25M", "0.5M", "1M", "3M", "released"} or None
        Widths of Choi et al.'s parameter budgets (conv N, 2N, 2N, 2N; GRU N;
        0.1M is 30/60/60/60 + GRU 30) or of the authors' released code
        (64/128/128/128 + GRU 32, about 0.39 M); see :data:`PRESETS`. Cannot
        be combined with ``channels`` or ``hidden_size``.

    Returns
    -------
    model : CRNN

    Raises
    ------
    MotivicError
        On an invalid option, an unknown preset, or a preset given together
        with ``channels`` or ``hidden_size``.
    """
    check_int(n_classes, name="n_classes")
    if preset is not None:
        check_choice(preset, name="preset", choices=PRESETS)
        if channels is not None or hidden_size is not None:
            raise MotivicError(
                f"crnn: preset={preset!r} sets the widths; remove channels={channels!r} "
                f"and hidden_size={hidden_size!r} (or the preset)"
            )
        channels, hidden_size = PRESETS[preset]
    channels = _DEFAULT_WIDTHS[0] if channels is None else channels
    hidden_size = _DEFAULT_WIDTHS[1] if hidden_size is None else hidden_size
    return CRNN(
        n_classes=n_classes,
        n_mels=check_int(n_mels, name="n_mels"),
        in_channels=in_channels,
        channels=as_int_tuple(channels, name="channels", length=_N_CONV),
        hidden_size=check_int(hidden_size, name="hidden_size"),
        gru_layers=check_int(gru_layers, name="gru_layers"),
        time_pool=check_int(time_pool, name="time_pool"),
        dropout=check_probability(dropout, name="dropout"),
    )
