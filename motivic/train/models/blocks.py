"""Small building blocks shared by the model families, plus option checks.

Every module here is written in the plain conv → batch-norm → activation →
pool order of sota-music-tagging's ``modules.py``; the model files compose
them. Besides modules this file holds the helpers every family needs:

* :class:`SpectrogramModel`, the base class that checks the input shape
  ``[batch, in_channels, n_mels, n_frames]`` against the model's settings;
* :func:`split_pool` and :func:`pooled_size`, which derive per-layer pool
  sizes from ``n_mels`` instead of hard-coding them;
* :func:`load_pretrained`, the partial state-dict loader used by ResNet and
  DenseNet (``pretrained=PATH``) and by the Pons Time-Frequency "init" model;
* small ``check_*`` validators that raise :class:`~motivic.core.errors.MotivicError`.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

from motivic.core.errors import MotivicError
from motivic.train.models.masking import apply_masked, masked_batch_norm, masked_time_pool

__all__ = [
    "BiLSTMSummary",
    "ConvBlock2d",
    "FrequencyBatchNorm",
    "ResidualBlock2d",
    "SpectrogramModel",
    "as_int_tuple",
    "check_choice",
    "check_int",
    "check_probability",
    "init_replicate",
    "load_pretrained",
    "load_state_dict_file",
    "pooled_size",
    "resize_kernel",
    "split_pool",
]

logger = logging.getLogger(__name__)

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),
    "elu": lambda: nn.ELU(inplace=True),
}


# ---------------------------------------------------------------------------
# option validation
# ---------------------------------------------------------------------------


def check_int(value: object, *, name: str, minimum: int = 1) -> int:
    """Return ``value`` if it is an ``int >= minimum``, else raise MotivicError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MotivicError(f"{name}={value!r} must be an integer >= {minimum}")
    return value


def check_probability(value: object, *, name: str) -> float:
    """Return ``value`` as a float if it lies in ``[0, 1)``, else raise MotivicError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise MotivicError(f"{name}={value!r} must be a number in [0, 1)")
    return float(value)


def check_choice(value: object, *, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise MotivicError."""
    choices = list(choices)
    if value not in choices:
        raise MotivicError(f"{name}={value!r} must be one of {choices}")
    return value  # type: ignore[return-value]


