"""Musically motivated CNNs of Pons, Lidy & Serra (2016).

"Experimenting with musically motivated convolutional neural networks"
(CBMI 2016). One convolutional layer of 32 filters whose shape encodes a
musical hypothesis, with ReLU (no batch-norm), a max-pool, 50 % dropout
before each dense layer and Glorot-uniform initialisation. Settings follow
the paper's Table I and the authors' released configuration (Ballroom, 40 mel
bands × 80 frames):

=================  ============  =====================  =============================
model              filters       max-pool               after the pool
=================  ============  =====================  =============================
``pons_blackbox``  12×8          4×1                    dropout, dense 200 ReLU,
                                                        dropout, output
``pons_time``      1×60          40×1 (all bands)       dropout, output
``pons_frequency`` 32×1          1×80 (all frames)      dropout, output
``pons_timefreq``  1×60 ‖ 32×1   as Time ‖ Frequency    concat, dropout, dense 200
                                                        ReLU, dropout, output
=================  ============  =====================  =============================

Adaptation to other input sizes (the paper's pools are sized for 40 × 80):

* the Time branch pools over *all* mel bands and the Frequency branch over
  *all* frames, which is what 40×1 and 1×80 do on the paper's input;
* the Time branch's and the black-box model's remaining time axis is
  adaptively max-pooled to the length it has for ``reference_frames=80``
  input (80 - 60 + 1 = 21 and 80 - 8 + 1 = 73), so dense layers do not
  depend on ``n_frames`` and 80-frame inputs give exactly the paper's model;
* the frequency axis is not adapted: dense sizes grow with ``n_mels``.

Minimum input (valid convolutions): black-box 15 bands × 8 frames, Time 60
frames, Frequency 32 bands, Time-Frequency both.

``pons_timefreq(init_from=(time_path, frequency_path))`` is the paper's
"Time-Frequency init" model: its branches start from the convolution weights
of trained ``pons_time`` and ``pons_frequency`` models.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from motivic.core.errors import MotivicError
from motivic.train.models.blocks import (
    SpectrogramModel,
    check_int,
    check_probability,
    load_state_dict_file,
)
from motivic.train.models.masking import check_lengths, mask_frames, masked_time_pool

__all__ = [
    "PonsBranch",
    "PonsSingle",
    "PonsTimeFrequency",
    "patch_vote",
    "pons_blackbox",
    "pons_frequency",
    "pons_time",
    "pons_timefreq",
]

logger = logging.getLogger(__name__)

_TIME_KERNEL = (1, 60)
_FREQUENCY_KERNEL = (32, 1)
_BLACKBOX_KERNEL = (12, 8)
_BLACKBOX_POOL = (4, 1)


class PonsBranch(nn.Module):
    """One valid convolution (ReLU) and its max-pool, flattened.

    Parameters
    ----------
    kernel_size : (int, int)
        Filter shape ``(freq, time)``.
    pool : {"time", "frequency", "blackbox"}
        ``"time"``: max over all bands, time adaptively pooled to
        ``time_bins``; ``"frequency"``: max over all frames;
        ``"blackbox"``: 4×1 max-pool, time adaptively pooled to ``time_bins``.
    n_filters : int
    time_bins : int
        Time positions kept by ``"time"`` and ``"blackbox"`` pools.

    Shape: ``[batch, in_channels, F, T]`` → ``[batch, n_filters * positions]``.
    """

    def __init__(
        self,
        in_channels: int,
        *,
        kernel_size: tuple[int, int],
        pool: str,
        n_filters: int,
        time_bins: int = 1,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, n_filters, kernel_size)
        self.pool = pool
        self.time_bins = time_bins

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        kernel_t = self.conv.kernel_size[1]
        if lengths is not None:
            # valid convolution: frames after the valid ones are zeros, and an
            # item shorter than the kernel is zero-extended to one output frame
            x = mask_frames(x, lengths, 0.0)
            lengths = lengths.clamp(min=kernel_t) - kernel_t + 1
        x = F.relu(self.conv(x))
        if self.pool == "frequency":
            return torch.flatten(masked_time_pool(x, lengths, "max"), 1)
        if self.pool == "time":
            x = x.amax(dim=2, keepdim=True)
        else:
            x = F.max_pool2d(x, _BLACKBOX_POOL)
        return torch.flatten(self._adaptive_time(x, lengths), 1)

    def _adaptive_time(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Adaptive max-pool of each item's valid frames to ``time_bins`` positions."""
        if lengths is None:
            return F.adaptive_max_pool2d(x, (x.shape[2], self.time_bins))
        return torch.cat(
            [
                F.adaptive_max_pool2d(x[b : b + 1, ..., : int(n)], (x.shape[2], self.time_bins))
                for b, n in enumerate(lengths.tolist())
            ]
        )


