# Stages 4-6: motivic and control segments, log-mel HDF5 stores, the shared splits.


# Clips mode: every validated clip is a motivic segment (rules/corpus.smk, index_clips).
if not CLIPS:

    rule select_segments:
        input:
            recordings="results/corpus/recordings.tsv",
            occurrences="results/motifs/occurrences.tsv",
            dictionary="results/motifs/dictionary.tsv",
            pitch=valid("results/pitch/{recording}.csv"),
        output:
            motivic="results/segments/motivic.tsv",
            nonmotivic="results/segments/nonmotivic.tsv",
            no_motifs="results/validation/no_motifs.tsv",
        log:
            "results/logs/select_segments/select_segments.log",
        params:
            cfg=cfg_slice("segments"),
            min_gap_s=config["contour"]["min_gap_s"],
            code=code_digest("select_segments.py"),
        conda:
            "../envs/audio.yaml"
        script:
            "../workflow_scripts/select_segments.py"


rule build_mel_store:
    input:
        segments="results/segments/{dataset}.tsv",
        audio=store_audio_files,
        corpus_report="results/validation/corpus_report.tsv",  # native rates: fmax_hz null
    output:
        "results/features/{feature_set}/{dataset}.h5",
    log:
        "results/logs/build_mel_store/{feature_set}-{dataset}.log",
    params:
        cfg=lambda wildcards: cfg_slice("features", wildcards.feature_set),
        audio=store_audio_paths(),
        code=code_digest("build_mel_store.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(4000),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/build_mel_store.py"


# The folds of one split strategy (motivic/splits/): a checkpoint, because leave-one-group-out
# has one fold per group, known once the segments are. Each fold's file is a job of its own.
checkpoint split_segments:
    input:
        "results/segments/{dataset}.tsv",
    output:
        folds="results/splits/{dataset}/{split}.tsv",
        summary="results/splits/{dataset}/{split}.folds.tsv",
    log:
        "results/logs/split_segments/{dataset}-{split}.log",
    params:
        cfg=lambda wc: _splits.strategy_params(cfg_slice("split"), wc.split),
        code=code_digest("split_segments.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/split_segments.py"


rule split_fold:
    input:
        "results/splits/{dataset}/{split}.tsv",
    output:
        "results/splits/{dataset}/{split}/{fold}.tsv",
    log:
        "results/logs/split_fold/{dataset}-{split}-{fold}.log",
    params:
        code=code_digest("split_fold.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/split_fold.py"
