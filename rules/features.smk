# Stage 5: one log-mel HDF5 store per feature set and dataset (motivic/features/), built only when
# some model or baseline reads it.


rule build_mel_store:
    input:
        segments="results/segments/{dataset}.tsv",
        audio=get_store_audio,
        corpus_report="results/validation/corpus_report.tsv",  # native rates: fmax_hz null
    output:
        "results/features/{feature_set}/{dataset}.h5",
    log:
        "results/logs/build_mel_store/{feature_set}-{dataset}.log",
    params:
        cfg=lambda wildcards: cfg_slice("features", wildcards.feature_set),
        audio=_inputs.store_audio_paths(CORPUS),
        code=code_digest("build_mel_store.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(4000),
    conda:
        "../envs/audio.yaml"
    script:
        "../workflow_scripts/build_mel_store.py"
