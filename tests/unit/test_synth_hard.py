"""synth.hard: factors that stop the demo corpus from helping the tokeniser (issue 11, point 6)."""

from __future__ import annotations

import numpy as np
import pytest

from motivic.core.config import load_config, validate_config
from motivic.core.errors import MotivicError
from motivic.corpus.synth import (
    NEAR_EDGE_INTERVALS_CENTS,
    HardFactors,
    make_motifs,
    synth_recording,
)


def _recording(hard=None, **kwargs):
    motifs = make_motifs(seed=7, n_classes=2, motifs_per_class=1)["style1"]
    return synth_recording(
        seed=5,
        label="style1",
        singer="singer01",
        motifs=motifs,
        duration_s=8.0,
        sr=16000,
        noise=False,
        hard=hard,
        **kwargs,
    )


def test_all_factors_off_is_the_default_corpus():
    a, b = _recording(), _recording(hard={})
    np.testing.assert_array_equal(a.audio, b.audio)
    assert a.occurrences == b.occurrences
    assert make_motifs(seed=7, n_classes=3, motifs_per_class=2) == make_motifs(
        seed=7, n_classes=3, motifs_per_class=2, hard=HardFactors()
    )


def test_whole_tones_and_near_edges_change_the_intervals():
    default = make_motifs(seed=7, n_classes=4, motifs_per_class=3)
    whole = make_motifs(seed=7, n_classes=4, motifs_per_class=3, hard={"whole_tones": True})
    sizes = lambda vocab: {abs(d) for ms in vocab.values() for m in ms for d in m.intervals_cents}
    assert 200 not in sizes(default) and 200 in sizes(whole)
    edges = make_motifs(seed=7, n_classes=4, motifs_per_class=3, hard={"near_edges": True})
    assert sizes(edges) <= set(NEAR_EDGE_INTERVALS_CENTS)
    # the nominal tokens follow the paper's classes: 61 -> 1, 71 -> 2, 193 -> 3, 203 -> 4
    for m in (m for ms in edges.values() for m in ms):
        want = [
            int(np.sign(d)) * (1 + sum(abs(d) > e for e in (66, 132, 198)))
            for d in m.intervals_cents
        ]
        assert list(m.tokens) == want


def _motif_cents(rec):
    t, f0 = rec.f0_times_s, rec.f0_hz
    parts = []
    for occ in rec.occurrences:
        sel = (t >= occ.start_s) & (t < occ.end_s) & (f0 > 0)
        parts.append(1200 * np.log2(f0[sel]))
    return parts


def test_vibrato_widens_the_motif_notes():
    calm, wide = _recording(), _recording(hard={"vibrato_cents": 60.0})
    assert [o.start_s for o in calm.occurrences] == [o.start_s for o in wide.occurrences]
    from scipy.ndimage import median_filter

    def wiggle(rec):  # mean distance from an 11-frame running median (~0.18 s at 16 kHz)
        return np.mean([np.abs(c - median_filter(c, size=11)).mean() for c in _motif_cents(rec)])

    assert wiggle(wide) > 2 * wiggle(calm)


def test_tempo_jitter_moves_the_motif_notes():
    plain, jittered = _recording(), _recording(hard={"tempo_jitter": 0.3})
    d0 = np.array([o.end_s - o.start_s for o in plain.occurrences])
    d1 = np.array([o.end_s - o.start_s for o in jittered.occurrences])
    assert len(d0) == len(d1) and not np.allclose(d0, d1)
    assert np.all(np.abs(d1 / d0 - 1) < 0.3)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"tempo": 1}, "unknown"),
        ({"tempo_jitter": 0.7}, "tempo_jitter"),
        ({"vibrato_cents": -1}, "vibrato"),
    ],
)
def test_hard_factors_reject_bad_options(options, match):
    with pytest.raises(MotivicError, match=match):
        HardFactors.from_options(options)


def test_schema_accepts_the_hard_section_without_a_default():
    config = load_config("config.yaml")
    assert "hard" not in config["synth"]  # absent by default: the demo is unchanged
    config["synth"]["hard"] = {"whole_tones": True, "vibrato_cents": 40.0}
    validate_config(config)
    config["synth"]["hard"]["tempo_jitter"] = 0.6
    with pytest.raises(MotivicError, match="tempo_jitter"):
        validate_config(config)
