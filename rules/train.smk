# Stages 7-8: one network per (model, dataset, split strategy, fold, seed, augmentation policy),
# trained and then scored on the test part of its fold in the same job (scoring is seconds; a job
# of its own cost more in start-up than it did work). Which runs exist is decided by the tables
# that need them (rules/report.smk); each fold and seed is its own job (parallel locally, one
# cluster job each).


# Names of this file only. A run's directory, log name and report labels; the conda env of
# train_model (envs.train_model): envs/torch.yaml (CPU) or envs/torch-cuda.yaml.
train_run_dir = _grid.RUN_PATTERN
train_run_name = "{model}-{dataset}-{split}-{fold}-{seed}-{augment}"
train_run_labels = {k: f"{{{k}}}" for k in ("model", "dataset", "split", "fold", "seed", "augment")}
train_env = f"../envs/{config['envs']['train_model']}.yaml"


rule train_model:
    input:
        store=get_model_store,
        split=FOLD_SPLIT,
    output:
        checkpoint=f"{train_run_dir}/checkpoint.pt",
        history=f"{train_run_dir}/history.tsv",
        curves=report(
            f"{train_run_dir}/curves.png",
            caption="../report/curves.rst",
            category="Training curves",
            subcategory="{model}",
            labels=train_run_labels,
        ),
        metrics=f"{train_run_dir}/metrics.json",
        predictions=f"{train_run_dir}/predictions.tsv",
        confusion=report(
            f"{train_run_dir}/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{model}",
            labels=train_run_labels,
        ),
    log:
        f"results/logs/train_model/{train_run_name}.log",
    benchmark:
        f"results/benchmarks/train_model/{train_run_name}.tsv"
    params:
        model=lambda wc: model_options(wc.model),
        training=lambda wc: _grid.run_training(training_params(), wc.seed, wc.split),
        augment=lambda wc: _grid.run_augment(config.get("augment"), wc.augment),
        code=code_digest("train_model.py"),
    threads: 1
    resources:
        **RUNTIME_TRAINING,
        gpu=1,
        mem_mb=attempt_scaled(8000),
        runtime=attempt_scaled(240),
    conda:
        train_env
    script:
        "../workflow_scripts/train_model.py"
