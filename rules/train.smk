# Stages 7-8: one network per (model, dataset, split strategy, fold, seed, augmentation policy),
# evaluated on the test part of its fold. Which runs exist is decided by the tables that need them
# (rules/report.smk); each fold and seed is its own job (parallel locally, one cluster job each).
from motivic.core.config import evaluation_params as _evaluation_params
from motivic.core.config import training_params as _training_params


def training_params():
    """Param: the training slice that identifies a trained model (no run-time keys)."""
    return _training_params(cfg_slice("training"))


def evaluation_params():
    """Param: the training keys an evaluation of a checkpoint reads."""
    return _evaluation_params(cfg_slice("training"))


def model_options(model):
    """A model's options without the feature-set key."""
    options = cfg_slice("models", model)
    options.pop("features", None)
    return options


def model_feature_set(model):
    """Feature set a model trains on (models.<name>.features, else the first one)."""
    return _grid.feature_set_for(model, config["models"][model], config["features"])


def get_model_store(wildcards):
    """The feature store a run's model trains on (a store is built only when some model needs it)."""
    return f"results/features/{model_feature_set(wildcards.model)}/{wildcards.dataset}.h5"


# Names of this file only. A run's directory, log name and report labels; the conda env of
# train_model (envs.train_model): envs/torch.yaml (CPU) or envs/torch-cuda.yaml.
train_run = _grid.RUN_PATTERN
train_run_name = "{model}-{dataset}-{split}-{fold}-{seed}-{augment}"
train_run_labels = {k: f"{{{k}}}" for k in ("model", "dataset", "split", "fold", "seed", "augment")}
train_env = f"../envs/{config['envs']['train_model']}.yaml"


rule train_model:
    input:
        store=get_model_store,
        split=FOLD_SPLIT,
    output:
        checkpoint=f"{train_run}/checkpoint.pt",
        history=f"{train_run}/history.tsv",
        curves=report(
            f"{train_run}/curves.png",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{model}",
            labels=train_run_labels,
        ),
    log:
        f"results/logs/train_model/{train_run_name}.log",
    benchmark:
        f"results/benchmarks/train_model/{train_run_name}.tsv"
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
        train_env
    script:
        "../workflow_scripts/train_model.py"


rule evaluate_model:
    input:
        store=get_model_store,
        split=FOLD_SPLIT,
        checkpoint=f"{train_run}/checkpoint.pt",
    output:
        metrics=f"{train_run}/metrics.json",
        predictions=f"{train_run}/predictions.tsv",
        confusion=report(
            f"{train_run}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{model}",
            labels=train_run_labels,
        ),
    log:
        f"results/logs/evaluate_model/{train_run_name}.log",
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
