# Stage 1: f0 of each recording (Melodia by default), as MIREX time,frequency CSV.


rule extract_pitch:
    input:
        get_audio,
    output:
        "results/pitch/{recording}.csv",
    log:
        "results/logs/extract_pitch/{recording}.log",
    params:
        cfg=cfg_slice("pitch"),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/extract_pitch.py"


rule evaluate_pitch:
    input:
        estimates=expand("results/pitch/{recording}.csv", recording=RECORDINGS),
        references=expand(
            "{root}/f0/{recording}.csv",
            root=config["corpus"]["audio_root"],
            recording=RECORDINGS,
        ),
    output:
        report("results/eval/pitch.tsv", caption="../report/eval_pitch.rst", category="Evaluation"),
    log:
        "results/logs/evaluate_pitch/evaluate_pitch.log",
    params:
        method=config["pitch"]["method"],
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/evaluate_pitch.py"
