# Stage 1: f0 of each recording (Melodia by default), as MIREX time,frequency CSV; every backend
# of pitch.evaluate_methods scored against f0 references: the demo corpus's ground truth (synth
# mode) or the recordings sheet's f0 column (recordings mode, e.g. real singing).


wildcard_constraints:
    method="|".join(_pitch.METHODS),


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
