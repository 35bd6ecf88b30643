"""Tests of motivic.corpus.validation: every bad-input case, duplicates policies, bounded-memory decoding."""

from __future__ import annotations

import hashlib
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from motivic.core.errors import MotivicError
from motivic.corpus import validation
from motivic.corpus.recordings import read_metadata
from motivic.corpus.validation import check_audio, check_label, validate_corpus

SR = 16000


def _voice(seconds=2.0, sr=SR, f0_hz=220.0, seed=0):
    """A harmonic tone with a little noise: audible, not silent, not clipped."""
    t = np.arange(int(seconds * sr)) / sr
    y = sum(0.2 / k * np.sin(2 * np.pi * k * f0_hz * t) for k in range(1, 6))
    return (y + 0.01 * np.random.default_rng(seed).standard_normal(t.size)).astype(np.float32)


def _reference_sha1(path):
    """The content hash the simple way: decode everything, downmix, hash."""
    data, _sr = sf.read(path, dtype="float32", always_2d=True)
    mono = data[:, 0] if data.shape[1] == 1 else data.T.mean(axis=0, dtype=np.float32)
    return hashlib.sha1(np.ascontiguousarray(mono, dtype="<f4").tobytes()).hexdigest()


# ----------------------------------------------------------------------------- one file


def _write_truncated(path):
    sf.write(path, _voice(4.0), SR, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BAD_FILES = {
    # name: (writer, status, code, words in the message)
    "empty.wav": (lambda p: p.write_bytes(b""), "error", "empty_file", "empty file"),
    "truncated.wav": (
        _write_truncated,
        "warning",
        "truncated",
        "header declares 4.00 s, the file holds 2.00 s",
    ),
    "notes.wav": (
        lambda p: p.write_text("this is a text file\n" * 20),
        "error",
        "unreadable",
        "not a readable audio file",
    ),
    "header.wav": (
        lambda p: p.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt "),
        "error",
        "corrupt_wav",
        "WAV header",
    ),
    "silence.wav": (
        lambda p: sf.write(p, np.zeros(2 * SR), SR),
        "error",
        "silent",
        "silent (peak -inf dBFS",
    ),
    "short.wav": (lambda p: sf.write(p, _voice(0.3), SR), "error", "too_short", "0.300 s"),
    "low.wav": (lambda p: sf.write(p, _voice(2.0, sr=8000), 8000), "warning", "low_sr", "8000 Hz"),
    "high.wav": (lambda p: sf.write(p, _voice(2.0, sr=96000), 96000), "ok", "ok", "96000 Hz"),
    "stereo.flac": (
        lambda p: sf.write(p, np.column_stack([_voice(2.0), _voice(2.0, f0_hz=330.0)]), SR),
        "ok",
        "ok",
        "downmixed to mono",
    ),
    "antiphase.wav": (
        lambda p: sf.write(p, np.column_stack([_voice(2.0), -_voice(2.0)]), SR, subtype="FLOAT"),
        "error",
        "channels_cancel",
        "cancel out",
    ),
    "quiet.wav": (
        lambda p: sf.write(p, 1e-3 * _voice(2.0), SR, subtype="FLOAT"),
        "warning",
        "quiet",
        "-",
    ),
    "nan.wav": (
        lambda p: sf.write(p, np.r_[_voice(2.0), np.nan], SR, subtype="FLOAT"),
        "error",
        "non_finite",
        "non-finite",
    ),
    "noise.wav": (
        lambda p: sf.write(p, 0.3 * np.random.default_rng(1).standard_normal(2 * SR), SR),
        "ok",
        "ok",
        "2.00 s",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_check_audio_flags_each_bad_case(tmp_path, name):
    write, status, code, words = BAD_FILES[name]
    path = tmp_path / name
    write(path)
    check = check_audio(path, min_duration_s=1.0, max_duration_s=60.0)
    assert check.status == status, check
    assert code in check.checks
    assert words in check.message
    if status == "error":
        assert check.sha1 is None or code in ("silent", "channels_cancel")
    else:
        assert check.sha1 == _reference_sha1(path)


def test_missing_file_and_directory_are_errors(tmp_path):
    assert check_audio(tmp_path / "gone.wav").checks == ("not_found",)
    assert check_audio(tmp_path).status == "error"


def test_too_long_is_decided_from_the_header_without_decoding(tmp_path, monkeypatch):
    path = tmp_path / "long.wav"
    sf.write(path, _voice(3.0), SR)

    def no_decoding(*args, **kwargs):
        raise AssertionError("a too-long file must not be decoded")

    monkeypatch.setattr(validation.files, "audio_blocks", no_decoding)
    check = check_audio(path, max_duration_s=2.0)
    assert check.status == "error" and check.checks == ("too_long",)
    assert "corpus.max_duration_s=2" in check.message and check.duration_s == pytest.approx(3.0)


def test_an_hour_long_file_streams_in_bounded_memory(tmp_path):
    """One hour at 8 kHz (mostly digital silence, a short tone), written and checked in blocks."""
    path, sr = tmp_path / "hour.wav", 8000
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as out:
        chunk = np.zeros(60 * sr, dtype=np.float32)
        for minute in range(60):
            out.write(_voice(1.0, sr=sr) if minute == 30 else chunk)
    tracemalloc.start()
    try:
        check = check_audio(path, max_duration_s=None, block_frames=1 << 16)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decoded_bytes = 3600 * sr * 4
    assert check.duration_s == pytest.approx(3541.0, abs=0.01)  # 59 silent minutes + 1 s
    assert check.sha1 is not None and check.status == "warning"  # low_sr
    assert peak_bytes < decoded_bytes / 20, f"peak {peak_bytes / 1e6:.1f} MB"
    assert "too_long" in check_audio(path).checks  # the default limit: 1800 s


@settings(max_examples=15, deadline=None)
@given(block_frames=st.integers(1, 5000), channels=st.integers(1, 3))
def test_streamed_hash_equals_the_whole_file_hash(tmp_path_factory, block_frames, channels):
    path = tmp_path_factory.mktemp("hash") / "x.wav"
    rng = np.random.default_rng(block_frames * 7 + channels)
    sf.write(path, 0.5 * rng.standard_normal((4321, channels)), 8000, subtype="FLOAT")
    check = check_audio(path, min_duration_s=0.0, block_frames=block_frames)
    assert check.sha1 == _reference_sha1(path)
    assert check.duration_s == pytest.approx(4321 / 8000)


def test_same_pcm_in_wav_and_flac_hashes_equal(tmp_path):
    y = (_voice(2.0) * 32767).astype(
        np.int16
    )  # the same PCM (float -> int rounding differs by format)
    sf.write(tmp_path / "a.wav", y, SR, subtype="PCM_16")
    sf.write(tmp_path / "b.flac", y, SR, subtype="PCM_16")
    sf.write(tmp_path / "c.wav", y[::-1], SR, subtype="PCM_16")
    a, b, c = (check_audio(tmp_path / n).sha1 for n in ("a.wav", "b.flac", "c.wav"))
    assert a == b != c


@pytest.mark.parametrize(
    "label, problem",
    [
        ("debla", None),
        ("", "blank"),
        ("   ", "blank"),
        ("unknown", "placeholder"),
        ("N/A", "placeholder"),
        ("?", "placeholder"),
        (None, "blank"),
        (float("nan"), "blank"),
    ],
)
def test_check_label(label, problem):
    result = check_label(label)
    assert (result is None) if problem is None else (problem in result)


# ----------------------------------------------------------------------------- the corpus


def _corpus(tmp_path, rows, files):
    """Write ``files`` {relative path: samples or writer} and a metadata CSV of ``rows``."""
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        content(path) if callable(content) else sf.write(path, content, SR, subtype="PCM_16")
    pd.DataFrame(rows, columns=["path", "label"]).to_csv(tmp_path / "meta.csv", index=False)
    return read_metadata(tmp_path / "meta.csv")


def _copy_pcm(source):
    """A writer of the same 16-bit PCM as ``source`` in another format (FLAC)."""
    return lambda path: sf.write(path, sf.read(source, dtype="int16")[0], SR, subtype="PCM_16")


@pytest.fixture
def messy(tmp_path):
    a, b, c = _voice(2.0, seed=1), _voice(2.0, f0_hz=300.0, seed=2), _voice(2.5, seed=3)
    files = {
        "cantaor ñ/seguiriya 1.wav": a,
        "x/take.wav": b,
        "y/take.wav": c,
        "copy/of a.flac": _copy_pcm(tmp_path / "cantaor ñ/seguiriya 1.wav"),  # other label
        "copy/again.wav": a,  # and once more, same label
        "empty.wav": lambda p: p.write_bytes(b""),
        "blank.wav": b,
        "odd {name}.wav": c[::-1].copy(),
    }
    rows = [
        ("cantaor ñ/seguiriya 1.wav", "seguiriya"),
        ("x/take.wav", "debla"),
        ("y/take.wav", "debla"),
        ("copy/of a.flac", "debla"),
        ("copy/again.wav", "seguiriya"),
        ("empty.wav", "debla"),
        ("missing.wav", "debla"),
        ("blank.wav", ""),
        ("unknown.wav", "unknown"),
        ("odd {name}.wav", "debla"),
    ]
    return tmp_path, _corpus(tmp_path, rows, files)


def test_validate_corpus_reports_every_row_in_sheet_order(messy):
    root, sheet = messy
    report = validate_corpus(sheet, audio_root=root)
    assert list(report.columns) == validation.REPORT_COLUMNS
    assert list(report["path"]) == list(sheet["path"])
    assert list(report["recording"]) == list(sheet["recording"])
    by_path = report.set_index("path")
    assert by_path.loc["cantaor ñ/seguiriya 1.wav", "status"] == "warning"  # the kept duplicate
    assert (
        by_path.loc["x/take.wav", "status"] == "ok" and by_path.loc["y/take.wav", "status"] == "ok"
    )
    assert by_path.loc["empty.wav", "check"] == "empty_file"
    assert by_path.loc["missing.wav", "check"] == "not_found"
    assert by_path.loc["blank.wav", "check"] == "bad_label"
    assert by_path.loc["unknown.wav", "check"] == "bad_label"
    assert by_path.loc["odd {name}.wav", "check"] == "bad_name"  # Snakemake would read a wildcard
    for row in report.itertuples():
        assert row.message.startswith(f"{row.path}: ")


def test_keep_first_keeps_one_copy_and_names_the_others(messy):
    root, sheet = messy
    report = validate_corpus(sheet, audio_root=root, duplicates="keep-first").set_index("path")
    first = report.loc["cantaor ñ/seguiriya 1.wav"]
    assert first["check"] == "duplicate_kept" and "copy/of a.flac" in first["message"]
    assert "labels differ (debla, seguiriya)" in first["message"]
    for copy in ("copy/of a.flac", "copy/again.wav"):
        assert report.loc[copy, "status"] == "error" and report.loc[copy, "check"] == "duplicate"
        assert "cantaor ñ/seguiriya 1.wav" in report.loc[copy, "message"]
        assert first["recording"] in report.loc[copy, "duplicate_of"]


@pytest.mark.parametrize("policy, kept", [("keep-first", 1), ("drop", 0), ("error", 0)])
def test_no_content_survives_twice(messy, policy, kept):
    """Leakage: at most one copy of any content reaches the splits."""
    root, sheet = messy
    report = validate_corpus(sheet, audio_root=root, duplicates=policy)
    good = report[report["status"] != "error"]
    assert good["sha1"].is_unique
    copies = report[report["check"].str.contains("duplicate")]
    assert len(copies) == 3 and (copies["status"] != "error").sum() == kept
    assert list(validation.good_recordings(sheet, report)["recording"]) == list(good["recording"])


def test_require_usable(messy):
    root, sheet = messy
    report = validate_corpus(sheet, audio_root=root, duplicates="error")
    with pytest.raises(MotivicError, match="corpus.duplicates=error: 3 recordings.*copy/of a.flac"):
        validation.require_usable(report, duplicates="error", source="r.tsv")
    validation.require_usable(validate_corpus(sheet, audio_root=root), duplicates="keep-first")
    one_label = validate_corpus(sheet[sheet["label"] != "seguiriya"], audio_root=root)
    with pytest.raises(MotivicError, match="at least 2 labels.*r.tsv"):
        validation.require_usable(one_label, duplicates="keep-first", source="r.tsv")


def test_threads_and_progress_do_not_change_the_report(messy):
    root, sheet = messy
    calls = []
    serial = validate_corpus(sheet, audio_root=root)
    threaded = validate_corpus(
        sheet, audio_root=root, n_threads=3, progress=lambda d, t: calls.append((d, t))
    )
    pd.testing.assert_frame_equal(serial, threaded)
    assert calls[-1] == (len(sheet), len(sheet)) and len(calls) == len(sheet)


def test_report_round_trip(messy, tmp_path):
    root, sheet = messy
    report = validate_corpus(sheet, audio_root=root)
    validation.write_report(report, tmp_path / "out" / "report.tsv")
    back = validation.load_report(tmp_path / "out" / "report.tsv")
    assert list(back["status"]) == list(report["status"])
    assert list(back["message"]) == list(report["message"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"duplicates": "ignore"}, "corpus.duplicates='ignore'"),
        ({"min_duration_s": -1.0}, "corpus.min_duration_s=-1.0"),
        ({"min_duration_s": 5.0, "max_duration_s": 2.0}, "corpus.max_duration_s=2.0"),
        ({"n_threads": 0}, "n_threads=0"),
    ],
)
def test_validate_corpus_rejects_bad_arguments(messy, kwargs, match):
    root, sheet = messy
    with pytest.raises(MotivicError, match=match):
        validate_corpus(sheet, audio_root=root, **kwargs)


def test_no_motif_report_gives_the_reason():
    recordings = pd.DataFrame({"recording": ["a", "b", "c", "d"], "label": ["x", "x", "y", "y"]})
    occurrences = pd.DataFrame({"recording": ["a", "a", "c"]})
    segs = pd.DataFrame({"recording": ["a", "a"]})
    voiced = {"a": 5.0, "b": 0.0, "c": 3.0, "d": 4.0}
    table = validation.no_motif_report(recordings, occurrences, segs, voiced, min_duration_s=0.5)
    assert list(table.columns) == validation.NO_MOTIF_COLUMNS
    reasons = dict(zip(table["recording"], table["message"]))
    assert set(reasons) == {"b", "c", "d"}
    assert "no voiced frames" in reasons["b"]
    assert "shorter than 0.5 s" in reasons["c"]
    assert "no motif mined" in reasons["d"]


# --------------------------------------------------------------------------- outside the root


@pytest.fixture
def escaping(tmp_path):
    """A root with one good file and three rows whose paths lead out of it."""
    root, outside = tmp_path / "corpus", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    files = ((root, "good.wav"), (outside, "escape.wav"), (outside, "linked.wav"))
    for seed, (folder, name) in enumerate(files):
        sf.write(folder / name, _voice(seed=seed), SR)
    (root / "link.wav").symlink_to(outside / "linked.wav")
    (root / "sub").symlink_to(outside, target_is_directory=True)
    rows = {
        "good": "good.wav",
        "dotdot": "../outside/escape.wav",
        "absolute": str(outside / "escape.wav"),
        "symlink": "link.wav",
        "dir_symlink": "sub/linked.wav",
    }
    sheet = pd.DataFrame(
        {"recording": list(rows), "path": list(rows.values()), "label": ["a"] * len(rows)}
    )
    return sheet, root


def test_paths_leaving_the_root_are_errors_by_default(escaping):
    sheet, root = escaping
    report = validate_corpus(sheet, audio_root=root, duplicates="drop").set_index("recording")
    assert report.loc["good", "status"] == "ok"
    for rec in ("dotdot", "absolute", "symlink", "dir_symlink"):
        assert report.loc[rec, "status"] == "error", rec
        assert report.loc[rec, "check"] == "outside_root"
        assert "outside corpus.audio_root" in report.loc[rec, "message"]


def test_outside_root_warning_uses_the_file_and_says_so(escaping):
    sheet, root = escaping
    report = validate_corpus(sheet, audio_root=root, outside_root="warning")
    report = report.set_index("recording")
    for rec in ("dotdot", "symlink"):
        assert report.loc[rec, "status"] == "warning"
        assert "outside_root" in report.loc[rec, "check"].split(",")
        assert report.loc[rec, "duration_s"] > 0  # decoded as usual
    # dotdot and absolute name the same file: the duplicates policy (keep-first) still applies
    assert report.loc["absolute", "status"] == "error" and "duplicate" in report.loc["absolute", "check"]


def test_outside_root_allow_and_bad_policy(escaping):
    sheet, root = escaping
    report = validate_corpus(sheet.iloc[:2], audio_root=root, outside_root="allow")
    assert list(report["status"]) == ["ok", "ok"]
    with pytest.raises(MotivicError, match="corpus.outside_root='maybe'"):
        validate_corpus(sheet, audio_root=root, outside_root="maybe")


def test_a_root_that_is_itself_a_symlink_is_not_outside(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    sf.write(real / "a.wav", _voice(), SR)
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    assert validation.outside_root("a.wav", tmp_path / "alias") is None
    assert validation.outside_root("../real/a.wav", tmp_path / "alias") is None  # still inside