def _dense_head(
    n_features: int, *, n_classes: int, dense_units: int, dropout: float
) -> nn.Sequential:
    """Dropout → [Linear → ReLU → Dropout] → Linear (no hidden layer if ``dense_units=0``)."""
    layers: list[nn.Module] = [nn.Dropout(dropout)]
    if dense_units:
        layers += [nn.Linear(n_features, dense_units), nn.ReLU(inplace=True), nn.Dropout(dropout)]
        n_features = dense_units
    layers.append(nn.Linear(n_features, n_classes))
    return nn.Sequential(*layers)


def _glorot_init(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


class PonsSingle(SpectrogramModel):
    """Single-branch Pons model (black-box, Time or Frequency).

    Shape: ``[batch, in_channels, n_mels, n_frames]`` → ``[batch, n_classes]``.
    """

    def __init__(
        self,
        *,
        branch: PonsBranch,
        n_features: int,
        n_classes: int,
        n_mels: int,
        in_channels: int,
        min_frames: int,
        dense_units: int,
        dropout: float,
        patch_frames: int | None = None,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=min_frames)
        self.patch_frames = patch_frames
        self.branch = branch
        self.head = _dense_head(
            n_features, n_classes=n_classes, dense_units=dense_units, dropout=dropout
        )
        _glorot_init(self)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        if self.patch_frames is not None:
            return patch_vote(self._whole, x, lengths, self.patch_frames)
        return self._whole(x, lengths)

    def _whole(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        # front end
        x = self.branch(x, lengths)
        # head
        return self.head(x)


class PonsTimeFrequency(SpectrogramModel):
    """Time and Frequency branches side by side, concatenated, then dense layers.

    Shape: ``[batch, in_channels, n_mels, n_frames]`` → ``[batch, n_classes]``.
    """

    def __init__(
        self,
        *,
        n_classes: int,
        n_mels: int,
        in_channels: int,
        n_filters: int,
        reference_frames: int,
        dense_units: int,
        dropout: float,
        patch_frames: int | None = None,
    ) -> None:
        super().__init__(in_channels=in_channels, n_mels=n_mels, min_frames=_TIME_KERNEL[1])
        self.patch_frames = patch_frames
        time_bins = reference_frames - _TIME_KERNEL[1] + 1
        self.time_branch = PonsBranch(
            in_channels,
            kernel_size=_TIME_KERNEL,
            pool="time",
            n_filters=n_filters,
            time_bins=time_bins,
        )
        self.frequency_branch = PonsBranch(
            in_channels, kernel_size=_FREQUENCY_KERNEL, pool="frequency", n_filters=n_filters
        )
        n_features = n_filters * (time_bins + n_mels - _FREQUENCY_KERNEL[0] + 1)
        self.head = _dense_head(
            n_features, n_classes=n_classes, dense_units=dense_units, dropout=dropout
        )
        _glorot_init(self)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.check_input(x)
        lengths = check_lengths(x, lengths)
        if self.patch_frames is not None:
            return patch_vote(self._whole, x, lengths, self.patch_frames)
        return self._whole(x, lengths)

    def _whole(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        # front end
        x = torch.cat([self.time_branch(x, lengths), self.frequency_branch(x, lengths)], dim=1)
        # head
        return self.head(x)


def patch_vote(
    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    lengths: torch.Tensor | None,
    patch_frames: int,
) -> torch.Tensor:
    """Classify each item by the mean class probability of its ``patch_frames``-frame patches.

    Pons et al. (2016) train and test on 80-frame patches and vote per song.
    Here the vote is inside the model, so training and evaluation share it:
    the valid frames of an item are cut into consecutive patches (the last one
    ends at the last valid frame, overlapping its neighbour; an item shorter
    than a patch is one zero-extended patch), every patch is classified, and
    the item's output is the log of the mean of the patches' softmax
    probabilities, which softmax and cross-entropy treat as logits.

    Returns
    -------
    log_probs : torch.Tensor [shape=(batch, n_classes)]
    """
    n_frames = x.shape[-1]
    valid = [n_frames] * x.shape[0] if lengths is None else lengths.tolist()
    patches, owners, patch_lengths = [], [], []
    for b, n in enumerate(valid):
        starts = list(range(0, max(n - patch_frames, 0) + 1, patch_frames))
        if n > patch_frames and starts[-1] + patch_frames < n:
            starts.append(n - patch_frames)
        for start in starts:
            patch = x[b, ..., start : start + patch_frames]
            if patch.shape[-1] < patch_frames:
                patch = F.pad(patch, (0, patch_frames - patch.shape[-1]))
            patches.append(patch)
            owners.append(b)
            patch_lengths.append(min(patch_frames, n - start))
    owner = torch.tensor(owners, device=x.device)
    logits = forward(torch.stack(patches), torch.tensor(patch_lengths, device=x.device))
    probs = torch.softmax(logits.float(), dim=1)
    total = torch.zeros(x.shape[0], probs.shape[1], device=x.device).index_add_(0, owner, probs)
    counts = torch.bincount(owner, minlength=x.shape[0]).clamp(min=1)
    return torch.log((total / counts[:, None]).clamp_min(1e-12)).to(logits.dtype)


def _check_patch(patch_frames: int | None, minimum: int) -> int | None:
    if patch_frames is None:
        return None
    return check_int(patch_frames, name="patch_frames", minimum=minimum)


def _check_common(
    n_classes: int,
    n_mels: int,
    n_filters: int,
    reference_frames: int,
    dense_units: int,
    dropout: float,
    *,
    min_mels: int,
    in_channels: int,
) -> None:
    check_int(n_classes, name="n_classes")
    check_int(in_channels, name="in_channels")
    check_int(n_mels, name="n_mels", minimum=min_mels)
    check_int(n_filters, name="n_filters")
    check_int(reference_frames, name="reference_frames", minimum=_TIME_KERNEL[1])
    check_int(dense_units, name="dense_units", minimum=0)
    check_probability(dropout, name="dropout")


def pons_blackbox(
    n_classes: int,
    *,
    n_mels: int = 40,
    in_channels: int = 1,
    dropout: float = 0.5,
    n_filters: int = 32,
    dense_units: int = 200,
    reference_frames: int = 80,
    patch_frames: int | None = None,
) -> PonsSingle:
    """Pons et al. (2016) black-box model: 32 12×8 filters, 4×1 max-pool, dense 200.

    Parameters
    ----------
    n_classes : int >= 1
    n_mels : int >= 15
    in_channels : int >= 1
    dropout : float in [0, 1)
        Before each dense layer (paper: 0.5).
    n_filters : int >= 1
    dense_units : int >= 0
        Hidden dense ReLU units (0: none).
    reference_frames : int >= 60
        Input length whose time resolution is kept (adaptive pooling).
    patch_frames : int or None
        Pons et al.'s patch classification: ``80`` cuts each segment's valid
        frames into 80-frame patches and outputs the log mean of the patch
        probabilities (:func:`patch_vote`); ``None`` (default) classifies the
        whole segment at once.

    Returns
    -------
    model : PonsSingle
        Accepts ``n_frames >= 8``.
    """
    _check_common(
        n_classes,
        n_mels,
        n_filters,
        reference_frames,
        dense_units,
        dropout,
        min_mels=15,
        in_channels=in_channels,
    )
    time_bins = reference_frames - _BLACKBOX_KERNEL[1] + 1
    freq_bins = (n_mels - _BLACKBOX_KERNEL[0] + 1) // _BLACKBOX_POOL[0]
    branch = PonsBranch(
        in_channels,
        kernel_size=_BLACKBOX_KERNEL,
        pool="blackbox",
        n_filters=n_filters,
        time_bins=time_bins,
    )
    return PonsSingle(
        branch=branch,
        n_features=n_filters * freq_bins * time_bins,
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        min_frames=_BLACKBOX_KERNEL[1],
        dense_units=dense_units,
        dropout=dropout,
        patch_frames=_check_patch(patch_frames, _BLACKBOX_KERNEL[1]),
    )


def pons_time(
    n_classes: int,
    *,
    n_mels: int = 40,
    in_channels: int = 1,
    dropout: float = 0.5,
    n_filters: int = 32,
    reference_frames: int = 80,
    patch_frames: int | None = None,
) -> PonsSingle:
    """Pons et al. (2016) Time model: 32 1×60 filters, max over bands, output layer.

    Parameters are those of :func:`pons_blackbox` (no hidden dense layer,
    ``patch_frames >= 60``). Accepts ``n_frames >= 60``; the output layer sees ``n_filters *
    (reference_frames - 59)`` features.
    """
    _check_common(
        n_classes,
        n_mels,
        n_filters,
        reference_frames,
        0,
        dropout,
        min_mels=1,
        in_channels=in_channels,
    )
    time_bins = reference_frames - _TIME_KERNEL[1] + 1
    branch = PonsBranch(
        in_channels,
        kernel_size=_TIME_KERNEL,
        pool="time",
        n_filters=n_filters,
        time_bins=time_bins,
    )
    return PonsSingle(
        branch=branch,
        n_features=n_filters * time_bins,
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        min_frames=_TIME_KERNEL[1],
        dense_units=0,
        dropout=dropout,
        patch_frames=_check_patch(patch_frames, _TIME_KERNEL[1]),
    )


def pons_frequency(
    n_classes: int,
    *,
    n_mels: int = 40,
    in_channels: int = 1,
    dropout: float = 0.5,
    n_filters: int = 32,
    patch_frames: int | None = None,
) -> PonsSingle:
    """Pons et al. (2016) Frequency model: 32 32×1 filters, max over frames, output layer.

    Parameters are those of :func:`pons_blackbox` (no hidden dense layer).
    Needs ``n_mels >= 32``; the output layer sees ``n_filters * (n_mels - 31)``
    features, any ``n_frames >= 1``.
    """
    _check_common(
        n_classes,
        n_mels,
        n_filters,
        80,
        0,
        dropout,
        min_mels=_FREQUENCY_KERNEL[0],
        in_channels=in_channels,
    )
    branch = PonsBranch(
        in_channels, kernel_size=_FREQUENCY_KERNEL, pool="frequency", n_filters=n_filters
    )
    return PonsSingle(
        branch=branch,
        n_features=n_filters * (n_mels - _FREQUENCY_KERNEL[0] + 1),
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        min_frames=1,
        dense_units=0,
        dropout=dropout,
        patch_frames=_check_patch(patch_frames, 1),
    )


def pons_timefreq(
    n_classes: int,
    *,
    n_mels: int = 40,
    in_channels: int = 1,
    dropout: float = 0.5,
    n_filters: int = 32,
    dense_units: int = 200,
    reference_frames: int = 80,
    init_from: Sequence[str | os.PathLike] | None = None,
    patch_frames: int | None = None,
) -> PonsTimeFrequency:
    """Pons et al. (2016) Time-Frequency model (and its "init" variant).

    Parameters
    ----------
    n_classes, n_mels (>= 32), in_channels, dropout, n_filters, dense_units, reference_frames
        As in :func:`pons_blackbox`.
    patch_frames : int >= 60 or None
        As in :func:`pons_blackbox`.
    init_from : (path, path) or None
        State-dict files (bare, or project checkpoints with ``"state_dict"``)
        of a trained ``pons_time`` and a trained ``pons_frequency`` model. Their
        ``branch.conv`` weights initialise ``time_branch.conv`` and
        ``frequency_branch.conv``; the dense layers start fresh.

    Returns
    -------
    model : PonsTimeFrequency
        Accepts ``n_frames >= 60``.

    Raises
    ------
    MotivicError
        If ``init_from`` is not two paths, or a file lacks ``branch.conv``
        weights of the right shape.
    """
    _check_common(
        n_classes,
        n_mels,
        n_filters,
        reference_frames,
        dense_units,
        dropout,
        min_mels=_FREQUENCY_KERNEL[0],
        in_channels=in_channels,
    )
    model = PonsTimeFrequency(
        n_classes=n_classes,
        n_mels=n_mels,
        in_channels=in_channels,
        n_filters=n_filters,
        reference_frames=reference_frames,
        dense_units=dense_units,
        dropout=dropout,
        patch_frames=_check_patch(patch_frames, _TIME_KERNEL[1]),
    )
    if init_from is not None:
        if isinstance(init_from, (str, os.PathLike)) or len(init_from) != 2:
            raise MotivicError(
                f"init_from={init_from!r} must be (time_state_dict_path, frequency_state_dict_path)"
            )
        _init_branch(model.time_branch, init_from[0])
        _init_branch(model.frequency_branch, init_from[1])
    return model


def _init_branch(branch: PonsBranch, path: str | os.PathLike) -> None:
    """Copy ``branch.conv.{weight,bias}`` of a single-branch Pons state dict into ``branch``."""
    state = load_state_dict_file(path)
    for name, param in branch.conv.named_parameters():
        key = f"branch.conv.{name}"
        if key not in state or state[key].shape != param.shape:
            found = tuple(state[key].shape) if key in state else "missing"
            raise MotivicError(
                f"init_from file {os.fspath(path)!r}: {key} is {found}, expected "
                f"{tuple(param.shape)} (a pons_time / pons_frequency state dict)"
            )
        with torch.no_grad():
            param.copy_(state[key])
    logger.info("initialised %s filters from %s", tuple(branch.conv.weight.shape), os.fspath(path))
