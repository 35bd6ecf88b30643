"""The corpus and the input selection of the workflow (motivic/workflow/inputs.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from motivic.core.config import load_config, validate_config
from motivic.core.errors import MotivicError
from motivic.workflow import grid, inputs

ROOT = Path(__file__).resolve().parents[2]
DEMO = load_config(ROOT / "config.yaml")


def _config(**sections):
    """The demo configuration with whole sections replaced, validated (defaults filled)."""
    config = copy.deepcopy(DEMO)
    config.update(sections)
    return validate_config(config)


def _recordings_config(tmp_path, rows, **sections):
    """A recordings-mode configuration over a metadata CSV of ``rows`` (path, label[, f0])."""
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(row[k] for k in header) for row in rows]
    (tmp_path / "metadata.csv").write_text("\n".join(lines) + "\n")
    corpus = {
        "mode": "recordings",
        "audio_root": str(tmp_path),
        "metadata": str(tmp_path / "metadata.csv"),
    }
    return _config(corpus=corpus, **sections)


@pytest.fixture
def clip_config(tmp_path):
    for rel in ("AM/D0001_-12121_aaa.wav", "AM/D0001_2-1-1_bbb.wav", "EC/M1026_2-1-1_ccc.wav"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    corpus = {"mode": "clips", "audio_root": str(tmp_path), "label": "singer"}
    return _config(corpus=corpus, datasets=["motivic"])


# ------------------------------------------------------------------------------ corpus modes


def test_synth_corpus_names_every_planned_recording_and_its_ground_truth():
    corpus = inputs.load_corpus(DEMO)
    n = DEMO["synth"]["n_classes"] * DEMO["synth"]["recordings_per_class"]
    root = DEMO["corpus"]["audio_root"]
    assert corpus.synth and not corpus.clips and len(corpus.recordings) == n
    first = corpus.recordings[0]
    assert corpus.audio[first] == f"{root}/audio/{first}.wav"
    assert corpus.f0_references[first] == f"{root}/f0/{first}.csv"
    assert corpus.recordings == list(corpus.f0_references)
    assert corpus.clip_audio == {} and corpus.clip_patterns == []


def test_recordings_corpus_follows_the_sheet_and_its_optional_f0_column(tmp_path):
    rows = [
        {"path": "b/two.wav", "label": "x", "f0": "f0/two.csv"},
        {"path": "a/one.wav", "label": "y", "f0": " "},
    ]
    corpus = inputs.load_corpus(_recordings_config(tmp_path, rows))
    assert corpus.mode == "recordings" and len(corpus.recordings) == 2
    assert list(corpus.audio.values()) == [str(tmp_path / "b/two.wav"), str(tmp_path / "a/one.wav")]
    two = corpus.recordings[0]
    assert corpus.f0_references == {two: str(tmp_path / "f0/two.csv")}  # blank: no reference
    no_f0 = inputs.load_corpus(_recordings_config(tmp_path, [{"path": "a.wav", "label": "x"}]))
    assert no_f0.f0_references == {}


def test_clips_corpus_lists_every_clip_and_its_pattern(clip_config, tmp_path):
    corpus = inputs.load_corpus(clip_config)
    assert corpus.clips and corpus.recordings == [] and corpus.audio == {}
    assert len(corpus.clip_audio) == 3
    assert all(path.startswith(str(tmp_path)) for path in corpus.clip_audio.values())
    patterns = {(path, pattern) for _, path, pattern in corpus.clip_patterns}
    assert ("EC/M1026_2-1-1_ccc.wav", "2-1-1") in patterns
    assert [clip for clip, _, _ in corpus.clip_patterns] == list(corpus.clip_audio)


def test_clips_whose_names_cannot_be_read_get_no_pattern_job(clip_config, tmp_path):
    (tmp_path / "TP").mkdir()
    (tmp_path / "TP/take2.wav").write_bytes(b"")  # bad_layout: reported by index_clips only
    corpus = inputs.load_corpus(clip_config)
    assert len(corpus.clip_audio) == len(corpus.clip_patterns) == 3
    assert all(pattern for _, _, pattern in corpus.clip_patterns)


@pytest.mark.parametrize(
    "corpus, datasets, fragment",
    [
        ({"mode": "recordings", "audio_root": "x"}, ["motivic"], "corpus.metadata is required"),
        (
            {"mode": "clips", "audio_root": "x"},
            ["motivic", "nonmotivic"],
            "datasets: \\[motivic\\]",
        ),
    ],
)
def test_corpus_mode_must_agree_with_the_configuration(corpus, datasets, fragment):
    config = copy.deepcopy(DEMO)
    config.update(corpus=corpus, datasets=datasets)
    with pytest.raises(MotivicError, match=fragment):
        inputs.check_corpus_mode(config)
    with pytest.raises(MotivicError, match=fragment):
        inputs.load_corpus(config)


def test_unknown_corpus_mode_is_named():
    config = copy.deepcopy(DEMO)
    config["corpus"] = {**config["corpus"], "mode": "tapes"}
    with pytest.raises(MotivicError, match="corpus.mode='tapes'"):
        inputs.check_corpus_mode(config)


# --------------------------------------------------------------------------- input selection


def test_validation_reads_every_synth_file_but_only_existing_user_files(tmp_path):
    assert inputs.validation_audio(inputs.load_corpus(DEMO)) == list(
        inputs.load_corpus(DEMO).audio.values()
    )
    rows = [{"path": p, "label": "x"} for p in ("here.wav", "missing.wav", "br{ace}.wav")]
    for name in ("here.wav", "br{ace}.wav"):
        (tmp_path / name).write_bytes(b"")
    corpus = inputs.load_corpus(_recordings_config(tmp_path, rows))
    assert inputs.validation_audio(corpus) == [str(tmp_path / "here.wav")]


def test_stores_read_the_valid_recordings_or_every_clip(clip_config, tmp_path):
    rows = [{"path": p, "label": "x"} for p in ("a.wav", "b.wav")]
    corpus = inputs.load_corpus(_recordings_config(tmp_path, rows))
    _, b = corpus.recordings
    assert inputs.store_audio_files(corpus, lambda: [b]) == [corpus.audio[b]]
    assert inputs.store_audio_paths(corpus) == corpus.audio

    def never():
        raise AssertionError("clips mode must not wait for the recordings' validation")

    clips = inputs.load_corpus(clip_config)
    assert inputs.store_audio_files(clips, never) == list(clips.clip_audio.values())
    assert inputs.store_audio_paths(clips) == clips.clip_audio


def test_pitch_evaluation_scores_the_main_tracks_and_a_subset_of_each_other_method():
    corpus = inputs.load_corpus(DEMO)
    valid = corpus.recordings[1:]  # one recording failed validation
    pitch = {**DEMO["pitch"], "method": "melodia", "evaluate_methods": ["melodia", "pyin", "pyin"]}
    pitch["evaluate_subset"] = 2
    tracks = inputs.pitch_eval_tracks(pitch, corpus, valid)
    main = [t for t in tracks if t[0] == "melodia"]
    other = [t for t in tracks if t[0] == "pyin"]
    assert [r for _, r, _ in main] == valid
    assert main[0][2] == f"results/pitch/{valid[0]}.csv"
    assert len(other) == 2 and {r for _, r, _ in other} <= set(valid)
    assert all(path == f"results/eval/pitch/pyin/{r}.csv" for _, r, path in other)


def test_contour_plots_draw_the_planted_motifs_in_synth_mode_only(tmp_path):
    synth = inputs.contour_plot_inputs(DEMO["corpus"], inputs.load_corpus(DEMO), "r1")
    assert synth["planted"] == f"{DEMO['corpus']['audio_root']}/motifs/r1.tsv"
    assert synth["pitch"] == "results/pitch/r1.csv" and synth["contour"] == "results/contour/r1.tsv"
    config = _recordings_config(tmp_path, [{"path": "a.wav", "label": "x"}])
    assert "planted" not in inputs.contour_plot_inputs(
        config["corpus"], inputs.load_corpus(config), "r1"
    )


def test_bootstrap_group_table_is_the_recordings_or_the_clips_table(clip_config):
    corpus = inputs.load_corpus(DEMO)
    assert inputs.bootstrap_group_table(_config(report={"bootstrap_group": None}), corpus) is None
    grouped = _config(report={"bootstrap_group": "group"})
    assert inputs.bootstrap_group_table(grouped, corpus) == "results/corpus/recordings.tsv"
    clip_config["report"]["bootstrap_group"] = "singer"
    clips = inputs.load_corpus(clip_config)
    assert inputs.bootstrap_group_table(clip_config, clips) == "results/segments/motivic.tsv"


# ------------------------------------------------------------------------------- baselines


def test_baselines_read_their_own_feature_set_or_their_convnets():
    config = _config(
        features={"logmel128": {}, "mel40": {"kind": "mel40"}},
        models={"compact_convnet": {"features": "mel40"}, "crnn": {}},
        baselines={
            "mfcc_svm": None,
            "convnet_svm": {"model": "compact_convnet"},
            "convnet_svm_random": {"features": "mel40"},
        },
    )
    assert inputs.baseline_feature_set(config, "mfcc_svm") == "logmel128"  # the first set
    assert inputs.baseline_feature_set(config, "convnet_svm") == "mel40"  # its convnet's
    assert inputs.baseline_feature_set(config, "convnet_svm_random") == "mel40"
    config["baselines"]["mfcc_svm"] = {"features": "mel40"}
    assert inputs.baseline_feature_set(config, "mfcc_svm") == "mel40"


def test_convnet_baselines_take_the_checkpoint_of_the_same_run_or_their_file():
    config = _config(
        augment={**DEMO["augment"], "policy": "time"},
        baselines={
            "mfcc_svm": {},
            "convnet_svm": {},
            "convnet_svm_transfer": {"checkpoint": "w.pt"},
        },
    )
    where = {"dataset": "motivic", "split": "random", "fold": "2", "seed": "1"}
    in_domain = inputs.baseline_checkpoint(config, "convnet_svm", **where)
    assert (
        in_domain
        == grid.Run("compact_convnet", "motivic", "random", 2, 1, "time").path + "/checkpoint.pt"
    )
    assert inputs.baseline_checkpoint(config, "convnet_svm_transfer", **where) == "w.pt"
    assert inputs.baseline_checkpoint(config, "mfcc_svm", **where) is None
    assert inputs.baseline_checkpoint(config, "convnet_svm_random", **where) is None


# --------------------------------------------------------------------------------- targets


def test_final_targets_follow_the_mode_and_the_switches(clip_config, tmp_path):
    demo = inputs.final_targets(DEMO, inputs.load_corpus(DEMO))
    assert "results/tables/table1.csv" in demo and "results/eval/motifs.tsv" in demo
    assert "results/motifs/coherence.tsv" in demo
    assert ("results/tables/table2.csv" in demo) == bool(grid.table2_cells(DEMO))
    assert ("results/tables/motivic_vs_control.csv" in demo) == (
        set(DEMO["datasets"]) == {"motivic", "nonmotivic"}
    )
    quiet = _config(
        datasets=["motivic"],
        augment={**DEMO["augment"], "policies": []},
        melodic_summary={**DEMO["melodic_summary"], "activate": False},
        plots={"contour": {**DEMO["plots"]["contour"], "activate": True}},
    )
    targets = inputs.final_targets(quiet, inputs.load_corpus(quiet))
    assert not any("table2" in t or "motivic_vs_control" in t or "melodic" in t for t in targets)
    assert "results/plots/contour/index.tsv" in targets

    clips = inputs.final_targets(clip_config, inputs.load_corpus(clip_config))
    assert "results/eval/clip_patterns.tsv" in clips and "results/motifs/coherence.tsv" not in clips
    assert not any(t.startswith("results/eval/") and "clip_patterns" not in t for t in clips)

    no_f0 = _recordings_config(tmp_path, [{"path": "a.wav", "label": "x"}])
    assert "results/eval/pitch.tsv" not in inputs.final_targets(no_f0, inputs.load_corpus(no_f0))
    with_f0 = _recordings_config(tmp_path, [{"path": "a.wav", "label": "x", "f0": "a.csv"}])
    assert "results/eval/pitch.tsv" in inputs.final_targets(with_f0, inputs.load_corpus(with_f0))
