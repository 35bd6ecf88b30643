"""Motif kinds of clips (published patterns) and the segments.motif_kinds filter in clips mode."""

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.core.errors import MotivicError
from motivic.corpus.clips import (
    KIND_COUNT_COLUMNS,
    clip_kind,
    clip_segments,
    keep_clip_kinds,
    scan_clips,
    validate_clips,
)


@pytest.mark.parametrize(
    ("pattern", "duration_s", "kind"),
    [
        ("-11-11-1", 2.0, "oscillation"),  # period 2 over 5 tokens, however slow
        ("1-2-121-2", 3.0, "oscillation"),  # +1,-2,-1,+2,+1,-2: period 4 over 1.5 cycles
        ("1-21-12", 0.3, "oscillation"),  # alternating, classes <= 2 (test b), shape before speed
        ("1-2-121", 3.0, "melodic"),  # 1.25 cycles of period 4, not alternating
        ("21-1-12", 0.6, "melodic"),  # 6 steps in 0.6 s: exactly 0.1 s per step
        ("21-1-12", 0.59, "fast"),  # just under 0.1 s per step
        ("11111", 0.5, "fast"),  # a run (period 1) is no oscillation; 6 steps in 0.5 s
        ("11111", 0.7, "melodic"),
    ],
)
def test_clip_kind_of_hand_worked_patterns(pattern, duration_s, kind):
    assert clip_kind(pattern, duration_s) == kind


def test_clip_kind_of_a_pattern_that_is_no_contour_pattern_is_empty():
    assert clip_kind("1-0-1", 1.0) == ""
    assert clip_kind("1--1", 1.0) == ""


def _segments():
    return pd.DataFrame(
        {
            "segment_id": [f"c{i}" for i in range(6)],
            "recording": ["D1", "D1", "D2", "M1", "M2", "M2"],
            "label": ["debla", "debla", "debla", "martinete", "martinete", "martinete"],
            "kind": ["melodic", "oscillation", "fast", "oscillation", "oscillation", ""],
        }
    )


def test_keep_clip_kinds_keeps_the_asked_kinds_and_counts_every_kind_and_label():
    segments = _segments()
    kept, counts = keep_clip_kinds(segments, ["oscillation"])
    assert kept["segment_id"].tolist() == ["c1", "c3", "c4"]
    assert list(counts.columns) == KIND_COUNT_COLUMNS
    assert counts["n_clips"].sum() == len(segments)
    row = counts.set_index(["kind", "label"]).loc[("oscillation", "martinete")]
    assert row["n_clips"] == 2 and row["n_recordings"] == 2 and bool(row["kept"])
    assert counts.loc[~counts["kept"], "n_clips"].sum() == len(segments) - len(kept)
    melodic_fast, _ = keep_clip_kinds(segments, ["melodic", "fast"])
    assert melodic_fast["segment_id"].tolist() == ["c0", "c2"]


def test_keep_clip_kinds_with_every_kind_keeps_every_clip_and_refuses_unknown_kinds():
    segments = _segments()
    kept, counts = keep_clip_kinds(segments, ["fast", "melodic", "oscillation"])
    assert kept.equals(segments) and counts["kept"].all()
    with pytest.raises(MotivicError, match="unknown kinds"):
        keep_clip_kinds(segments, ["melodic", "vibrato"])
    with pytest.raises(MotivicError, match="kind column"):
        keep_clip_kinds(segments.drop(columns="kind"), ["melodic"])


def test_clip_segments_carry_the_kind_of_their_published_pattern_and_duration(tmp_path, rng):
    sr = 8000
    for rel, seconds in [
        ("AM/D0001_-11-11-1_a.wav", 1.0),  # oscillation
        ("AM/D0001_21-1-12_b.wav", 0.9),  # 0.15 s per step: melodic
        ("AM/D0001_21-1-12_c.wav", 0.4),  # 0.067 s per step: fast
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, rng.standard_normal(int(seconds * sr)).astype(np.float32), sr)
    clips = scan_clips(tmp_path, label="singer")
    report = validate_clips(clips, audio_root=tmp_path, clip_min_duration_s=0.0)
    segments = clip_segments(clips, report)
    kinds = dict(
        zip(segments["segment_id"].map(dict(zip(clips["clip"], clips["path"]))), segments["kind"])
    )
    assert kinds == {
        "AM/D0001_-11-11-1_a.wav": "oscillation",
        "AM/D0001_21-1-12_b.wav": "melodic",
        "AM/D0001_21-1-12_c.wav": "fast",
    }
