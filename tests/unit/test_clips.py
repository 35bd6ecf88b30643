import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.clips import audio_hash, resolve_duplicates, scan_clips
from motivic.errors import MotivicError


def _write(root, rel, samples, sr=22050):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sr, subtype="FLOAT")
    return path


@pytest.fixture
def clip_root(tmp_path, rng):
    tone = np.sin(np.linspace(0, 200, 11025)).astype(np.float32)
    _write(tmp_path, "AM/D0001_-12121_aaa.wav", tone)
    _write(tmp_path, "AM/D0001_intervals_1-11-1_bbb.wav", rng.standard_normal(8000).astype(np.float32))
    _write(tmp_path, "EC/M1026_2-1-1_ccc.wav", tone)  # same audio as the AM clip, other singer
    pd.DataFrame(
        {"path": ["AM/D0001_-12121_aaa.wav", "AM/D0001_intervals_1-11-1_bbb.wav", "EC/M1026_2-1-1_ccc.wav"],
         "style": ["debla", "debla", "martinete"]}
    ).to_csv(tmp_path / "metadata.csv", index=False)
    return tmp_path


def test_scan_clips_parses_layout_and_labels(clip_root):
    clips = scan_clips(clip_root, label="singer")
    assert clips["recording"].tolist() == ["D0001", "D0001", "M1026"]
    assert clips["pattern"].tolist() == ["-12121", "1-11-1", "2-1-1"]
    assert clips["label"].tolist() == ["AM", "AM", "EC"]
    styled = scan_clips(clip_root, label="style", metadata=clip_root / "metadata.csv")
    assert styled["label"].tolist() == ["debla", "debla", "martinete"]
    assert styled["clip"].is_unique


def test_scan_clips_rejects_unknown_label_and_bad_names(clip_root):
    with pytest.raises(MotivicError, match="corpus.label='style'"):
        scan_clips(clip_root, label="style")
    (clip_root / "AM" / "notes.wav").write_bytes(b"")
    with pytest.raises(MotivicError, match="notes.wav"):
        scan_clips(clip_root)


def test_audio_hash_depends_on_samples_only():
    x = np.arange(10, dtype=np.float64) / 10
    assert audio_hash(x) == audio_hash(x.astype(np.float32))
    assert audio_hash(x) != audio_hash(x[::-1])


def _hashed(clip_root):
    clips = scan_clips(clip_root, label="singer")
    clips["hash"] = [audio_hash(sf.read(clip_root / p, dtype="float32")[0]) for p in clips["path"]]
    return clips


@pytest.mark.parametrize("policy, kept", [("keep-first", 2), ("drop", 1)])
def test_resolve_duplicates_policies(clip_root, policy, kept):
    clips = _hashed(clip_root)
    out, report = resolve_duplicates(clips, policy=policy)
    assert len(out) == kept
    assert out["hash"].is_unique
    assert len(report) == 2 and report["labels"].iloc[0] == "AM;EC"
    assert (report["action"] == "kept").sum() == (1 if policy == "keep-first" else 0)


def test_resolve_duplicates_error_policy_names_the_files(clip_root):
    with pytest.raises(MotivicError, match="identical clips.*D0001_-12121_aaa.wav"):
        resolve_duplicates(_hashed(clip_root), policy="error")
