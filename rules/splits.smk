# Stage 6: the folds of each split strategy (motivic/splits/), shared by every model and by both
# datasets of a comparison. Each fold's file is a job of its own, the input of every run on that
# fold (FOLD_SPLIT).

FOLD_SPLIT = "results/splits/{dataset}/{split}/{fold}.tsv"


# The fold plan of a strategy (motivic/splits/plan.py), drawn once from every dataset's segments so
# that the motivic and non-motivic runs of a row share their training, validation and test
# recordings; the checkpoint (leave one group out has one fold per group).
checkpoint plan_splits:
    input:
        expand("results/segments/{dataset}.tsv", dataset=config["datasets"]),
    output:
        plan="results/splits/{split}.plan.tsv",
        summary="results/splits/{split}.folds.tsv",
    log:
        "results/logs/plan_splits/{split}.log",
    params:
        cfg=lambda wc: _splits.strategy_params(cfg_slice("split"), wc.split),
        datasets=config["datasets"],
        code=code_digest("plan_splits.py"),
    conda:
        "../envs/mining.yaml"
    script:
        "../workflow_scripts/plan_splits.py"


# One dataset's folds under the plan.
rule split_segments:
    input:
        segments="results/segments/{dataset}.tsv",
        plan="results/splits/{split}.plan.tsv",
        summary="results/splits/{split}.folds.tsv",
    output:
        folds="results/splits/{dataset}/{split}.tsv",
        summary="results/splits/{dataset}/{split}.folds.tsv",
    log:
        "results/logs/split_segments/{dataset}-{split}.log",
    params:
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
