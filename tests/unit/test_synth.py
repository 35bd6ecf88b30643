"""Tests of motivic.corpus.synth: the synthetic demo corpus and its ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from motivic.core.errors import MotivicError
from motivic.corpus.synth import (
    MOTIF_INTERVALS_CENTS,
    load_planted,
    make_corpus,
    make_motifs,
    make_voice,
    recording_ids,
    synth_recording,
)

HOP = 256


def _interval_class(d):
    a = abs(d)
    c = 1 if a <= 66 else 2 if a <= 132 else 3 if a <= 198 else 4
    return c if d >= 0 else -c


def _reference_tokens(cents, hop_s, *, epsilon=66.0, min_step_s=0.03):
    """Greedy epsilon-band steps, short steps dropped, level = median of the step."""
    steps, start = [], 0
    lo = hi = cents[0]
    for i in range(1, len(cents) + 1):
        if i == len(cents) or max(hi, cents[i]) - min(lo, cents[i]) > epsilon:
            steps.append(cents[start:i])
            if i < len(cents):
                start, lo, hi = i, cents[i], cents[i]
        else:
            lo, hi = min(lo, cents[i]), max(hi, cents[i])
    levels = [np.median(s) for s in steps if len(s) * hop_s >= min_step_s]
    return [_interval_class(d) for d in np.diff(levels)]


def _autocorr_f0(x, sr, guess_hz):
    """f0 by autocorrelation peak (parabolic interpolation) within +-100 cents of a guess."""
    x = x - x.mean()
    ac = np.correlate(x, x, mode="full")[len(x) - 1 :]
    lo, hi = int(sr / (guess_hz * 2 ** (100 / 1200))), int(sr / (guess_hz * 2 ** (-100 / 1200))) + 1
    k = lo + int(np.argmax(ac[lo : hi + 1]))
    a, b, c = ac[k - 1], ac[k], ac[k + 1]
    return sr / (k + 0.5 * (a - c) / (a - 2 * b + c))


@pytest.fixture(scope="module")
def motifs3():
    return make_motifs(seed=7, n_classes=4, motifs_per_class=3)


@pytest.fixture(scope="module")
def rec_pair(motifs3):
    """The same recording with and without background noise."""
    kwargs = {
        "seed": 11,
        "label": "style2",
        "singer": "singer04",
        "motifs": motifs3["style2"],
        "duration_s": 14.0,
        "sr": 22050,
    }
    return synth_recording(**kwargs), synth_recording(noise=False, **kwargs)


def test_recording_ids_are_class_major():
    ids = recording_ids(n_classes=3, recordings_per_class=2)
    assert ids == [
        "style1_r01",
        "style1_r02",
        "style2_r01",
        "style2_r02",
        "style3_r01",
        "style3_r02",
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_classes": 0, "recordings_per_class": 2}, "n_classes"),
        ({"n_classes": 2, "recordings_per_class": 0}, "recordings_per_class"),
        ({"n_classes": 2.5, "recordings_per_class": 1}, "n_classes"),
    ],
)
def test_recording_ids_rejects_bad_counts(kwargs, match):
    with pytest.raises(MotivicError, match=match):
        recording_ids(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"duration_s": 0.0}, "duration_s"),
        ({"sr": 4000}, "sr"),
        ({"n_partials": 10}, "n_partials"),
        ({"occurrences_per_motif": 0}, "occurrences_per_motif"),
        ({"motifs": ()}, "motifs"),
    ],
)
def test_synth_recording_rejects_bad_arguments(tiny_motifs, kwargs, match):
    args = {
        "seed": 1,
        "label": "style1",
        "singer": "singer01",
        "motifs": tiny_motifs["style1"],
        "duration_s": 5.0,
        "sr": 22050,
    }
    args.update(kwargs)
    with pytest.raises(MotivicError, match=match):
        synth_recording(**args)


def test_make_corpus_rejects_inverted_durations(tmp_path):
    with pytest.raises(MotivicError, match="min_duration_s"):
        make_corpus(
            tmp_path, n_classes=1, recordings_per_class=1, min_duration_s=5.0, max_duration_s=4.0
        )


def test_make_motifs_vocabulary_is_distinct_and_well_formed(motifs3):
    all_motifs = [m for ms in motifs3.values() for m in ms]
    assert len(all_motifs) == 12 and len({m.motif_id for m in all_motifs}) == 12
    grams = {}
    for m in all_motifs:
        assert 5 <= len(m.intervals_cents) <= 7
        assert len(m.durations_s) == len(m.intervals_cents) + 1
        assert set(map(abs, m.intervals_cents)) <= set(MOTIF_INTERVALS_CENTS)
        assert sum(m.durations_s) >= 0.6 and min(m.durations_s) >= 0.12
        assert m.tokens == tuple(_interval_class(d) for d in m.intervals_cents)
        for k in range(len(m.tokens) - 4):
            owner = grams.setdefault(m.tokens[k : k + 5], m.motif_id)
            assert owner == m.motif_id, f"{m.motif_id} shares a 5-token run with {owner}"
    assert make_motifs(seed=7, n_classes=4, motifs_per_class=3) == motifs3


def test_make_voice_is_deterministic_and_singer_specific():
    assert make_voice("singer01", seed=7) == make_voice("singer01", seed=7)
    assert make_voice("singer01", seed=7) != make_voice("singer02", seed=7)
    v = make_voice("singer05", seed=3)
    assert 150 <= v.center_hz <= 340 and 5.0 <= v.vibrato_hz <= 7.0
    assert 20 <= v.vibrato_cents_pp <= 80


def test_synth_recording_is_deterministic(tiny_motifs):
    kwargs = {
        "label": "style1",
        "singer": "singer01",
        "motifs": tiny_motifs["style1"],
        "duration_s": 5.0,
        "sr": 16000,
    }
    a, b = synth_recording(seed=5, **kwargs), synth_recording(seed=5, **kwargs)
    c = synth_recording(seed=6, **kwargs)
    assert a.audio.dtype == np.float32 and a.audio.ndim == 1
    np.testing.assert_array_equal(a.audio, b.audio)
    np.testing.assert_array_equal(a.f0_hz, b.f0_hz)
    assert a.occurrences == b.occurrences
    assert a.audio.shape != c.audio.shape or not np.array_equal(a.audio, c.audio)


def test_f0_grid_is_every_256_samples(rec_pair):
    rec, _ = rec_pair
    n = len(rec.audio)
    assert len(rec.f0_times_s) == -(-n // HOP) + 1  # as essentia's Melodia
    np.testing.assert_allclose(rec.f0_times_s, np.arange(-(-n // HOP) + 1) * HOP / rec.sr)
    assert np.all(rec.f0_hz >= 0) and np.all(rec.f0_hz[rec.f0_hz > 0] >= 80.0)
    assert np.max(np.abs(rec.audio)) < 1.0


def test_ground_truth_f0_matches_audio_on_steady_notes(rec_pair):
    _, clean = rec_pair
    sr, win = clean.sr, int(0.04 * clean.sr)
    errors = []
    for occ in clean.occurrences:
        centre_frame = round((occ.start_s + occ.end_s) / 2 * sr / HOP)
        for frame in range(centre_frame - 40, centre_frame + 40, 8):
            f0 = clean.f0_hz[frame - 4 : frame + 5]
            if np.any(f0 <= 0) or 1200 * np.log2(f0.max() / f0.min()) > 3:
                continue  # only steady stretches
            seg = clean.audio[frame * HOP - win // 2 : frame * HOP + win // 2].astype(float)
            est = _autocorr_f0(seg, sr, clean.f0_hz[frame])
            errors.append(1200 * np.log2(est / clean.f0_hz[frame]))
    assert len(errors) >= 10
    assert np.max(np.abs(errors)) < 10.0


def test_each_motif_planted_at_least_three_times_in_distinct_phrases(rec_pair, motifs3):
    rec, _ = rec_pair
    by_motif = {}
    for occ in rec.occurrences:
        phrase = [
            k for k, (on, off) in enumerate(rec.phrases_s) if on <= occ.start_s < occ.end_s <= off
        ]
        assert len(phrase) == 1, "an occurrence must lie inside one phrase"
        assert occ.end_s - occ.start_s >= 0.6
        by_motif.setdefault(occ.motif_id, []).append(phrase[0])
        frames = (rec.f0_times_s >= occ.start_s) & (rec.f0_times_s <= occ.end_s)
        assert np.all(rec.f0_hz[frames] > 0)
    assert set(by_motif) == {m.motif_id for m in motifs3["style2"]}
    for phrases in by_motif.values():
        assert len(phrases) >= 3 and len(set(phrases)) == len(phrases)


def test_ground_truth_contour_tokenises_to_the_motif(rec_pair):
    rec, _ = rec_pair
    hop_s = HOP / rec.sr
    for occ in rec.occurrences:
        frames = (rec.f0_times_s >= occ.start_s) & (rec.f0_times_s < occ.end_s)
        cents = 1200 * np.log2(rec.f0_hz[frames] / 55.0)
        expected = [_interval_class(d) for d in occ.intervals_cents]
        assert _reference_tokens(cents, hop_s) == expected, occ


def test_breaths_are_unvoiced_and_quiet(rec_pair):
    rec, _ = rec_pair
    assert len(rec.phrases_s) >= 3
    voiced_rms = np.sqrt(np.mean(rec.audio[rec.f0_hz.repeat(HOP)[: len(rec.audio)] > 0] ** 2))
    for (_, off), (on, _) in zip(rec.phrases_s[:-1], rec.phrases_s[1:]):
        assert 0.3 - 0.02 <= on - off <= 0.8 + 0.02
        frames = (rec.f0_times_s > off + 0.01) & (rec.f0_times_s < on - 0.01)
        assert np.all(rec.f0_hz[frames] == 0)
        gap = rec.audio[int((off + 0.02) * rec.sr) : int((on - 0.02) * rec.sr)]
        assert 20 * np.log10(np.sqrt(np.mean(gap**2)) / voiced_rms) < -20.0


def test_noise_is_additive_at_the_reported_snr(rec_pair):
    noisy, clean = rec_pair
    assert 20.0 <= noisy.snr_db <= 40.0 and noisy.snr_db == clean.snr_db
    np.testing.assert_array_equal(noisy.f0_hz, clean.f0_hz)
    noise = noisy.audio.astype(float) - clean.audio.astype(float)
    voiced = np.zeros(len(clean.audio), dtype=bool)
    for on, off in clean.phrases_s:
        voiced[int(np.ceil(on * clean.sr)) : int(np.ceil(off * clean.sr))] = True
    breath = clean.audio[~voiced].astype(float)
    p_voice = np.mean(clean.audio[voiced].astype(float) ** 2)
    assert 10 * np.log10(p_voice / np.mean(noise**2)) == pytest.approx(noisy.snr_db, abs=0.3)
    assert np.mean(breath**2) < np.mean(noise**2) * 10  # breaths are soft


def test_snr_can_be_fixed(tiny_motifs):
    rec = synth_recording(
        seed=2,
        label="style1",
        singer="singer01",
        motifs=tiny_motifs["style1"],
        duration_s=5.0,
        sr=16000,
        snr_db=25.0,
    )
    assert rec.snr_db == 25.0


def test_make_corpus_writes_consistent_files(tiny_corpus):
    meta = pd.read_csv(tiny_corpus / "metadata.csv")
    assert list(meta.columns) == ["path", "label", "group", "recording"]
    assert meta["recording"].tolist() == recording_ids(n_classes=2, recordings_per_class=2)
    assert meta["label"].tolist() == ["style1", "style1", "style2", "style2"]
    # the default: every singer sings every style, so timbre cannot give the style away
    assert (meta.groupby("group")["label"].nunique() == meta["label"].nunique()).all()
    assert meta["group"].str.fullmatch(r"singer\d{2}").all()
    for row in meta.itertuples():
        assert row.path == f"audio/{row.recording}.wav"
        info = sf.info(str(tiny_corpus / row.path))
        assert info.samplerate == 22050 and info.channels == 1
        f0 = np.loadtxt(tiny_corpus / "f0" / f"{row.recording}.csv", delimiter=",")
        assert f0.shape == (-(-info.frames // HOP) + 1, 2)
        np.testing.assert_allclose(np.diff(f0[:, 0]), HOP / 22050, atol=2e-6)
        planted = load_planted(tiny_corpus / "motifs" / f"{row.recording}.tsv")
        assert list(planted.columns) == ["start_s", "end_s", "motif_id", "intervals_cents"]
        assert len(planted) >= 3 and planted["motif_id"].str.startswith(row.label + "_").all()
        assert planted["end_s"].max() <= info.frames / 22050
        voiced_at = np.interp((planted["start_s"] + planted["end_s"]) / 2, f0[:, 0], f0[:, 1])
        assert np.all(voiced_at > 0)
    assert not list(tiny_corpus.rglob("*.tmp*"))  # atomic writes left no temporary file


def test_make_corpus_recordings_depend_only_on_seed_and_index(tmp_path):
    kwargs = {
        "seed": 3,
        "n_classes": 2,
        "singers_per_class": 1,
        "motifs_per_class": 1,
        "min_duration_s": 3.0,
        "max_duration_s": 3.0,
        "sr": 8000,
    }
    calls = []
    make_corpus(
        tmp_path / "a", recordings_per_class=1, progress=lambda d, t: calls.append((d, t)), **kwargs
    )
    make_corpus(tmp_path / "b", recordings_per_class=2, **kwargs)
    assert calls == [(1, 2), (2, 2)]
    for rid in ["style1_r01", "style2_r01"]:
        a, _ = sf.read(tmp_path / "a" / "audio" / f"{rid}.wav")
        b, _ = sf.read(tmp_path / "b" / "audio" / f"{rid}.wav")
        np.testing.assert_array_equal(a, b)


def test_make_corpus_writes_the_same_files_with_parallel_workers(tmp_path):
    kwargs = {
        "seed": 5,
        "n_classes": 2,
        "recordings_per_class": 2,
        "singers_per_class": 1,
        "motifs_per_class": 1,
        "min_duration_s": 2.0,
        "max_duration_s": 3.0,
        "sr": 8000,
    }
    calls = []
    serial = make_corpus(tmp_path / "serial", **kwargs)
    parallel = make_corpus(
        tmp_path / "parallel", workers=2, progress=lambda d, t: calls.append((d, t)), **kwargs
    )
    pd.testing.assert_frame_equal(serial, parallel)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*.*"))
    assert len(files) == 4 * 3 + 1  # audio, f0 and motifs per recording, and metadata.csv
    for rel in files:
        assert (tmp_path / "serial" / rel).read_bytes() == (tmp_path / "parallel" / rel).read_bytes()
    with pytest.raises(MotivicError, match="workers"):
        make_corpus(tmp_path / "none", workers=0, **kwargs)


@pytest.mark.parametrize(
    "text, match",
    [
        ("start_s\tend_s\tmotif_id\n1.0\t2.0\tm1\n", "missing columns"),
        ("start_s\tend_s\tmotif_id\tintervals_cents\n1.0\t2.0\tm1\t100,x\n", "malformed"),
        ("start_s\tend_s\tmotif_id\tintervals_cents\n2.0\t1.0\tm1\t100\n", "end_s > start_s"),
    ],
)
def test_load_planted_rejects_malformed_files(tmp_path, text, match):
    path = tmp_path / "bad.tsv"
    path.write_text(text)
    with pytest.raises(MotivicError, match=match) as err:
        load_planted(path)
    assert "bad.tsv" in str(err.value)


def test_make_corpus_plants_a_seeded_subset_of_the_class_vocabulary(tmp_path):
    kwargs = dict(seed=5, n_classes=2, recordings_per_class=3, singers_per_class=1, motifs_per_class=3,
                  min_duration_s=8.0, max_duration_s=8.0, sr=8000)
    make_corpus(tmp_path / "a", motifs_per_recording=2, **kwargs)
    make_corpus(tmp_path / "b", motifs_per_recording=2, **kwargs)
    vocabulary = make_motifs(seed=5, n_classes=2, motifs_per_class=3)
    for c in (1, 2):
        class_ids = {m.motif_id for m in vocabulary[f"style{c}"]}
        for i in (1, 2, 3):
            planted = load_planted(tmp_path / "a" / "motifs" / f"style{c}_r{i:02d}.tsv")
            again = load_planted(tmp_path / "b" / "motifs" / f"style{c}_r{i:02d}.tsv")
            used = set(planted["motif_id"])
            assert len(used) == 2 and used <= class_ids
            assert planted["motif_id"].value_counts().min() >= 3
            assert planted.equals(again)


@pytest.mark.parametrize("shared", [True, False])
def test_make_corpus_singers_sing_every_style_option(tmp_path, shared):
    meta = make_corpus(
        tmp_path,
        seed=3,
        n_classes=3,
        recordings_per_class=4,
        singers_per_class=2,
        motifs_per_class=1,
        min_duration_s=2.0,
        max_duration_s=2.0,
        sr=8000,
        singers_sing_every_style=shared,
    )
    per_singer = meta.groupby("group")["label"].nunique()
    if shared:
        assert meta["group"].nunique() == 2 and (per_singer == 3).all()
    else:
        assert meta["group"].nunique() == 6 and (per_singer == 1).all()
