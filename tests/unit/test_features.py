"""Tests for motivic.features: mel features, parameters and the HDF5 store."""

from __future__ import annotations

import os
import pickle
import sys

import h5py
import librosa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic import __version__
from motivic.core.errors import MotivicError
from motivic.features import (
    MelStore,
    MelStoreWriter,
    build_store,
    channel_stats,
    compute_features,
    feature_params,
    logmel,
    mel40,
    pad_or_crop,
    silence_value,
)

SR = 8000
PARAMS = feature_params(sr=SR, n_mels=32, n_frames=30)  # 25 ms = 200 samples


def _tone(freq_hz: float, duration_s: float, sr: int = SR) -> np.ndarray:
    t = np.arange(round(duration_s * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


# ---------------------------------------------------------------------------
# spectrograms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sr", [8000, 44100])
def test_logmel_half_second_gives_20_frames(sr):
    mel = logmel(np.zeros(int(0.5 * sr), np.float32), sr=sr, n_mels=16)
    assert mel.shape == (16, 20)
    assert mel.dtype == np.float32
    np.testing.assert_allclose(mel, np.log(1e-6), rtol=1e-6)  # silence -> log(offset)


def test_logmel_shorter_than_one_window_has_no_frames():
    assert logmel(np.ones(100), sr=SR, n_mels=8).shape == (8, 0)


@pytest.mark.parametrize("freq_hz", [300.0, 1000.0, 2500.0])
def test_logmel_tone_peaks_in_nearest_mel_band(freq_hz):
    mel = logmel(_tone(freq_hz, 0.5), sr=SR, n_mels=40)
    centres = librosa.mel_frequencies(n_mels=42, fmin=0.0, fmax=SR / 2)[1:-1]
    peak = int(np.argmax(mel.mean(axis=1)))
    assert abs(peak - int(np.argmin(np.abs(centres - freq_hz)))) <= 1
    assert abs(centres[peak] - freq_hz) < 0.1 * freq_hz + 60


@settings(max_examples=25, deadline=None)
@given(
    n_samples=st.integers(260, 3000),
    n_mels=st.integers(4, 40),
    win_s=st.sampled_from([0.02, 0.025, 0.032]),
    hop_ratio=st.sampled_from([0.5, 1.0]),
    seed=st.integers(0, 1000),
)
def test_logmel_matches_librosa_reference(n_samples, n_mels, win_s, hop_ratio, seed):
    y = np.random.default_rng(seed).standard_normal(n_samples).astype(np.float32)
    hop_s = win_s * hop_ratio
    got = logmel(y, sr=SR, n_mels=n_mels, win_s=win_s, hop_s=hop_s)
    n_fft, hop = round(win_s * SR), round(hop_s * SR)
    ref = librosa.feature.melspectrogram(
        y=y.astype(np.float64), sr=SR, n_fft=n_fft, hop_length=hop, center=False, n_mels=n_mels
    )
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, np.log(ref + 1e-6), atol=1e-3, rtol=1e-4)


def test_mel40_matches_pons_recipe():
    y = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
    got = mel40(y, sr=SR, n_fft=512, hop_length=256)
    ref = librosa.feature.melspectrogram(
        y=y.astype(np.float64),
        sr=SR,
        n_fft=512,
        hop_length=256,
        window="blackmanharris",
        center=False,
        power=1.0,
        n_mels=40,
    )
    assert got.shape == (40, 1 + (SR - 512) // 256)
    np.testing.assert_allclose(got, np.log1p(10000 * ref), rtol=1e-4, atol=1e-4)


def test_compute_features_dispatches_on_kind_and_checks_sr():
    y = _tone(440.0, 1.0)
    p40 = feature_params(kind="mel40", sr=SR, n_fft=512, hop_length=256)
    assert compute_features(y, sr=SR, params=p40).shape[0] == 40
    np.testing.assert_array_equal(
        compute_features(y, sr=SR, params=PARAMS), logmel(y, sr=SR, n_mels=32)
    )
    with pytest.raises(MotivicError, match="16000"):
        compute_features(y, sr=16000, params=PARAMS)


# ---------------------------------------------------------------------------
# pad_or_crop
# ---------------------------------------------------------------------------


def test_pad_or_crop_pads_at_end_and_reports_valid_frames():
    mel = np.arange(12, dtype=np.float32).reshape(3, 4) - 20
    out, valid = pad_or_crop(mel, 6, pad_value=-13.8)
    assert out.shape == (3, 6) and valid == 4
    np.testing.assert_array_equal(out[:, :4], mel)
    np.testing.assert_allclose(out[:, 4:], -13.8)
    with pytest.raises(TypeError):
        pad_or_crop(mel, 6)  # no default: 0 is not silence in the log domain


def test_silence_value_is_the_features_of_a_silent_frame():
    for kind in ("logmel", "mel40"):
        p = feature_params(kind=kind, sr=8000, n_mels=16)
        silent = compute_features(np.zeros(8000, dtype=np.float32), sr=8000, params=p)
        np.testing.assert_array_equal(silent, np.float32(silence_value(p)))
    assert silence_value(feature_params(kind="logmel")) == np.float32(np.log(1e-6))


def test_pad_or_crop_crops_the_end():
    mel = np.arange(12, dtype=np.float32).reshape(3, 4)
    out, valid = pad_or_crop(mel, 3, pad_value=-13.8)
    assert valid == 3
    np.testing.assert_array_equal(out, mel[:, :3])


# ---------------------------------------------------------------------------
# feature_params
# ---------------------------------------------------------------------------


def test_feature_params_canonical_and_idempotent():
    cfg = {
        "sr": 44100,
        "n_mels": 128,
        "win_s": 0.025,
        "hop_s": 0.025,
        "n_frames": 426,
        "fmin_hz": 0.0,
        "fmax_hz": None,
    }
    p = feature_params(**cfg)
    assert p["kind"] == "logmel"
    assert p["n_fft"] == p["hop_length"] == 1102
    assert p["fmax_hz"] == 22050.0
    assert list(p) == sorted(p)
    assert feature_params(**p) == p
    p40 = feature_params(kind="mel40")
    assert (p40["n_mels"], p40["n_fft"], p40["hop_length"]) == (40, 2048, 1024)
    assert p40["window"] == "blackmanharris"
    assert feature_params(**p40) == p40


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"kind": "mfcc"}, "kind"),
        ({"n_melz": 3}, "n_melz"),
        ({"n_fft": 2048}, "n_fft"),
        ({"fmax_hz": 30000.0}, "fmax_hz"),
        ({"win_s": 0.0}, "win_s"),
        ({"n_mels": 0}, "n_mels"),
        ({"kind": "mel40", "log_offset": 1.0}, "log_offset"),
    ],
)
def test_feature_params_rejects_bad_values(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        feature_params(**kwargs)


# ---------------------------------------------------------------------------
# store
# ---------------------------------------------------------------------------


def _write_store(path, n=4, params=PARAMS):
    rng = np.random.default_rng(0)
    mels = rng.standard_normal((n, params["n_mels"], params["n_frames"])).astype(np.float32)
    rows = []
    with MelStoreWriter(path, params=params, dataset="motivic") as w:
        for i in range(n):
            row = {
                "segment_id": f"r{i % 2}:m:{i}",
                "recording": f"r{i % 2}",
                "label": "é",
                "group": "g",
                "motif_id": "m" if i else "",
                "start_s": i * 0.5,
                "end_s": i * 0.5 + 0.7,
            }
            w.append(mels[i], 10 + i, **row)
            rows.append(row)
    return mels, pd.DataFrame(rows)


def test_store_round_trip(tmp_path):
    path = tmp_path / "store.h5"
    mels, rows = _write_store(path)
    store = MelStore(path)
    assert len(store) == 4
    pd.testing.assert_frame_equal(store.index, rows[list(store.index.columns)])
    attrs = store.attrs
    assert attrs["dataset"] == "motivic" and attrs["motivic_version"] == __version__
    assert {k: attrs[k] for k in PARAMS} == PARAMS
    mel, valid = store.read(2)
    np.testing.assert_array_equal(mel, mels[2])
    assert valid == 12 and mel.dtype == np.float32
    many, valids = store.read_many([3, 1, 3])
    np.testing.assert_array_equal(many, mels[[3, 1, 3]])
    np.testing.assert_array_equal(valids, [13, 11, 13])
    np.testing.assert_array_equal(store.valid_frames, [10, 11, 12, 13])
    with h5py.File(path) as f:
        assert f["mel"].chunks == (1, 32, 30)
        assert f["valid_frames"].dtype == np.int32
    store.close()


def test_writer_rejects_wrong_shapes_and_repeated_ids(tmp_path):
    with (
        pytest.raises(MotivicError, match="shape"),
        MelStoreWriter(tmp_path / "a.h5", params=PARAMS, dataset="x") as w,
    ):
        w.append(
            np.zeros((32, 29)),
            3,
            segment_id="s",
            recording="r",
            label="l",
            group="g",
            motif_id="",
            start_s=0,
            end_s=1,
        )
    with (
        pytest.raises(MotivicError, match="twice"),
        MelStoreWriter(tmp_path / "b.h5", params=PARAMS, dataset="x") as w,
    ):
        for _ in range(2):
            w.append(
                np.zeros((32, 30)),
                3,
                segment_id="s",
                recording="r",
                label="l",
                group="g",
                motif_id="",
                start_s=0,
                end_s=1,
            )
    assert list(tmp_path.iterdir()) == []


def test_writer_is_atomic_on_error(tmp_path):
    path = tmp_path / "store.h5"
    with (
        pytest.raises(RuntimeError, match="boom"),
        MelStoreWriter(path, params=PARAMS, dataset="motivic") as w,
    ):
        w.append(
            np.zeros((32, 30)),
            5,
            segment_id="s",
            recording="r",
            label="l",
            group="g",
            motif_id="",
            start_s=0,
            end_s=1,
        )
        assert not path.exists()
        raise RuntimeError("boom")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_store_opens_lazily_and_reopens_after_close(tmp_path):
    path = tmp_path / "store.h5"
    mels, _ = _write_store(path)
    store = MelStore(path)
    _ = store.attrs, store.index, len(store)
    assert not store.is_open
    store.read(0)
    assert store.is_open
    store.close()
    assert not store.is_open
    np.testing.assert_array_equal(store.read(1)[0], mels[1])
    clone = pickle.loads(pickle.dumps(store))
    assert not clone.is_open
    np.testing.assert_array_equal(clone.read(3)[0], mels[3])


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_store_reopens_in_forked_child(tmp_path):
    path = tmp_path / "store.h5"
    mels, _ = _write_store(path)
    store = MelStore(path)
    store.read(0)  # parent holds a handle before the fork
    parent_handle = store._h5
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: must not reuse the parent's handle
        ok = 0
        try:
            mel, _ = store.read(2)
            ok = int(store._h5 is not parent_handle and np.array_equal(mel, mels[2]))
        finally:
            os.write(w, bytes([ok]))
            os._exit(0)
    os.close(w)
    result = os.read(r, 1)
    os.waitpid(pid, 0)
    assert result == b"\x01"
    assert store._h5 is parent_handle  # the parent keeps its own handle
    np.testing.assert_array_equal(store.read(1)[0], mels[1])


def test_check_params_names_key_file_and_values(tmp_path):
    path = tmp_path / "store.h5"
    _write_store(path)
    store = MelStore(path)
    store.check_params({**PARAMS})  # same parameters: no error
    store.check_params({"sr": SR, "n_mels": 32, "n_frames": 30})  # completed with defaults
    with pytest.raises(MotivicError) as err:
        store.check_params({**PARAMS, "n_mels": 64})
    msg = str(err.value)
    assert "'n_mels'" in msg and "32" in msg and "64" in msg and str(path) in msg


def test_missing_store_is_reported(tmp_path):
    with pytest.raises(MotivicError, match="nope.h5"):
        MelStore(tmp_path / "nope.h5")


def test_channel_stats_uses_valid_frames_only(tmp_path):
    path = tmp_path / "store.h5"
    mels, _ = _write_store(path)
    store = MelStore(path)
    idx = [0, 2, 3]
    frames = np.concatenate([mels[i][:, : 10 + i] for i in idx], axis=1).astype(np.float64)
    mean, std = channel_stats(store, idx, batch_size=2)
    assert mean.shape == std.shape == (32, 1)
    np.testing.assert_allclose(mean[:, 0], frames.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(std[:, 0], frames.std(axis=1), rtol=1e-5)
    g_mean, g_std = channel_stats(store, idx, per_band=False)
    assert g_mean.shape == (1, 1)
    np.testing.assert_allclose(g_mean[0, 0], frames.mean(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_std[0, 0], frames.std(), rtol=1e-5)


# ---------------------------------------------------------------------------
# build_store
# ---------------------------------------------------------------------------


class _Loader:
    """Fake audio loader: one tone per recording, counting calls."""

    def __init__(self, duration_s=3.0):
        self.calls: list[str] = []
        self.duration_s = duration_s

    def __call__(self, path, *, sr):
        self.calls.append(str(path))
        freq = 300.0 if "r1" in str(path) else 1500.0
        return _tone(freq, self.duration_s, sr)


def _segments():
    return pd.DataFrame(
        {
            "segment_id": ["r1:m:0", "r1:m:1", "r2:m:0", "r2:control:0", "r1:control:0"],
            "recording": ["r1", "r1", "r2", "r2", "r1"],
            "label": ["a", "a", "b", "b", "a"],
            "motif_id": ["m", "m", "m", np.nan, ""],  # empty motif_id read back from TSV
            "start_s": [0.0, 1.0, 0.5, 2.0, 2.5],
            "end_s": [0.5, 2.5, 1.1, 2.6, 3.4],  # the last one runs past the 3 s audio
        }
    )


def test_build_store_loads_each_recording_once(tmp_path):
    loader = _Loader()
    progress = []
    out = tmp_path / "features" / "motivic.h5"
    n = build_store(
        _segments(),
        {"r1": "audio/r1.wav", "r2": "audio/r2.wav"},
        out,
        params=PARAMS,
        dataset="motivic",
        load_audio=loader,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert n == 5
    assert sorted(loader.calls) == ["audio/r1.wav", "audio/r2.wav"]
    assert progress == [(3, 5), (5, 5)]
    store = MelStore(out)
    index = store.index
    assert list(index.segment_id) == ["r1:m:0", "r1:m:1", "r1:control:0", "r2:m:0", "r2:control:0"]
    assert list(index.group) == list(index.recording)  # group defaults to the recording
    assert list(index.motif_id) == ["m", "m", "", "m", ""]
    # data equal to a direct computation on the segment's slice
    y = _tone(300.0, 3.0)
    mel, valid = store.read(1)
    floor = silence_value(PARAMS)
    want, want_valid = pad_or_crop(logmel(y[8000:20000], sr=SR, n_mels=32), 30, pad_value=floor)
    np.testing.assert_allclose(mel, want, atol=1e-5)
    assert valid == want_valid == 30  # 1.5 s is 60 frames, cropped to 30
    # clipped at the end of the audio: 0.5 s left of 0.9 s -> 20 frames
    assert store.read(2)[1] == 20
    # the store pads with the log floor (silence), not with 0
    padded, n_valid = store.read(2)
    assert (padded[:, n_valid:] == np.float32(np.log(PARAMS["log_offset"]))).all()
    assert store.read(0)[1] == 20
    store.check_params(PARAMS)


def test_build_store_reports_segment_outside_audio(tmp_path):
    segs = _segments()
    segs.loc[4, ["start_s", "end_s"]] = [3.5, 4.0]
    out = tmp_path / "x.h5"
    with pytest.raises(MotivicError, match=r"recording 'r1' \[3\.500, 4\.000\]"):
        build_store(
            segs, {"r1": "r1", "r2": "r2"}, out, params=PARAMS, dataset="x", load_audio=_Loader()
        )
    assert not out.exists()


def test_build_store_requires_audio_for_every_recording(tmp_path):
    with pytest.raises(MotivicError, match="r2"):
        build_store(
            _segments(),
            {"r1": "r1"},
            tmp_path / "x.h5",
            params=PARAMS,
            dataset="x",
            load_audio=_Loader(),
        )


def test_build_store_default_loader_reads_wav(tmp_path):
    import soundfile as sf

    wav = tmp_path / "r1.wav"
    sf.write(wav, _tone(440.0, 1.0, 16000), 16000)
    segs = pd.DataFrame(
        {"segment_id": ["s"], "recording": ["r1"], "label": ["a"], "start_s": [0.1], "end_s": [0.6]}
    )
    n = build_store(segs, {"r1": wav}, tmp_path / "s.h5", params=PARAMS, dataset="d")
    assert n == 1
    mel, valid = MelStore(tmp_path / "s.h5").read(0)
    assert valid == 20
    centres = librosa.mel_frequencies(n_mels=34, fmin=0.0, fmax=SR / 2)[1:-1]
    assert abs(int(np.argmax(mel[:, :valid].mean(axis=1))) - np.argmin(abs(centres - 440))) <= 1
