# Stage 3: closed motif mining per recording (mining.scope: recording, the paper) or over the whole
# collection (mining.scope: collection), then the dictionary. Evaluations of the stage:
# score_motif_coherence and melodic_summary (any mode with recordings), evaluate_motifs (synth
# mode), clip_patterns (clips mode).
from motivic.contour import mode_options as _contour_mode

if config["mining"]["scope"] == "recording":

    rule mine_motifs:
        input:
            "results/contour/{recording}.tsv",
        output:
            "results/motifs/per_recording/{recording}.tsv",
        log:
            "results/logs/mine_motifs/{recording}.log",
        params:
            cfg=mining_params(),
            code=code_digest("mine_motifs.py"),
        conda:
            "../envs/mining.yaml"
        script:
            "../workflow_scripts/mine_motifs.py"

else:  # mining.scope: collection — one database of every phrase of the collection

    rule mine_collection_motifs:
        input:
            valid("results/contour/{recording}.tsv"),
        output:
            "results/motifs/collection/occurrences.tsv",
        log:
            "results/logs/mine_collection_motifs/mine_collection_motifs.log",
        params:
            cfg=mining_params(),
            code=code_digest("mine_collection_motifs.py"),
        resources:
            mem_mb=attempt_scaled(4000),
        conda:
            "../envs/mining.yaml"
        script:
            "../workflow_scripts/mine_collection_motifs.py"

    rule split_collection_motifs:
        input:
            "results/motifs/collection/occurrences.tsv",
        output:
            "results/motifs/per_recording/{recording}.tsv",
        log:
            "results/logs/split_collection_motifs/{recording}.log",
        params:
            code=code_digest("split_collection_motifs.py"),
        conda:
            "../envs/mining.yaml"
        script:
            "../workflow_scripts/split_collection_motifs.py"


rule collect_motifs:
    input:
        recordings="results/corpus/recordings.tsv",
        motifs=valid("results/motifs/per_recording/{recording}.tsv"),
    output:
        dictionary=report(
            "results/motifs/dictionary.tsv",
            caption="../report/dictionary.rst",
            category="Motifs",
        ),
        occurrences="results/motifs/occurrences.tsv",
    log:
        "results/logs/collect_motifs/collect_motifs.log",
    params:
        code=code_digest("collect_motifs.py"),
    localrule: True
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/collect_motifs.py"


rule score_motif_coherence:
    input:
        occurrences="results/motifs/occurrences.tsv",
        pitch=valid("results/pitch/{recording}.csv"),
    output:
        report(
            "results/motifs/coherence.tsv",
            caption="../report/coherence.rst",
            category="Motifs",
        ),
    log:
        "results/logs/score_motif_coherence/score_motif_coherence.log",
    params:
        cfg=cfg_slice("coherence"),
        code=code_digest("score_motif_coherence.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/score_motif_coherence.py"


rule evaluate_motifs:
    input:
        occurrences="results/motifs/occurrences.tsv",
        recordings="results/corpus/recordings.tsv",
        planted=valid("{root}/motifs/{recording}.tsv", root=config["corpus"]["audio_root"]),
    output:
        report(
            "results/eval/motifs.tsv", caption="../report/eval_motifs.rst", category="Evaluation"
        ),
    log:
        "results/logs/evaluate_motifs/evaluate_motifs.log",
    params:
        min_iou=0.5,
        code=code_digest("evaluate_motifs.py"),
    localrule: True
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/evaluate_motifs.py"


if CORPUS.clips:

    rule clip_patterns:
        input:
            lambda wildcards: list(CORPUS.clip_audio.values()),
        output:
            "results/eval/clip_patterns.tsv",
        log:
            "results/logs/clip_patterns/clip_patterns.log",
        params:
            clips=CORPUS.clip_patterns,
            audio_root=config["corpus"]["audio_root"],
            pitch=pitch_params(config["pitch"]["method"]),
            contour=cfg_slice("contour"),
            seed=config["clip_patterns"]["seed"],
            code=code_digest("clip_patterns.py"),
        resources:
            runtime=60,
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/clip_patterns.py"


rule melodic_summary:
    input:
        recordings="results/corpus/recordings.tsv",
        pitch=valid("results/pitch/{recording}.csv"),
    output:
        "results/eval/melodic_summary.tsv",
    log:
        "results/logs/melodic_summary/melodic_summary.log",
    params:
        modes={
            m: _contour_mode(cfg_slice("contour"), m) for m in config["melodic_summary"]["modes"]
        },
        mining=mining_params(),
        coherence=cfg_slice("coherence"),
        min_duration_s=config["segments"]["min_duration_s"],
        code=code_digest("melodic_summary.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/melodic_summary.py"


# The motifs most characteristic of each class: log-odds with an informative Dirichlet prior over
# the recordings carrying them (Monroe et al. 2008; motivic/mining/distinctive.py).
rule rank_distinctive_motifs:
    input:
        dictionary="results/motifs/dictionary.tsv",
        occurrences="results/motifs/occurrences.tsv",
        recordings="results/corpus/recordings.tsv",
    output:
        report(
            "results/motifs/distinctive.tsv",
            caption="../report/distinctive.rst",
            category="Motifs",
        ),
    log:
        "results/logs/rank_distinctive_motifs/rank_distinctive_motifs.log",
    params:
        cfg=cfg_slice("distinctive"),
        code=code_digest("rank_distinctive_motifs.py"),
    localrule: True
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/rank_distinctive_motifs.py"
