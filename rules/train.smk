# Stages 7-8: one network per (model, dataset, split strategy, augmentation policy), evaluated
# on its test split. Which runs exist is decided by the tables that need them (rules/report.smk).
from motivic import experiment as _experiment

try:
    _experiment.check_grid(config)
except MotivicError as _err:
    raise WorkflowError(str(_err)) from None

RUN = "results/models/{model}/{dataset}/{split}/{augment}"
RUN_LABELS = {k: f"{{{k}}}" for k in ("model", "dataset", "split", "augment")}
# The feature store a run's model trains on (so a store is built only when some model needs it).
MODEL_STORE = lambda wc: f"results/features/{model_feature_set(wc.model)}/{wc.dataset}.h5"


rule train_model:
    input:
        store=MODEL_STORE,
        split="results/splits/{dataset}/{split}.tsv",
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
        "results/logs/train_model/{model}-{dataset}-{split}-{augment}.log",
    benchmark:
        "results/benchmarks/train_model/{model}-{dataset}-{split}-{augment}.tsv"
    params:
        model=lambda wc: model_options(wc.model),
        training=training_params(),
        augment=lambda wc: _experiment.run_augment(config.get("augment"), wc.augment),
        code=code_digest("train_model.py"),
    threads: 1
    resources:
        gpu=1,
        mem_mb=8000,
        **RUNTIME_TRAINING,
        runtime=240,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/train_model.py"


rule evaluate_model:
    input:
        store=MODEL_STORE,
        split="results/splits/{dataset}/{split}.tsv",
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
        "results/logs/evaluate_model/{model}-{dataset}-{split}-{augment}.log",
    params:
        training=evaluation_params(),
        code=code_digest("evaluate_model.py"),
    threads: 1
    resources:
        gpu=1,
        mem_mb=4000,
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/evaluate_model.py"
