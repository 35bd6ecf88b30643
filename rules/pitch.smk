# Stage 1: f0 of each recording (Melodia by default), as MIREX time,frequency CSV; every backend
# of pitch.evaluate_methods scored against f0 references: the demo corpus's ground truth (synth
# mode) or the recordings sheet's f0 column (recordings mode, e.g. real singing).
from motivic import pitch as _pitch


wildcard_constraints:
    method="|".join(_pitch.METHODS),


def get_audio(wildcards):
    return CORPUS.audio[wildcards.recording]


def pitch_params(method):
    """The pitch slice for one backend: its own options only (no evaluation keys)."""
    return _pitch.method_options(cfg_slice("pitch"), method)


def pitch_eval_tracks():
    """(method, recording, estimate) of every track evaluate_pitch scores (motivic/workflow/inputs.py)."""
    return _inputs.pitch_eval_tracks(config["pitch"], CORPUS, valid_recordings())


def get_eval_pitch_estimates(wildcards):
    return [path for _, _, path in pitch_eval_tracks()]


def get_eval_pitch_references(wildcards):
    return [CORPUS.f0_references[r] for _, r, _ in pitch_eval_tracks()]


def get_eval_pitch_tracks(wildcards):
    """Param: [method, recording] of each estimate (changing the set reruns the evaluation)."""
    return [[m, r] for m, r, _ in pitch_eval_tracks()]


rule extract_pitch:
    input:
        get_audio,
    output:
        "results/pitch/{recording}.csv",
    log:
        "results/logs/extract_pitch/{recording}.log",
    params:
        cfg=pitch_params(config["pitch"]["method"]),
        code=code_digest("extract_pitch.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
        runtime=attempt_scaled(30),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/extract_pitch.py"


rule extract_eval_pitch:
    input:
        get_audio,
    output:
        "results/eval/pitch/{method}/{recording}.csv",
    log:
        "results/logs/extract_eval_pitch/{method}/{recording}.log",
    params:
        cfg=lambda wildcards: pitch_params(wildcards.method),
        code=code_digest("extract_pitch.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
        runtime=attempt_scaled(30),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/extract_pitch.py"


rule evaluate_pitch:
    input:
        estimates=get_eval_pitch_estimates,
        references=get_eval_pitch_references,
    output:
        report("results/eval/pitch.tsv", caption="../report/eval_pitch.rst", category="Evaluation"),
    log:
        "results/logs/evaluate_pitch/evaluate_pitch.log",
    params:
        tracks=get_eval_pitch_tracks,
        code=code_digest("evaluate_pitch.py"),
    localrule: True
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/evaluate_pitch.py"
