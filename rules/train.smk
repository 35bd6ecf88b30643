# Stages 7-8: one network per (model, dataset, split strategy, fold, seed, augmentation policy),
# evaluated on the test part of its fold. Which runs exist is decided by the tables that need them
# (rules/report.smk); each fold and seed is its own job (parallel locally, one cluster job each).
from motivic.workflow import grid as _grid

try:
    _grid.check_grid(config)
except MotivicError as _err:
    raise WorkflowError(str(_err)) from None

RUN = _grid.RUN_PATTERN
RUN_NAME = "{model}-{dataset}-{split}-{fold}-{seed}-{augment}"
RUN_LABELS = {k: f"{{{k}}}" for k in ("model", "dataset", "split", "fold", "seed", "augment")}
# The fold's split file (rules/features.smk, split_fold).
FOLD_SPLIT = "results/splits/{dataset}/{split}/{fold}.tsv"
# The feature store a run's model trains on (so a store is built only when some model needs it).
MODEL_STORE = lambda wc: f"results/features/{model_feature_set(wc.model)}/{wc.dataset}.h5"


rule train_model:
    input:
        store=MODEL_STORE,
        split=FOLD_SPLIT,
    output:
        checkpoint=f"{RUN}/checkpoint.pt",
        history=f"{RUN}/history.tsv",
        curves=report(
            f"{RUN}/curves.png",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{model}",
            labels=RUN_LABELS,
        ),
    log:
        f"results/logs/train_model/{RUN_NAME}.log",
    benchmark:
        f"results/benchmarks/train_model/{RUN_NAME}.tsv"
    params:
        model=lambda wc: model_options(wc.model),
        training=lambda wc: _grid.run_training(training_params(), wc.seed),
        augment=lambda wc: _grid.run_augment(config.get("augment"), wc.augment),
        code=code_digest("train_model.py"),
    threads: 1
    resources:
        gpu=1,
        mem_mb=attempt_scaled(8000),
        **RUNTIME_TRAINING,
        runtime=attempt_scaled(240),
    conda:
        TRAIN_ENV
    script:
        "../workflow_scripts/train_model.py"


rule evaluate_model:
    input:
        store=MODEL_STORE,
        split=FOLD_SPLIT,
        checkpoint=f"{RUN}/checkpoint.pt",
    output:
        metrics=f"{RUN}/metrics.json",
        predictions=f"{RUN}/predictions.tsv",
        confusion=report(
            f"{RUN}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{model}",
            labels=RUN_LABELS,
        ),
    log:
        f"results/logs/evaluate_model/{RUN_NAME}.log",
    params:
        training=lambda wc: _grid.run_training(evaluation_params(), wc.seed),
        code=code_digest("evaluate_model.py"),
    threads: 1
    resources:
        gpu=1,
        mem_mb=attempt_scaled(4000),
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/evaluate_model.py"
