"""The corpus a configuration names and the inputs the workflow's rules select from it.

``corpus.mode`` decides where the audio comes from: ``synth`` (the demo corpus the
workflow writes itself, :mod:`motivic.corpus.synth`), ``recordings`` (a metadata CSV of
whole recordings, :mod:`motivic.corpus.recordings`) or ``clips`` (a folder of motif clips,
:mod:`motivic.corpus.clips`). :func:`load_corpus` reads that once at parse time into a
:class:`Corpus`; the other functions choose, from a validated configuration and the
corpus, the files a rule reads and the targets of a run.

Plain config mappings in, paths out; no Snakemake objects and no torch: ``rules/common.smk``
calls this at parse time, and the recordings that passed validation (known once the
``validate_corpus`` checkpoint has run) are passed in by the caller.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from motivic.core.errors import MotivicError
from motivic.corpus.clips import check_clip_splits, scan_clips
from motivic.corpus.recordings import read_metadata
from motivic.corpus.synth import recording_ids
from motivic.pitch.accuracy import evaluation_subset
from motivic.workflow.grid import Run, feature_set_for, table2_cells

__all__ = [
    "MODES",
    "Corpus",
    "baseline_checkpoint",
    "baseline_feature_set",
    "bootstrap_group_table",
    "check_corpus_mode",
    "contour_plot_inputs",
    "final_targets",
    "load_corpus",
    "pitch_eval_tracks",
    "store_audio_files",
    "store_audio_paths",
    "validation_audio",
]

#: Values of ``corpus.mode``.
MODES = ("synth", "recordings", "clips")


@dataclass(frozen=True)
class Corpus:
    """The sources of a corpus, as known before any job runs.

    Attributes
    ----------
    mode : {"synth", "recordings", "clips"}
        ``corpus.mode``.
    audio : dict of str -> str
        Recording id -> audio file, in sheet order (synth and recordings modes; empty in
        clips mode). Paths are ``corpus.audio_root`` joined with the sheet's ``path``.
    clip_audio : dict of str -> str
        Clip id -> audio file (clips mode; empty otherwise).
    clip_patterns : list of [clip, path, pattern]
        Each clip, its path under ``corpus.audio_root`` and the pattern its file name
        spells (clips mode; empty otherwise).
    f0_references : dict of str -> str
        Recording id -> f0 reference (MIREX CSV): the synthesiser's ground truth (synth
        mode) or the sheet's optional ``f0`` column (recordings mode; blank = none).
    """

    mode: str
    audio: dict[str, str] = field(default_factory=dict)
    clip_audio: dict[str, str] = field(default_factory=dict)
    clip_patterns: list[list[str]] = field(default_factory=list)
    f0_references: dict[str, str] = field(default_factory=dict)

    @property
    def synth(self) -> bool:
        """Whether the workflow writes the corpus itself (``corpus.mode: synth``)."""
        return self.mode == "synth"

    @property
    def clips(self) -> bool:
        """Whether the corpus is a folder of motif clips (``corpus.mode: clips``)."""
        return self.mode == "clips"

    @property
    def recordings(self) -> list[str]:
        """Recording ids in sheet order (empty in clips mode)."""
        return list(self.audio)


def check_corpus_mode(config: Mapping) -> None:
    """Check that ``corpus.mode`` agrees with the rest of a validated configuration.

    Raises
    ------
    MotivicError
        If ``corpus.mode`` is unknown, ``corpus.metadata`` is missing outside clips mode,
        clips mode asks for the non-motivic dataset (clips have no recordings to draw
        non-motivic segments from), or a clip-level random split is asked for without
        ``split.allow_clip_random`` (:func:`motivic.corpus.clips.check_clip_splits`).
    """
    corpus = config["corpus"]
    mode = corpus["mode"]
    if mode not in MODES:
        raise MotivicError(f"configuration: corpus.mode={mode!r} must be one of {list(MODES)}")
    if mode != "clips" and not corpus.get("metadata"):
        raise MotivicError(f"configuration: corpus.metadata is required in {mode} mode")
    if mode == "clips" and "nonmotivic" in config["datasets"]:
        raise MotivicError(
            "configuration: corpus.mode clips has no recordings to draw non-motivic segments "
            "from; set datasets: [motivic]"
        )
    try:
        check_clip_splits(mode, config["split"])
    except MotivicError as err:
        raise MotivicError(f"configuration: {err}") from None


def load_corpus(config: Mapping) -> Corpus:
    """The corpus of a validated configuration: its recordings or clips and their files.

    Synth mode derives the recording ids from ``synth`` (the files are written later, by
    the workflow); recordings mode reads ``corpus.metadata``; clips mode scans
    ``corpus.audio_root``.

    Raises
    ------
    MotivicError
        As :func:`check_corpus_mode`, or if the metadata or the clip folder cannot be read.
    """
    check_corpus_mode(config)
    corpus = config["corpus"]
    root = corpus["audio_root"]
    if corpus["mode"] == "synth":
        ids = recording_ids(
            n_classes=config["synth"]["n_classes"],
            recordings_per_class=config["synth"]["recordings_per_class"],
        )
        return Corpus(
            mode="synth",
            audio={r: f"{root}/audio/{r}.wav" for r in ids},
            f0_references={r: f"{root}/f0/{r}.csv" for r in ids},
        )
    if corpus["mode"] == "clips":
        clips = scan_clips(root, label=corpus["label"], metadata=corpus.get("metadata"))
        # names that cannot be read (no recording, no pattern) are reported by index_clips only
        readable = clips[clips["name_check"] != "bad_layout"]
        return Corpus(
            mode="clips",
            clip_audio={
                c: os.path.join(root, p) for c, p in zip(readable["clip"], readable["path"])
            },
            clip_patterns=[
                list(row) for row in zip(readable["clip"], readable["path"], readable["pattern"])
            ],
        )
    sheet = read_metadata(corpus["metadata"])
    references = {}
    if "f0" in sheet.columns:
        pairs = zip(sheet["recording"], sheet["f0"].str.strip())
        references = {r: os.path.join(root, f0) for r, f0 in pairs if f0}
    return Corpus(
        mode="recordings",
        audio={r: os.path.join(root, p) for r, p in zip(sheet["recording"], sheet["path"])},
        f0_references=references,
    )


def validation_audio(corpus: Corpus) -> list[str]:
    """Audio the corpus validation reads: all of it (synth), else the files that exist.

    A metadata row whose file is missing cannot be an input; validation reports it
    instead, and adding the file later changes the input set, which reruns validation.
    A path with braces cannot be an input either (Snakemake would read a wildcard);
    validation reports it as a bad name.
    """
    paths = corpus.audio.values()
    if not corpus.synth:
        paths = [p for p in paths if os.path.isfile(p)]
    return [p for p in paths if "{" not in p and "}" not in p]


def store_audio_paths(corpus: Corpus) -> dict[str, str]:
    """Source id -> audio file of every segment source: each clip (clips mode), else recording."""
    return dict(corpus.clip_audio) if corpus.clips else dict(corpus.audio)


def store_audio_files(corpus: Corpus, valid_recordings: Callable[[], Sequence[str]]) -> list[str]:
    """Audio a feature store reads: every clip (clips mode), else the valid recordings.

    ``valid_recordings`` is called outside clips mode only: the recordings that passed
    validation are known once validation has run, and clips mode never waits for it.
    """
    if corpus.clips:
        return list(corpus.clip_audio.values())
    return [corpus.audio[r] for r in valid_recordings()]


def pitch_eval_tracks(
    pitch_cfg: Mapping, corpus: Corpus, valid_recordings: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(method, recording, estimate) of every f0 track the pitch evaluation scores.

    The pipeline's own tracks (``pitch.method``, ``results/pitch/``) of every valid recording
    with an f0 reference; each other backend of ``pitch.evaluate_methods`` on
    ``pitch.evaluate_subset`` of them spread over the corpus, extracted under
    ``results/eval/pitch/{method}/`` so that the main pitch jobs never rerun.
    """
    main = pitch_cfg["method"]
    recordings = [r for r in valid_recordings if r in corpus.f0_references]
    tracks = [(main, r, f"results/pitch/{r}.csv") for r in recordings]
    subset = evaluation_subset(recordings, pitch_cfg["evaluate_subset"])
    for method in dict.fromkeys(pitch_cfg["evaluate_methods"]):
        if method != main:
            tracks += [(method, r, f"results/eval/pitch/{method}/{r}.csv") for r in subset]
    return tracks


