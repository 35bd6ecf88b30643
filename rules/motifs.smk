# Stages 2-3: contour simplification and closed motif mining per recording, then the dictionary.


rule simplify_contour:
    input:
        "results/pitch/{recording}.csv",
    output:
        "results/contour/{recording}.tsv",
    log:
        "results/logs/simplify_contour/{recording}.log",
    params:
        cfg=cfg_slice("contour"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/simplify_contour.py"


rule mine_motifs:
    input:
        "results/contour/{recording}.tsv",
    output:
        "results/motifs/per_recording/{recording}.tsv",
    log:
        "results/logs/mine_motifs/{recording}.log",
    params:
        cfg=cfg_slice("mining"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/mine_motifs.py"


rule collect_motifs:
    input:
        recordings="results/corpus/recordings.tsv",
        motifs=expand("results/motifs/per_recording/{recording}.tsv", recording=RECORDINGS),
    output:
        dictionary=report(
            "results/motifs/dictionary.tsv",
            caption="../report/dictionary.rst",
            category="Motifs",
        ),
        occurrences="results/motifs/occurrences.tsv",
    log:
        "results/logs/collect_motifs/collect_motifs.log",
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/collect_motifs.py"


rule evaluate_motifs:
    input:
        occurrences="results/motifs/occurrences.tsv",
        recordings="results/corpus/recordings.tsv",
        planted=expand(
            "{root}/motifs/{recording}.tsv",
            root=config["corpus"]["audio_root"],
            recording=RECORDINGS,
        ),
    output:
        report("results/eval/motifs.tsv", caption="../report/eval_motifs.rst", category="Evaluation"),
    log:
        "results/logs/evaluate_motifs/evaluate_motifs.log",
    params:
        min_iou=0.5,
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/evaluate_motifs.py"