def as_int_tuple(
    value: int | Sequence[int], *, name: str, length: int, minimum: int = 1
) -> tuple[int, ...]:
    """Broadcast an int, or check a sequence of ints, to a tuple of ``length`` ints.

    YAML gives lists where Python code would pass tuples, so both are accepted.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        values: tuple[object, ...] = (value,) * length
    elif isinstance(value, Sequence) and not isinstance(value, str):
        values = tuple(value)
    else:
        raise MotivicError(f"{name}={value!r} must be an int or a sequence of {length} ints")
    if len(values) != length:
        raise MotivicError(f"{name}={value!r} must have {length} entries, found {len(values)}")
    return tuple(check_int(v, name=name, minimum=minimum) for v in values)


# ---------------------------------------------------------------------------
# pool-size arithmetic
# ---------------------------------------------------------------------------


def split_pool(total: int, n_layers: int) -> tuple[int, ...]:
    """Split a reduction factor over layers so ceil-mode pooling collapses ``total`` to 1.

    Chooses non-decreasing factors whose product is at least ``total``. The
    cost of a choice is its largest factor, plus one if the product overshoots
    ``total``; the cheapest choice wins, then the smallest product, then the
    most even split (smallest sum of squares). So an exact
    factorisation is used when it needs a largest factor at most one above the
    smallest possible, and a prime ``total`` is never pooled in one layer.

    Parameters
    ----------
    total : int >= 1
        Size to collapse, e.g. ``n_mels``.
    n_layers : int >= 1
        Number of pooling layers.

    Returns
    -------
    pools : tuple of int [shape=(n_layers,)]
        Pool size of each layer, smallest first.

    Examples
    --------
    >>> split_pool(128, 4)  # CRNN on 128 mel bands
    (2, 4, 4, 4)
    >>> split_pool(96, 4)  # Choi et al.'s 96-band CRNN used (2, 3, 4, 4)
    (2, 3, 4, 4)
    >>> split_pool(8, 2), split_pool(41, 4)
    ((2, 4), (2, 3, 3, 3))
    """
    check_int(total, name="total")
    check_int(n_layers, name="n_layers")
    largest = 1
    while largest**n_layers < total:
        largest += 1
    candidates = (
        pools
        for pools in itertools.combinations_with_replacement(range(1, largest + 2), n_layers)
        if math.prod(pools) >= total
    )
    return min(candidates, key=lambda pools: _pool_cost(pools, total))


def _pool_cost(pools: tuple[int, ...], total: int) -> tuple[int, int, int, tuple[int, ...]]:
    product = math.prod(pools)
    return max(pools) + (product != total), product, sum(p * p for p in pools), pools


def pooled_size(size: int, pools: Iterable[int]) -> int:
    """Size left after ceil-mode max-pools of the given sizes (stride = size)."""
    for pool in pools:
        size = -(-size // pool)
    return size


# ---------------------------------------------------------------------------
# base class
# ---------------------------------------------------------------------------


class SpectrogramModel(nn.Module):
    """Base class of every model: remembers and checks the expected input shape.

    Parameters
    ----------
    in_channels : int >= 1
        Channels of the input spectrogram (1 for a log-mel).
    n_mels : int >= 1
        Mel bands the model was built for; inputs must have exactly this many.
    min_frames : int >= 1
        Shortest input the architecture accepts, in frames.
    """

    def __init__(self, *, in_channels: int, n_mels: int, min_frames: int) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, name="in_channels")
        self.n_mels = check_int(n_mels, name="n_mels")
        self.min_frames = min_frames

    def check_input(self, x: torch.Tensor) -> None:
        """Raise MotivicError unless ``x`` is ``[batch, in_channels, n_mels, >= min_frames]``."""
        if x.dim() != 4 or x.shape[1] != self.in_channels or x.shape[2] != self.n_mels:
            raise MotivicError(
                f"{type(self).__name__} input has shape {tuple(x.shape)}; expected "
                f"[batch, {self.in_channels}, {self.n_mels}, n_frames] "
                f"(in_channels={self.in_channels}, n_mels={self.n_mels})"
            )
        if x.shape[3] < self.min_frames:
            raise MotivicError(
                f"{type(self).__name__} input has n_frames={x.shape[3]}; "
                f"this architecture needs n_frames >= {self.min_frames} (pad the input)"
            )


# ---------------------------------------------------------------------------
# modules
# ---------------------------------------------------------------------------


class ConvBlock2d(nn.Module):
    """Conv2d → BatchNorm2d → activation → ceil-mode MaxPool2d → Dropout.

    Parameters
    ----------
    in_channels, out_channels : int >= 1
        Feature maps in and out.
    kernel_size : int or (int, int)
        Kernel as ``(freq, time)``.
    padding : int, (int, int) or None
        Zero padding; ``None`` pads ``kernel // 2`` on each axis ("same" for
        odd kernels).
    pool : int, (int, int) or None
        Max-pool size (stride equal to size, ceil mode so no bins are lost);
        ``None`` for no pooling.
    activation : {"relu", "elu"}
    dropout : float in [0, 1)

    Shape: ``[batch, in_channels, F, T]`` → ``[batch, out_channels, F', T']``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int | tuple[int, int] = 3,
        padding: int | tuple[int, int] | None = None,
        pool: int | tuple[int, int] | None = None,
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        kernel = nn.modules.utils._pair(kernel_size)
        if padding is None:
            padding = (kernel[0] // 2, kernel[1] // 2)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = _ACTIVATIONS[check_choice(activation, name="activation", choices=_ACTIVATIONS)]()
        self.pool = nn.MaxPool2d(pool, ceil_mode=True) if pool is not None else nn.Identity()
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def activations(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Return ``(activation before pooling, block output, valid output frames)``.

        ``lengths`` (valid input frames, or ``None``) is honoured as in
        :func:`apply_masked`: padding never reaches a valid output frame.
        """
        x, lengths = apply_masked(self.conv, x, lengths)
        act = self.act(masked_batch_norm(self.bn, x, lengths))
        out, out_len = apply_masked(self.pool, act, lengths)
        return act, self.drop(out), out_len

    def masked(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Block output and its valid frames."""
        _, out, lengths = self.activations(x, lengths)
        return out, lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.activations(x, lengths)[1]


class ResidualBlock2d(nn.Module):
    """Two 3×3 stride-1 convolutions with batch-norm and ReLU, plus a shortcut.

    ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`` (He et al. 2016,
    "Deep residual learning for image recognition", basic block). The shortcut
    is the identity when the channel count is unchanged, else a 1×1 conv with
    batch-norm.

    Shape: ``[batch, in_channels, F, T]`` → ``[batch, out_channels, F, T]``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)
            )

    def masked(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Block output and its valid frames (stride 1: the lengths are unchanged)."""
        out, _ = apply_masked(self.conv1, x, lengths)
        out = self.relu(masked_batch_norm(self.bn1, out, lengths))
        out, _ = apply_masked(self.conv2, out, lengths)
        out = masked_batch_norm(self.bn2, out, lengths)
        shortcut, _ = apply_masked(self.shortcut, x, lengths)
        return self.relu(out + shortcut), lengths

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.masked(x, lengths)[0]


class FrequencyBatchNorm(nn.Module):
    """Batch-norm with one mean/variance per mel band (and channel) of the input.

    Choi et al.'s CRNN normalises the input spectrogram along the frequency
    axis; this is that layer. Shape: ``[batch, C, n_mels, T]`` unchanged.
    """

    def __init__(self, n_mels: int, in_channels: int = 1) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(in_channels * n_mels)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        batch, channels, n_mels, n_frames = x.shape
        flat = x.reshape(batch, channels * n_mels, n_frames)
        return masked_batch_norm(self.bn, flat, lengths).reshape(x.shape)

    def masked(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Normalised input; training statistics over the valid frames only."""
        return self.forward(x, lengths), lengths


class BiLSTMSummary(nn.Module):
    """Bidirectional LSTM over time, summarised to one vector per sequence.

    Parameters
    ----------
    input_size, hidden_size : int >= 1
    num_layers : int >= 1
    dropout : float in [0, 1)
        Dropout between LSTM layers (ignored by torch for one layer).
    summary : {"last", "mean"}
        ``"last"``: concatenation of the final hidden state of the forward
        direction (after the last frame) and of the backward direction (after
        the first frame) of the top layer. ``"mean"``: mean over time of the
        top layer's outputs.

    Shape: ``[batch, T, input_size]`` → ``[batch, 2 * hidden_size]``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        num_layers: int = 2,
        dropout: float = 0.0,
        summary: str = "last",
    ) -> None:
        super().__init__()
        self.summary = check_choice(summary, name="summary", choices=("last", "mean"))
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            outputs, (h_n, _) = self.lstm(x)
            if self.summary == "mean":
                return outputs.mean(dim=1)
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        # packed: the forward state is read after the last *valid* step
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        outputs, (h_n, _) = self.lstm(packed)
        if self.summary == "mean":
            padded, _ = nn.utils.rnn.pad_packed_sequence(
                outputs, batch_first=True, total_length=x.shape[1]
            )
            return masked_time_pool(padded.transpose(1, 2), lengths, "mean")
        return torch.cat([h_n[-2], h_n[-1]], dim=1)


# ---------------------------------------------------------------------------
# state-dict loading
# ---------------------------------------------------------------------------


def resize_kernel(
    weight: torch.Tensor, shape: torch.Size, *, mode: str = "rescale"
) -> torch.Tensor:
    """Turn a pretrained conv kernel into one of another spatial size (same channels).

    Parameters
    ----------
    weight : torch.Tensor [shape=(out, in, kh, kw)]
        E.g. the 7×7 ImageNet ``conv1`` of ResNet-50.
    shape : torch.Size
        Target ``(out, in, kh', kw')``; ``out`` and ``in`` must match.
    mode : {"rescale", "crop"}
        ``"rescale"``: area (antialiased bilinear) resampling to the new size,
        multiplied by ``(kh * kw) / (kh' * kw')`` so the kernel's response to a
        constant input (its sum) is kept. ``"crop"``: the centre ``kh' × kw'``
        taps, unscaled.

    Raises
    ------
    MotivicError
        If the channel counts differ, or a crop is larger than the kernel.
    """
    check_choice(mode, name="stem_init", choices=("rescale", "crop"))
    out_ch, in_ch, kh, kw = shape
    if tuple(weight.shape[:2]) != (out_ch, in_ch):
        raise MotivicError(
            f"cannot adapt a kernel of shape {tuple(weight.shape)} to {tuple(shape)}: "
            "channel counts differ"
        )
    if mode == "crop":
        top, left = (weight.shape[2] - kh) // 2, (weight.shape[3] - kw) // 2
        if top < 0 or left < 0:
            raise MotivicError(f"cannot crop a {tuple(weight.shape[2:])} kernel to {(kh, kw)}")
        return weight[:, :, top : top + kh, left : left + kw].clone()
    resized = nn.functional.interpolate(
        weight.float(), size=(kh, kw), mode="bilinear", align_corners=False, antialias=True
    )
    return (resized * (weight.shape[2] * weight.shape[3]) / (kh * kw)).to(weight.dtype)


def init_replicate(conv: nn.Conv2d) -> None:
    """Make ``conv`` copy the mean of its input channels to every output channel.

    The centre tap of each kernel is ``1 / in_channels`` and all other taps and
    the bias are 0, so a mono spectrogram reaches the three ImageNet input
    channels unchanged, as a grey-scale image is fed to an RGB network.
    """
    with torch.no_grad():
        conv.weight.zero_()
        kh, kw = conv.kernel_size
        conv.weight[:, :, kh // 2, kw // 2] = 1.0 / conv.in_channels
        if conv.bias is not None:
            conv.bias.zero_()


def load_state_dict_file(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state dict saved with ``torch.save``, safely and without the network.

    Accepts a bare state dict or a project checkpoint dict holding one under
    ``"state_dict"``. Loads with ``weights_only=True`` onto the CPU.

    Raises
    ------
    MotivicError
        If the file is missing, unreadable, or holds no tensor mapping.
    """
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as exc:
        raise MotivicError(f"cannot read state dict file {os.fspath(path)!r}: {exc}") from exc
    if isinstance(obj, Mapping) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping) or not all(torch.is_tensor(v) for v in obj.values()):
        raise MotivicError(
            f"state dict file {os.fspath(path)!r} holds {type(obj).__name__}, "
            "expected a mapping of parameter names to tensors"
        )
    return dict(obj)


def load_pretrained(
    model: nn.Module,
    path: str | os.PathLike,
    *,
    head_prefixes: Sequence[str],
    stem_keys: Sequence[str],
    new_prefixes: Sequence[str] = (),
    rename: Callable[[str], str] | None = None,
    adapt: Mapping[str, Callable[[torch.Tensor, torch.Size], torch.Tensor]] | None = None,
) -> list[str]:
    """Copy weights from a state-dict file into ``model``, skipping what no longer fits.

    Parameters
    ----------
    model : nn.Module
        Model to fill in place.
    path : path-like
        File written by ``torch.save(state_dict)`` (e.g. torchvision ImageNet weights).
    head_prefixes : sequence of str
        Keys starting with these (the classifier) are never copied.
    stem_keys : sequence of str
        Keys allowed to differ in shape (the replaced stem conv); they are skipped.
    new_prefixes : sequence of str
        Model keys with no counterpart in the file (layers the paper added);
        they keep their initial values.
    rename : callable, optional
        Maps a file key to the model's name (legacy layouts).
    adapt : mapping of str to callable, optional
        For keys of ``stem_keys`` whose shape differs: ``f(file_tensor,
        model_shape) -> tensor`` turns the file's tensor into the model's
        (e.g. a 7×7 ImageNet kernel into a 3×3 one) instead of skipping it.

    Returns
    -------
    skipped : list of str
        File keys that were not copied (head and mismatched stem).

    Raises
    ------
    MotivicError
        Naming the file, if it has keys the model lacks, keys of another shape
        beyond ``stem_keys``, or lacks model keys beyond the head and ``new_prefixes``.
    """
    if not os.path.isfile(path):
        raise MotivicError(
            f"pretrained weights file {os.fspath(path)!r} does not exist; weights are never "
            "downloaded: save an ImageNet state dict in torchvision's layout there "
            "(docs/models.md, 'ImageNet weights') or set pretrained: null"
        )
    state = load_state_dict_file(path)
    if rename is not None:
        state = {rename(key): value for key, value in state.items()}
    own = model.state_dict()
    to_load, skipped, unexpected, mismatched = {}, [], [], []
    for key, value in state.items():
        if key.startswith(tuple(head_prefixes)):
            skipped.append(key)
        elif key not in own:
            unexpected.append(key)
        elif own[key].shape != value.shape:
            same_channels = value.shape[:2] == own[key].shape[:2]
            if key in stem_keys and adapt and key in adapt and same_channels:
                to_load[key] = adapt[key](value, own[key].shape)
                logger.info("%s: %s adapted to %s", key, tuple(value.shape), tuple(own[key].shape))
            elif key in stem_keys:
                skipped.append(key)
            else:
                mismatched.append(f"{key} {tuple(value.shape)} vs {tuple(own[key].shape)}")
        else:
            to_load[key] = value
    missing = [
        key
        for key in own
        if key not in state
        and not key.startswith(tuple(head_prefixes) + tuple(new_prefixes))
        and not key.endswith("num_batches_tracked")
    ]
    if unexpected or mismatched or missing:
        raise MotivicError(
            f"pretrained state dict {os.fspath(path)!r} does not fit {type(model).__name__}: "
            f"unexpected keys {unexpected[:5]}, shape mismatches {mismatched[:5]}, "
            f"missing keys {missing[:5]} (first 5 of each shown)"
        )
    model.load_state_dict(to_load, strict=False)
    logger.info(
        "loaded %d tensors from %s; skipped %s; left at initial values: %s",
        len(to_load),
        os.fspath(path),
        skipped,
        [p for p in new_prefixes] + [k for k in skipped if not k.startswith(tuple(head_prefixes))],
    )
    return skipped