def contour_plot_inputs(corpus_cfg: Mapping, corpus: Corpus, recording: str) -> dict[str, str]:
    """Files the contour plot of ``recording`` draws: f0, contour, motifs, and (synth) the plan."""
    inputs = {
        "pitch": f"results/pitch/{recording}.csv",
        "contour": f"results/contour/{recording}.tsv",
        "occurrences": "results/motifs/occurrences.tsv",
        "recordings": "results/corpus/recordings.tsv",
    }
    if corpus.synth:
        inputs["planted"] = f"{corpus_cfg['audio_root']}/motifs/{recording}.tsv"
    return inputs


def baseline_feature_set(config: Mapping, baseline: str) -> str:
    """Feature set of the store an SVM baseline (or the sanity rows) reads.

    ``convnet_svm`` reads the store its trained convnet (``baselines.convnet_svm.model``) was
    trained on; the others read ``baselines.<name>.features``. Either way the default is the
    first feature set. The sanity rows read the store of ``mfcc_svm``, configured or not.
    """
    cfg = (config.get("baselines") or {}).get(baseline) or {}
    if baseline == "convnet_svm":
        model = cfg.get("model", "compact_convnet")
        if model in config["models"]:
            return feature_set_for(model, config["models"][model], config["features"])
        return next(iter(config["features"]))
    return cfg.get("features") or next(iter(config["features"]))


