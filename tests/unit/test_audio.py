"""Tests of motivic.core.audio: decoding, downmixing, resampling and input errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from motivic.core.audio import audio_blocks, audio_info, load_audio
from motivic.core.errors import MotivicError


def _tone(freq_hz, sr, seconds=0.5, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * freq_hz * t)


def _peak_hz(y, sr):
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return np.fft.rfftfreq(len(y), 1 / sr)[np.argmax(spectrum)]


def test_native_rate_mono_file_is_returned_unchanged(tmp_path):
    y = _tone(440.0, 22050).astype(np.float32)
    path = tmp_path / "mono.wav"
    sf.write(path, y, 22050, subtype="FLOAT")
    out = load_audio(path, sr=22050)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, y)


def test_stereo_is_averaged_or_kept(tmp_path):
    left, right = _tone(440.0, 16000), _tone(660.0, 16000, amp=0.25)
    path = tmp_path / "stereo.flac"
    sf.write(path, np.column_stack([left, right]), 16000, subtype="PCM_24")
    mono = load_audio(path, sr=16000)
    both = load_audio(path, sr=16000, mono=False)
    assert mono.shape == (8000,) and both.shape == (2, 8000)
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-5)
    np.testing.assert_allclose(both[1], right, atol=1e-5)


def test_resampling_keeps_pitch_and_duration(tmp_path):
    path = tmp_path / "low.wav"
    sf.write(path, _tone(1000.0, 22050, seconds=1.0), 22050)
    out = load_audio(path, sr=44100)
    assert out.shape == (44100,)
    assert abs(_peak_hz(out, 44100) - 1000.0) < 2.0


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: None, "not found"),
        (lambda p: p.write_bytes(b""), "cannot be decoded"),
        (lambda p: p.write_bytes(b"RIFF0000WAVEnot really audio" * 10), "cannot be decoded"),
        (lambda p: sf.write(p, np.zeros((0, 1)), 16000), "zero samples"),
        (lambda p: sf.write(p, np.array([0.0, np.nan, 0.1]), 16000, subtype="FLOAT"), "non-finite"),
    ],
)
def test_load_audio_errors_name_the_file(tmp_path, make, match):
    path = tmp_path / "broken_take.wav"
    make(path)
    with pytest.raises(MotivicError, match=match) as err:
        load_audio(path, sr=16000)
    assert "broken_take.wav" in str(err.value)


@pytest.mark.parametrize("sr", [0, -8000, 44100.0, True])
def test_load_audio_rejects_bad_rate(tmp_path, sr):
    path = tmp_path / "ok.wav"
    sf.write(path, _tone(440.0, 8000), 8000)
    with pytest.raises(MotivicError, match="sr="):
        load_audio(path, sr=sr)


def test_audio_info_reads_the_header(tmp_path):
    path = tmp_path / "three.wav"
    sf.write(path, np.zeros((12000, 3)), 24000)
    assert audio_info(path) == {"sr": 24000, "channels": 3, "duration_s": 0.5}
    with pytest.raises(MotivicError, match="missing.wav"):
        audio_info(tmp_path / "missing.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio")
    with pytest.raises(MotivicError, match="junk.wav"):
        audio_info(junk)


@pytest.mark.parametrize("block_frames", [1, 999, 1000, 4096])
def test_audio_blocks_concatenate_to_the_whole_file(tmp_path, block_frames):
    path = tmp_path / "two.flac"
    y = np.column_stack([_tone(440.0, 8000, seconds=0.25), _tone(550.0, 8000, seconds=0.25)])
    sf.write(path, y, 8000, subtype="PCM_24")
    blocks = list(audio_blocks(path, block_frames=block_frames))
    assert {sr for _, sr in blocks} == {8000}
    assert all(b.shape[0] == 2 and 0 < b.shape[1] <= block_frames for b, _ in blocks)
    np.testing.assert_array_equal(
        np.concatenate([b for b, _ in blocks], axis=1), load_audio(path, sr=8000, mono=False)
    )


def test_audio_blocks_reads_a_truncated_wav_up_to_its_end(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, _tone(440.0, 8000, seconds=1.0), 8000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 2 * 3000])  # header + 3000 frames of 8000
    assert sum(b.shape[1] for b, _ in audio_blocks(path, block_frames=512)) == 3000


@pytest.mark.parametrize(
    "make, kwargs, match",
    [
        (lambda p: None, {}, "not found"),
        (lambda p: p.write_text("plain text, not audio\n" * 10), {}, "cannot be decoded"),
        (lambda p: sf.write(p, np.zeros(10), 8000), {"block_frames": 0}, "block_frames=0"),
    ],
)
def test_audio_blocks_errors_name_the_file_or_parameter(tmp_path, make, kwargs, match):
    path = tmp_path / "odd take.wav"
    make(path)
    with pytest.raises(MotivicError, match=match) as err:
        list(audio_blocks(path, **kwargs))
    assert "odd take.wav" in str(err.value) or "block_frames" in match
