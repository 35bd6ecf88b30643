# Baselines of Choi (2018, ch. 6), as Table I rows: MFCC statistics + SVM, and the average-pooled
# layer activations of a trained compact convnet + SVM. Never augmented ({augment} is none).

from motivic.baselines.svm import resolve_class_weighting

BASELINES = {name: cfg_slice("baselines", name) for name in config.get("baselines") or {}}
MFCC_SVM = BASELINES.get("mfcc_svm", {})
MFCC_FEATURES = MFCC_SVM.get("features") or next(iter(config["features"]))
CONVNET_SVM = BASELINES.get("convnet_svm", {})
# The Table I run of the compact convnet whose layers give the features.
CONVNET = CONVNET_SVM.get("model", "compact_convnet")
CONVNET_FEATURES = (
    model_feature_set(CONVNET) if CONVNET in config["models"] else next(iter(config["features"]))
)
TABLE1_POLICY = (config.get("augment") or {}).get("policy", "none")
CONVNET_RUN = f"results/models/{CONVNET}/{{dataset}}/{{split}}/{{fold}}/{{seed}}/{TABLE1_POLICY}"


rule mfcc_svm:
    input:
        store=f"results/features/{MFCC_FEATURES}/{{dataset}}.h5",
        split=FOLD_SPLIT,
    output:
        metrics="results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/mfcc_svm/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="mfcc_svm",
            labels={"model": "mfcc_svm", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/mfcc_svm/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/mfcc_svm/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=MFCC_SVM,
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"


rule convnet_svm:
    input:
        store=f"results/features/{CONVNET_FEATURES}/{{dataset}}.h5",
        split=FOLD_SPLIT,
        checkpoint=f"{CONVNET_RUN}/checkpoint.pt",
    output:
        metrics="results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/convnet_svm/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="convnet_svm",
            labels={"model": "convnet_svm", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/convnet_svm/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/convnet_svm/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=CONVNET_SVM,
        training=lambda wc: _grid.run_training(evaluation_params(), wc.seed),
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"


# Choi et al. (2017)'s convnet-feature baselines as published: the convnet is trained on a source
# task or corpus (convnet_svm_transfer: baselines.convnet_svm_transfer.checkpoint, a local file),
# or keeps seeded random weights (convnet_svm_random). convnet_svm above is the in-domain variant.
CONVNET_SVM_RANDOM = BASELINES.get("convnet_svm_random", {})
CONVNET_SVM_TRANSFER = BASELINES.get("convnet_svm_transfer", {})


rule convnet_svm_random:
    input:
        store=f"results/features/{CONVNET_SVM_RANDOM.get('features') or next(iter(config['features']))}/{{dataset}}.h5",
        split=FOLD_SPLIT,
    output:
        metrics="results/models/convnet_svm_random/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/convnet_svm_random/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/convnet_svm_random/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="convnet_svm_random",
            labels={"model": "convnet_svm_random", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/convnet_svm_random/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/convnet_svm_random/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=CONVNET_SVM_RANDOM,
        training=lambda wc: _grid.run_training(evaluation_params(), wc.seed),
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"


rule convnet_svm_transfer:
    input:
        store=f"results/features/{CONVNET_SVM_TRANSFER.get('features') or next(iter(config['features']))}/{{dataset}}.h5",
        split=FOLD_SPLIT,
        checkpoint=CONVNET_SVM_TRANSFER.get("checkpoint") or "baselines.convnet_svm_transfer.checkpoint",
    output:
        metrics="results/models/convnet_svm_transfer/{dataset}/{split}/{fold}/{seed}/none/metrics.json",
        predictions="results/models/convnet_svm_transfer/{dataset}/{split}/{fold}/{seed}/none/predictions.tsv",
        confusion=report(
            "results/models/convnet_svm_transfer/{dataset}/{split}/{fold}/{seed}/none/confusion.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="convnet_svm_transfer",
            labels={"model": "convnet_svm_transfer", "dataset": "{dataset}", "split": "{split}", "fold": "{fold}", "seed": "{seed}"},
        ),
    log:
        "results/logs/convnet_svm_transfer/{dataset}-{split}-{fold}-{seed}.log",
    benchmark:
        "results/benchmarks/convnet_svm_transfer/{dataset}-{split}-{fold}-{seed}.tsv"
    params:
        cfg=CONVNET_SVM_TRANSFER,
        training=lambda wc: _grid.run_training(evaluation_params(), wc.seed),
        class_weighting=lambda wc: resolve_class_weighting(config["training"], wc.split),
        code=code_digest("baseline_svm.py"),
    threads: 1
    resources:
        mem_mb=attempt_scaled(2000),
        **RUNTIME_TRAINING,
    conda:
        "../envs/torch.yaml"
    script:
        "../workflow_scripts/baseline_svm.py"
