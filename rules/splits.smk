# Stage 6: the folds of each split strategy (motivic/splits/), shared by every model: a checkpoint,
# because leave-one-group-out has one fold per group, known once the segments are. Each fold's file
# is a job of its own, the input of every run on that fold (FOLD_SPLIT).

FOLD_SPLIT = "results/splits/{dataset}/{split}/{fold}.tsv"


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
        FOLD_SPLIT,
    log:
        "results/logs/split_fold/{dataset}-{split}-{fold}.log",
    params:
        code=code_digest("split_fold.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/split_fold.py"
