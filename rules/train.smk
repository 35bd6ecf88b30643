# Stages 7-8: one model per (model, dataset, split strategy), evaluated on its test split.


rule train_model:
    input:
        store=lambda wc: f"results/features/{model_feature_set(wc.model)}/{wc.dataset}.h5",
        split="results/splits/{dataset}/{split}.tsv",
    output:
        checkpoint="results/models/{model}/{dataset}/{split}/checkpoint.pt",
        history="results/models/{model}/{dataset}/{split}/history.tsv",
    log:
        "results/logs/train_model/{model}-{dataset}-{split}.log",
    benchmark:
        "results/benchmarks/train_model/{model}-{dataset}-{split}.tsv"
    params:
        model=lambda wc: model_options(wc.model),
        training=cfg_slice("training"),
        augment=cfg_slice("augment"),
    threads: 2
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=240,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/train_model.py"


rule evaluate_model:
    input:
        store=lambda wc: f"results/features/{model_feature_set(wc.model)}/{wc.dataset}.h5",
        split="results/splits/{dataset}/{split}.tsv",
        checkpoint="results/models/{model}/{dataset}/{split}/checkpoint.pt",
    output:
        metrics="results/models/{model}/{dataset}/{split}/metrics.json",
        predictions="results/models/{model}/{dataset}/{split}/predictions.tsv",
    log:
        "results/logs/evaluate_model/{model}-{dataset}-{split}.log",
    params:
        training=cfg_slice("training"),
        augment_policy=config["augment"]["policy"],
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/evaluate_model.py"
