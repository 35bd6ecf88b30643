import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.core.errors import MotivicError
from motivic.corpus.clips import clip_segments, scan_clips


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


def test_clip_segments_follow_validation_and_duplicates(clip_root):
    from motivic.corpus.validation import validate_corpus

    clips = scan_clips(clip_root, label="singer")
    sheet = clips.rename(columns={"recording": "group", "clip": "recording"})
    report = validate_corpus(
        sheet[["recording", "path", "label", "group"]], audio_root=clip_root, duplicates="drop",
        min_duration_s=0.0,
    )
    segments = clip_segments(clips, report)
    # the AM and EC clips hold the same audio: "drop" keeps neither
    assert segments["segment_id"].tolist() == [clips["clip"][1]]
    assert segments.loc[0, "recording"] == "D0001" and segments.loc[0, "group"] == "D0001"
    assert segments.loc[0, "motif_id"] == "1-11-1"
    assert segments.loc[0, "end_s"] == pytest.approx(8000 / 22050, abs=1e-3)
    keep = validate_corpus(
        sheet[["recording", "path", "label", "group"]], audio_root=clip_root, duplicates="keep-first",
        min_duration_s=0.0,
    )
    assert len(clip_segments(clips, keep)) == 2
