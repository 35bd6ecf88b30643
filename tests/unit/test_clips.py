import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.core.errors import MotivicError
from motivic.corpus.clips import (
    check_clip_splits,
    clip_passages,
    clip_segments,
    finding_counts,
    scan_clips,
    validate_clips,
)


def _write(root, rel, samples, sr=22050):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sr, subtype="FLOAT")
    return path


@pytest.fixture
def clip_root(tmp_path, rng):
    tone = np.sin(np.linspace(0, 200, 11025)).astype(np.float32)
    _write(tmp_path, "AM/D0001_-12121_aaa.wav", tone)
    _write(
        tmp_path, "AM/D0001_intervals_1-11-1_bbb.wav", rng.standard_normal(8000).astype(np.float32)
    )
    _write(tmp_path, "EC/M1026_2-1-1_ccc.wav", tone)  # same audio as the AM clip, other singer
    pd.DataFrame(
        {
            "path": [
                "AM/D0001_-12121_aaa.wav",
                "AM/D0001_intervals_1-11-1_bbb.wav",
                "EC/M1026_2-1-1_ccc.wav",
            ],
            "style": ["debla", "debla", "martinete"],
        }
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


def test_scan_clips_rejects_unknown_label_and_reads_names_leniently(clip_root, rng):
    with pytest.raises(MotivicError, match="corpus.label='style'"):
        scan_clips(clip_root, label="style")
    (clip_root / "AM" / "notes.wav").write_bytes(b"")
    _write(
        clip_root,
        "TP/D0011_intervals.txt_-1-11-11-1_ddd.wav",
        rng.standard_normal(12000).astype(np.float32),
    )
    _write(clip_root, "TP/M1034.txt_1-1_eee.wav", rng.standard_normal(12000).astype(np.float32))
    clips = scan_clips(clip_root).set_index("path")
    assert clips.at["AM/notes.wav", "name_check"] == "bad_layout"
    assert clips.at["TP/D0011_intervals.txt_-1-11-11-1_ddd.wav", "recording"] == "D0011"
    assert clips.at["TP/M1034.txt_1-1_eee.wav", "recording"] == "M1034"
    assert clips.at["TP/M1034.txt_1-1_eee.wav", "name_check"] == "name_artefact"
    assert clips.at["AM/D0001_-12121_aaa.wav", "name_check"] == ""


def test_validate_clips_reports_layout_artefacts_conflicts_and_short_clips(clip_root, rng):
    (clip_root / "AM" / "notes.wav").write_bytes(b"")
    _write(
        clip_root,
        "TP/D0011_intervals.txt_-1-11-11-1_ddd.wav",
        rng.standard_normal(12000).astype(np.float32),
    )
    copy = rng.standard_normal(12000).astype(np.float32)
    _write(clip_root, "TP/D0011_1-1_fff.wav", copy)
    _write(clip_root, "TP/D0011_1-1_ggg.wav", copy)  # a copy under the same singer and recording
    _write(
        clip_root, "TP/D0011_2-1_hhh.wav", rng.standard_normal(2000).astype(np.float32)
    )  # 0.09 s
    clips = scan_clips(clip_root, label="singer")
    report = validate_clips(clips, audio_root=clip_root, duplicates="keep", clip_min_duration_s=0.2)
    checks = dict(zip(report["path"], report["check"]))
    status = dict(zip(report["path"], report["status"]))
    assert status["AM/notes.wav"] == "error" and checks["AM/notes.wav"] == "bad_layout"
    assert "notes.wav" in report.set_index("path").at["AM/notes.wav", "message"]
    assert "name_artefact" in checks["TP/D0011_intervals.txt_-1-11-11-1_ddd.wav"]
    assert status["TP/D0011_intervals.txt_-1-11-11-1_ddd.wav"] != "error"
    # the tone is filed under AM/D0001 and EC/M1026: every copy excluded, whatever the policy
    for path in ("AM/D0001_-12121_aaa.wav", "EC/M1026_2-1-1_ccc.wav"):
        assert status[path] == "error"
        assert "singer_conflict" in checks[path] and "recording_conflict" in checks[path]
    # copies that agree are kept under duplicates=keep
    assert status["TP/D0011_1-1_fff.wav"] == status["TP/D0011_1-1_ggg.wav"] == "warning"
    assert checks["TP/D0011_2-1_hhh.wav"].startswith("short_clip")
    counts = finding_counts(report).set_index("check")["n_files"]
    assert (
        counts["singer_conflict"] == 2 and counts["short_clip"] == 1 and counts["bad_layout"] == 1
    )
    segments = clip_segments(clips, report, clip_passages(report, clip_root))
    assert set(segments["recording"]) == {"D0001", "D0011"}
    kept = segments.set_index("segment_id")
    fff, ggg = (clips.set_index("path").at[f"TP/D0011_1-1_{k}.wav", "clip"] for k in ("fff", "ggg"))
    assert kept.at[fff, "passage"] == kept.at[ggg, "passage"]
    assert kept.at[fff, "content"] == kept.at[ggg, "content"]


def test_clip_level_splits_are_refused_unless_asked_for():
    with pytest.raises(MotivicError, match="split.allow_clip_random"):
        check_clip_splits("clips", {"strategies": ["logo", "random_clips"]})
    with pytest.raises(MotivicError, match="corpus.mode clips"):
        check_clip_splits(
            "recordings", {"strategies": ["random_contents"], "allow_clip_random": True}
        )
    check_clip_splits("clips", {"strategies": ["random", "logo"]})
    check_clip_splits("clips", {"strategies": ["random_clips"], "allow_clip_random": True})


def test_clip_segments_follow_validation_and_duplicates(clip_root):
    from motivic.corpus.validation import validate_corpus

    clips = scan_clips(clip_root, label="singer")
    sheet = clips.rename(columns={"recording": "group", "clip": "recording"})
    report = validate_corpus(
        sheet[["recording", "path", "label", "group"]],
        audio_root=clip_root,
        duplicates="drop",
        min_duration_s=0.0,
    )
    segments = clip_segments(clips, report)
    # the AM and EC clips hold the same audio: "drop" keeps neither
    assert segments["segment_id"].tolist() == [clips["clip"][1]]
    assert segments.loc[0, "recording"] == "D0001" and segments.loc[0, "group"] == "D0001"
    assert segments.loc[0, "motif_id"] == "1-11-1"
    assert segments.loc[0, "end_s"] == pytest.approx(8000 / 22050, abs=1e-3)
    keep = validate_corpus(
        sheet[["recording", "path", "label", "group"]],
        audio_root=clip_root,
        duplicates="keep-first",
        min_duration_s=0.0,
    )
    assert len(clip_segments(clips, keep)) == 2