def baseline_checkpoint(
    config: Mapping, baseline: str, *, dataset: str, split: str, fold: int | str, seed: int | str
) -> str | None:
    """The network checkpoint an SVM baseline takes its features from, if any.

    ``convnet_svm``: the Table I run (``augment.policy``) of its convnet on the same dataset,
    split, fold and seed; ``convnet_svm_transfer``: ``baselines.convnet_svm_transfer.checkpoint``,
    trained elsewhere; ``mfcc_svm`` and ``convnet_svm_random`` read none (``None``).
    """
    cfg = (config.get("baselines") or {}).get(baseline) or {}
    if baseline == "convnet_svm":
        policy = (config.get("augment") or {}).get("policy", "none")
        run = Run(cfg.get("model", "compact_convnet"), dataset, split, int(fold), int(seed), policy)
        return f"{run.path}/checkpoint.pt"
    if baseline == "convnet_svm_transfer":
        return str(cfg["checkpoint"])
    return None


def bootstrap_group_table(config: Mapping, corpus: Corpus) -> str | None:
    """The table that gives each recording its bootstrap group, if any.

    ``None`` without ``report.bootstrap_group``; else the recordings table, or, in clips mode
    where there is none, the segments table (it carries singer and recording).
    """
    if not (config.get("report") or {}).get("bootstrap_group"):
        return None
    return "results/segments/motivic.tsv" if corpus.clips else "results/corpus/recordings.tsv"


def final_targets(config: Mapping, corpus: Corpus) -> list[str]:
    """What a run of the workflow produces (``rule all``).

    Table I always; Table II when ``augment`` gives it cells; the motivic versus
    non-motivic comparison when both datasets are trained on; the pitch evaluation when
    f0 references exist; the motif evaluation (synth), the clip patterns (clips), the
    coherence of the mined motifs (not clips), the melodic summary
    (``melodic_summary.activate``, not clips), the contour plots (``plots.contour.activate``)
    and the protocol table where the authors' clip-level split is run (``random_clips``);
    the distinctive motifs per class (not clips) and the motif browser (``browser.activate``,
    not clips).
    """
    targets = ["results/tables/table1.csv", "results/tables/table1.md"]
    if table2_cells(config):
        targets += ["results/tables/table2.csv", "results/tables/table2.md"]
    if {"motivic", "nonmotivic"} <= set(config["datasets"]):
        targets += ["results/tables/motivic_vs_control.csv", "results/tables/motivic_vs_control.md"]
    if corpus.f0_references:
        targets += ["results/eval/pitch.tsv"]
    if corpus.synth:
        targets += ["results/eval/motifs.tsv"]
    if corpus.clips:
        targets += ["results/eval/clip_patterns.tsv"]
    if "random_clips" in config["split"]["strategies"]:  # the authors' protocol beside others
        targets += ["results/tables/protocols.csv", "results/tables/protocols.md"]
    if not corpus.clips:
        targets += ["results/motifs/coherence.tsv"]
    if config["melodic_summary"]["activate"] and not corpus.clips:
        targets += ["results/eval/melodic_summary.tsv"]
    if config["plots"]["contour"]["activate"]:
        targets += ["results/plots/contour/index.tsv"]
    if not corpus.clips:  # rules/browser.smk
        targets += ["results/motifs/distinctive.tsv"]
        targets += ["results/browser"] if config["browser"]["activate"] else []
    return targets
