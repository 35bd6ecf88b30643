"""Mel spectrogram features and the HDF5 store that holds one feature set of one dataset.

Two feature sets are available, selected by ``params["kind"]``:

``logmel``
    Arronte Alvarez & Gómez (2021): 128 mel bands, 25 ms Hann window, 25 ms hop
    (``n_fft = win_length = hop_length = round(0.025 * sr)``, 1102 samples at
    44.1 kHz), power spectrum, natural log ``log(mel + 1e-6)``, padded to 426
    frames with the log floor ``log(1e-6)`` (silence, as the paper's zero-padded
    audio; see :func:`silence_value`).
``mel40``
    Pons, Lidy & Serra (2016), "Experimenting with musically motivated
    convolutional neural networks": 40 mel bands, 2048-sample Blackman-Harris
    window, 50 % overlap, magnitude spectrum, ``log(1 + 10000 * mel)``.
    Dataset-wide normalisation (statistics of the training split only, see
    :func:`channel_stats`) is applied later by the data loader.

Frames are not centred (``center=False``): frame ``t`` covers samples
``[t * hop_length, t * hop_length + n_fft)`` of the segment, so no audio from
outside the segment (nor reflection padding) leaks in, and a segment of
``n`` samples has ``1 + (n - n_fft) // hop_length`` frames (0.5 s -> 20 frames
for ``logmel`` at any sample rate).

Store layout (one file per feature set and dataset)::

    /mel            float32 [n_segments, n_mels, n_frames], one segment per chunk, lzf
    /valid_frames   int32 [n_segments], frames before padding
    /index/segment_id, recording, label, group, motif_id   utf-8 strings [n_segments]
    /index/start_s, end_s                                  float64 [n_segments]
    attrs           feature_params(...) + dataset + motivic_version

Layout: :mod:`.spectra` (the two front ends, their parameters, padding), :mod:`.store`
(:class:`MelStoreWriter`, :class:`MelStore`, :func:`channel_stats`), :mod:`.build`
(:func:`build_store` from a segment table).
"""

from motivic.features.build import build_store
from motivic.features.spectra import (
    FEATURE_KINDS,
    compute_features,
    feature_params,
    logmel,
    mel40,
    mel_filterbank,
    native_fmax,
    pad_or_crop,
    silence_value,
)
from motivic.features.store import (
    INDEX_FLOAT_COLUMNS,
    INDEX_STRING_COLUMNS,
    MelStore,
    MelStoreWriter,
    channel_stats,
)

__all__ = [
    "FEATURE_KINDS",
    "INDEX_FLOAT_COLUMNS",
    "INDEX_STRING_COLUMNS",
    "MelStore",
    "MelStoreWriter",
    "build_store",
    "channel_stats",
    "compute_features",
    "feature_params",
    "logmel",
    "mel40",
    "mel_filterbank",
    "native_fmax",
    "pad_or_crop",
    "silence_value",
]
